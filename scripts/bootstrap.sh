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
  echo "[setup] installing dependencies (CPU torch first, so no CUDA packages are pulled)"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install -q "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
    "$VENV/bin/python" -c "import torch" || { echo "[setup] could not install torch==2.13.0"; exit 1; }
  fi
  "$VENV/bin/python" -m pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import core_model, av, mediapipe, PySide6, pyqtgraph" \
    || { echo "[setup] dependency install failed"; exit 1; }
  echo "$WANT" > "$STAMP"
fi
"$VENV/bin/python" scripts/fetch_demo.py
