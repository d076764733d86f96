"""Keypoint sequences of a window: the ``keypoints`` input (T_k, M, 17, 3) of pose-sequence models.

Each joint is ``(x, y, score)`` with x, y in the person crop's [0, 1] (the crop box the RGB clip uses),
so the pose and the RGB clip share one frame of reference. Missing joints (score 0) are all zeros.
The M people are the rows with the most joint evidence in the window (a per-person window has one);
a window with fewer people is padded with zeros.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from core_model.pose.coco import COCO17_FLIP_INDEX


def keypoint_frames(pose_frames: Sequence[int], count: int) -> np.ndarray:
    """``count`` source frames spread evenly over the window's sampled pose frames (repeats when fewer)."""
    pose_frames = np.asarray(pose_frames, np.int64)
    if count < 1:
        raise ValueError(f"a keypoint sequence needs at least one frame, not {count}")
    picks = np.round(np.linspace(0, len(pose_frames) - 1, count)).astype(np.int64)
    return pose_frames[picks]


def keypoint_sequence(keypoint: np.ndarray, score: Optional[np.ndarray], frames: Sequence[int], box,
                      *, people: int = 1, flip: bool = False) -> np.ndarray:
    """(T_k, M, 17, 3) float32: joints of ``frames`` (source indices) in ``box``'s [0, 1], and their scores.

    ``keypoint`` (N, T, 17, 2) / ``score`` (N, T, 17) cover the whole video (the rows of the window's
    people); ``people`` = M; ``flip`` mirrors x (1 - x) and swaps left and right joints, as the RGB clip
    and the heatmaps of a flipped training clip.
    """
    frames = np.asarray(frames, np.int64)
    kp = np.asarray(keypoint, np.float32)[:, frames]  # (N, T_k, 17, 2)
    sc = np.ones(kp.shape[:3], np.float32) if score is None else np.asarray(score, np.float32)[:, frames]
    present = (sc > 0) & np.any(kp != 0, axis=-1)
    order = np.argsort(-np.where(present, sc, 0).sum(axis=(1, 2)), kind="stable")[:people]
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
    out = np.zeros((len(frames), people, kp.shape[2], 3), np.float32)
    for m, row in enumerate(order):
        mask = present[row]
        out[:, m, :, 0] = np.where(mask, (kp[row, ..., 0] - x0) / w, 0)
        out[:, m, :, 1] = np.where(mask, (kp[row, ..., 1] - y0) / h, 0)
        out[:, m, :, 2] = np.where(mask, sc[row], 0)
    if flip:
        out = out[:, :, COCO17_FLIP_INDEX].copy()
        out[..., 0] = np.where(out[..., 2] > 0, 1.0 - out[..., 0], 0)
    return out
