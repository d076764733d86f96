"""RGB input normalization, stored in checkpoints so inputs always match the weights."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Tuple

import numpy as np


@dataclass(frozen=True)
class Normalization:
    """``out = (pixel * scale - mean) / std`` per channel, pixels uint8 RGB."""

    mean: Tuple[float, float, float]
    std: Tuple[float, float, float]
    scale: float  # 1/255 for [0,1] inputs, 1.0 for 0-255 inputs

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std), "scale": self.scale}

    @classmethod
    def from_dict(cls, d: dict) -> "Normalization":
        return cls(tuple(float(x) for x in d["mean"]), tuple(float(x) for x in d["std"]), float(d["scale"]))

    def apply(self, frames_uint8: np.ndarray, channel_axis: int = -1) -> np.ndarray:
        """Normalize a uint8 array whose channel axis (RGB) is ``channel_axis``; returns float32."""
        shape = [1] * frames_uint8.ndim
        shape[channel_axis] = 3
        mean = np.asarray(self.mean, np.float32).reshape(shape)
        std = np.asarray(self.std, np.float32).reshape(shape)
        return (frames_uint8.astype(np.float32) * np.float32(self.scale) - mean) / std


#: pytorchvideo X3D weights: RGB in [0, 1], mean 0.45, std 0.225 (the default for this project).
PYTORCHVIDEO_X3D = Normalization((0.45, 0.45, 0.45), (0.225, 0.225, 0.225), 1.0 / 255.0)
#: The official EPAM-Net / mmaction code: ImageNet mean/std on 0-255 pixels.
IMAGENET_0_255 = Normalization((123.675, 116.28, 103.53), (58.395, 57.12, 57.375), 1.0)
DEFAULT = PYTORCHVIDEO_X3D
