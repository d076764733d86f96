"""What a tracked person looks like: a small colour histogram of their body, for the tracker to tell people apart.

Two parts of the body box (upper and lower half, the box narrowed to the body's middle) each give a histogram
of 20 bins: 8 hues x 2 saturations for coloured pixels and 4 brightness bins for grey ones (saturation under
:data:`GREY`); the two are joined (40 values) and each part sums to 1. Histograms are compared with the
Hellinger distance (0: same colours, 1: nothing in common). It is cheap (the pixels of one box, no model) and
works on people 40 px tall, whose torso is about 10 x 12 px.

The pose workers measure every detection on the frames they decode (:func:`describe_frame`, sent with the joints
as one array per frame; :func:`unpack` turns it back into a list); :func:`frame_appearances` measures the
detections of a whole video decoding it once more (for detections that came without appearances).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import math

import numpy as np

HUE_BINS, SAT_BINS, GREY_BINS = 8, 2, 4
PART_BINS = HUE_BINS * SAT_BINS + GREY_BINS
SIZE = 2 * PART_BINS
#: pixels less saturated than this (0-255) count by brightness only
GREY = 45
#: a body box narrower than this (pixels) says nothing useful
MIN_WIDTH = 6


def _part_histogram(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0].ravel().astype(np.int32), hsv[..., 1].ravel(), hsv[..., 2].ravel().astype(np.int32)
    coloured = s >= GREY
    bins = np.where(coloured, (h * HUE_BINS // 180) * SAT_BINS + (s >= 128), HUE_BINS * SAT_BINS + v * GREY_BINS // 256)
    hist = np.bincount(bins, minlength=PART_BINS).astype(np.float32) + 0.1
    return hist / hist.sum()


def body_box(keypoint: np.ndarray, score: np.ndarray, min_score: float = 0.3) -> np.ndarray:
    """The box around the confident joints (all joints when fewer than 3), grown a little at the top and bottom."""
    ok = score >= min_score
    pts = keypoint[ok] if ok.sum() >= 3 else keypoint
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    h = y1 - y0
    return np.array([x0, y0 - 0.05 * h, x1, y1 + 0.03 * h], np.float64)


def describe(frame_rgb: np.ndarray, keypoint: np.ndarray, score: np.ndarray) -> Optional[np.ndarray]:
    """The appearance of one person in ``frame_rgb`` (``(SIZE,)`` float32), or ``None`` when too small or outside."""
    height, width = frame_rgb.shape[:2]
    x0, y0, x1, y1 = body_box(keypoint, score)
    w = x1 - x0
    x0, x1 = x0 + 0.2 * w, x1 - 0.2 * w  # the body's middle: less background beside arms and legs
    x0, y0 = int(max(0, np.floor(x0))), int(max(0, np.floor(y0)))
    x1, y1 = int(min(width, np.ceil(x1))), int(min(height, np.ceil(y1)))
    if x1 - x0 < MIN_WIDTH // 2 or y1 - y0 < 2 * MIN_WIDTH:
        return None
    import cv2  # here: the cache key reads this module's constants, and OpenCV takes ~0.2 s to import

    hsv = cv2.cvtColor(np.ascontiguousarray(frame_rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
    middle = hsv.shape[0] // 2
    return np.concatenate([_part_histogram(hsv[:middle]), _part_histogram(hsv[middle:])]).astype(np.float32)


def distance(a: Optional[np.ndarray], b: Optional[np.ndarray]) -> Optional[float]:
    """Hellinger distance of two appearances (mean over the two parts), ``None`` when either is unknown."""
    if a is None or b is None:
        return None
    bc = np.sqrt(np.maximum(a, 0) * np.maximum(b, 0))
    upper, lower = float(bc[:PART_BINS].sum()), float(bc[PART_BINS:].sum())
    return (math.sqrt(max(0.0, 1.0 - upper)) + math.sqrt(max(0.0, 1.0 - lower))) / 2


def describe_frame(frame_rgb: np.ndarray, keypoints: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The appearances of a frame's ``n`` detections as one ``(n, SIZE)`` float32 array (cheap to send between
    processes): row ``i`` is :func:`describe` of detection ``i``, NaN where that is ``None``."""
    out = np.full((len(keypoints), SIZE), np.nan, np.float32)
    for i, (k, s) in enumerate(zip(keypoints, scores)):
        look = describe(frame_rgb, k, s)
        if look is not None:
            out[i] = look
    return out


def unpack(looks: np.ndarray) -> List[Optional[np.ndarray]]:
    """:func:`describe_frame`'s array as one appearance (or ``None``) per detection."""
    return [None if np.isnan(row[0]) else row for row in looks]


FrameDetections = Tuple[np.ndarray, np.ndarray]


def frame_appearances(path, frames: Sequence[Optional[FrameDetections]], reader=None) -> List[Optional[list]]:
    """For each frame, a list with one appearance (or ``None``) per detection; ``None`` for frames without any.

    ``reader``: an open :class:`~core_model.video.VideoReader` of ``path`` to use (left open).
    """
    from ..video import VideoReader

    out: List[Optional[list]] = [None] * len(frames)
    wanted = [t for t, det in enumerate(frames) if det is not None and len(det[0])]
    if not wanted:
        return out
    own = reader is None
    reader = VideoReader(path) if own else reader
    try:
        last = wanted[-1]
        for idx, frame in reader.iter_frames(wanted[0]):
            if idx > last:
                break
            det = frames[idx] if idx < len(frames) else None
            if det is not None and len(det[0]):
                out[idx] = [describe(frame, k, s) for k, s in zip(det[0], det[1])]
    finally:
        if own:
            reader.close()
    return out
