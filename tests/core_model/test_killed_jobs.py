"""Killed jobs leave nothing behind: pose workers (and multiprocessing's resource tracker) die with the CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _group_members(pgid: int) -> list:
    """PIDs of the live (not zombie) processes in process group ``pgid``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_pose_workers_die_with_a_killed_extract(bikes_video, tmp_path, sig):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "core_model.cli", "extract", str(bikes_video), "--workers", "2",
                             "--no-cache", "-o", str(tmp_path / "x.npz")], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    pgid = proc.pid
    try:
        # the parent, the resource tracker and the spawned worker are all up
        assert _wait_for(lambda: len(_group_members(pgid)) >= 3, 60), "the pose worker never started"
        time.sleep(1.0)  # the worker is busy with frames now
        assert proc.poll() is None, "extraction finished before it could be killed"
        os.kill(proc.pid, sig)
        proc.wait(timeout=10)
        gone = _wait_for(lambda: not _group_members(pgid), 10)
        left = _group_members(pgid)
        assert gone, f"processes left running after the parent was killed: {left}"
    finally:
        for pid in _group_members(pgid):
            os.kill(pid, signal.SIGKILL)
