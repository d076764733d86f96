#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with the CPU build of torch,
# the project (editable) with its dev extras, and the demo video in data/demo/.
# Re-runs are fast: it only reinstalls when pyproject.toml changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
VENV="$ROOT/.venv"
STAMP="$VENV/.epam-stamp"
WANT="$(sha1sum pyproject.toml | cut -d' ' -f1)"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment in .venv"
  "$PY" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "[setup] installing dependencies (CPU torch first, so no CUDA packages are pulled; log: .venv/setup.log)"
  LOG="$VENV/setup.log"
  : > "$LOG"
  pip_install() {
    if ! "$VENV/bin/python" -m pip install "$@" >>"$LOG" 2>&1; then
      grep -v "^WARNING: Location" "$LOG" | tail -20
      if grep -q "No space left on device" "$LOG"; then
        echo "[setup] the disk is full ($(df -h "$VENV" | awk 'NR==2 {print $4}') free where .venv is): the set-up needs about 3 GB; free some space and run it again"
      fi
      echo "[setup] pip install $* failed (full log: $LOG)"
      exit 1
    fi
  }
  if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
    # EPAM_TORCH_SPEC picks another torch build (e.g. a CUDA one on a GPU machine).
    pip_install "${EPAM_TORCH_SPEC:-torch==2.13.0}" "numpy>=1.24,<2"
  fi
  pip_install -e ".[dev]"
  "$VENV/bin/python" -c "import core_model, torch, av, mediapipe, PySide6, pyqtgraph" \
    || { echo "[setup] dependency install failed (log: $LOG)"; exit 1; }
  echo "$WANT" > "$STAMP"
fi
"$VENV/bin/python" scripts/fetch_demo.py
