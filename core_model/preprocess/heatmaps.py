"""Pseudo-heatmap volumes for the pose stream (PYSKL ``GeneratePoseTarget``, vectorized)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from core_model.pose.coco import COCO17_FLIP_INDEX, flip_keypoints
from core_model.preprocess.crop import Box, keypoints_to_box

#: Joints below this score draw nothing (PYSKL ``EPS``).
EPS = 1e-3


def _window(mu: np.ndarray, length: int, sigma: float):
    """PYSKL's 3-sigma window ``[max(int(mu - 3 sigma), 0), min(int(mu + 3 sigma) + 1, length))``.

    ``int`` truncates toward zero, exactly as ``GeneratePoseTarget.generate_a_heatmap``.
    """
    lo = np.maximum(np.trunc(mu - 3 * sigma), 0)
    hi = np.minimum(np.trunc(mu + 3 * sigma) + 1, length)
    return lo, hi


def _gaussians_at(grid: np.ndarray, mu: np.ndarray, lo: np.ndarray, hi: np.ndarray, sigma: float) -> np.ndarray:
    """1-D Gaussians of centres ``mu`` (...) sampled at ``grid`` (..., G), zero outside [lo, hi)."""
    d = grid - mu[..., None]
    g = np.exp(-(d * d) / np.float32(2 * sigma * sigma))
    return np.where((grid >= lo[..., None]) & (grid < hi[..., None]), g, np.float32(0))


def heatmaps_from_grid_keypoints(keypoint: np.ndarray, score: np.ndarray, *, size: int = 56,
                                 sigma: float = 0.6) -> np.ndarray:
    """Heatmaps (V, T, size, size) from keypoints already in grid coordinates (M, T, V, 2).

    Each joint is ``score * exp(-((x - xk)^2 + (y - yk)^2) / (2 sigma^2))`` inside PYSKL's
    3-sigma window, the maximum taken over persons. The Gaussian is separable, so each joint
    is the outer product of a few rows of a 1-D y-Gaussian with a 1-D x-Gaussian, written
    into the rows its window covers.
    """
    kp = np.asarray(keypoint, np.float32).transpose(0, 2, 1, 3)   # (M, V, T, 2)
    sc = np.asarray(score, np.float32).transpose(0, 2, 1)          # (M, V, T)
    num_m, num_v, num_t = sc.shape
    sc = np.where(sc < EPS, np.float32(0), sc)
    grid = np.arange(size, dtype=np.float32)
    lo_x, hi_x = _window(kp[..., 0], size, sigma)
    gx = _gaussians_at(grid, kp[..., 0], lo_x, hi_x, sigma) * sc[..., None]    # (M, V, T, size)
    lo_y, hi_y = _window(kp[..., 1], size, sigma)
    rows = int(6 * sigma) + 2  # the window never spans more rows than this
    if rows >= size:
        gy = _gaussians_at(grid, kp[..., 1], lo_y, hi_y, sigma)
        out = gy[0][..., :, None] * gx[0][..., None, :]
        for m in range(1, num_m):
            np.maximum(out, gy[m][..., :, None] * gx[m][..., None, :], out=out)
        return out
    first = np.clip(lo_y, 0, size - rows).astype(np.int64)                    # (M, V, T)
    row_ids = first[..., None] + np.arange(rows)                               # (M, V, T, rows)
    gy = _gaussians_at(row_ids.astype(np.float32), kp[..., 1], lo_y, hi_y, sigma)
    base = (np.arange(num_v)[:, None] * num_t + np.arange(num_t)[None, :]) * size  # (V, T)
    out = np.zeros((num_v * num_t * size, size), np.float32)
    for m in range(num_m):
        target = (base[..., None] + row_ids[m]).reshape(-1)
        patch = (gy[m][..., :, None] * gx[m][..., None, :]).reshape(-1, size)
        out[target] = patch if m == 0 else np.maximum(out[target], patch)
    return out.reshape(num_v, num_t, size, size)


def heatmap_volume(
    keypoint: np.ndarray,
    score: Optional[np.ndarray],
    box: Box,
    *,
    size: int = 56,
    sigma: float = 0.6,
    flip: bool = False,
) -> np.ndarray:
    """Pose-stream input (V, T, size, size) float32 from pixel keypoints (M, T, V, 2).

    Keypoints are mapped into ``box`` and scaled to ``size`` x ``size`` (PYSKL MMCompact +
    Resize), optionally flipped (x -> size - 1 - x, left / right swapped: the mirror of pixel-centre
    coordinates, so a flipped volume equals the volume with its columns reversed, as the RGB crop), then
    drawn as score-weighted Gaussians (``GeneratePoseTarget``, sigma 0.6). ``score`` None means 1.
    """
    keypoint = np.asarray(keypoint, np.float32)
    if keypoint.ndim != 4 or keypoint.shape[-1] < 2:
        raise ValueError(f"keypoint must be (M, T, V, 2), got {keypoint.shape}")
    keypoint = keypoint[..., :2]
    score = np.ones(keypoint.shape[:3], np.float32) if score is None else np.asarray(score, np.float32)
    grid_kp = keypoints_to_box(keypoint, box, size)
    if flip:
        grid_kp = flip_keypoints(grid_kp, size)
        score = score[..., COCO17_FLIP_INDEX]
    if keypoint.shape[0] == 0:
        return np.zeros((keypoint.shape[2], keypoint.shape[1], size, size), np.float32)
    return heatmaps_from_grid_keypoints(grid_kp, score, size=size, sigma=sigma)
