"""The programs let OpenMP's idle threads sleep (OMP_WAIT_POLICY=PASSIVE) unless the user chose a policy."""
from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import os, sys
from core_model.cli import main
try:
    main(["--version"])
except SystemExit:
    pass
import torch  # loads OpenMP after the policy is set
print("POLICY", os.environ.get("OMP_WAIT_POLICY"))
"""


def _policy(env_value):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120)
    return next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("POLICY"))


def test_the_cli_sets_passive_waiting_and_keeps_a_users_choice():
    assert _policy(None) == "PASSIVE"
    assert _policy("ACTIVE") == "ACTIVE"
