"""Recorded analyses: which result folder belongs to which video (and model)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple, Union

from .records import Change, now_iso
from .videos import VideoTable

PathLike = Union[str, Path]


class AnalysisTable:
    """The ``analyses`` table of one project; folders are stored relative to the project file's folder."""

    def __init__(self, videos: VideoTable) -> None:
        self.videos = videos
        self.session = videos.session

    def set_analysis(self, video_id: int, folder: PathLike, model_key: str) -> None:
        """Record the analysis result folder used for a video (stored relative to the project folder)."""
        self.videos.video(video_id)
        folder = Path(os.path.normpath(Path(folder).absolute()))
        with self.session.transaction():
            self.session.conn.execute("INSERT OR REPLACE INTO analyses (video_id, model_key, folder, created) "
                                      "VALUES (?, ?, ?, ?)",
                                      (video_id, str(model_key), self.videos.rel(folder), now_iso()))
            self.session.note(Change(video_id=video_id, kind="analyses"))

    def analysis_folder(self, video_id: int, model_key: Optional[str] = None) -> Optional[Path]:
        """The most recently recorded analysis folder of a video (of ``model_key`` if given), if it exists."""
        sql = "SELECT folder FROM analyses WHERE video_id = ?"
        params: tuple = (video_id,)
        if model_key is not None:
            sql += " AND model_key = ?"
            params += (model_key,)
        row = self.session.conn.execute(sql + " ORDER BY created DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        path = Path(os.path.normpath(self.session.folder / row[0]))
        return path if path.exists() else None

    def analyses(self, video_id: int) -> List[Tuple[str, Path]]:
        rows = self.session.conn.execute("SELECT model_key, folder FROM analyses WHERE video_id = ? "
                                         "ORDER BY created", (video_id,)).fetchall()
        return [(k, Path(os.path.normpath(self.session.folder / f))) for k, f in rows]
