"""Pose cache: ``cache_dir()/poses/<video content key>-<settings hash>.npz``."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

from ..errors import PoseError, VideoError
from ..fileio import clean_stale_temporaries, content_key
from ..paths import cache_dir
from .format import Poses

#: bump when extraction or tracking changes what is produced for the same settings
PIPELINE_VERSION = 4  # 2: adaptive detection (discovery passes); 3: fixed chunks (worker-count independent);
# 4: crowd tracking repairs (parts not merged under a head, swapped runs, cuts at colour jumps, one fit per face)


def settings_key(settings: dict) -> str:
    """Short stable hash of extractor settings (plus the pipeline version)."""
    blob = json.dumps({"pipeline": PIPELINE_VERSION, **settings}, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def cache_path(video_path, settings: dict) -> Path:
    """Where the poses of ``video_path`` extracted with ``settings`` are cached (hashing imports no video library)."""
    try:
        key = content_key(video_path)
    except OSError as exc:
        raise VideoError(f"Cannot read {Path(video_path).name}: {exc.strerror or exc}.") from exc
    return cache_dir() / "poses" / f"{key[:24]}-{settings_key(settings)}.npz"


def load_cached(video_path, settings: dict) -> Optional[Poses]:
    """Cached poses, or ``None`` when there are none (a damaged cache file is removed)."""
    path = cache_path(video_path, settings)
    if not path.is_file():
        return None
    try:
        return Poses.load(path)
    except PoseError:
        path.unlink(missing_ok=True)
        return None


def store(video_path, settings: dict, poses: Poses) -> Path:
    """Cache ``poses`` for ``video_path`` + ``settings`` (atomic write; temporaries of killed writes are removed)."""
    path = cache_path(video_path, settings)
    clean_stale_temporaries(path.parent)
    return poses.save(path)
