#!/usr/bin/env bash
# Run EPAM Studio on the demo video: set up .venv (scripts/bootstrap.sh), make sure the system
# libraries a Qt window needs on Linux are there, then `epam-studio --demo` (extra args passed on).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh

# Qt's xcb platform plugin (PySide6) needs these on Debian/Ubuntu; a bare system lacks several.
# Each package is paired with the library it provides (checked with ldconfig where dpkg is absent).
XCB_LIBS="libxcb-cursor0:libxcb-cursor.so.0 libxcb-icccm4:libxcb-icccm.so.4 libxcb-keysyms1:libxcb-keysyms.so.1 \
libxcb-image0:libxcb-image.so.0 libxcb-render-util0:libxcb-render-util.so.0 libxcb-shape0:libxcb-shape.so.0 \
libxcb-xkb1:libxcb-xkb.so.1 libxkbcommon-x11-0:libxkbcommon-x11.so.0 libegl1:libEGL.so.1 libgl1:libGL.so.1 \
libfontconfig1:libfontconfig.so.1 libdbus-1-3:libdbus-1.so.3"

missing_packages() {
  local missing="" pkg lib
  for pair in $XCB_LIBS; do
    pkg="${pair%%:*}"; lib="${pair#*:}"
    if command -v dpkg >/dev/null 2>&1; then
      dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    else
      ldconfig -p 2>/dev/null | grep -qF "$lib" || missing="$missing $pkg"
    fi
  done
  echo "$missing"
}

if [ "$(uname -s)" = "Linux" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
  MISSING="$(missing_packages)"
  if [ -n "$MISSING" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      echo "[demo] Qt needs these system libraries (names as on Debian/Ubuntu):$MISSING"
      echo "[demo] install them with your package manager, then run this script again."
      exit 1
    fi
    CMD="apt-get install -y --no-install-recommends$MISSING"
    if [ "$(id -u)" = "0" ]; then
      echo "[demo] installing Qt system libraries:$MISSING"
      apt-get update -qq && $CMD
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      echo "[demo] installing Qt system libraries with sudo:$MISSING"
      sudo apt-get update -qq && sudo $CMD
    else
      echo "[demo] Qt needs system libraries that are missing. Run:"
      echo "    sudo apt-get update && sudo $CMD"
      exit 1
    fi
  fi
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "[demo] no display found (DISPLAY is not set). On a server, try: xvfb-run -a bash scripts/demo.sh"
  fi
fi

exec "$ROOT/.venv/bin/epam-studio" --demo "$@"
