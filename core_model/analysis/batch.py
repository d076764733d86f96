"""Analyse a folder of videos: deterministic order, sharding across processes, resume, error report.

Sharding: with ``RANK``/``WORLD_SIZE`` set (``torchrun``), or given explicitly, the sorted list of
videos is split so that video ``i`` goes to rank ``i % world``; every video is analysed once.
Each video's results go to ``out_root/<name>/``, written atomically, so an interrupted batch
resumes by skipping the folders that are complete and made with the same key.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..errors import Cancelled, ConfigError, EpamError
from .results import SUMMARY_FILE, is_results_dir

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")


def list_videos(folder) -> List[Path]:
    """Video files directly inside ``folder``, sorted by name (the order every rank agrees on)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"'{folder}' is not a folder.")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)


def shard_from_env() -> Tuple[int, int]:
    """``(rank, world_size)`` from ``RANK``/``WORLD_SIZE`` (torchrun), else ``(0, 1)``."""
    try:
        rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError as exc:
        raise ConfigError("RANK and WORLD_SIZE must be whole numbers.") from exc
    if world < 1 or not 0 <= rank < world:
        raise ConfigError(f"RANK {rank} is outside WORLD_SIZE {world}.")
    return rank, world


def shard(items: Sequence, rank: int, world: int) -> List:
    """Items ``i`` with ``i % world == rank``."""
    return [item for i, item in enumerate(items) if i % world == rank]


def output_names(videos: Sequence[Path]) -> Dict[Path, str]:
    """A results-folder name per video: its stem, or its full name where two stems clash."""
    stems: Dict[str, int] = {}
    for v in videos:
        stems[v.stem] = stems.get(v.stem, 0) + 1
    return {v: v.stem if stems[v.stem] == 1 else v.name.replace(".", "_") for v in videos}


def finished_key(folder: Path) -> Optional[str]:
    """The request key (video, model, settings) recorded in a complete results folder, else ``None``."""
    if not is_results_dir(folder):
        return None
    try:
        return json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8")).get("request_key")
    except (OSError, ValueError):
        return None


@dataclass
class BatchReport:
    """What happened to each video of this rank's share."""

    done: List[Tuple[Path, Path]] = field(default_factory=list)  # (video, results folder)
    skipped: List[Tuple[Path, Path]] = field(default_factory=list)  # already finished
    failed: List[Tuple[Path, str]] = field(default_factory=list)  # (video, one-line reason)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {
            "done": [{"video": str(v), "results": str(o)} for v, o in self.done],
            "skipped": [{"video": str(v), "results": str(o)} for v, o in self.skipped],
            "failed": [{"video": str(v), "error": e} for v, e in self.failed],
        }


def analyze_folder(
    videos: Sequence[Path],
    out_root,
    analyze_one: Callable[[Path, Path], object],
    key_of: Callable[[Path], Optional[str]],
    *,
    rank: int = 0,
    world: int = 1,
    on_start: Optional[Callable[[int, int, Path], None]] = None,
    on_error: Optional[Callable[[Path, str], None]] = None,
    on_plan: Optional[Callable[[List[Path]], None]] = None,
) -> BatchReport:
    """Run ``analyze_one(video, out_dir)`` on this rank's share, skipping finished folders.

    ``key_of(video)`` returns the request key the analysis would record (``None``: any complete
    folder counts as finished); a folder made with other settings or another model is redone. User errors of one video
    are recorded and the batch goes on; cancellation and programming errors propagate. ``on_plan(videos)``
    is told the videos that will be analysed, in order, before the first starts (e.g. to extract their
    poses ahead: :class:`~.pipeline.PosesAhead`).
    """
    out_root = Path(out_root)
    names = output_names(videos)
    mine = shard(list(videos), rank, world)
    report = BatchReport()
    finished = {video for video in mine if _is_finished(out_root / names[video], video, key_of)}
    if on_plan is not None:
        on_plan([video for video in mine if video not in finished])
    for i, video in enumerate(mine):
        out_dir = out_root / names[video]
        if on_start is not None:
            on_start(i, len(mine), video)
        if video in finished:
            report.skipped.append((video, out_dir))
            continue
        try:
            analyze_one(video, out_dir)
            report.done.append((video, out_dir))
        except Cancelled:
            raise
        except EpamError as exc:
            report.failed.append((video, str(exc)))
            if on_error is not None:
                on_error(video, str(exc))
    return report


def _is_finished(out_dir: Path, video: Path, key_of: Callable[[Path], Optional[str]]) -> bool:
    """``out_dir`` is complete and was made with the key ``video`` would get now (any key: ``key_of`` None)."""
    existing = finished_key(out_dir)
    if existing is None:
        return False
    wanted = key_of(video)
    return wanted is None or wanted == existing
