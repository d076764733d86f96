"""Person-centric crop box (PYSKL ``PoseCompact`` / ``MMCompact``) and cropping with zero padding (numpy only)."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

Box = Tuple[int, int, int, int]  # x0, y0, x1, y1 (pixels, x1/y1 exclusive)


def compact_box(
    keypoint: np.ndarray,
    img_shape: Tuple[int, int],
    *,
    padding: float = 0.25,
    threshold: float = 10,
    hw_ratio: Optional[float] = 1.0,
    score: Optional[np.ndarray] = None,
) -> Box:
    """The box enclosing every skeleton of the clip, PYSKL ``MMCompact`` with ``allow_imgpad=True``.

    ``keypoint`` (M, T, V, 2) in pixels; coordinates equal to 0 (or NaN) count as missing, as in
    PYSKL (x and y separately). With ``score`` (M, T, V), joints scored exactly 0 are missing too.
    The tight box is grown by ``padding`` around its centre, then widened or heightened to
    ``hw_ratio`` (1 = square); corners are truncated to integers and may lie outside the image.
    A tight box narrower or shorter than ``threshold`` pixels gives the whole image.
    """
    h, w = int(img_shape[0]), int(img_shape[1])
    kp = np.nan_to_num(np.asarray(keypoint, np.float64), nan=0.0)
    if score is not None:
        kp = np.where((np.asarray(score) == 0)[..., None], 0.0, kp)
    xs, ys = kp[..., 0], kp[..., 1]
    xs, ys = xs[xs != 0], ys[ys != 0]
    if xs.size == 0 or ys.size == 0:
        return (0, 0, w, h)
    min_x, max_x, min_y, max_y = xs.min(), xs.max(), ys.min(), ys.max()
    if max_x - min_x < threshold or max_y - min_y < threshold:
        return (0, 0, w, h)
    cx, cy = (max_x + min_x) / 2, (max_y + min_y) / 2
    half_w = (max_x - min_x) / 2 * (1 + padding)
    half_h = (max_y - min_y) / 2 * (1 + padding)
    if hw_ratio is not None:
        half_h = max(hw_ratio * half_w, half_h)
        half_w = max(1 / hw_ratio * half_h, half_w)
    return (int(cx - half_w), int(cy - half_h), int(cx + half_w), int(cy + half_h))


def crop_with_padding(frames: np.ndarray, box: Box) -> np.ndarray:
    """Crop (T, H, W, C) frames to ``box``; parts outside the image are zeros (PYSKL ``MMCompact``)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    t, h, w = frames.shape[:3]
    out = np.zeros((t, y1 - y0, x1 - x0) + frames.shape[3:], frames.dtype)
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if sx1 > sx0 and sy1 > sy0:
        out[:, sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = frames[:, sy0:sy1, sx0:sx1]
    return out


def crop_frame(frame: np.ndarray, box: Box) -> np.ndarray:
    """Crop one (H, W, C) frame to ``box`` with zeros outside the image; a view when the box is inside."""
    x0, y0, x1, y1 = (int(v) for v in box)
    h, w = frame.shape[:2]
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if sx1 <= sx0 or sy1 <= sy0:
        return np.zeros((y1 - y0, x1 - x0) + frame.shape[2:], frame.dtype)
    region = frame[sy0:sy1, sx0:sx1]
    if (sx0, sy0, sx1, sy1) == (x0, y0, x1, y1):
        return region
    out = np.zeros((y1 - y0, x1 - x0) + frame.shape[2:], frame.dtype)
    out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = region
    return out


def keypoints_to_box(keypoint: np.ndarray, box: Box, size: int) -> np.ndarray:
    """Map pixel keypoints into a ``size`` x ``size`` grid over ``box`` (float32).

    As PYSKL: missing (zero) coordinates stay zero, the others are shifted by the box corner,
    then everything is scaled by ``size / box side``.
    """
    x0, y0, x1, y1 = box
    kp = np.nan_to_num(np.asarray(keypoint, np.float32), nan=0.0)
    shift = np.array([x0, y0], np.float32)
    kp = np.where(kp != 0, kp - shift, kp)
    scale = np.array([size / (x1 - x0), size / (y1 - y0)], np.float32)
    return kp * scale
