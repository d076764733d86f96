"""The landmark smoothing of MediaPipe's legacy pose solution (``PoseLandmarkFiltering``), in numpy.

Per person followed, as the legacy graph filters the landmark model's output before making the next ROI:

- the 33 landmarks: a one-euro filter (``min_cutoff`` 0.05, ``beta`` 80, derivative cutoff 1) on their pixel
  coordinates, the speed measured in object scales per second (the object scale: the side of the alignment
  square of the unfiltered auxiliary landmarks, ``2 x`` hip centre -> body circle point, in pixels);
- their visibilities: a low-pass filter (``alpha`` 0.1);
- the two auxiliary landmarks (the next ROI is made from them): a one-euro filter (0.01, 10, 1), same scale.

The filters are MediaPipe's ``OneEuroFilter`` and ``LowPassFilter`` (``mediapipe/util/filtering``) step for
step, including their first-frame and timestamp rules, so a person followed here is smoothed as the legacy
solution (and the Tasks ``PoseLandmarker`` in VIDEO mode) smooths them. ``tests/core_model/test_pose_roi_tracking.py``
checks them against the ``PoseLandmarkFiltering`` subgraph of the installed MediaPipe.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

#: (min_cutoff, beta, derivate_cutoff) of the legacy graph's landmark and auxiliary landmark filters
LANDMARKS_FILTER = (0.05, 80.0, 1.0)
AUX_FILTER = (0.01, 10.0, 1.0)
#: the visibility low-pass filter's weight of the new value
VISIBILITY_ALPHA = 0.1
#: MediaPipe's default frequency (Hz) before two timestamps give the real one
DEFAULT_FREQUENCY = 30.0
#: objects smaller than this (pixels) are not filtered (MediaPipe's ``min_allowed_object_scale``)
MIN_OBJECT_SCALE = 1e-6


class _LowPass:
    """MediaPipe's ``LowPassFilter`` on an array (elementwise ``alpha``)."""

    def __init__(self) -> None:
        self.raw: Optional[np.ndarray] = None
        self.stored: Optional[np.ndarray] = None

    def apply(self, value: np.ndarray, alpha) -> np.ndarray:
        result = value if self.stored is None else alpha * value + (1.0 - alpha) * self.stored
        self.raw, self.stored = value, result
        return result


class OneEuro:
    """MediaPipe's ``OneEuroFilter`` on an array of values filtered together (one timestamp, one scale)."""

    def __init__(self, min_cutoff: float, beta: float, derivate_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.derivate_cutoff = min_cutoff, beta, derivate_cutoff
        self.frequency = DEFAULT_FREQUENCY
        self.last_ns: Optional[int] = None
        self._x, self._dx = _LowPass(), _LowPass()

    def _alpha(self, cutoff):
        te = 1.0 / self.frequency
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    def apply(self, timestamp_ns: int, value_scale: float, value: np.ndarray) -> np.ndarray:
        if self.last_ns is not None and self.last_ns >= timestamp_ns:  # (MediaPipe: "new timestamp is equal or
            return value  # less than the last one")
        if self.last_ns and timestamp_ns != 0:
            self.frequency = 1e9 / (timestamp_ns - self.last_ns)
        self.last_ns = timestamp_ns
        dvalue = (value - self._x.raw) * value_scale * self.frequency if self._x.raw is not None \
            else np.zeros_like(value)
        edvalue = self._dx.apply(dvalue, self._alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * np.abs(edvalue)
        return self._x.apply(value, self._alpha(cutoff))


class PersonSmoother:
    """The legacy solution's filters for one person followed (see the module docstring)."""

    def __init__(self) -> None:
        self._landmarks = OneEuro(*LANDMARKS_FILTER)
        self._aux = OneEuro(*AUX_FILTER)
        self._visibility = _LowPass()

    def apply(self, timestamp_us: int, raw: np.ndarray, aux: np.ndarray, width: int, height: int):
        """``raw (33, 4)`` normalized x, y, visibility, presence and ``aux (2, 2)`` normalized x, y, unfiltered ->
        the same, filtered (new arrays)."""
        size = np.array([width, height], np.float64)
        pixels = aux.astype(np.float64) * size
        scale = 2.0 * float(np.hypot(*(pixels[1] - pixels[0])))  # the alignment square's side
        ns = int(timestamp_us) * 1000
        out = raw.astype(np.float64, copy=True)
        out[:, 2] = self._visibility.apply(out[:, 2], VISIBILITY_ALPHA)
        if scale < MIN_OBJECT_SCALE:
            return out.astype(np.float32), aux
        out[:, :2] = self._landmarks.apply(ns, 1.0 / scale, out[:, :2] * size) / size
        smooth_aux = self._aux.apply(ns, 1.0 / scale, pixels) / size
        return out.astype(np.float32), smooth_aux
