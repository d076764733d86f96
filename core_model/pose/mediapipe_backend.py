"""MediaPipe backend: the Tasks ``PoseLandmarker`` (BlazePose full, several people, VIDEO mode).

Runs offline from the models inside the ``mediapipe==0.10.21`` wheel (see :mod:`.task_bundle`).
Each of the 33 BlazePose landmarks is normalized to the frame; the 17 COCO joints are taken with
:data:`~.coco.BLAZEPOSE33_TO_COCO17`, scaled to pixels and clipped to the frame. A joint's score
is ``min(visibility, presence)`` (floored at 0.001 so a detected person is always present), and 0
for joints outside the frame.
"""
from __future__ import annotations

import logging
import os
from typing import List, Optional

import numpy as np

from ..errors import ConfigError, PoseError
from .coco import BLAZEPOSE33_TO_COCO17
from .extractor import Detection
from .native_stderr import silenced_native_stderr

log = logging.getLogger(__name__)

MODEL_NAME = "blazepose_full"
DELEGATES = ("cpu", "gpu", "auto")
MIN_SCORE = 1e-3
OUTSIDE_MARGIN = 0.02
DEFAULT_DETECTION, DEFAULT_PRESENCE, DEFAULT_TRACKING = 0.5, 0.4, 0.5


def _quiet_native_logs() -> None:
    """Keep MediaPipe's C++ INFO/WARNING lines off the user's terminal (errors still show)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def describe_settings(max_people: int = 4, *, delegate: str = "cpu", min_detection: float = DEFAULT_DETECTION,
                      min_presence: float = DEFAULT_PRESENCE, min_tracking: float = DEFAULT_TRACKING) -> dict:
    """Settings that determine the output (the delegate does not); cheap: loads no model."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mp_version = version("mediapipe")
    except PackageNotFoundError:
        mp_version = "missing"
    return {"backend": "mediapipe", "mediapipe": mp_version, "model": MODEL_NAME, "max_people": int(max_people),
            "min_detection": float(min_detection), "min_presence": float(min_presence),
            "min_tracking": float(min_tracking)}


class MediaPipePoseExtractor:
    """Multi-person BlazePose via MediaPipe Tasks; implements :class:`~.extractor.PoseExtractor`.

    ``delegate``: ``"cpu"`` (default), ``"gpu"`` or ``"auto"``; a GPU delegate that MediaPipe cannot
    create on this machine falls back to CPU and leaves a one-line explanation in :attr:`note`.
    ``quiet`` keeps MediaPipe's C++ start-up log lines off stderr.
    """

    def __init__(self, max_people: int = 4, *, delegate: str = "cpu",
                 min_detection: float = DEFAULT_DETECTION, min_presence: float = DEFAULT_PRESENCE,
                 min_tracking: float = DEFAULT_TRACKING, quiet: bool = True) -> None:
        if int(max_people) < 1:
            raise ConfigError(f"max_people must be at least 1, got {max_people}.")
        if delegate not in DELEGATES:
            raise ConfigError(f"Unknown delegate {delegate!r}; choose one of: {', '.join(DELEGATES)}.")
        self.max_people = int(max_people)
        self.min_detection, self.min_presence, self.min_tracking = min_detection, min_presence, min_tracking
        self.note: Optional[str] = None
        self._last_ms = -1
        self._shape: Optional[tuple] = None
        self._first_frame = True
        self.quiet = quiet
        _quiet_native_logs()
        import mediapipe as mp

        self._mp = mp
        self._landmarker = None
        self.device = "cpu"
        if delegate in ("gpu", "auto"):
            try:
                with silenced_native_stderr(quiet):
                    self._landmarker = self._create(gpu=True)
                self.device = "gpu"
            except Exception as exc:  # noqa: BLE001 - MediaPipe raises RuntimeError/ValueError without a type
                self.note = f"MediaPipe's GPU delegate is not available here ({_short_reason(exc)}); using the CPU."
                log.warning(self.note)
        if self._landmarker is None:
            with silenced_native_stderr(quiet):
                self._landmarker = self._create(gpu=False)

    def _create(self, *, gpu: bool):
        from mediapipe.tasks.python import BaseOptions, vision

        from .task_bundle import pose_landmarker_bundle

        delegate = BaseOptions.Delegate.GPU if gpu else BaseOptions.Delegate.CPU
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(pose_landmarker_bundle()), delegate=delegate),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=self.max_people,
            min_pose_detection_confidence=self.min_detection,
            min_pose_presence_confidence=self.min_presence,
            min_tracking_confidence=self.min_tracking,
        )
        try:
            return vision.PoseLandmarker.create_from_options(options)
        except Exception as exc:
            if gpu:
                raise
            raise PoseError(f"MediaPipe could not load its pose model: {exc}.") from exc

    def settings(self) -> dict:
        return describe_settings(max_people=self.max_people, min_detection=self.min_detection,
                                 min_presence=self.min_presence, min_tracking=self.min_tracking)

    def process(self, frame_rgb: np.ndarray, timestamp: float) -> List[Detection]:
        if self._landmarker is None:
            raise PoseError("The MediaPipe pose extractor was used after close().")
        if frame_rgb.dtype != np.uint8 or frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
            raise PoseError(f"Frames must be RGB uint8 (H, W, 3), got {frame_rgb.dtype} {frame_rgb.shape}.")
        ms = max(int(round(timestamp * 1000.0)), self._last_ms + 1)  # VIDEO mode: strictly increasing
        self._last_ms = ms
        self._shape = frame_rgb.shape
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame_rgb))
        with silenced_native_stderr(self._first_frame and self.quiet):  # a one-off C++ warning
            result = self._landmarker.detect_for_video(image, ms)
        self._first_frame = False
        height, width = frame_rgb.shape[:2]
        return [landmarks_to_detection(pose, width, height) for pose in result.pose_landmarks]

    def reset(self) -> None:
        """Forget the people being tracked (before jumping to a later part of the video).

        MediaPipe offers no reset in VIDEO mode; one black frame makes it lose every pose, which costs
        one inference instead of rebuilding the graph.
        """
        if self._landmarker is not None and self._shape is not None:
            self.process(np.zeros(self._shape, np.uint8), (self._last_ms + 1) / 1000.0)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "MediaPipePoseExtractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
