"""Tracking while the pose workers run: the default tracker frame by frame, and a stream of final poses.

:func:`.tracking.track_frames` with the default (not crowd) tracker looks only backwards: frame ``t``'s track
ids depend on frames ``<= t`` only. So the frames whose detections are final
(:class:`.final_frames.FinalFrames`) can be tracked at once: :class:`StreamingTracker` gives the very poses
``track_frames`` gives (rows in the order tracks start, row ``r`` = track id ``r``, the same arrays), and
the frames ``[0, tracked)`` of its arrays never change afterwards. :class:`PoseStream` hands those growing
poses from the extracting thread to a consumer (the analysis runs the model on windows whose poses are
final while the extraction goes on). The crowd tracker stitches tracks after the whole video: a stream
of a crowd extraction is simply finished with the whole poses.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from ..jobs import CancelToken, check_cancel
from .format import Poses
from .tracking import dedupe, tracker_for

FrameDetections = Tuple[np.ndarray, np.ndarray]


class StreamingTracker:
    """``track_frames(frames, ..., crowd=False)`` fed in pieces: :meth:`feed` the final frames as they come."""

    def __init__(self, num_frames: int, timestamps, img_shape: Tuple[int, int], fps: float, *,
                 max_gap_seconds: float = 1.0, num_joints: int = 17) -> None:
        self._tracker = tracker_for(img_shape, fps, max_gap_seconds=max_gap_seconds)
        self.num_frames, self.num_joints = int(num_frames), int(num_joints)
        self.timestamps, self.img_shape, self.fps = timestamps, tuple(img_shape), fps
        self.keypoint = np.zeros((0, self.num_frames, num_joints, 2), np.float32)
        self.score = np.zeros((0, self.num_frames, num_joints), np.float32)
        self.num_people = 0
        #: frames ``[0, tracked)`` are tracked (final)
        self.tracked = 0

    def feed(self, frames: Sequence[Optional[FrameDetections]], upto: int) -> None:
        """Track frames ``[tracked, upto)`` of ``frames`` (the whole video's list; those frames final)."""
        for t in range(self.tracked, min(int(upto), self.num_frames)):
            det = frames[t]
            if det is not None and len(det[0]) > 0:
                kp, sc = det
                keep = dedupe(kp, sc) if len(kp) > 1 else np.arange(len(kp))
                kp, sc = kp[keep], sc[keep]
                for i, tid in enumerate(self._tracker.update(t, kp, sc, None)):
                    self._row(int(tid))
                    self.keypoint[tid, t], self.score[tid, t] = kp[i], sc[i]
            self.tracked = t + 1

    def _row(self, tid: int) -> None:
        """Make room for track ``tid`` (ids are made 0, 1, 2, ... as tracks start: the row order)."""
        if tid < self.num_people:
            return
        self.num_people = tid + 1
        if tid < len(self.keypoint):
            return
        rows = max(tid + 1, len(self.keypoint) + max(4, len(self.keypoint) // 2))
        keypoint = np.zeros((rows, *self.keypoint.shape[1:]), np.float32)
        score = np.zeros((rows, *self.score.shape[1:]), np.float32)
        keypoint[: len(self.keypoint)], score[: len(self.score)] = self.keypoint, self.score
        self.keypoint, self.score = keypoint, score  # readers keep the old arrays: their final frames are equal

    def poses(self, meta: Optional[dict] = None) -> Poses:
        """The poses of the whole video (every frame fed): equal to :func:`.tracking.track_frames`'s."""
        if self.tracked < self.num_frames:
            raise RuntimeError(f"Only {self.tracked} of {self.num_frames} frames were tracked.")
        m = self.num_people
        keypoint = self.keypoint if len(self.keypoint) == m else self.keypoint[:m].copy()
        score = self.score if len(self.score) == m else self.score[:m].copy()
        return Poses(keypoint, score, np.arange(m), self.timestamps, self.img_shape, self.fps, dict(meta or {}))


@dataclass(frozen=True)
class PoseSnapshot:
    """What a :class:`PoseStream` holds at one moment: ``keypoint[:num_people, :tracked]`` and its scores are
    final (rows of people who start later are zero there); ``poses``: the whole poses once done."""

    keypoint: np.ndarray
    score: np.ndarray
    num_people: int
    tracked: int
    num_frames: int
    img_shape: Tuple[int, int]
    poses: Optional[Poses] = None

    @property
    def done(self) -> bool:
        return self.poses is not None


class PoseStream:
    """Poses of one video handed from the extracting thread to a consumer while the extraction runs.

    The extraction calls :meth:`update` (``on_final`` of :func:`.parallel.extract_frame_detections`) and
    then :meth:`finish` with the whole poses, or :meth:`fail`; the consumer takes a :meth:`snapshot` and
    waits with :meth:`wait_beyond` / :meth:`result`. ``seconds``: how long the extraction took (once done).
    """

    def __init__(self, max_gap_seconds: float = 1.0) -> None:
        self._max_gap_seconds = max_gap_seconds
        self._tracker: Optional[StreamingTracker] = None
        self._cond = threading.Condition()
        self._poses: Optional[Poses] = None
        self._error: Optional[BaseException] = None
        self.seconds: Optional[float] = None
        self.started = time.perf_counter()

    @property
    def tracker(self) -> Optional[StreamingTracker]:
        return self._tracker

    def update(self, frames, upto: int, info) -> None:
        """Frames ``[0, upto)`` of ``frames`` are final (``info``: :class:`.parallel.VideoInfo`): track them."""
        with self._cond:  # a snapshot sees whole frames: arrays, people and frames tracked of one moment
            if self._tracker is None:
                self._tracker = StreamingTracker(info.frame_count, info.timestamps, info.img_shape, info.fps,
                                                 max_gap_seconds=self._max_gap_seconds)
            self._tracker.feed(frames, upto)
            self._cond.notify_all()

    def finish(self, poses: Poses, seconds: Optional[float] = None) -> None:
        with self._cond:
            self._poses = poses
            self.seconds = seconds if seconds is not None else time.perf_counter() - self.started
            self._cond.notify_all()

    def fail(self, error: BaseException) -> None:
        with self._cond:
            self._error = error
            self._cond.notify_all()

    @property
    def done(self) -> bool:
        return self._poses is not None

    def snapshot(self) -> PoseSnapshot:
        """The final part now (raises the extraction's error)."""
        with self._cond:
            if self._error is not None:
                raise self._error
            poses, tracker = self._poses, self._tracker
            if poses is not None:
                return PoseSnapshot(poses.keypoint, poses.keypoint_score, poses.num_people, poses.num_frames,
                                    poses.num_frames, tuple(poses.img_shape), poses)
            if tracker is None:
                return PoseSnapshot(np.zeros((0, 0, 17, 2), np.float32), np.zeros((0, 0, 17), np.float32),
                                    0, 0, 0, (0, 0))
            return PoseSnapshot(tracker.keypoint, tracker.score, tracker.num_people, tracker.tracked,
                                tracker.num_frames, tracker.img_shape)

    def wait_beyond(self, tracked: int, cancel: Optional[CancelToken] = None,
                    timeout: Optional[float] = None) -> PoseSnapshot:
        """A snapshot with more than ``tracked`` frames final, or done, or the current one after ``timeout``
        seconds (raises the extraction's error, or :class:`~core_model.errors.Cancelled` when ``cancel`` is)."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            check_cancel(cancel)
            with self._cond:
                snap = self.snapshot()
                if snap.done or snap.tracked > tracked or (deadline is not None and time.perf_counter() >= deadline):
                    return snap
                self._cond.wait(0.1)

    def result(self, cancel: Optional[CancelToken] = None) -> Poses:
        """The whole poses (waits for the extraction; raises its error)."""
        snap = self.snapshot()
        while not snap.done:
            snap = self.wait_beyond(snap.tracked, cancel)
        return snap.poses


def is_stream(poses) -> bool:
    """``poses`` is a :class:`PoseStream` still being extracted (told by its type), not a whole ``Poses``."""
    return isinstance(poses, PoseStream)
