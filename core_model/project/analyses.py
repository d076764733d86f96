"""Recorded analyses: which result folder belongs to which video (and model).

A results folder recorded from outside the project (the user's cache) is also kept inside the project's
data folder, ``NAME.epam-data/analyses/video<id>-<model>-<hash>/`` (hard links where the file system
allows, else a copy). The table records the folder as given (relative to the project file's folder); when
that folder is gone (the project was copied to another computer, or the cache was cleaned), the kept copy
is used. Projects recorded by older versions (no kept copy) keep working while their folder exists.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import List, Optional, Tuple, Union

from .records import Change, ProjectWarning, now_iso
from .videos import VideoTable

PathLike = Union[str, Path]
KEPT = "analyses"  # the data folder's subfolder holding the kept results folders


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)  # results folders are replaced whole, never rewritten in place: a link is safe
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _same_files(src: Path, dest: Path) -> bool:
    """True when ``dest`` holds every file of ``src`` (the same file, or the same size and time)."""
    if not dest.is_dir():
        return False
    for path in src.rglob("*"):
        if path.is_dir():
            continue
        other = dest / path.relative_to(src)
        try:
            a, b = path.stat(), other.stat()
        except OSError:
            return False
        if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino) and (a.st_size, a.st_mtime_ns) != (b.st_size, b.st_mtime_ns):
            return False
    return True


def kept_name(video_id: int, model_key: str) -> str:
    """The kept folder's name for a video and model (readable, and unique per model key)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_key).strip("._")[:48] or "model"
    return f"video{video_id}-{safe}-{hashlib.sha1(model_key.encode()).hexdigest()[:8]}"


def keep_in(data_dir: Path, src: Path, name: str) -> Path:
    """Put the results folder ``src`` at ``data_dir/analyses/name`` (replacing an older one); returns it."""
    dest = data_dir / KEPT / name
    if _same_files(src, dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest.parent))
    try:
        shutil.copytree(src, tmp / "new", copy_function=_link_or_copy)
        if dest.exists():
            os.replace(dest, tmp / "old")
        os.replace(tmp / "new", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class AnalysisTable:
    """The ``analyses`` table of one project."""

    def __init__(self, videos: VideoTable) -> None:
        self.videos = videos
        self.session = videos.session

    def _keep(self, video_id: int, folder: Path, model_key: str) -> None:
        """Keep a copy of ``folder`` inside the data folder (when it is outside; said when that fails)."""
        data_dir = self.session.data_dir
        if data_dir in folder.parents or not folder.is_dir():
            return
        try:
            keep_in(data_dir, folder, kept_name(video_id, model_key))
        except OSError as err:
            warnings.warn(f"The analysis of {self.videos.video(video_id).name} could not be kept in {data_dir.name} "
                          f"({err.strerror or err}); it stays in {folder}, and a copy of the project made without "
                          "that folder loses it.", ProjectWarning, stacklevel=3)

    def set_analysis(self, video_id: int, folder: PathLike, model_key: str) -> None:
        """Record the analysis result folder used for a video (and keep a copy in the data folder; see above)."""
        self.videos.video(video_id)
        self.session.check_writable()
        model_key = str(model_key)
        folder = Path(os.path.normpath(Path(folder).absolute()))
        self._keep(video_id, folder, model_key)
        rel = self.videos.rel(folder)
        with self.session.transaction():
            self.session.conn.execute("INSERT OR REPLACE INTO analyses (video_id, model_key, folder, created) "
                                      "VALUES (?, ?, ?, ?)", (video_id, model_key, rel, now_iso()))
            self.session.note(Change(video_id=video_id, kind="analyses"))

    def analysis_folder(self, video_id: int, model_key: Optional[str] = None) -> Optional[Path]:
        """The most recently recorded analysis folder of a video (of ``model_key`` if given), if it exists."""
        sql = "SELECT folder FROM analyses WHERE video_id = ?"
        params: tuple = (video_id,)
        if model_key is not None:
            sql += " AND model_key = ?"
            params += (model_key,)
        row = self.session.conn.execute(sql.replace("SELECT folder", "SELECT model_key, folder")
                                        + " ORDER BY created DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        path = self._where(video_id, *row)
        return path if path.exists() else None

    def _where(self, video_id: int, model_key: str, folder: str) -> Path:
        """The recorded folder, or the copy kept in the data folder when the recorded one is gone."""
        path = Path(os.path.normpath(self.session.folder / folder))
        if not path.exists():
            kept = self.session.data_dir / KEPT / kept_name(video_id, model_key)
            if kept.is_dir():
                return kept
        return path

    def analyses(self, video_id: int) -> List[Tuple[str, Path]]:
        rows = self.session.conn.execute("SELECT model_key, folder FROM analyses WHERE video_id = ? "
                                         "ORDER BY created", (video_id,)).fetchall()
        return [(k, self._where(video_id, k, f)) for k, f in rows]
