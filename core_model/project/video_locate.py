"""Finding a project's videos on disk: moved files are found again by their content key."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Union

from .records import ProjectError, VideoRecord
from .videos import VideoTable

PathLike = Union[str, Path]
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts"}
SEARCH_LIMIT = 20000  # files looked at when searching the project folder for a moved video
LISTING_TTL_S = 5.0


def same_video(rec: VideoRecord, path: Path) -> bool:
    """Whether the file at ``path`` has the content of ``rec`` (size first, then the content key)."""
    from ..video import content_key

    try:
        if not path.is_file() or (rec.size and path.stat().st_size != rec.size):
            return False
        return content_key(path) == rec.content_key
    except Exception:  # noqa: BLE001 - unreadable candidates simply do not match
        return False


class VideoLocator:
    """Where each video of ``videos`` is now (recorded place, else searched by content)."""

    def __init__(self, videos: VideoTable) -> None:
        self.videos = videos
        self.session = videos.session
        self._listings: Dict[tuple, tuple] = {}

    def resolve_video(self, video_id: int) -> Optional[Path]:
        """Where the video is now: its recorded place, else a file with the same content in the project
        folder (recursively) or in the folder of its last known path; None if not found."""
        rec = self.videos.video(video_id)
        known = self.videos.resolved.get(video_id)
        if known is not None and known.is_file():
            return known
        last = self.videos.last_path(video_id)
        candidates = [rec.path] + ([last] if last else [])
        found = next((c for c in candidates if same_video(rec, c)), None)
        if found is None:
            found = next((c for c in self._search_candidates(rec, last) if same_video(rec, c)), None)
        if found is None:
            return None
        self.videos.resolved[video_id] = found
        if found != rec.path and not self.session.read_only:
            self.videos.store_location(video_id, found)
        return found

    def relocate_video(self, video_id: int, new_path: PathLike, *, check: bool = True) -> VideoRecord:
        """Point a video at ``new_path`` (the user located it); refused if its content differs unless not ``check``."""
        rec = self.videos.video(video_id)
        path = Path(os.path.normpath(Path(new_path).absolute()))
        if not path.is_file():
            raise ProjectError(f"Video file not found: {path}.")
        if check and not same_video(rec, path):
            raise ProjectError(f"{path.name} is not the same video as {rec.name} (its content differs).")
        self.videos.store_location(video_id, path)
        self.videos.resolved[video_id] = path
        return self.videos.video(video_id)

    def _video_files(self, folder: Path, recursive: bool) -> List[Path]:
        """Video files under ``folder`` (listing cached for a few seconds: resolving many videos walks once)."""
        key = (folder, recursive)
        cached = self._listings.get(key)
        if cached is not None and time.monotonic() - cached[0] < LISTING_TTL_S:
            return cached[1]
        files: List[Path] = []
        data_dir = self.session.data_dir
        try:
            walker = folder.rglob("*") if recursive else folder.iterdir()
            for seen, p in enumerate(walker):
                if seen >= SEARCH_LIMIT:
                    break
                if p.suffix.lower() in VIDEO_SUFFIXES and data_dir not in p.parents:
                    files.append(p)
        except OSError:
            pass
        self._listings[key] = (time.monotonic(), files)
        return files

    def _search_candidates(self, rec: VideoRecord, last: Optional[Path]) -> Iterator[Path]:
        folders = [(self.session.folder, True)]
        for extra in (last.parent if last else None, rec.path.parent):
            if extra is not None and extra.is_dir() and (extra, False) not in folders:
                folders.append((extra, False))
        for folder, recursive in folders:
            yield from self._video_files(folder, recursive)
