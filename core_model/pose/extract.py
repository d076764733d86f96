"""Public entry points: ``extract_poses`` (extract, track, cache) and ``cached_poses`` (cache only)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from ..errors import VideoError
from ..jobs import CancelToken, ProgressFn, check_cancel
from . import cache
from .extractor import backend_settings
from .format import Poses
from .parallel import extract_frame_detections
from .tracking import track_frames

#: a track may be unseen this long (seconds) and keep its id
MAX_GAP_SECONDS = 1.0


def _settings(max_people: int, backend: str) -> dict:
    return {**backend_settings(backend, max_people=max_people), "max_gap_seconds": MAX_GAP_SECONDS}


def _check_video(video_path) -> Path:
    path = Path(video_path)
    if not path.is_file():
        raise VideoError(f"Video file not found: {path}.")
    return path


def cached_poses(video_path, *, max_people: int = 4, backend: str = "mediapipe") -> Optional[Poses]:
    """Poses cached by an earlier :func:`extract_poses` with the same settings, else ``None`` (never extracts)."""
    return cache.load_cached(_check_video(video_path), _settings(max_people, backend))


def extract_poses(video_path, *, max_people: int = 4, workers: Optional[int] = None,
                  progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None,
                  use_cache: bool = True, backend: str = "mediapipe", local_worker: bool = True) -> Poses:
    """Multi-person COCO-17 poses of every frame of ``video_path``, tracked, as :class:`Poses`.

    ``workers``: processes working on the video (default one per core). With ``local_worker`` the
    calling thread is one of them (quickest start); MediaPipe holds the GIL while it runs, so GUI
    code should pass ``local_worker=False`` to keep every worker in a separate process.
    ``progress(done, total)`` is called in frames; ``cancel`` stops the job promptly (raises
    :class:`~core_model.errors.Cancelled`). With ``use_cache`` a result cached for the same video
    content and settings is returned at once, and a new result is cached.
    """
    path = _check_video(video_path)
    settings = _settings(max_people, backend)
    if use_cache:
        hit = cache.load_cached(path, settings)
        if hit is not None:
            if progress is not None:
                progress(hit.num_frames, hit.num_frames)
            return hit
    check_cancel(cancel)
    started = time.perf_counter()
    frames, info = extract_frame_detections(str(path), backend=backend, options={"max_people": max_people},
                                            workers=workers, progress=progress, cancel=cancel,
                                            local_worker=local_worker)
    check_cancel(cancel)
    meta = {"source": path.name, "backend": backend, "max_people": int(max_people),
            "extract_seconds": round(time.perf_counter() - started, 3)}
    poses = track_frames(frames, info.timestamps, info.img_shape, info.fps,
                         max_gap_seconds=MAX_GAP_SECONDS, meta=meta)
    if use_cache:
        cache.store(path, settings, poses)
    return poses
