"""Body geometry of one detected pose, shared by tracking and re-identification: size, centre, distance."""
from __future__ import annotations

import numpy as np

_CONFIDENT = 0.3  # joints at or above this score drive matching


def body_scale(keypoint: np.ndarray, score: np.ndarray, min_scale: float = 8.0) -> float:
    """Diagonal of the box around the confident joints (all seen joints if too few), at least ``min_scale``."""
    ok = score >= _CONFIDENT
    if ok.sum() < 3:
        ok = score > 0 if (score > 0).sum() >= 2 else np.ones_like(score, bool)
    pts = keypoint[ok]
    return float(max(np.linalg.norm(pts.max(axis=0) - pts.min(axis=0)), min_scale))


def pose_distance(a: np.ndarray, sa: np.ndarray, b: np.ndarray, sb: np.ndarray) -> float:
    """Mean pixel distance over joints confident in both poses (all joints if fewer than 3)."""
    ok = (sa >= _CONFIDENT) & (sb >= _CONFIDENT)
    d = np.linalg.norm(a - b, axis=-1)
    return float(d[ok].mean() if ok.sum() >= 3 else d.mean())


def centre(keypoint: np.ndarray, score: np.ndarray) -> np.ndarray:
    ok = score >= _CONFIDENT
    return (keypoint[ok] if ok.any() else keypoint).mean(axis=0)


def joints_meet(a: np.ndarray, sa: np.ndarray, b: np.ndarray, sb: np.ndarray, joints, reach: float) -> bool:
    """Whether the ``joints`` (indices) confident in both poses lie within ``reach`` pixels of each other (mean;
    at least two of them)."""
    idx = [j for j in joints if sa[j] >= _CONFIDENT and sb[j] >= _CONFIDENT]
    return len(idx) >= 2 and float(np.linalg.norm(a[idx] - b[idx], axis=-1).mean()) <= reach
