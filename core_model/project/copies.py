"""Save as: a copy of the project (database and data folder) at another place."""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Dict, Union

from .database import data_dir_for, project_path
from .records import ProjectError
from .session import StoreSession

PathLike = Union[str, Path]


def _rewrite_paths(copy: sqlite3.Connection, session: StoreSession, dest: Path, located: Dict[int, Path]) -> None:
    """Point the copy's video and analysis paths, relative to ``dest``, at the same files."""
    for vid, where in located.items():
        rel = Path(os.path.relpath(where, dest.parent)).as_posix()
        copy.execute("UPDATE videos SET rel_path = ?, last_path = ? WHERE id = ?", (rel, str(where), vid))
    rows = copy.execute("SELECT video_id, model_key, folder FROM analyses").fetchall()
    for vid, model_key, folder in rows:
        where = Path(os.path.normpath(session.folder / folder))
        if session.data_dir in where.parents:
            where = data_dir_for(dest) / where.relative_to(session.data_dir)
        copy.execute("UPDATE analyses SET folder = ? WHERE video_id = ? AND model_key = ?",
                     (Path(os.path.relpath(where, dest.parent)).as_posix(), vid, model_key))


def save_as(session: StoreSession, located: Dict[int, Path], path: PathLike) -> Path:
    """Copy the project to ``path``; ``located`` maps video ids to where the videos are now.

    The copy is written aside and renamed into place; ``session`` stays on the original.
    """
    dest = project_path(path)
    if dest.exists() or data_dir_for(dest).exists():
        raise ProjectError(f"{dest.name} already exists; choose another name.")
    from ..fileio import atomic_path

    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        if session.data_dir.is_dir():
            shutil.copytree(session.data_dir, tmp_dir / "data", ignore=shutil.ignore_patterns("lock"))
        else:
            (tmp_dir / "data").mkdir()
        with atomic_path(dest) as tmp:
            copy = sqlite3.connect(str(tmp), isolation_level=None)
            try:
                with session.lock:
                    session.conn.backup(copy)
                copy.execute("BEGIN")
                _rewrite_paths(copy, session, dest, located)
                copy.execute("COMMIT")
                copy.execute("PRAGMA journal_mode = WAL")
            finally:
                copy.close()
        os.replace(tmp_dir / "data", data_dir_for(dest))
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return dest
