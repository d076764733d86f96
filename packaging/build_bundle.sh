#!/usr/bin/env bash
# Build the one-folder desktop bundle dist/EPAM Studio/ with PyInstaller (spec: packaging/epam-studio.spec).
# Uses .venv (scripts/bootstrap.sh) and installs PyInstaller into it if missing. The bundle is built aside
# (dist/.EPAM Studio.<pid>.tmp) and renamed into place, so a failed build leaves the previous one intact.
# Run it with `nice -n 10` on a shared machine: the analysis of torch takes minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
NAME="EPAM Studio"
TMP="dist/.$NAME.$$.tmp"

"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.10"
[ -f data/demo/bikes.mp4 ] || "$PY" scripts/fetch_demo.py || echo "[bundle] no demo video: --demo will not work"

start=$(date +%s)
trap 'rm -rf "$TMP"' EXIT
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$TMP" --workpath build/pyinstaller \
  packaging/epam-studio.spec
ln -s epam-studio "$TMP/$NAME/epam"
rm -rf "dist/$NAME.old"
[ -e "dist/$NAME" ] && mv "dist/$NAME" "dist/$NAME.old"
mv "$TMP/$NAME" "dist/$NAME"
rm -rf "dist/$NAME.old"
echo "[bundle] dist/$NAME: $(du -sh "dist/$NAME" | cut -f1), built in $(( $(date +%s) - start )) s"
echo "[bundle] try: \"dist/$NAME/epam-studio\" --demo   or   \"dist/$NAME/epam\" --version"
