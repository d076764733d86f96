"""The pose extractor interface and the registry of built-in backends.

A backend turns one RGB frame into a list of :class:`Detection` (one per person, COCO-17 joints in
pixels with per-joint scores). It may keep state between frames (e.g. MediaPipe's landmark
tracking), so frames of one video must be fed in order with increasing timestamps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError
from .detection import Detection  # noqa: F401 - re-exported (core_model.pose.extractor.Detection)


@runtime_checkable
class PoseExtractor(Protocol):
    """Per-frame multi-person pose estimator."""

    #: settings that change the output (part of the pose cache key)
    def settings(self) -> dict: ...

    def process(self, frame_rgb: np.ndarray, timestamp: float) -> List[Detection]:
        """Detections in ``frame_rgb`` (H, W, 3 uint8) at ``timestamp`` seconds (strictly increasing)."""
        ...

    def reset(self) -> None:
        """Forget tracking state (the next frame is not a continuation of the previous one)."""
        ...

    def close(self) -> None: ...


#: how whole frames (``detect="full"``) are done: ``roi`` = the legacy solution's way on the detector and the ROI
#: landmark model (:mod:`.roi_tracking`; the default), ``tasks`` = the Tasks ``PoseLandmarker``
#: (:mod:`.mediapipe_backend`; also where MediaPipe's GPU delegate is asked for)
WHOLE_FRAME = ("roi", "tasks")
DEFAULT_WHOLE_FRAME = "roi"


def whole_frame_path(whole_frame: str = DEFAULT_WHOLE_FRAME, delegate: str = "cpu") -> str:
    """The whole-frame path that runs: ``whole_frame`` (checked), ``tasks`` where a GPU delegate is asked for."""
    if whole_frame not in WHOLE_FRAME:
        raise ConfigError(f"Unknown whole-frame path '{whole_frame}'; choose one of: {', '.join(WHOLE_FRAME)}.")
    return "tasks" if delegate != "cpu" else whole_frame


def _mediapipe_create(detect: str = "full", engine: str = "mediapipe", whole_frame: str = DEFAULT_WHOLE_FRAME,
                      **options) -> PoseExtractor:
    if engine == "torch":  # the same models run in PyTorch (torch_engine/), on the ROI pipeline
        from .torch_engine.backend import create_torch_extractor

        return create_torch_extractor(detect=detect, **options)
    if detect == "tiles":  # the detector on zoomed tiles + the landmark model per person (tiled_backend.py)
        from .tiled_backend import TiledPoseExtractor

        return TiledPoseExtractor(**options)
    if whole_frame_path(whole_frame, options.get("delegate", "cpu")) == "roi":  # the legacy solution's way
        from .roi_tracking import RoiPoseExtractor

        return RoiPoseExtractor(**options)
    from .mediapipe_backend import MediaPipePoseExtractor

    return MediaPipePoseExtractor(**options)


def _mediapipe_describe(detect: str = "full", engine: str = "mediapipe", whole_frame: str = DEFAULT_WHOLE_FRAME,
                        **options) -> dict:
    if engine == "torch":
        from .torch_engine.backend import describe_torch_settings

        return describe_torch_settings(detect=detect, **options)
    if detect != "full":  # "full" keeps the settings (and cache keys) it had before detection modes
        from .tiled_backend import describe_tiled_settings

        return describe_tiled_settings(detect=detect, **options)
    if whole_frame_path(whole_frame, options.pop("delegate", "cpu")) == "roi":
        from .roi_tracking import describe_roi_settings

        return describe_roi_settings(**options)
    from .mediapipe_backend import describe_settings

    return describe_settings(**options)


@dataclass(frozen=True)
class Backend:
    """A registered backend: ``create(max_people=..., **options)`` and ``describe(...)`` (its settings)."""

    create: Callable[..., PoseExtractor]
    describe: Callable[..., dict]


#: backend name -> Backend
BACKENDS: Dict[str, Backend] = {"mediapipe": Backend(_mediapipe_create, _mediapipe_describe)}


def get_backend(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise ConfigError(f"Unknown pose backend {name!r}; choose one of: {', '.join(sorted(BACKENDS))}.") from None


def create_extractor(backend: str = "mediapipe", **options) -> PoseExtractor:
    """Instantiate a registered backend by name."""
    return get_backend(backend).create(**options)


def backend_settings(backend: str = "mediapipe", **options) -> dict:
    """The settings that determine a backend's output (the pose cache key), without loading a model."""
    return get_backend(backend).describe(**options)
