"""One detected person in one frame (the unit pose backends return)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Detection:
    """One person in one frame: ``keypoint (17,2) float32`` pixels, ``score (17,) float32`` in [0, 1]."""

    keypoint: np.ndarray
    score: np.ndarray

    def box(self) -> np.ndarray:
        """``(x0, y0, x1, y1)`` around the joints with a positive score (all joints if none)."""
        ok = self.score > 0
        pts = self.keypoint[ok] if ok.any() else self.keypoint
        return np.concatenate([pts.min(axis=0), pts.max(axis=0)])
