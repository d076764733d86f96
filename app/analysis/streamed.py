"""The studio's Analyze of a video without poses: the pose and model stages overlapped, as ``epam analyze`` runs them.

The poses are extracted by a producer thread (:class:`core_model.analysis.pipeline.PosesAhead`, every pose
worker in a spawned process) into a :class:`~core_model.pose.streaming_tracking.PoseStream`, while the job's
thread loads the model and runs it on the windows whose poses are final (:mod:`core_model.analysis.streaming`):
the results are those of the whole poses. Cached poses are found first and analysed as a whole.

One progress bar for the two stages (:class:`StreamProgress`): the poses' frames fill its first
:data:`POSE_SHARE`, the model's windows the rest, so the job panel's frames/s and time left follow whichever
stage holds the job up. Qt-free: the controller runs :func:`analyze_streamed` as a job.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Optional, Tuple

from app.analysis import core_bridge

PROGRESS_TOTAL = 1000
#: share of an Analyze job's progress that is pose extraction, when it extracts the poses: the time left while the
#: poses are made counts the model's part as (1 - share) / share of the poses' time. Measured on 2 CPU cores (the
#: forwards wait for the pose workers; the model loads and the inputs are built meanwhile): the poses took ~85-90 %
#: of a streamed Analyze of bikes.mp4's 4-s close-up (55 of ~63 s at load ~30); with 0.6 the time left shown while
#: the poses were made was twice the real one.
POSE_SHARE = 0.85


class StreamProgress:
    """Pose frames and model progress, reported concurrently from two threads, as one ``(done, 1000)``.

    ``done`` never goes back (the model's expected windows may grow as people appear); the poses count as done
    once cached poses are found or the stream is whole."""

    def __init__(self, progress: Optional[Callable[[int, int], None]], pose_share: float = POSE_SHARE) -> None:
        self._progress = progress
        self._split = int(PROGRESS_TOTAL * pose_share)
        self._lock = threading.Lock()
        self._pose = 0.0  # fractions of each stage
        self._model = 0.0
        self.done = 0

    def poses(self, done: int, total: int) -> None:
        """The pose extraction's report, in frames."""
        self._set(pose=min(1.0, done / max(total, 1)))

    def poses_done(self) -> None:
        self._set(pose=1.0)

    def model(self, done: int, total: int) -> None:
        """The analysis' report (the model's windows; its scale, 1000)."""
        self._set(model=min(1.0, done / max(total, 1)))

    def _set(self, pose: Optional[float] = None, model: Optional[float] = None) -> None:
        with self._lock:
            if pose is not None:
                self._pose = max(self._pose, pose)
            if model is not None:
                self._model = max(self._model, model)
            done = int(self._split * self._pose + (PROGRESS_TOTAL - self._split) * self._model)
            if done <= self.done and done < PROGRESS_TOTAL:
                return
            self.done = max(self.done, done)
            if self._progress is not None:
                self._progress(self.done, PROGRESS_TOTAL)


def frame_phases(frames: int) -> list:
    """The phases of :class:`StreamProgress`'s units for the job's frames/s (``EtaEstimator.phases``)."""
    split = int(PROGRESS_TOTAL * POSE_SHARE)
    return [("poses", split, int(frames or 0)), ("model", PROGRESS_TOTAL, int(frames or 0))]


def is_stream(poses) -> bool:
    """What :meth:`PosesAhead.take` handed on is a :class:`~core_model.pose.streaming_tracking.PoseStream` still
    being extracted (told by its type; cached poses come as a whole ``Poses``)."""
    from core_model.pose.streaming_tracking import is_stream as _is_stream

    return _is_stream(poses)


def analyze_streamed(path: Path, settings, progress=None, cancel=None) -> Tuple[object, object]:
    """``(poses, result)`` of ``path`` with the studio's ``settings`` (``StudioSettings``): the poses extracted
    (or found cached) while the model analyses the windows whose poses are final. Cancelling stops both stages
    (the extraction's workers too) and caches nothing of what was not finished; a pose error is raised as it was."""
    if not core_bridge.graph_ready(settings):  # else the graph runs without PyTorch: nothing to load ahead
        core_bridge.load_model_code_ahead()  # PyTorch and the model's code load while the first poses are made
    meter = StreamProgress(progress)
    ahead = core_bridge.poses_ahead(path, settings, meter.poses)
    try:
        poses, _seconds = ahead.take(path)
        streamed = is_stream(poses)
        if not streamed:
            meter.poses_done()
        result = core_bridge.analyze_job(path, settings, poses=poses)(progress=meter.model, cancel=cancel)
        if streamed:
            poses = poses.result(cancel)
            meter.poses_done()
    finally:
        ahead.close()  # a running extraction is cancelled (its workers stop, nothing cached)
    return poses, result
