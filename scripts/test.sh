#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite offscreen.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export QT_QPA_PLATFORM=offscreen
# as epam and epam-studio run (core_model/omp_policy.py): OpenMP's idle threads sleep instead of spinning
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
