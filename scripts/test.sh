#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite offscreen.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# the other tools' own code that checks our label files (BORIS, pympi for ELAN, datumaro for CVAT): test-only,
# installed once; if it cannot be installed those tests skip and say so
STAMP="$ROOT/.venv/.interop-stamp"
WANT="$(sha1sum scripts/install_interop_tests.sh | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "[setup] installing BORIS, pympi-ling and datumaro for the label-format tests (log: .venv/interop.log)"
  if PY="$ROOT/.venv/bin/python" sh scripts/install_interop_tests.sh > "$ROOT/.venv/interop.log" 2>&1; then
    echo "$WANT" > "$STAMP"
  else
    echo "[setup] they did not install: the label-format checks by those tools will skip (see .venv/interop.log)"
  fi
fi
export QT_QPA_PLATFORM=offscreen
# as epam and epam-studio run (core_model/omp_policy.py): OpenMP's idle threads sleep instead of spinning
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
