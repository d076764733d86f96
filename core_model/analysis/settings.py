"""Analysis settings: window/stride (seconds or frames), per-person mode, smoothing, device."""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from typing import Optional, Tuple

from ..errors import ConfigError

UNITS = ("s", "frames")
_LENGTH_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|secs|seconds|f|frames)?\s*$", re.IGNORECASE)


def parse_length(text: str) -> Tuple[float, str]:
    """Parse ``"3s"``/``"1.5s"`` (seconds) or ``"75"``/``"75f"`` (frames) into ``(value, unit)``."""
    match = _LENGTH_RE.match(str(text))
    if not match:
        raise ConfigError(f"'{text}' is not a length: write seconds like '3s' or frames like '75'.")
    value, suffix = float(match.group(1)), (match.group(2) or "").lower()
    unit = "s" if suffix.startswith("s") else "frames"
    if unit == "frames" and value != int(value):
        raise ConfigError(f"'{text}' is a fraction of a frame: give whole frames or add 's' for seconds.")
    if value <= 0:
        raise ConfigError(f"'{text}' must be longer than zero.")
    return value, unit


@dataclass
class AnalysisSettings:
    """How a video is cut into windows and how the windows' predictions become segments.

    ``window``/``stride`` are in ``unit`` (``"s"`` seconds or ``"frames"``); the default 3 s
    window holds a 2–3 s action and the 1.5 s stride makes windows overlap by half.
    """

    window: float = 3.0
    stride: float = 1.5
    unit: str = "s"
    per_person: bool = False
    min_presence: float = 0.5  # fraction of a window's frames the person (everybody mode: anybody) must be in
    presence_gap: float = 1.0  # seconds: a person unseen this long between two sightings still counts as present
    min_segment_frames: int = 0  # shorter segments are merged into a neighbour
    smoothing: int = 1  # windows in the majority filter over top classes (1 = off)
    max_people: int = 0  # pose extraction (0: no limit)
    device: str = "auto"
    pose_engine: str = "auto"  # pose extraction: auto, mediapipe or torch (core_model.pose.torch_engine)
    batch_size: int = 0  # windows per forward pass; 0 = auto (batch_for: 16 on a GPU, 2 or 1 on CPU)
    runtime: str = "auto"  # the network's runtime: auto, torch or onnx (core_model.runtime)
    top_k: int = 5  # classes listed per window in the JSON summary
    seed: int = 0  # seed of the untrained network

    def __post_init__(self) -> None:
        self.window, self.stride = float(self.window), float(self.stride)  # 40 and 40.0: one cache key
        if self.unit not in UNITS:
            raise ConfigError(f"Window unit '{self.unit}' is unknown: use 's' or 'frames'.")
        if not (self.window > 0 and self.stride > 0):
            raise ConfigError("Window and stride must both be longer than zero.")
        if not 0.0 <= self.min_presence <= 1.0:
            raise ConfigError("min_presence must be a fraction between 0 and 1.")
        if self.smoothing < 1 or self.top_k < 1 or self.max_people < 0:
            raise ConfigError("smoothing and top_k must be at least 1, max_people at least 0 (0: no limit).")
        from ..runtime import RUNTIMES

        if self.runtime not in RUNTIMES:
            raise ConfigError(f"Unknown runtime '{self.runtime}': choose one of {', '.join(RUNTIMES)}.")
        if self.batch_size < 0:
            raise ConfigError("The batch size must be a positive number of windows, or 0 for automatic.")
        if self.presence_gap < 0:
            raise ConfigError("presence_gap cannot be negative.")
        if self.min_segment_frames < 0:
            raise ConfigError("min_segment_frames cannot be negative.")

    @classmethod
    def from_lengths(cls, window: Optional[str] = None, stride: Optional[str] = None, **kwargs) -> "AnalysisSettings":
        """Build from CLI-style lengths; a missing stride is half the window (same unit)."""
        if window is None and stride is None:
            return cls(**kwargs)
        if window is None:
            s_value, s_unit = parse_length(stride)
            defaults = cls()
            w_value = defaults.window if s_unit == "s" else None
            if w_value is None:
                raise ConfigError("A stride in frames needs a window in frames too (e.g. --window 75 --stride 40).")
            return cls(window=w_value, stride=s_value, unit=s_unit, **kwargs)
        w_value, w_unit = parse_length(window)
        if stride is None:
            s_value = w_value / 2 if w_unit == "s" else max(1, int(w_value) // 2)
            return cls(window=w_value, stride=s_value, unit=w_unit, **kwargs)
        s_value, s_unit = parse_length(stride)
        if s_unit != w_unit:
            raise ConfigError("Give --window and --stride in the same unit (both seconds like '3s' or both frames).")
        return cls(window=w_value, stride=s_value, unit=w_unit, **kwargs)

    def batch_for(self, device_type: str, threads: Optional[int] = None) -> int:
        """Windows per forward pass on a device type (auto: 16 on a GPU; on a CPU 2 where PyTorch has 2 threads or
        more, else 1: one window's 3-D convolutions keep the second thread mostly idle, 0.44 s per window at
        batch 1 against 0.23 s at batch 2 on 2 quiet cores, for one more window's activations in memory; with
        one thread batch 1 is the quicker; benchmarks/analysis_memory.py, tests/core_model/test_analysis_cpu_batch.py)."""
        if self.batch_size:
            return self.batch_size
        if device_type == "cuda":
            return 16
        if threads is None:  # ``threads``: the graph's, where PyTorch is not loaded (core_model.runtime.ready)
            import torch

            threads = torch.get_num_threads()
        return 2 if threads >= 2 else 1

    def presence_gap_frames(self, fps: float) -> int:
        """``presence_gap`` in frames at ``fps`` (seconds, whatever the window unit)."""
        return int(round(self.presence_gap * fps)) if fps and fps > 0 else 0

    def window_frames(self, fps: float) -> int:
        """Window length in frames at ``fps``."""
        return self._to_frames(self.window, fps)

    def stride_frames(self, fps: float) -> int:
        """Stride in frames at ``fps``."""
        return self._to_frames(self.stride, fps)

    def _to_frames(self, value: float, fps: float) -> int:
        if self.unit == "frames":
            return max(1, int(value))
        if not fps or fps <= 0 or math.isnan(fps):
            raise ConfigError("The video has no frame rate, so give the window and stride in frames.")
        return max(1, int(round(value * fps)))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "AnalysisSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def result_key(self) -> dict:
        """The settings that change results (device, batch size and runtime do not, beyond float noise)."""
        data = self.to_dict()
        for name in ("device", "batch_size", "runtime"):
            data.pop(name)
        if data.get("pose_engine") == "auto":  # keys of before the option (the device type is in the key)
            data.pop("pose_engine")
        return data
