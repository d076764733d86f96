"""A label import that fills the disk: one sentence naming the full disk, and the project unchanged.

SQLite rolls the transaction back itself on SQLITE_FULL; the store's own ROLLBACK then fails ("cannot rollback
- no transaction is active") and used to hide the cause. Two real ways to fill it: the database's
``max_page_count`` (always), and a tiny tmpfs mounted for the test (as root; skipped where mounting is
impossible).
"""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from core_model.cli import main
from core_model.project import CreateSegment, ProjectError, ProjectStore
from core_model.project.io import import_labels

from .project_helpers import new_project, snapshot


def _label_file(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("video,person,start_frame,end_frame,label,note\n")
        for i in range(rows):
            fh.write(f"v0.mp4,{i % 50},{(i // 50) * 2},{(i // 50) * 2 + 1},walk,{'n' * 60}\n")
    return path


def test_database_full_is_one_sentence_and_changes_nothing(tmp_path):
    with new_project(tmp_path, frames=100000, videos=1) as store:
        CreateSegment(1, 0, 0, 10, 1).apply(store)
        before = snapshot(store)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 8}")
        path = _label_file(tmp_path / "l.csv", 20000)
        with pytest.raises(ProjectError) as err:
            import_labels(store, path)
        assert str(err.value) == ("The disk is full: l.csv was not imported and p.epam is unchanged (free some "
                                  "space, then import again).")
        assert snapshot(store) == before
        store.conn.execute("PRAGMA max_page_count = 1073741823")
        assert import_labels(store, path) == 20000  # the store is usable again once there is room


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    folder.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", f"epamtest{uuid.uuid4().hex[:6]}",
                           str(folder)], capture_output=True).returncode == 0


def test_full_file_system_during_import(tmp_path, capsys):
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "2m"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights)")
    try:
        store = ProjectStore.create(mnt / "p.epam", labels=["walk", "sit"], author="t")
        store.add_video_record("v0.mp4", "a" * 40, 100000, 25.0)
        CreateSegment(1, 0, 0, 10, 1).apply(store)
        before = snapshot(store)
        store.close()
        label_file = _label_file(tmp_path / "l.csv", 30000)  # about 2.5 MB in the database: more than there is
        filler = mnt / "filler"
        with open(filler, "wb") as fh:  # leave about 300 kB free
            free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
            fh.write(b"\0" * max(0, free - 300_000))
        assert main(["labels", "import", str(mnt / "p.epam"), str(label_file)]) == 1
        err = capsys.readouterr().err
        assert err == ("epam: error: The disk is full: l.csv was not imported and p.epam is unchanged (free some "
                       "space, then import again).\n")
        filler.unlink()
        with ProjectStore.open(mnt / "p.epam") as again:
            assert snapshot(again) == before
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_an_edit_that_fills_the_database_names_the_full_disk(tmp_path):
    """Any write, not only an import: SQLite rolls back itself; the store says "disk is full", not "cannot rollback"."""
    with new_project(tmp_path, frames=100000, videos=1) as store:
        before = snapshot(store)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(ProjectError) as err:
            with store.transaction():
                for i in range(5000):
                    CreateSegment(1, i % 40, (i // 40) * 2, (i // 40) * 2 + 1, 1, note="n" * 200).apply(store)
        assert str(err.value).startswith("The disk is full: the change was not saved and p.epam is unchanged")
        assert "rollback" not in str(err.value)
        assert snapshot(store) == before
