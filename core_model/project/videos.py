"""The project's videos: records, adding and removing, and their real frame times."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from .records import Change, ProjectError, SegmentRecord, VideoRecord, now_iso
from .session import StoreSession

PathLike = Union[str, Path]
VID_COLS = "id, rel_path, content_key, frame_count, fps, duration, size, width, height, last_path"


class VideoTable:
    """Videos of one project (``session``); ``resolved`` caches where each was last found on disk."""

    def __init__(self, session: StoreSession) -> None:
        self.session = session
        self.resolved: Dict[int, Path] = {}
        self._timestamps: Dict[int, np.ndarray] = {}

    def _record(self, row) -> VideoRecord:
        vid, rel, key, n, fps, duration, size, w, h, _last = row
        return VideoRecord(id=vid, rel_path=rel, content_key=key, frame_count=n, fps=fps, duration=duration,
                           path=Path(os.path.normpath(self.session.folder / rel)), size=size, width=w, height=h)

    def rel(self, path: Path) -> str:
        """``path`` relative to the project file's folder (how paths are stored)."""
        return Path(os.path.relpath(path, self.session.folder)).as_posix()

    def videos(self) -> List[VideoRecord]:
        rows = self.session.conn.execute(f"SELECT {VID_COLS} FROM videos ORDER BY id").fetchall()
        return [self._record(r) for r in rows]

    def video(self, video_id: int) -> VideoRecord:
        row = self.session.conn.execute(f"SELECT {VID_COLS} FROM videos WHERE id = ?", (video_id,)).fetchone()
        if row is None:
            raise ProjectError(f"The project has no video with id {video_id}.")
        return self._record(row)

    def video_by_key(self, content_key: str) -> Optional[VideoRecord]:
        row = self.session.conn.execute(f"SELECT {VID_COLS} FROM videos WHERE content_key = ?",
                                        (content_key,)).fetchone()
        return self._record(row) if row else None

    def video_by_path(self, path: PathLike) -> Optional[VideoRecord]:
        """The video recorded at ``path`` (or, if the file exists, with the same content)."""
        path = Path(os.path.normpath(Path(path).absolute()))
        for rec in self.videos():
            if rec.path == path or self.resolved.get(rec.id) == path:
                return rec
        if path.is_file():
            from ..video import content_key

            return self.video_by_key(content_key(path))
        return None

    def last_path(self, video_id: int) -> Optional[Path]:
        row = self.session.conn.execute("SELECT last_path FROM videos WHERE id = ?", (video_id,)).fetchone()
        return Path(row[0]) if row and row[0] else None

    def add_video(self, path: PathLike) -> VideoRecord:
        """Add a video (reads its frame count and real timestamps); a video already in the project is returned."""
        from ..video import VideoReader, content_key

        path = Path(os.path.normpath(Path(path).absolute()))
        key = content_key(path)
        existing = self.video_by_key(key)
        if existing is not None:
            return existing
        with VideoReader(path) as reader:
            ts = np.asarray(reader.timestamps, dtype=np.float64)
            return self.add_video_record(path, key, reader.frame_count, reader.fps, timestamps=ts,
                                         duration=reader.duration, size=path.stat().st_size,
                                         width=reader.width, height=reader.height)

    def add_video_record(self, path: PathLike, content_key: str, frame_count: int, fps: float, *,
                         timestamps: Optional[np.ndarray] = None, duration: Optional[float] = None, size: int = 0,
                         width: int = 0, height: int = 0) -> VideoRecord:
        """Record a video without reading the file (importers, tests, benchmark projects)."""
        if frame_count < 1 or not fps > 0:
            raise ProjectError(f"{Path(path).name} has no frames or no frame rate.")
        path = Path(os.path.normpath(self.session.folder / Path(path)))
        if timestamps is not None and len(timestamps) != frame_count:
            raise ProjectError(f"{path.name}: {len(timestamps)} timestamps for {frame_count} frames.")
        if duration is None:
            duration = frame_count / fps
        conn = self.session.conn
        with self.session.transaction():
            if self.video_by_key(content_key) is not None:
                raise ProjectError(f"{path.name} is already in the project.")
            cur = conn.execute(
                "INSERT INTO videos (rel_path, last_path, content_key, size, frame_count, fps, duration, width, "
                "height, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.rel(path), str(path), content_key, int(size), int(frame_count), float(fps), float(duration),
                 int(width), int(height), now_iso()))
            vid = cur.lastrowid
            if timestamps is not None:
                conn.execute("INSERT INTO video_timestamps (video_id, data) VALUES (?, ?)",
                             (vid, np.ascontiguousarray(timestamps, dtype="<f8").tobytes()))
            self.session.note(Change(video_id=vid, kind="videos"))
        return self.video(vid)

    def remove_video(self, video_id: int, *, force: bool = False) -> None:
        """Remove a video; refused while it has segments unless ``force`` (which deletes them too)."""
        rec = self.video(video_id)
        conn = self.session.conn
        with self.session.transaction():
            n = conn.execute("SELECT count(*) FROM segments WHERE video_id = ?", (video_id,)).fetchone()[0]
            if n and not force:
                raise ProjectError(f"{rec.name} has {n} labeled segment{'s' if n != 1 else ''}; "
                                   "delete them first or remove it with force.")
            conn.execute("DELETE FROM segments WHERE video_id = ?", (video_id,))
            conn.execute("DELETE FROM videos WHERE id = ?", (video_id,))
            self.session.note(Change(video_id=video_id, kind="videos"))
        self._timestamps.pop(video_id, None)
        self.resolved.pop(video_id, None)

    def store_location(self, video_id: int, path: Path) -> None:
        """Record that the video now lives at ``path``."""
        with self.session.transaction():
            self.session.conn.execute("UPDATE videos SET rel_path = ?, last_path = ? WHERE id = ?",
                                      (self.rel(path), str(path), video_id))
            self.session.note(Change(video_id=video_id, kind="videos"))

    # ---- time
    def timestamps(self, video_id: int) -> np.ndarray:
        """The video's real frame times in seconds (from the file; constant rate for records without them)."""
        ts = self._timestamps.get(video_id)
        if ts is None:
            row = self.session.conn.execute("SELECT data FROM video_timestamps WHERE video_id = ?",
                                            (video_id,)).fetchone()
            if row is not None:
                ts = np.frombuffer(row[0], dtype="<f8")
            else:
                rec = self.video(video_id)
                ts = np.arange(rec.frame_count, dtype=np.float64) / rec.fps
            self._timestamps[video_id] = ts
        return ts

    def frame_time(self, video_id: int, frame: int) -> float:
        """Time of ``frame``; ``frame == frame_count`` gives the end of the video (exclusive ends)."""
        ts = self.timestamps(video_id)
        if frame < len(ts):
            return float(ts[frame])
        rec = self.video(video_id)
        return float(max(rec.duration, ts[-1] if len(ts) else 0.0))

    def segment_times(self, seg: SegmentRecord) -> Tuple[float, float]:
        """(start_time, end_time) in seconds from the video's real timestamps (end exclusive)."""
        return self.frame_time(seg.video_id, seg.start_frame), self.frame_time(seg.video_id, seg.end_frame)

    def frame_at_time(self, video_id: int, seconds: float) -> int:
        """The frame boundary nearest to ``seconds`` (0 .. frame_count)."""
        ts = self.timestamps(video_id)
        bounds = np.append(ts, self.frame_time(video_id, len(ts)))
        i = int(np.searchsorted(bounds, seconds))
        if i >= len(bounds):
            return len(bounds) - 1
        if i > 0 and seconds - bounds[i - 1] <= bounds[i] - seconds:
            return i - 1
        return i
