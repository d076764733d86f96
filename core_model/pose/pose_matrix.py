"""Pose distances of many poses against many at once (numpy), for the trackers: the same numbers as
:func:`.body_geometry.pose_distance` pair by pair, without a Python loop over the pairs (a crowd of 14 people
against 20 tracks is 280 pairs a frame)."""
from __future__ import annotations

import numpy as np

_CONFIDENT = 0.3  # as body_geometry: joints at or above this score drive matching


def pose_distances(a: np.ndarray, sa: np.ndarray, b: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """``(n, m)``: mean pixel distance of poses ``a (n,V,2)`` to poses ``b (m,V,2)`` over the joints confident in
    both (all joints where fewer than 3 are), as :func:`.body_geometry.pose_distance`."""
    a, b = np.asarray(a), np.asarray(b)
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    ok = (np.asarray(sa)[:, None] >= _CONFIDENT) & (np.asarray(sb)[None] >= _CONFIDENT)
    d = np.linalg.norm(a[:, None] - b[None], axis=-1)
    n = ok.sum(axis=-1)
    mean_ok = (d * ok).sum(axis=-1) / np.maximum(n, 1)
    return np.where(n >= 3, mean_ok, d.mean(axis=-1))


def body_scales(keypoints: np.ndarray, scores: np.ndarray, min_scale: float = 8.0) -> np.ndarray:
    """``(n,)``: :func:`.body_geometry.body_scale` of each pose."""
    from .body_geometry import body_scale

    return np.array([body_scale(k, s, min_scale) for k, s in zip(keypoints, scores)], np.float64)
