"""Whole-frame poses the way MediaPipe's legacy solution finds them, for one person or several.

The legacy solution (``mp.solutions.pose``) runs its person detector only when it follows nobody; a person
followed is found again in the next frame by the landmark model alone, on a region of interest (ROI) made from
this frame's auxiliary landmarks (smoothed, :mod:`.landmark_smoothing`). This extractor does exactly that on a
:class:`~.roi_graph.PoseGraph` (the detector and the ROI landmark model as two calls, whatever engine runs
them), for any number of people:

- people followed: one :meth:`~.roi_graph.PoseGraph.landmarks` call on all their ROIs; a ROI whose landmark
  model sees nobody (pose presence under 0.5, as the legacy solution's threshold) is dropped, and two ROIs that
  slid onto one person become one (:func:`.tracking.dedupe`);
- the detector on the whole frame runs when nobody is followed (every such frame, as the legacy solution) and,
  while there is room for more people (``max_people``), on the :data:`LOST_GRACE` frames after somebody was
  lost and once every ``discovery_interval`` frames (a *discovery pass*; skipped while nothing changed outside
  the people followed since the last one, at most :data:`STILL_MAX_SKIPS` times in a row, as the Tasks path
  does). Its hits that are nobody followed get the landmark model on their ROI in the same frame.

Frames ahead: fed through :meth:`RoiPoseExtractor.look_ahead`, the extractor knows the next frame while it works on
this one. Where nobody is followed, every frame gets the detector: a helper thread (on the machine's other core, with
its own detector, made the first time it is wanted) runs it on the next frame while this one is worked on, and that
frame takes the helper's detections instead of running the detector itself (the frame after it is the main thread's
again, with the helper on the one after). The detector's hits on a frame do not depend on what came before: the poses
are the same with or without the helper.

Joints are returned as :func:`.mediapipe_backend.blazepose_to_coco` makes them (score ``min(visibility,
presence)``, visibility smoothed). Everything depends on the frames since the last :meth:`reset` only.
"""
from __future__ import annotations

import math
import threading
from typing import List, Optional

import numpy as np

from ..errors import ConfigError, PoseError
from .detection import Detection
from .landmark_smoothing import PersonSmoother
from .mediapipe_backend import (CELL, DEFAULT_DETECTION, DISCOVERY_INTERVAL, STILL_LEVEL, STILL_MAX_SKIPS, STILL_PAD,
                                WHOLE_FRAME_PEOPLE, _cells, blazepose_to_coco, changed_outside)

MODEL_NAME = "blazepose_full"
#: bump when this extractor's output changes (part of the pose cache key)
VERSION = 1
#: frames after somebody was lost on which the detector runs (while there is room for more people)
LOST_GRACE = 2
#: a detector hit whose ROI centre lies within this fraction of a followed person's ROI side of that ROI's centre,
#: with a side within SAME_SIZE x, is that person (no landmark run); other hits get one and are kept when their pose
#: is nobody's followed (:func:`.tracking.dedupe`)
SAME_CENTRE, SAME_SIZE = 0.25, 1.6
#: two poses closer than this many body sizes are one person (:func:`.tracking.dedupe`'s threshold)
DUPLICATE = 0.15


def describe_roi_settings(max_people: int = 0, *, min_detection: float = DEFAULT_DETECTION,
                          discovery_interval: int = DISCOVERY_INTERVAL, **_ignored) -> dict:
    """Settings that determine the output (the pose cache key), the engine that runs the graph's models included
    (:func:`graph_key`); loads no model."""
    from .landmark_smoothing import AUX_FILTER, LANDMARKS_FILTER, VISIBILITY_ALPHA
    from .mediapipe_light import mediapipe_version

    return {"backend": "mediapipe", "mediapipe": mediapipe_version(), "model": MODEL_NAME, "whole_frame": "roi",
            "roi_version": VERSION, **graph_key(),
            "max_people": int(max_people), "min_detection": float(min_detection),
            "discovery_interval": int(discovery_interval), "lost_grace": LOST_GRACE, "same": [SAME_CENTRE, SAME_SIZE, DUPLICATE],
            "still": [CELL, STILL_PAD, STILL_LEVEL, STILL_MAX_SKIPS],
            "smoothing": [list(LANDMARKS_FILTER), list(AUX_FILTER), VISIBILITY_ALPHA]}


def graph_key() -> dict:
    """The cache key's part naming what runs :class:`~.roi_graph.PoseGraph`'s models here (the landmark engine's
    ``settings_key``; nothing for MediaPipe's own subgraphs). Loads nothing."""
    try:
        from .openvino_landmarks import settings_key
    except ImportError:  # (no other engine in this tree)
        return {}
    return settings_key()


class _Person:
    """Somebody followed: the ROI for the next frame, their filters and their last pose."""

    __slots__ = ("roi", "smoother", "detection")

    def __init__(self) -> None:
        self.roi = None
        self.smoother = PersonSmoother()
        self.detection: Optional[Detection] = None

    def update(self, found, timestamp_us: int, width: int, height: int) -> None:
        """Take the landmark model's result (:class:`~.roi_graph.RoiLandmarks`) on this frame: smoothed joints,
        and the next ROI from the smoothed auxiliary landmarks."""
        from .roi_graph import roi_from_alignment

        raw, aux = self.smoother.apply(timestamp_us, found.raw, _aux_of(found.roi, width, height), width, height)
        self.detection = blazepose_to_coco(raw, width, height)
        self.roi = roi_from_alignment(aux[0, 0] * width, aux[0, 1] * height, aux[1, 0] * width, aux[1, 1] * height)


def _aux_of(roi, width: int, height: int) -> np.ndarray:
    """The two auxiliary landmarks (normalized) a ROI was made from (:func:`.roi_graph.roi_from_alignment`
    inverted: hip centre, then the body circle point)."""
    from .roi_graph import ROI_SCALE

    reach = roi.side / (2.0 * ROI_SCALE)
    x1 = roi.cx + reach * math.sin(roi.rotation)
    y1 = roi.cy - reach * math.cos(roi.rotation)
    return np.array([[roi.cx / width, roi.cy / height], [x1 / width, y1 / height]], np.float32)


class RoiPoseExtractor:
    """Implements :class:`~.extractor.PoseExtractor` (see the module docstring).

    ``graph``: a :class:`~.roi_graph.PoseGraph` (made here when not given). :attr:`stats` counts frames, detector
    runs, discovery passes (detector runs while somebody is followed), passes skipped on a still scene and
    landmark runs.
    """

    def __init__(self, max_people: int = 0, *, min_detection: float = DEFAULT_DETECTION,
                 discovery_interval: int = DISCOVERY_INTERVAL, quiet: bool = True, graph=None, **_ignored) -> None:
        if int(max_people) < 0:
            raise ConfigError(f"max_people must be at least 1 (0: no limit), got {max_people}.")
        if int(discovery_interval) < 1:
            raise ConfigError(f"discovery_interval must be at least 1, got {discovery_interval}.")
        self.max_people = int(max_people)
        self._cap = self.max_people or WHOLE_FRAME_PEOPLE
        self.min_detection = float(min_detection)
        self.discovery_interval = int(discovery_interval)
        self.note: Optional[str] = None
        self.device = "cpu"
        self.stats = {"frames": 0, "detector_runs": 0, "discoveries": 0, "still_skips": 0, "landmark_runs": 0,
                      "ahead": 0, "ahead_used": 0}
        self._quiet = quiet
        if graph is None:
            from .roi_graph import PoseGraph

            graph = PoseGraph(quiet=quiet)
        self._graph = graph
        self._closed = False
        self._ahead = _DetectAhead()
        self.reset()

    def settings(self) -> dict:
        return describe_roi_settings(self.max_people, min_detection=self.min_detection,
                                     discovery_interval=self.discovery_interval)

    def reset(self) -> None:
        """Forget everybody followed (the next frame starts like the first one)."""
        self._ahead.drop()  # (a frame ahead of the old position: not wanted)
        self._fresh()

    def _fresh(self) -> None:
        """The state of a new extractor."""
        self._people: List[_Person] = []
        self._since = 0  # frames since the last detector run
        self._grace = 0  # frames left on which the detector runs (somebody was lost)
        self._still: Optional[np.ndarray] = None  # the frame's cells at the last discovery pass
        self._skipped = 0

    def process(self, frame_rgb: np.ndarray, timestamp: float) -> List[Detection]:
        if self._closed:
            raise PoseError("The pose extractor was used after close().")
        if frame_rgb.dtype != np.uint8 or frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
            raise PoseError(f"Frames must be RGB uint8 (H, W, 3), got {frame_rgb.dtype} {frame_rgb.shape}.")
        height, width = frame_rgb.shape[:2]
        us = int(round(float(timestamp) * 1e6))
        self.stats["frames"] += 1
        self._since += 1
        followed = self._people
        people: List[_Person] = []
        if followed:
            self.stats["landmark_runs"] += len(followed)
            for person, found in zip(followed, self._graph.landmarks(frame_rgb, [p.roi for p in followed])):
                if found is not None:
                    person.update(found, us, width, height)
                    people.append(person)
            people = _distinct(people)
        if len(people) < len(followed):
            self._grace = LOST_GRACE + 1  # (counted down below, from this frame on: the next LOST_GRACE frames)
        if not followed or (len(people) < self._cap and self._discovery_due(frame_rgb, people, bool(followed))):
            people = self._discover(frame_rgb, people, us, float(timestamp), ahead=not followed)
        self._grace = max(self._grace - 1, 0)
        self._people = people[: self._cap]
        if not self._people:  # nobody followed: as a fresh start from the next frame on (chunked extraction relies
            self._fresh()  # on that: a worker past its range stops at a frame without people)
        return [p.detection for p in self._people]

    def _discovery_due(self, frame_rgb: np.ndarray, people: List[_Person], had: bool) -> bool:
        """Whether the detector runs on this frame although somebody is followed (see the module docstring)."""
        if not had:
            return True
        if self._grace > 0 and self._grace <= LOST_GRACE:
            return True
        if self._since < self.discovery_interval:
            return False
        small = _cells(frame_rgb)
        if self._still is None or self._still.shape != small.shape or self._skipped >= STILL_MAX_SKIPS \
                or changed_outside(small, self._still, [p.detection for p in people]):
            self._still, self._skipped = small, 0
            return True
        self._skipped += 1
        self._since = 0
        self.stats["still_skips"] += 1
        return False

    def _discover(self, frame_rgb: np.ndarray, people: List[_Person], us: int, timestamp: float,
                  ahead: bool = False) -> List[_Person]:
        """The detector on the whole frame; the people it finds that nobody followed is get the landmark model on
        their ROI (in this frame) and are followed from now on. ``ahead`` (nobody followed): the detector's hits may
        come from the helper, or the helper starts on the next frame (see the module docstring)."""
        height, width = frame_rgb.shape[:2]
        self._since = 0
        self.stats["detector_runs"] += 1
        self.stats["discoveries"] += int(bool(people))
        found = self._ahead.result(timestamp)
        if found is None:
            if ahead:
                self.stats["ahead"] += self._ahead.start(self._quiet, getattr(self._graph, "runtime", None))
            found = self._graph.detect([frame_rgb], [(0.0, 0.0)])[0]
        else:
            self.stats["ahead_used"] += 1
        hits = sorted((h for h in found if h.score >= self.min_detection), key=lambda h: -h.score)
        new = [h for h in hits if not any(_same_roi(h.roi, p.roi) for p in people)][: self._cap - len(people)]
        if not new:
            return people
        self.stats["landmark_runs"] += len(new)
        found = []
        for found_here in self._graph.landmarks(frame_rgb, [h.roi for h in new]):
            if found_here is None:
                continue
            person = _Person()
            person.update(found_here, us, width, height)
            found.append(person)
        return people + _distinct(_not_followed(found, people))

    def look_ahead(self, frames, timestamps):
        """``frames`` (``(index, frame)`` pairs, in order) as they come, each given while the extractor already knows
        the one after it (:meth:`process` may start the detector on that one in a helper thread)."""
        held = None
        try:
            for index, frame in frames:
                if held is not None:
                    self._ahead.upcoming(float(timestamps[index]), frame)
                    yield held
                held = (index, frame)
            if held is not None:
                self._ahead.upcoming(None, None)
                yield held
        finally:
            self._ahead.upcoming(None, None)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._ahead.close()
            self._graph.close()

    def __enter__(self) -> "RoiPoseExtractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_SPARE: dict = {}
_SPARE_LOCK = threading.Lock()


def spare_detector(quiet: bool = True):
    """A detector-only :class:`~.roi_graph.PoseGraph` (default runtime) shared by this process's extra detector
    work: the detection probe (:func:`.auto_detect.choose_detect`) and the helper threads that detect a frame ahead.
    Made on first use, kept until the process ends (one small model; calls from two threads take turns)."""
    with _SPARE_LOCK:
        graph = _SPARE.get("detector")
        if graph is None:
            from .roi_graph import PoseGraph

            graph = _SPARE["detector"] = PoseGraph(quiet=quiet, landmarks=False)
        return graph


class _DetectAhead:
    """The helper thread that runs the detector on the next frame (see the module docstring), on the process's
    :func:`spare_detector` (made by the helper the first time it is wanted: frames until then go without), and only
    where it runs on the main graph's runtime (the same hits)."""

    def __init__(self) -> None:
        self._next: Optional[tuple] = None  # (timestamp, frame) of the frame after the one being processed
        self._pool = None
        self._graph = None  # a Future while the helper makes it
        self._job: Optional[tuple] = None  # (timestamp, Future of its hits)

    def upcoming(self, timestamp: Optional[float], frame) -> None:
        self._next = None if timestamp is None else (timestamp, frame)

    def start(self, quiet: bool, runtime: Optional[str]) -> int:
        """Start the detector on the next frame in the helper (1), unless that frame is unknown, the helper's detector
        is still being made or it is busy (0). ``runtime``: the main graph's (the helper's detector runs on the same
        one, or not at all: the same hits either way); ``None``: no helper (a graph of another kind)."""
        if self._next is None or self._job is not None or runtime is None:
            return 0
        if self._graph is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="epam-pose-ahead")
            self._graph = self._pool.submit(spare_detector, quiet)
            return 0
        if not self._graph.done() or self._graph.exception() is not None \
                or getattr(self._graph.result(), "runtime", None) != runtime:
            return 0
        timestamp, frame = self._next
        graph = self._graph.result()
        self._job = (timestamp, self._pool.submit(lambda: graph.detect([frame], [(0.0, 0.0)])[0]))
        return 1

    def result(self, timestamp: float):
        """The helper's hits on the frame at ``timestamp`` (waited for) when it ran there, else ``None`` (a job for an
        earlier frame is dropped)."""
        if self._job is None or self._job[0] > timestamp:
            return None
        started, future = self._job
        self._job = None
        hits = future.result()
        return hits if started == timestamp else None

    def drop(self) -> None:
        if self._job is not None:
            self._job[1].result()
            self._job = None

    def close(self) -> None:
        self.drop()
        if self._pool is not None:
            self._pool.shutdown()  # (the spare detector stays for the process)


def _same_roi(a, b) -> bool:
    """Whether a detector hit's ROI ``a`` frames the person followed with ROI ``b`` (see :data:`SAME_CENTRE`)."""
    big, small = max(a.side, b.side), min(a.side, b.side)
    return big <= SAME_SIZE * small and math.hypot(a.cx - b.cx, a.cy - b.cy) <= SAME_CENTRE * big


def _distinct(people: List[_Person]) -> List[_Person]:
    """People minus near-copies (two ROIs on one body): the earlier followed one stays when equally scored."""
    if len(people) < 2:
        return people
    from .tracking import dedupe

    keep = dedupe(np.stack([p.detection.keypoint for p in people]), np.stack([p.detection.score for p in people]))
    return [people[i] for i in keep]


def _not_followed(found: List[_Person], people: List[_Person]) -> List[_Person]:
    """The people ``found`` by a discovery pass who are nobody followed (a followed person keeps their ROI and
    filters; a near-copy of them is dropped, as :func:`.tracking.dedupe` judges copies)."""
    if not found or not people:
        return found
    from .pose_matrix import body_scales, pose_distances

    apart = pose_distances(np.stack([f.detection.keypoint for f in found]), np.stack([f.detection.score for f in found]),
                           np.stack([p.detection.keypoint for p in people]), np.stack([p.detection.score for p in people]))
    limit = DUPLICATE * body_scales(np.stack([p.detection.keypoint for p in people]),
                                    np.stack([p.detection.score for p in people]))
    return [f for f, row in zip(found, apart) if (row > limit).all()]
