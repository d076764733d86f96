"""MediaPipe backend: the Tasks ``PoseLandmarker`` (BlazePose full, several people, VIDEO mode).

Runs offline from the models inside the ``mediapipe==0.10.21`` wheel (see :mod:`.task_bundle`).
Each of the 33 BlazePose landmarks is normalized to the frame; the 17 COCO joints are taken with
:data:`~.coco.BLAZEPOSE33_TO_COCO17`, scaled to pixels and clipped to the frame. A joint's score
is ``min(visibility, presence)`` (floored at 0.001 so a detected person is always present), and 0
for joints outside the frame.

Adaptive detection
------------------
A VIDEO-mode landmarker with ``num_poses=k`` runs its person detector on every frame on which it
tracks fewer than ``k`` people (the landmark model alone follows tracked people from frame to
frame). With ``num_poses=max_people`` a video showing one person would pay for the detector on
every frame (~40 % slower than single-person tracking). So the extractor keeps one tracking
landmarker per size ``k`` (created lazily, reused) and uses the one whose size equals the number
of people currently tracked:

- every :data:`DISCOVERY_INTERVAL` frames while all ``k`` slots are taken (and right after
  somebody appears), a *discovery pass* runs an IMAGE-mode landmarker with
  ``num_poses=max_people`` (detector + landmarks, no state) on the frame instead of the tracker;
  when it finds more than ``k`` people the extractor switches to the landmarker of that size,
  which detects them all on the next frame and then tracks them; when it finds fewer than the
  tracker follows, the tracker runs too and the two results are merged (nobody is lost to a
  detector miss; when this switches to a bigger landmarker, that one first acquires the people the
  detector missed on the frame blacked out but for them: a person held still beside a moving one may
  stay invisible to the detector on the whole frame). A person entering is found within :data:`DISCOVERY_INTERVAL` frames. A periodic pass
  is skipped while the frame has not changed outside the people tracked since the last pass (a fixed
  camera's still scene: nobody can have entered; :data:`STILL_LEVEL`), at most :data:`STILL_MAX_SKIPS`
  times in a row;
- when the tracked count drops below ``k`` (someone left or was lost) the landmarker keeps
  detecting for :data:`DROP_GRACE` frames (re-finding a briefly lost person), then the extractor
  switches down to the landmarker of the new count (at once when nobody is left: a 1-landmarker
  detects on every empty frame anyway); that one first acquires, as on a switch up, the people still tracked whom
  the discovery pass behind the last switch up missed (reset, it would re-detect everyone: a person held still
  stays invisible to the detector beside a moving one coming back);
- a landmarker left while it tracked people is reset with one black frame before it is used again
  (its old tracking state would point at where people were back then).

Frames ahead
------------
Fed through :meth:`MediaPipePoseExtractor.look_ahead`, the extractor knows the next :data:`AHEAD` frames while it
works on this one, and runs the IMAGE-mode landmarker (the discovery pass) on one of them in a helper thread, on
the machine's other core (MediaPipe releases the GIL), when that result will likely be needed:

- nobody is tracked: the tracker would run its detector on the next frame too. Where the IMAGE-mode pass finds
  nobody there, neither would the tracker (the same detector and landmark model from no state; a tracker that
  found nobody holds nothing that a frame it does not see could change), so the next frame is answered without
  the tracker; where it finds somebody, the tracker runs on that frame as usual;
- a periodic discovery pass is due on one of the next frames: it is ready when that frame comes (started two
  frames before, while the tracker works on two frames).

Every decision is the one made without the helper, on the same results: the poses are the same. The helper thread
makes the discovery landmarker right after the tracker (making a landmarker holds Python's GIL throughout: two at
once take as long as one after the other, and the first frame needs the tracker only); frames ahead wait until it
is ready (those frames go through the tracker, as without the helper).
"""
from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from ..errors import ConfigError, PoseError
from .coco import BLAZEPOSE33_TO_COCO17
from .detection import Detection
from .native_stderr import silenced_native_stderr

log = logging.getLogger(__name__)

MODEL_NAME = "blazepose_full"
DELEGATES = ("cpu", "gpu", "auto")
MIN_SCORE = 1e-3
OUTSIDE_MARGIN = 0.02
#: presence 0.5 as the legacy solution's tracking threshold: with landmark-only tracking (adaptive detection)
#: 0.4 let the landmark model follow a false positive (bikes.mp4's taxi windscreen) for 19 frames
DEFAULT_DETECTION, DEFAULT_PRESENCE, DEFAULT_TRACKING = 0.5, 0.5, 0.5
#: frames known ahead (:meth:`MediaPipePoseExtractor.look_ahead`): a discovery pass starts two frames before its own
AHEAD = 2
#: frames between discovery passes (looking for up to max_people) while every tracked slot is taken
DISCOVERY_INTERVAL = 10
#: frames a landmarker may track fewer people than its size (detecting each frame) before switching down
DROP_GRACE = 2
#: ``max_people=0`` (no limit): the landmarker's size limit. Whole-frame detection finds people taller than about a
#: fifth of the frame, far fewer than this fit in one; the cost grows with the people found, not with this number
WHOLE_FRAME_PEOPLE = 64
#: a discovered pose closer than this many body sizes to a tracked one is the same person
SAME_PERSON = 0.3
#: a periodic discovery pass is skipped while no CELL x CELL-pixel cell of the frame outside the people tracked
#: (their boxes widened by STILL_PAD of their size each side) changed its mean grey level by more than STILL_LEVEL
#: (of 255) since the last pass: nobody can have entered a still scene (a fixed camera). Every STILL_MAX_SKIPS + 1-th
#: pass runs whatever (somebody may come out from behind a tracked person)
CELL, STILL_PAD, STILL_LEVEL, STILL_MAX_SKIPS = 16, 0.5, 12.0, 3


def _quiet_native_logs() -> None:
    """Keep MediaPipe's C++ INFO/WARNING lines off the user's terminal (errors still show)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def describe_settings(max_people: int = 4, *, delegate: str = "cpu", min_detection: float = DEFAULT_DETECTION,
                      min_presence: float = DEFAULT_PRESENCE, min_tracking: float = DEFAULT_TRACKING,
                      discovery_interval: int = DISCOVERY_INTERVAL) -> dict:
    """Settings that determine the output (the delegate does not); cheap: loads no model."""
    from .mediapipe_light import mediapipe_version

    return {"backend": "mediapipe", "mediapipe": mediapipe_version(), "model": MODEL_NAME,
            "max_people": int(max_people), "min_detection": float(min_detection), "min_presence": float(min_presence),
            "min_tracking": float(min_tracking), "discovery_interval": int(discovery_interval)}


@dataclass
class _Tracker:
    """One VIDEO-mode landmarker of size ``k`` and what it currently tracks."""

    landmarker: object
    last_ms: int = -1
    tracked: int = 0  # people in its last result (its tracking state)
    stale: bool = False  # left while tracking: reset before use


class MediaPipePoseExtractor:
    """Multi-person BlazePose via MediaPipe Tasks; implements :class:`~.extractor.PoseExtractor`.

    ``delegate``: ``"cpu"`` (default), ``"gpu"`` or ``"auto"``; a GPU delegate that MediaPipe cannot
    create on this machine falls back to CPU and leaves a one-line explanation in :attr:`note`.
    ``quiet`` keeps MediaPipe's C++ start-up log lines off stderr. ``discovery_interval``: see the
    module docstring (``adaptive=False`` uses a single ``num_poses=max_people`` landmarker instead,
    for comparisons). :attr:`stats` counts discovery passes, switches, resets and the landmarkers made.
    """

    def __init__(self, max_people: int = 4, *, delegate: str = "cpu",
                 min_detection: float = DEFAULT_DETECTION, min_presence: float = DEFAULT_PRESENCE,
                 min_tracking: float = DEFAULT_TRACKING, quiet: bool = True,
                 discovery_interval: int = DISCOVERY_INTERVAL, adaptive: bool = True) -> None:
        if int(max_people) < 0:
            raise ConfigError(f"max_people must be at least 1 (0: no limit), got {max_people}.")
        if delegate not in DELEGATES:
            raise ConfigError(f"Unknown delegate {delegate!r}; choose one of: {', '.join(DELEGATES)}.")
        if int(discovery_interval) < 1:
            raise ConfigError(f"discovery_interval must be at least 1, got {discovery_interval}.")
        self.max_people = int(max_people) or WHOLE_FRAME_PEOPLE  # 0: no limit (the landmarker needs a number)
        self.min_detection, self.min_presence, self.min_tracking = min_detection, min_presence, min_tracking
        self.discovery_interval = int(discovery_interval)
        self.adaptive = bool(adaptive) and self.max_people > 1
        self.note: Optional[str] = None
        self.quiet = quiet
        self.stats = {"frames": 0, "discoveries": 0, "switches": 0, "resets": 0, "still_skips": 0, "primes": 0,
                      "ahead": 0, "ahead_used": 0, "ahead_empty": 0, "landmarkers": 0}
        self._shape: Optional[tuple] = None
        self._first_frame = True
        _quiet_native_logs()
        from .mediapipe_light import load_mediapipe

        self._mp = load_mediapipe()
        self._trackers: Dict[int, _Tracker] = {}
        #: IMAGE-mode landmarker, num_poses=max_people (made with the extractor; a Future while the helper makes it)
        self._discovery = None
        self._gpu = False
        self._closed = False
        self._k = 1 if self.adaptive else self.max_people
        self._below = 0
        self._since_discovery = 0
        self._discovery_due = False
        self._still: Optional[np.ndarray] = None  # the frame's cells at the last discovery pass
        self._skipped = 0  # periodic passes skipped in a row (nothing changed outside the people tracked)
        self._last: List[Detection] = []  # the last frame's output
        self._blind: List[Detection] = []  # people tracked whom the detector missed at the last switch up (now)
        self._next: List[tuple] = []  # (frame, ms) of the AHEAD frames after the one processed (look_ahead)
        self._ahead: Optional[tuple] = None  # (ms, future): the discovery landmarker running on a frame ahead
        self._helper = None  # the thread running it (with the CPU delegate)
        self.device = "cpu"
        self._make_landmarkers(delegate, quiet)

    def _make_landmarkers(self, delegate: str, quiet: bool) -> None:
        """The tracker first (the first frame waits for it), then the discovery landmarker: with the CPU delegate
        the helper thread makes it while the first frames are tracked (frames ahead wait until it is ready)."""
        if delegate in ("gpu", "auto"):
            try:
                with silenced_native_stderr(quiet):
                    self._trackers[self._k] = _Tracker(self._create(self._k, gpu=True))
                self._gpu, self.device = True, "gpu"
            except Exception as exc:  # noqa: BLE001 - MediaPipe raises RuntimeError/ValueError without a type
                self.note = f"MediaPipe's GPU delegate is not available here ({_short_reason(exc)}); using the CPU."
                log.warning(self.note)
        if self._gpu:  # (no frames ahead: one person needs none)
            if self.adaptive:
                with silenced_native_stderr(quiet):
                    self._discovery = self._create(self.max_people, gpu=True, video=False)
            return
        try:
            with silenced_native_stderr(quiet):
                self._trackers[self._k] = _Tracker(self._create(self._k, gpu=False))
        except BaseException:
            self.close()
            raise
        # the discovery landmarker is made now (a command makes its extractor ahead), not on the first discovery
        # frame in the middle of the video (~0.1 s of CPU, 0.3-0.4 s on a loaded machine), and after the tracker:
        # making a landmarker holds Python's lock (GIL) throughout, two at once take as long as one after the other
        # (the first frame waits for the tracker only). One person: for the frames ahead only
        from concurrent.futures import ThreadPoolExecutor

        self._helper = ThreadPoolExecutor(1, thread_name_prefix="epam-pose-ahead")
        self._discovery = self._helper.submit(self._create_quietly, self.max_people)

    def _create_quietly(self, num_poses: int):
        with silenced_native_stderr(self.quiet):
            return self._create(num_poses, gpu=False, video=False)

    def _discovery_ready(self) -> bool:
        """Whether the discovery landmarker is made (the helper thread may still be making it)."""
        return self._discovery is not None and (hasattr(self._discovery, "detect") or self._discovery.done())

    def _discoverer(self):
        """The discovery landmarker (waited for while the helper thread makes it)."""
        if not hasattr(self._discovery, "detect"):
            self._discovery = self._discovery.result()
        return self._discovery

    def _create(self, num_poses: int, *, gpu: bool, video: bool = True):
        from .mediapipe_light import load_mediapipe

        load_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        from .task_bundle import pose_landmarker_bundle

        delegate = BaseOptions.Delegate.GPU if gpu else BaseOptions.Delegate.CPU
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(pose_landmarker_bundle()), delegate=delegate),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=self.min_detection,
            min_pose_presence_confidence=self.min_presence,
            min_tracking_confidence=self.min_tracking,
        )
        try:
            landmarker = vision.PoseLandmarker.create_from_options(options)
        except Exception as exc:
            if gpu:
                raise
            raise PoseError(f"MediaPipe could not load its pose model: {exc}.") from exc
        self.stats["landmarkers"] += 1  # landmarkers made (~0.1 s each, holding the GIL)
        return landmarker

    def settings(self) -> dict:
        return describe_settings(max_people=self.max_people, min_detection=self.min_detection,
                                 min_presence=self.min_presence, min_tracking=self.min_tracking,
                                 discovery_interval=self.discovery_interval)

    @property
    def num_poses(self) -> int:
        """Size of the tracking landmarker in use (the people it follows without running the detector)."""
        return self._k

    # -- landmarkers ----------------------------------------------------------------------
    def _tracker(self, k: int) -> _Tracker:
        tracker = self._trackers.get(k)
        if tracker is None:
            with silenced_native_stderr(self.quiet):
                tracker = self._trackers[k] = _Tracker(self._create(k, gpu=self._gpu))
        if tracker.stale:  # one black frame makes it lose every pose (cheaper than a new graph)
            self._track(tracker, self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                                                data=np.zeros(self._shape, np.uint8)), tracker.last_ms + 1)
            tracker.stale = False
            self.stats["resets"] += 1
        return tracker

    def _track(self, tracker: _Tracker, image, ms: int) -> list:
        ms = max(ms, tracker.last_ms + 1)  # VIDEO mode: strictly increasing per landmarker
        tracker.last_ms = ms
        with silenced_native_stderr(self._first_frame and self.quiet):  # a one-off C++ warning
            poses = tracker.landmarker.detect_for_video(image, ms).pose_landmarks
        self._first_frame = False
        tracker.tracked = len(poses)
        return poses

    def _discover(self, image, ms: int) -> list:
        self.stats["discoveries"] += 1
        ready = self._ahead_result(ms)
        if ready is not None:
            return ready
        self._drop_ahead()  # one running for a later frame: the landmarker serves one thread at a time
        return self._discoverer().detect(image).pose_landmarks

    # -- frames ahead (see the module docstring) -------------------------------------------
    def look_ahead(self, frames, timestamps):
        """``frames`` (``(index, frame)`` pairs, in order) as they come, each given while the extractor already
        knows the :data:`AHEAD` after it (:meth:`process` may start on one of those in a helper thread)."""
        held: list = []
        try:
            for index, frame in frames:
                held.append((index, frame))
                if len(held) > AHEAD:
                    self._next = [(f, _ms(timestamps[i])) for i, f in held[1:]]
                    yield held.pop(0)
            while held:
                self._next = [(f, _ms(timestamps[i])) for i, f in held[1:]]
                yield held.pop(0)
        finally:
            self._next = []

    def _start_ahead(self, to_discovery: int) -> None:
        """Run the discovery landmarker in the helper thread on the next frame when nobody is tracked (the tracker
        would detect there), else on the frame ``to_discovery`` frames on when a discovery pass may be due there."""
        nobody = not self._last and not self._trackers[self._k].tracked
        step = 1 if nobody else to_discovery
        if self._gpu or not 1 <= step <= len(self._next) or not self._discovery_ready():
            return
        frame, ms = self._next[step - 1]
        if self._ahead is not None:
            if self._ahead[0] >= ms:
                return  # running for this frame or one after it
            self._drop_ahead()  # left from an earlier frame (done by now)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))
        self._ahead = (ms, self._helper.submit(lambda: self._discoverer().detect(image).pose_landmarks))
        self.stats["ahead"] += 1

    def _drop_ahead(self) -> None:
        """Forget the frame ahead (waited for: the discovery landmarker is used by one thread at a time)."""
        if self._ahead is not None:
            self._ahead[1].result()
            self._ahead = None

    def _ahead_result(self, ms: int) -> Optional[list]:
        """The discovery landmarker's poses on the frame at ``ms`` when they were started ahead (else ``None``);
        one started for an earlier frame is dropped (waited for: the landmarker is used by one at a time)."""
        if self._ahead is None or self._ahead[0] > ms:  # (one still to come is kept)
            return None
        started, future = self._ahead
        self._ahead = None
        poses = future.result()
        if started != ms:
            return None
        self.stats["ahead_used"] += 1
        return poses

    def _switch(self, k: int) -> bool:
        """Use the landmarker of size ``k`` from the next frame on; whether that is another one."""
        k = min(max(k, 1), self.max_people)
        if k == self._k:
            return False
        old = self._trackers.get(self._k)
        if old is not None and old.tracked > 0:
            old.stale = True
        self._k, self._below = k, 0
        self.stats["switches"] += 1
        return True

    # -- PoseExtractor --------------------------------------------------------------------
    def process(self, frame_rgb: np.ndarray, timestamp: float) -> List[Detection]:
        if self._closed:
            raise PoseError("The MediaPipe pose extractor was used after close().")
        if frame_rgb.dtype != np.uint8 or frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
            raise PoseError(f"Frames must be RGB uint8 (H, W, 3), got {frame_rgb.dtype} {frame_rgb.shape}.")
        if not frame_rgb.flags.c_contiguous:
            frame_rgb = np.ascontiguousarray(frame_rgb)
        self._shape = frame_rgb.shape
        height, width = frame_rgb.shape[:2]
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=frame_rgb)
        ms = _ms(timestamp)
        self.stats["frames"] += 1
        tracker = self._tracker(self._k)
        previous = tracker.tracked
        self._since_discovery += 1
        full = self.adaptive and previous == self._k < self.max_people and len(self._last) == previous
        if full and (self._discovery_due or (self._since_discovery >= self.discovery_interval
                                             and self._changed_outside(frame_rgb))):
            self._still, self._skipped = _cells(frame_rgb), 0
            return self._discovery_frame(tracker, frame_rgb, image, ms)
        if previous == 0 and not self._last and self._ahead_result(ms) == []:  # nobody, as the tracker would say
            self.stats["ahead_empty"] += 1
            detections = []
        else:
            self._start_ahead(max(self.discovery_interval - self._since_discovery, 1) if full else 0)
            detections = [landmarks_to_detection(p, width, height) for p in self._track(tracker, image, ms)]
        if self.adaptive:
            self._after_tracking(detections, previous, frame_rgb, ms)
        else:
            self._last = detections
        return detections

    def _changed_outside(self, frame_rgb: np.ndarray) -> bool:
        """Whether a periodic discovery pass is worth running: the frame changed outside the people tracked since
        the last pass (see :data:`STILL_LEVEL`), or :data:`STILL_MAX_SKIPS` passes in a row were skipped."""
        small = _cells(frame_rgb)
        if self._still is None or self._still.shape != small.shape or self._skipped >= STILL_MAX_SKIPS:
            return True
        if changed_outside(small, self._still, self._last):
            return True
        self._skipped += 1
        self._since_discovery = 0
        self.stats["still_skips"] += 1
        return False

    def _discovery_frame(self, tracker: _Tracker, frame_rgb: np.ndarray, image, ms: int) -> List[Detection]:
        """A discovery pass on this frame (the tracker follows ``k`` people, the detector is off)."""
        height, width = frame_rgb.shape[:2]
        self._discovery_due, self._since_discovery = False, 0
        found = _unique([landmarks_to_detection(p, width, height) for p in self._discover(image, ms)])
        if all(any(_same_person(d, t) for d in found) for t in self._last):
            # everybody tracked is found again (maybe with others): the tracker skips this frame
            if len(found) > self._k:  # more people: the landmarker of that size detects them all next frame
                self._switch(len(found))
            self._last, self._blind = found, []
            return found
        # the detector missed somebody the tracker follows: track as usual and merge
        previous = tracker.tracked
        tracked = [landmarks_to_detection(p, width, height) for p in self._track(tracker, image, ms)]
        new = [d for d in found if not any(_same_person(d, t) for t in tracked)]
        self._after_tracking(tracked, previous, frame_rgb, ms)
        if new and len(tracked) + len(new) > self._k and self._switch(len(tracked) + len(new)):
            missed = [t for t in tracked if not any(_same_person(d, t) for d in found)]
            self._blind = missed
            if missed:  # the new landmarker's detector would miss them as this one did: it acquires them first
                self._prime(self._tracker(self._k), frame_rgb, missed, ms)
        return tracked + new

    def _prime(self, tracker: _Tracker, frame_rgb: np.ndarray, people: List[Detection], ms: int) -> None:
        """Let ``tracker`` acquire ``people`` on this frame: it runs on the frame blacked out but for their boxes
        (widened by :data:`STILL_PAD`), where its detector finds them (a person held still beside a moving one
        may be invisible to the detector on the whole frame); from the next frame on it tracks them and detects
        the others. Nobody found: as before, it detects on the next frame."""
        masked = np.zeros_like(frame_rgb)
        for person in people:
            x0, y0, x1, y1 = person.box()
            pad_x, pad_y = STILL_PAD * (x1 - x0), STILL_PAD * (y1 - y0)
            rows = slice(max(int(y0 - pad_y), 0), int(y1 + pad_y) + 1)
            cols = slice(max(int(x0 - pad_x), 0), int(x1 + pad_x) + 1)
            masked[rows, cols] = frame_rgb[rows, cols]
        self._track(tracker, self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=masked), ms)
        self.stats["primes"] += 1

    def _after_tracking(self, detections: List[Detection], previous: int, frame_rgb: np.ndarray, ms: int) -> None:
        self._last = detections
        self._blind = [d for d in detections if any(_same_person(d, b) for b in self._blind)]
        count = len(detections)
        if previous == 0 and count > 0:
            self._discovery_due = True  # somebody appeared: more may have come with them
        if count >= self._k:
            self._below = 0
            return
        self._below += 1
        if (count == 0 or self._below >= DROP_GRACE) and self._switch(count) and self._blind:
            # reset, the smaller landmarker would re-detect everyone and miss them again: it acquires them first
            self._prime(self._tracker(self._k), frame_rgb, self._blind, ms)

    def reset(self) -> None:
        """Forget everything about earlier frames (before jumping to another part of the video).

        The tracking landmarkers that were fed frames are closed and made afresh when next used (~70 ms
        each): feeding one a black frame loses its poses but not its smoothed visibilities, and the poses
        after a reset must equal those of a new extractor (chunked extraction is deterministic only so).
        One never fed is a new one: it is kept (an extractor made ahead of its first chunk loses nothing).
        """
        for k in [k for k, tracker in self._trackers.items() if tracker.last_ms >= 0]:  # (one never fed: as new)
            self._trackers.pop(k).landmarker.close()
        self._first_frame = True
        if self.adaptive:
            self._k = 1
        self._below, self._since_discovery, self._discovery_due = 0, 0, False
        self._still, self._skipped = None, 0
        self._last, self._blind = [], []
        self._drop_ahead()  # a frame ahead of the old position: not wanted

    def close(self) -> None:
        self._closed = True
        self._drop_ahead()
        if self._helper is not None:
            self._helper.shutdown()
        for tracker in self._trackers.values():
            tracker.landmarker.close()
        self._trackers.clear()
        if self._discovery is not None:
            try:
                self._discoverer().close()
            except PoseError:  # it could not be made (the tracker's error was the one reported)
                pass
            self._discovery = None

    def __enter__(self) -> "MediaPipePoseExtractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _ms(timestamp: float) -> int:
    """A frame's timestamp in milliseconds, as the landmarkers take it."""
    return int(round(float(timestamp) * 1000.0))


def _same_person(a: Detection, b: Detection) -> bool:
    from .tracking import body_scale, pose_distance

    return pose_distance(a.keypoint, a.score, b.keypoint, b.score) <= SAME_PERSON * body_scale(b.keypoint, b.score)


def _unique(detections: List[Detection]) -> List[Detection]:
    """Detections without near-copies of one person (the detector may report a person twice)."""
    if len(detections) < 2:
        return detections
    from .tracking import dedupe

    keep = dedupe(np.stack([d.keypoint for d in detections]), np.stack([d.score for d in detections]))
    return [detections[i] for i in keep]


@functools.lru_cache(maxsize=1)
def gpu_delegate_note() -> Optional[str]:
    """``None`` if MediaPipe's GPU delegate works on this machine, else the one-line reason it does not.

    Probed once per process by creating a one-person landmarker on the GPU delegate.
    """
    from .mediapipe_light import load_mediapipe

    load_mediapipe()
    from mediapipe.tasks.python import BaseOptions, vision

    from .task_bundle import pose_landmarker_bundle

    _quiet_native_logs()
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(pose_landmarker_bundle()), delegate=BaseOptions.Delegate.GPU),
        running_mode=vision.RunningMode.IMAGE, num_poses=1)
    try:
        with silenced_native_stderr(True):
            vision.PoseLandmarker.create_from_options(options).close()
    except Exception as exc:  # noqa: BLE001 - MediaPipe raises RuntimeError/ValueError without a type
        return f"MediaPipe's GPU delegate is not available here ({_short_reason(exc)}); using the CPU."
    return None


def changed_outside(small: np.ndarray, still: np.ndarray, people) -> bool:
    """Whether a cell of the frame (:func:`_cells`) outside the ``people`` (boxes widened by :data:`STILL_PAD`)
    changed its mean grey level by more than :data:`STILL_LEVEL` since ``still``."""
    outside = np.ones(small.shape, bool)
    for person in people:
        x0, y0, x1, y1 = person.box()
        pad_x, pad_y = STILL_PAD * (x1 - x0), STILL_PAD * (y1 - y0)
        outside[max(int((y0 - pad_y) // CELL), 0): int((y1 + pad_y) // CELL) + 1,
                max(int((x0 - pad_x) // CELL), 0): int((x1 + pad_x) // CELL) + 1] = False
    return bool((np.abs(small - still)[outside] > STILL_LEVEL).any())


def _cells(frame: np.ndarray) -> np.ndarray:
    """Mean grey level of each :data:`CELL` x :data:`CELL` cell of ``frame`` (the partial last row/column left out)."""
    h, w = frame.shape[0] // CELL, frame.shape[1] // CELL
    block = frame[: h * CELL, : w * CELL, 1].reshape(h, CELL, w, CELL)  # green: close to grey, one channel
    return block.mean(axis=(1, 3), dtype=np.float32)


def _short_reason(exc: Exception) -> str:
    text = str(exc)
    if "EGL" in text or "kGpuService" in text:
        return "no OpenGL ES / EGL context"
    return (text.strip().splitlines() or [type(exc).__name__])[-1][:100]


def landmarks_to_detection(landmarks, width: int, height: int) -> Detection:
    """33 MediaPipe landmarks (normalized x, y, visibility, presence) -> COCO-17 pixel :class:`Detection`."""
    raw = np.array([(lm.x, lm.y, lm.visibility or 0.0, lm.presence or 0.0) for lm in landmarks], np.float32)
    return blazepose_to_coco(raw, width, height)


def blazepose_to_coco(raw: np.ndarray, width: int, height: int) -> Detection:
    """``raw (33, 4)`` = normalized x, y, visibility, presence -> COCO-17 pixel :class:`Detection`.

    Joints more than 2 % of the frame outside it get score 0 (absent); all coordinates are clipped
    to the frame so stored keypoints are always valid pixel positions.
    """
    sel = raw[BLAZEPOSE33_TO_COCO17]
    keypoint = np.empty((len(sel), 2), np.float32)
    np.clip(sel[:, 0] * width, 0, width - 1, out=keypoint[:, 0])
    np.clip(sel[:, 1] * height, 0, height - 1, out=keypoint[:, 1])
    score = np.clip(np.minimum(sel[:, 2], sel[:, 3]), MIN_SCORE, 1.0).astype(np.float32)
    outside = (sel[:, 0] < -OUTSIDE_MARGIN) | (sel[:, 0] > 1 + OUTSIDE_MARGIN) | \
              (sel[:, 1] < -OUTSIDE_MARGIN) | (sel[:, 1] > 1 + OUTSIDE_MARGIN)
    score[outside] = 0.0
    return Detection(keypoint, score)
