"""The single-writer lock against hostile data folders and other names for the same project file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core_model.project import CreateSegment, ProjectError, ProjectStore

from .project_helpers import new_project

ROOT = Path(__file__).resolve().parents[2]


def _epam(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core_model.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=120)


def _lock_replaced_by(tmp_path, make) -> tuple:
    """A closed project whose lock file was replaced by ``make(lock, victim)``; returns (lock, victim)."""
    new_project(tmp_path).close()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious words\n")
    lock = tmp_path / "p.epam-data" / "lock"
    lock.unlink(missing_ok=True)
    make(lock, victim)
    return lock, victim


def test_lock_symlink_never_touches_its_target(tmp_path):
    lock, victim = _lock_replaced_by(tmp_path, lambda lock, victim: lock.symlink_to(victim))
    with ProjectStore.open(tmp_path / "p.epam") as store:
        assert store.read_only  # no lock could be taken safely: read-only, with the reason
        assert "lock" in store.read_only_reason and "not a regular file" in store.read_only_reason
        assert len(store.videos()) == 2
    assert victim.read_text() == "precious words\n"
    assert lock.is_symlink()


def test_dangling_lock_symlink_creates_nothing(tmp_path):
    new_project(tmp_path).close()
    target = tmp_path / "created-by-the-link.txt"
    lock = tmp_path / "p.epam-data" / "lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(target)
    with ProjectStore.open(tmp_path / "p.epam") as store:
        assert store.read_only
    assert not target.exists()


def test_lock_hard_link_never_written(tmp_path):
    lock, victim = _lock_replaced_by(tmp_path, lambda lock, victim: os.link(victim, lock))
    with ProjectStore.open(tmp_path / "p.epam") as store:
        assert store.read_only and "lock" in store.read_only_reason
    assert victim.read_text() == "precious words\n"


def test_lock_file_is_never_truncated(tmp_path):
    new_project(tmp_path).close()
    lock = tmp_path / "p.epam-data" / "lock"
    lock.write_text("1\n" + "x" * 100)
    with ProjectStore.open(tmp_path / "p.epam") as store:
        assert not store.read_only
        assert lock.read_text().split()[0] == str(os.getpid())
    assert lock.stat().st_size >= 100


def test_second_writer_through_a_symlink_gets_read_only(tmp_path):
    new_project(tmp_path).close()
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "alias.epam"
    link.symlink_to(tmp_path / "p.epam")
    with ProjectStore.open(tmp_path / "p.epam") as first:
        assert not first.read_only
        with ProjectStore.open(link) as second:
            assert second.read_only and "open in another program" in second.read_only_reason
            with pytest.raises(ProjectError):
                CreateSegment(1, 0, 0, 5, 1).apply(second)
    with ProjectStore.open(link) as via_link:  # the link opens the real project (its data folder)
        assert not via_link.read_only
        assert via_link.path == tmp_path / "p.epam" and via_link.data_dir == tmp_path / "p.epam-data"
        with ProjectStore.open(tmp_path / "p.epam") as direct:
            assert direct.read_only


def test_open_elsewhere_message_says_it_once(tmp_path):
    new_project(tmp_path).close()
    with ProjectStore.open(tmp_path / "p.epam") as first:
        assert not first.read_only
        with ProjectStore.open(tmp_path / "p.epam") as second:
            with pytest.raises(ProjectError) as err:
                CreateSegment(1, 0, 0, 5, 1).apply(second)
            text = str(err.value)
            assert text.count("p.epam") == 1 and text.count("another program") == 1, text
            assert "close it there first" in text


def test_cli_add_while_open_elsewhere_one_sentence(tmp_path):
    new_project(tmp_path).close()
    video = tmp_path / "v.mp4"
    video.write_bytes(b"checked only after the lock")
    with ProjectStore.open(tmp_path / "p.epam") as first:
        assert not first.read_only
        result = _epam("project", "add", tmp_path / "p.epam", video)
    assert result.returncode == 1
    line = result.stderr.strip()
    assert "\n" not in line and line.count("another program") == 1 and "close it there first" in line, line


def test_data_folder_that_is_a_file_named_as_such(tmp_path):
    new_project(tmp_path).close()
    data = tmp_path / "p.epam-data"
    for child in data.iterdir():
        child.unlink()
    data.rmdir()
    data.write_text("not a folder")
    with ProjectStore.open(tmp_path / "p.epam") as store:
        assert store.read_only
        reason = store.read_only_reason
    assert "p.epam-data" in reason and "not a folder" in reason and "not writable" not in reason, reason
    video = tmp_path / "v.mp4"
    video.write_bytes(b"checked only after the lock")
    result = _epam("project", "add", tmp_path / "p.epam", video)
    assert result.returncode == 1
    assert "p.epam-data" in result.stderr and "close it there first" not in result.stderr, result.stderr


def test_analyze_and_import_into_a_project_open_elsewhere_say_it_once(tmp_path):
    new_project(tmp_path).close()
    video = tmp_path / "v.mp4"
    video.write_bytes(b"refused before it is read")
    labels = tmp_path / "in.csv"
    labels.write_text("video,person,start_frame,end_frame,label\nv0.mp4,0,0,5,walk\n")
    with ProjectStore.open(tmp_path / "p.epam") as first:
        assert not first.read_only
        for args in (("analyze", video, "-o", tmp_path / "res", "--project", tmp_path / "p.epam"),
                     ("labels", "import", tmp_path / "p.epam", labels)):
            result = _epam(*args)
            line = result.stderr.strip()
            assert result.returncode == 1 and "\n" not in line, (args, result.stderr)
            assert line.count("p.epam") == 1 and line.count("another program") == 1, line
            assert "close it there" in line, line
