"""Which extraction a project's own pose file came from, so a new extraction can replace it safely.

The project keeps a corrected copy of a video's poses (``track_edits.project_poses_path``). When that file is
written from an extraction, ``<content key>.origin.json`` beside it records the extraction's pose hash
(``core_model.analysis.cache.poses_hash``: keypoints, scores, track ids). The file then *has corrections* when
its poses differ from that extraction (a merge, split or delete, not all undone), or when no origin was
recorded (a file made by the first correction, e.g. ``epam poses merge --project``).

- :func:`has_corrections`; :func:`replace_project_poses` writes a new extraction as the project's pose file
  (written aside and renamed) and records it as the origin; :func:`record_origin` records an existing one.
- The origin also records the extraction's settings (``"extraction"``: detection mode, people per frame limit,
  engine; from ``poses.meta``): :func:`extraction_of` reads them back (the studio shows them).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from ..fileio import atomic_path


def origin_path(poses_file: Path) -> Path:
    return Path(poses_file).with_suffix(".origin.json")


def _hash(poses) -> str:
    from ..analysis.cache import poses_hash

    return poses_hash(poses)


def record_origin(poses_file: Path, poses) -> None:
    """Record ``poses`` (just extracted) as what ``poses_file`` was made from."""
    from ..pose.track_summary import extraction_settings

    record = {"poses_hash": _hash(poses), "extraction": extraction_settings(getattr(poses, "meta", None))}
    with atomic_path(origin_path(poses_file)) as tmp:
        Path(tmp).write_text(json.dumps(record, default=str), encoding="utf-8")


def origin_hash(poses_file: Path) -> Optional[str]:
    try:
        return json.loads(origin_path(poses_file).read_text(encoding="utf-8")).get("poses_hash")
    except (OSError, ValueError, AttributeError):
        return None


def extraction_of(poses_file: Path) -> dict:
    """The settings of the extraction ``poses_file`` was made from (empty when none was recorded)."""
    try:
        found = json.loads(origin_path(poses_file).read_text(encoding="utf-8")).get("extraction")
    except (OSError, ValueError, AttributeError):
        return {}
    return dict(found) if isinstance(found, dict) else {}


def has_corrections(poses_file: Path, current=None) -> bool:
    """True when ``poses_file`` exists and is not the extraction it was made from (``current``: its poses,
    when already loaded)."""
    poses_file = Path(poses_file)
    if not poses_file.is_file():
        return False
    origin = origin_hash(poses_file)
    if origin is None:
        return True
    if current is None:
        from ..pose.format import Poses

        current = Poses.load(poses_file)
    return _hash(current) != origin


def same_as_origin(poses_file: Path, poses) -> bool:
    """True when ``poses`` are the extraction ``poses_file`` was made from."""
    origin = origin_hash(poses_file)
    return origin is not None and origin == _hash(poses)


def replace_project_poses(poses_file: Path, poses) -> Path:
    """Write ``poses`` (a new extraction) as the project's pose file and record it as the origin."""
    poses_file = Path(poses_file)
    poses_file.parent.mkdir(parents=True, exist_ok=True)
    poses.save(poses_file)
    record_origin(poses_file, poses)
    return poses_file
