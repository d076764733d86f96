"""A full disk (or a file size limit) while ``epam train`` writes: one sentence and a JSON ``error`` line.

The disk is really full: the run folder is a 1 MiB tmpfs mounted in a private mount namespace (``unshare``;
as root, or as a user where user namespaces are allowed), so the kernel answers ENOSPC. The file size limit
(RLIMIT_FSIZE) gives EFBIG without privileges.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from core_model.export import make_synthetic_set

TINY = {"rgb_size": 64, "heatmap_size": 16, "rgb_frames": 4, "pose_frames": 12}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diskfull")
    data = make_synthetic_set(folder / "set", classes=2, clips_per_class=3, size=(64, 48), seconds=0.5, seed=4,
                              split=0.67)
    preset = folder / "tiny.json"
    preset.write_text(json.dumps({"name": "tiny", "inputs": TINY, "default_phase": "joint",
                                  "phases": {p: {"epochs": 1, "batch": 4, "lr": 0.05} for p in ("rgb", "pose", "joint")}}))
    return folder, data, str(preset)


def _train_argv(data, out, preset):
    return [sys.executable, "-m", "core_model.training", str(data.path), "-o", str(out), "--preset", preset,
            "--workers", "0", "--device", "cpu"]


def _unshare_prefix():
    """``unshare`` arguments giving a private mount namespace, or None where it is not allowed here."""
    tool = shutil.which("unshare")
    if tool is None:
        return None
    for args in ([tool, "--mount", "--propagation", "private"] if os.geteuid() == 0 else [],
                 [tool, "--user", "--map-root-user", "--mount", "--propagation", "private"]):
        if args and subprocess.run(args + ["true"], capture_output=True).returncode == 0:
            return args
    return None


def _check_one_sentence(proc, what: str):
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
    errors = [e for e in lines if e["event"] == "error"]
    assert len(errors) == 1, lines[-3:]
    message = errors[0]["message"]
    assert what in message.lower() and "last.pt" in message and "--resume" in message, message
    assert "\n" not in message and "internal error" not in message and "Pytorch" not in message
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("epam: error:") and what in err[0].lower(), proc.stderr[-3000:]
    assert any(e["event"] == "batch" for e in lines)  # it failed at the checkpoint, after training
    return message


@pytest.mark.slow
def test_disk_full_is_one_sentence_and_an_error_line(setup):
    folder, data, preset = setup
    prefix = _unshare_prefix()
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare refused): cannot fill a real disk safely")
    mount = folder / "tiny-disk"
    mount.mkdir(exist_ok=True)
    script = 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"'
    proc = subprocess.run(prefix + ["sh", "-c", script, "sh", str(mount)] + _train_argv(data, mount / "run", preset),
                          capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    message = _check_one_sentence(proc, "disk full")
    assert "checkpoint" in message, message


@pytest.mark.slow
def test_file_size_limit_is_one_sentence_and_an_error_line(setup, tmp_path):
    folder, data, preset = setup

    # the limit is set by a small shim that then execs the training command: a preexec_fn can deadlock the fork of
    # a process with threads (pytest's, after the GUI and pool tests)
    shim = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20)); "
            "os.execv(sys.argv[1], sys.argv[1:])")
    argv = _train_argv(data, tmp_path / "run", preset)
    proc = subprocess.run([sys.executable, "-c", shim, *argv], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    _check_one_sentence(proc, "file size limit")
    assert not [p.name for p in (tmp_path / "run").iterdir() if p.name.endswith(".tmp")]  # no partial file left
