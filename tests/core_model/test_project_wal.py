"""The ``-wal`` file deleted or replaced while a project is open (SQLite's documented way to lose commits)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core_model.project import CreateSegment, ProjectError, ProjectStore
from core_model.project.records import ProjectWarning

from .project_faults import lose_wal_of_killed_writer
from .project_helpers import new_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("replace", [False, True])
def test_write_after_wal_deleted_is_refused_and_saved_edits_kept(tmp_path, replace):
    store = new_project(tmp_path)
    CreateSegment(1, 0, 0, 10, 1).apply(store)
    wal = Path(f"{store.path}-wal")
    assert wal.exists()
    wal.unlink()
    if replace:
        wal.write_bytes(b"\0" * 32)  # another program put a file of its own there
    with pytest.raises(ProjectError) as err:
        CreateSegment(1, 0, 20, 30, 1).apply(store)
    text = str(err.value)
    assert "p.epam-wal" in text and "open it again" in text and "\n" not in text, text
    assert store.read_only  # and it stays so until reopened
    assert len(store.segments()) == 1
    store.close()
    with ProjectStore.open(tmp_path / "p.epam") as again:
        assert not again.read_only and not again.warnings
        assert [(s.start_frame, s.end_frame) for s in again.segments()] == [(0, 10)]
        CreateSegment(1, 0, 20, 30, 1).apply(again)  # reopened: writing goes on
    with ProjectStore.open(tmp_path / "p.epam") as again:
        assert len(again.segments()) == 2


def test_reopen_after_commits_lost_with_the_wal_warns(tmp_path):
    new_project(tmp_path).close()
    path = tmp_path / "p.epam"
    lose_wal_of_killed_writer(path, edits=5)
    with pytest.warns(ProjectWarning):
        store = ProjectStore.open(path)
    with store:
        assert len(store.segments()) == 0  # SQLite lost them: nothing can bring them back ...
        assert store.warnings, "... but the loss must be said"
        text = store.warnings[0]
        assert "5 saved changes" in text and "p.epam" in text and "\n" not in text, text
    with ProjectStore.open(path) as store:  # said once
        assert not store.warnings


def test_cli_says_the_loss_in_one_line(tmp_path):
    new_project(tmp_path).close()
    path = tmp_path / "p.epam"
    lose_wal_of_killed_writer(path, edits=5)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "core_model.cli", "project", "info", str(path)],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(lines) == 1 and "5 saved changes" in lines[0], result.stderr
