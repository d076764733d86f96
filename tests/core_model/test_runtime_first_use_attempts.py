"""The installation's first-use export is started a bounded number of times per request and environment: an export
that fails (here: a model name that does not exist, a real background process) is not started again after every
short run, and its record says why it failed."""
from __future__ import annotations

import time

import torch

from core_model.runtime import first_use
from core_model.runtime.ready import request_identity


def _wait_done(timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while first_use.lock_path().exists():
        assert time.monotonic() < deadline, "the background export did not end"
        time.sleep(0.1)


def test_a_failing_first_use_export_is_not_started_again_and_again(monkeypatch):
    monkeypatch.setenv(first_use.ENV, "1")
    identity = request_identity(model_name="no-such-model")
    request = {"runtime": "auto", "device": "auto", "batch_size": 0, "batch": 1}
    model = {"checkpoint": None, "classes": None, "seed": 0, "model": "no-such-model"}
    inputs = {"video": torch.zeros(1, 3, 2, 8, 8)}
    assert first_use.attempts(identity, request) == {"started": 0, "last": None}

    for attempt in range(1, first_use.MAX_ATTEMPTS + 1):
        assert first_use.start(identity, request, model, inputs) is not None
        _wait_done()
        record = first_use.attempts(identity, request)
        assert record["started"] == attempt and record["last"]["outcome"] == "failed"
        assert "no-such-model" in record["last"]["error"]

    assert first_use.start(identity, request, model, inputs) is None  # the short runs after it start nothing
    assert not first_use.lock_path().exists()
    other = {**request, "batch_size": 2}  # another request still gets its own export
    assert first_use.attempts(identity, other)["started"] == 0


def test_the_export_leaves_a_real_time_scheduler_it_inherited(tmp_path):
    """Started from ``chrt -r 1`` (a benchmark, a kiosk), the export still runs at an ordinary, lower priority."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("chrt") is None or subprocess.run(["chrt", "-r", "1", "true"]).returncode != 0:
        import pytest

        pytest.skip("no real-time scheduling here (chrt missing or not permitted)")
    code = ("import os; from core_model.runtime.first_use import lower_priority; before = os.sched_getscheduler(0); "
            "lower_priority(); print(before == os.SCHED_RR, os.sched_getscheduler(0) == os.SCHED_OTHER, os.nice(0))")
    out = subprocess.run(["chrt", "-r", "1", sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd()}).stdout.split()
    assert out[:2] == ["True", "True"] and int(out[2]) >= first_use.NICENESS
