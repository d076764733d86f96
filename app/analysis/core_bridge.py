"""Every call from the app into core_model's heavy parts (pose, analysis), imported on first use.

Keeping them here lets the window start without torch or mediapipe, and keeps the job
functions (``fn(progress=, cancel=)``) in one place.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np


@dataclass
class VideoInfo:
    """What the window needs to know about a video before showing it."""

    frame_count: int
    fps: float
    width: int
    height: int
    timestamps: np.ndarray
    reader: Any  # an open VideoReader, handed to the decode thread
    warnings: tuple = ()  # what could not be read (a truncated file is read up to the cut, as the CLI does)


def open_video(path: Path, **_job) -> VideoInfo:
    """Open ``path`` (indexing may take a moment on long files; run it as a job)."""
    from core_model.video import VideoReader

    reader = VideoReader(path)  # its warnings (``reader.warnings``) are shown in the window
    return VideoInfo(reader.frame_count, float(reader.fps), reader.width, reader.height,
                     np.asarray(reader.timestamps, dtype=np.float64), reader, tuple(reader.warnings))


def class_names_arg(spec: str):
    return spec or None


def check_checkpoint(path: str, class_list: str = "") -> str:
    """Load the checkpoint as Analyze will (with the class list); one line describing it, or an
    ``EpamError`` whose message is one sentence."""
    from core_model.analysis.model_setup import prepare_model

    prepared = prepare_model(path, class_names_arg(class_list))
    state = "trained" if prepared.trained else "untrained weights"
    return f"{prepared.name}: {len(prepared.class_names)} classes, {state}"


def extract_job(path: Path, max_people: int, **pose) -> Callable[..., Any]:
    """A job computing (or loading from cache) the poses of ``path`` (``pose``: engine=, device=)."""

    def run(progress=None, cancel=None):
        from core_model.pose import extract_poses

        # local_worker=False: MediaPipe holds the GIL, so every worker is a separate process
        return extract_poses(path, max_people=max_people, progress=progress, cancel=cancel, local_worker=False, **pose)

    return run


def _ready_request(settings) -> Optional[tuple]:
    """``(identity, runtime, device, batch size)`` of Analyze's model request, as ``epam analyze`` keys its ready
    records (:mod:`core_model.runtime.ready`), or None when it cannot be told (a missing checkpoint: the
    analysis says so in its own words)."""
    try:
        analysis = settings.analysis_settings()
        checkpoint, classes = settings.checkpoint or None, class_names_arg(settings.class_list)
        identity = _request_identity(checkpoint, classes, analysis.seed, _stamp(checkpoint), _stamp(classes))
        return identity, analysis.runtime, analysis.device, analysis.batch_size
    except Exception:  # noqa: BLE001 - PyTorch's path then reports the problem
        return None


def _stamp(path) -> Optional[tuple]:
    """A file's (size, modification time), so that a changed checkpoint or class list is hashed again."""
    try:
        st = Path(path).stat() if path else None
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if st else None


@functools.lru_cache(maxsize=4)
def _request_identity(checkpoint, classes, seed: int, _checkpoint_stamp, _classes_stamp) -> dict:
    """:func:`core_model.runtime.ready.request_identity`, once per file contents: it hashes every byte of the
    checkpoint, and Analyze asks for it twice (:func:`graph_ready`, :func:`ready_model`). Read-only."""
    from core_model.runtime.ready import request_identity

    return request_identity(checkpoint, classes, None, seed)


def graph_ready(settings) -> bool:
    """Whether Analyze will run the network's graph without PyTorch (the installation's first use made it ready)."""
    from core_model.runtime.ready import is_ready

    request = _ready_request(settings)
    return request is not None and is_ready(*request)


def ready_model(settings):
    """The network's graph, loaded without PyTorch, where a ready record holds for these settings; else None."""
    from core_model.runtime.ready import ready_model as load

    request = _ready_request(settings)
    return load(*request) if request is not None else None


def analyze_job(path: Path, settings, poses=None) -> Callable[..., Any]:
    """A job running EPAM-Net over ``path`` with the user's settings (``StudioSettings``): the graph without
    PyTorch where ``epam analyze``'s first use made it ready (:func:`ready_model`), else PyTorch."""

    def run(progress=None, cancel=None):
        from core_model.analysis import analyze_video

        return analyze_video(path, checkpoint=settings.checkpoint or None,
                             class_names=class_names_arg(settings.class_list), model=ready_model(settings),
                             settings=settings.analysis_settings(), progress=progress, cancel=cancel,
                             poses=poses)

    return run


def poses_ahead(path: Path, settings, progress=None):
    """A :class:`core_model.analysis.pipeline.PosesAhead` of ``path`` with the studio's pose settings (the
    cache of Extract Poses): cached poses, or a :class:`~core_model.pose.streaming_tracking.PoseStream` handed on
    as the extraction starts (``progress(frames done, frames)`` from its thread), as ``epam analyze`` makes them."""
    from core_model.analysis.pipeline import PosesAhead
    from core_model.pose.extract import MAX_GAP_SECONDS
    from core_model.pose.streaming_tracking import PoseStream

    def find(video: Path, cancel):
        return cached_poses(video, settings.max_people, **settings.pose_options())

    def extract(video: Path, cancel, into=None):
        return extract_job(video, settings.max_people, stream=into, **settings.pose_options())(
            progress=progress, cancel=cancel)

    return PosesAhead([path], find, extract, stream=lambda: PoseStream(max_gap_seconds=MAX_GAP_SECONDS))


def load_model_code_ahead() -> None:
    """PyTorch and the models imported in a background thread (while Analyze's first poses are made)."""
    from core_model.analysis.model_setup import load_model_code_ahead as load

    load()


def cached_poses(path: Path, max_people: int, **pose):
    """Poses from the cache only (never extracts), or None."""
    try:
        from core_model.pose import cached_poses as lookup
    except ImportError:
        return None
    return lookup(path, max_people=max_people, **pose)


def cached_analysis(path: Path, settings, poses) -> Optional[Any]:
    """The cached analysis of ``path`` with these settings and poses, or None (never computes): the core's
    one lookup (``core_model.analysis.runner.cached_result``)."""
    if poses is None:
        return None
    from core_model.analysis.cache import cache_folder

    if not any(cache_folder("x").parent.glob("*/summary.json")):
        return None  # nothing cached at all: no need to import torch for a model key
    from core_model.analysis.runner import cached_result

    return cached_result(path, checkpoint=settings.checkpoint or None, class_names=class_names_arg(settings.class_list),
                         settings=settings.analysis_settings(), poses=poses)


def same_poses(a, b) -> bool:
    """Whether two ``Poses`` hold the same arrays (the same object, or equal content)."""
    if a is None or b is None:
        return a is b
    if a is b:
        return True
    from core_model.analysis.cache import poses_hash

    return poses_hash(a) == poses_hash(b)


def load_cache_job(path: Path, settings, with_analysis: bool = True) -> Callable[..., Any]:
    """A job returning ``(poses | None, result | None)`` from the caches."""

    def run(progress=None, cancel=None):
        poses = cached_poses(path, settings.max_people, **settings.pose_options())
        result = cached_analysis(path, settings, poses) if with_analysis and poses is not None else None
        return poses, result

    return run
