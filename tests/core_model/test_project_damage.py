"""A project file with damaged pages: one sentence naming the damage and the last backup; the file untouched."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core_model.errors import EpamError
from core_model.project import CreateSegment, ProjectDamaged, ProjectError, ProjectStore
from core_model.project.lock import ProjectLock

from .project_faults import damage_table_page
from .project_helpers import new_project

ROOT = Path(__file__).resolve().parents[2]


def _epam(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core_model.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def make_damaged(tmp_path: Path, table: str = "segments") -> Path:
    store = new_project(tmp_path)
    for k in range(400):
        CreateSegment(1 + k % 2, k % 7, 2 * k, 2 * k + 1, 1 + k % 4, note="n" * 40).apply(store)
    store.close()  # checkpointed: the pages are in p.epam
    assert not Path(f"{store.path}-wal").exists()
    damage_table_page(store.path, table)
    return store.path


@pytest.mark.parametrize("table", ["segments", "videos"])
def test_damaged_pages_refused_in_one_sentence_file_untouched(tmp_path, table):
    path = make_damaged(tmp_path, table)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(ProjectError) as err:
            ProjectStore.open(path, read_only=read_only)
        text = str(err.value)
        assert "damaged" in text and "p.epam" in text and "\n" not in text, text
        assert "no backup" in text, text
        assert isinstance(err.value, EpamError) and isinstance(err.value, ProjectDamaged)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    lock = ProjectLock(tmp_path / "p.epam-data" / "lock")  # the refused opening left no lock behind
    assert lock.acquire()
    lock.release()


def test_damaged_project_names_its_last_backup(tmp_path):
    path = make_damaged(tmp_path)
    older = tmp_path / "p.v1-backup-20240101-100000.epam"
    newer = tmp_path / "p.v1-backup-20250101-100000.epam"
    for backup, mtime in ((older, 1_700_000_000), (newer, 1_750_000_000)):
        backup.write_bytes(b"SQLite format 3\x00")
        os.utime(backup, (mtime, mtime))
    with pytest.raises(ProjectError) as err:
        ProjectStore.open(path)
    assert newer.name in str(err.value) and older.name not in str(err.value), str(err.value)


def test_cli_info_export_import_say_damaged_in_one_line(tmp_path):
    path = make_damaged(tmp_path)
    before = path.read_bytes()
    labels = tmp_path / "in.csv"
    labels.write_text("video,person,start_frame,end_frame,label\nv0.mp4,0,0,5,walk\n")
    for args in (("project", "info", path), ("labels", "export", path, "-o", tmp_path / "out.csv"),
                 ("labels", "import", path, labels)):
        result = _epam(*args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        line = result.stderr.strip()
        assert "\n" not in line and "damaged" in line and "Traceback" not in line, (args, line)
    assert path.read_bytes() == before


def test_clean_project_opens_without_checking_again_but_a_changed_one_is_checked(tmp_path):
    path = make_damaged(tmp_path)
    good = tmp_path / "good"
    good.mkdir()
    store = new_project(good)
    store.close()
    with ProjectStore.open(good / "p.epam") as again:  # as its writer closed it: no page check needed
        assert not again.read_only
    # the damaged file keeps being refused whatever the note of its last clean close says
    for _ in range(2):
        with pytest.raises(ProjectDamaged):
            ProjectStore.open(path)
