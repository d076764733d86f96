"""Uniform frame sampling (PYSKL ``UniformSampleFrames``) and the RGB-from-pose frame choice."""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np

#: EPAM-Net clip lengths (official code ``clip_len=dict(Pose=48, RGB=16)``).
POSE_CLIP_LEN = 48
RGB_CLIP_LEN = 16
#: PYSKL's fixed seed for test-time sampling.
TEST_SEED = 255

Rng = Union[np.random.Generator, np.random.RandomState, int, None]


class _Draws:
    """The three random draws PYSKL makes, over either numpy RNG API."""

    def __init__(self, rng: Rng) -> None:
        if rng is None or isinstance(rng, (int, np.integer)):
            rng = np.random.default_rng(rng)
        self.rng = rng
        self.legacy = isinstance(rng, np.random.RandomState)

    def rand(self) -> float:
        return self.rng.rand() if self.legacy else self.rng.random()

    def randint(self, high):
        return self.rng.randint(high) if self.legacy else self.rng.integers(high)

    def choice(self, n: int, k: int) -> np.ndarray:
        return self.rng.choice(n, k, replace=False)


def uniform_sample(num_frames: int, clip_len: int, *, train: bool = False, rng: Rng = None) -> np.ndarray:
    """Indices (clip_len,) into ``range(num_frames)``, PYSKL ``UniformSampleFrames`` (one clip).

    The clip is split into ``clip_len`` equal segments and one frame is taken from each:
    - ``num_frames < clip_len``: ``clip_len`` consecutive frames from a start, looping (mod T);
    - ``clip_len <= T < 2 clip_len``: every frame once, ``T - clip_len`` of them skipped at random;
    - otherwise: a random frame inside each segment ``[i T // clip_len, (i + 1) T // clip_len)``.
    Training draws from ``rng`` (a numpy Generator / RandomState / seed). Test mode is
    deterministic: it replays PYSKL's draws from ``RandomState(255)``, so the indices equal
    PYSKL's test-time indices exactly (start 0 for short clips).
    """
    if num_frames < 1 or clip_len < 1:
        raise ValueError(f"need at least one frame and clip_len >= 1 (got {num_frames}, {clip_len})")
    draws = _Draws(rng) if train else _Draws(np.random.RandomState(TEST_SEED))
    draws.rand()  # PYSKL draws the p_interval ratio first (ratio 1 here)
    draws.randint(1)  # and the offset of the sub-interval (always 0 here)
    if num_frames < clip_len:
        start = int(draws.randint(num_frames)) if train else 0
        inds = np.arange(start, start + clip_len)
    elif num_frames < 2 * clip_len:
        skipped = draws.choice(clip_len + 1, num_frames - clip_len)
        offset = np.zeros(clip_len + 1, dtype=np.int64)
        offset[skipped] = 1
        inds = np.arange(clip_len) + np.cumsum(offset)[:-1]
    else:
        bids = np.arange(clip_len + 1) * num_frames // clip_len
        inds = bids[:clip_len] + draws.randint(np.diff(bids))
    return np.mod(inds, num_frames).astype(np.int64)


def rgb_from_pose(pose_indices: np.ndarray, rgb_len: int = RGB_CLIP_LEN) -> np.ndarray:
    """The RGB frames: one of every ``len(pose) / rgb_len`` pose frames (0, 3, ..., 45 for 48 / 16)."""
    pose_indices = np.asarray(pose_indices)
    step = len(pose_indices) // rgb_len
    if step < 1 or step * rgb_len != len(pose_indices):
        raise ValueError(f"{len(pose_indices)} pose frames cannot be split into {rgb_len} RGB frames")
    return pose_indices[::step].copy()


def window_frames(start: int, end: int, pose_len: int = POSE_CLIP_LEN, rgb_len: int = RGB_CLIP_LEN, *,
                  train: bool = False, rng: Rng = None) -> Tuple[np.ndarray, np.ndarray]:
    """The source frames of window ``[start, end)``: ``(pose_frames (pose_len,), rgb_frames (rgb_len,))``.

    The one sampling rule of the project (analysis plans its reads with it, :func:`build_inputs` uses it).
    """
    length = int(end) - int(start)
    pose_frames = int(start) + uniform_sample(length, pose_len, train=train, rng=rng)
    return pose_frames, rgb_from_pose(pose_frames, rgb_len)
