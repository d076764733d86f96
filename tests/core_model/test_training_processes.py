"""A killed ``epam train`` takes its helpers along: forkserver, resource tracker and DataLoader workers end
within seconds of a SIGKILL (they used to stay for ten minutes, ignoring SIGTERM, holding ~590 MB)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core_model.export import make_synthetic_set

TINY = {"rgb_size": 64, "heatmap_size": 16, "rgb_frames": 4, "pose_frames": 12}


def _stat(pid: int):
    """(state, parent pid) from /proc, or None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has ended; only its reaping is left


def descendants(root: int):
    """Every process below ``root`` (children, their children, ...), from /proc (psutil when installed)."""
    try:
        import psutil

        return [p.pid for p in psutil.Process(root).children(recursive=True)]
    except ImportError:
        pass
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)] = stat[1]
    out, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        out += children
        frontier += children
    return out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_ends_workers_forkserver_and_resource_tracker(tmp_path):
    data = make_synthetic_set(tmp_path / "set", classes=2, clips_per_class=4, size=(64, 48), seconds=0.5, seed=6,
                              split=0.75)
    preset = tmp_path / "tiny.json"
    preset.write_text(json.dumps({"name": "tiny", "inputs": TINY, "default_phase": "joint",
                                  "phases": {p: {"epochs": 50, "batch": 2, "lr": 0.05} for p in ("rgb", "pose", "joint")}}))
    proc = subprocess.Popen([sys.executable, "-m", "core_model.training", str(data.path), "-o", str(tmp_path / "run"),
                             "--preset", str(preset), "--workers", "2", "--log-every", "0", "--device", "cpu",
                             "--tiny"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    helpers = []
    try:
        for line in proc.stdout:
            if line.startswith("{") and json.loads(line)["event"] == "batch":
                break
        else:
            pytest.fail("the run ended before its first batch")
        helpers = [pid for pid in descendants(proc.pid) if _alive(pid)]
        # two DataLoader workers, the forkserver they are forked from, multiprocessing's resource tracker
        assert len(helpers) >= 4, helpers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 8.0
        while time.monotonic() < deadline and any(_alive(pid) for pid in helpers):
            time.sleep(0.1)
        left = [pid for pid in helpers if _alive(pid)]
        took = 8.0 - (deadline - time.monotonic())
        assert not left, f"still running {took:.1f} s after the SIGKILL: {left}"
        print(f"{len(helpers)} helper processes ended {took:.2f} s after the SIGKILL")
    finally:
        proc.kill()
        for pid in helpers:  # only the processes this test started
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
