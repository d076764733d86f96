"""``epam … | head``: a reader that stops early ends the command quietly, as it ends Unix tools."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from core_model.project.io import import_labels

from .project_helpers import new_project

EPAM = [sys.executable, "-c", "import sys; from core_model.cli import main; sys.exit(main())"]


def test_stats_piped_into_a_reader_that_closes_early(tmp_path):
    with new_project(tmp_path, frames=100000, videos=1, labels=[f"label{i}" for i in range(40)]) as store:
        with open(tmp_path / "l.csv", "w") as fh:
            fh.write("video,person,start_frame,end_frame,label\n")
            for i in range(8000):
                fh.write(f"v0.mp4,{i % 2000},{(i // 2000) * 10},{(i // 2000) * 10 + 5},label{(i // 2000) % 40}\n")
        import_labels(store, tmp_path / "l.csv")
        path = str(store.path)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for argv in (["labels", "stats", path], ["labels", "stats", path, "--json"]):
        proc = subprocess.Popen(EPAM + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert len(proc.stdout.read(100)) == 100  # like head -c 100: read a little (of 8000 rows), then close
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
        assert err == "", err
        assert code == 128 + signal.SIGPIPE
