"""Sliding windows over a video and, in per-person mode, which people each window analyses."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import numpy as np


def window_bounds(frame_count: int, window: int, stride: int) -> np.ndarray:
    """``(W, 2)`` int array of ``[start, end)`` windows covering ``frame_count`` frames.

    Windows start at 0, stride, 2·stride, … while they fit; if the last one stops short of
    the end, one more window is aligned to the last frame so every frame is covered. A video
    shorter than a window gets a single window over all of it.
    """
    if frame_count <= 0:
        return np.zeros((0, 2), np.int64)
    window, stride = int(window), int(stride)
    if window <= 0 or stride <= 0:
        raise ValueError("window and stride must be positive")
    if frame_count <= window:
        return np.array([[0, frame_count]], np.int64)
    starts = list(range(0, frame_count - window + 1, stride))
    if starts[-1] + window < frame_count:
        starts.append(frame_count - window)
    starts = np.asarray(starts, np.int64)
    return np.stack([starts, starts + window], axis=1)


def presence(keypoint_score: np.ndarray, min_score: float = 1e-3) -> np.ndarray:
    """``(M, T)`` bool: person m has at least one joint with a score above ``min_score`` in frame t."""
    return (np.asarray(keypoint_score) > min_score).any(axis=-1)


def fill_gaps(present: np.ndarray, max_gap: int) -> np.ndarray:
    """``present`` with runs of at most ``max_gap`` missing frames between two sightings filled in.

    A detector misses people now and then; a track seen before and after a short gap was there.
    """
    present = np.asarray(present, bool)
    if max_gap <= 0:
        return present.copy()
    out = present.copy()
    for m in range(present.shape[0]):
        seen = np.nonzero(present[m])[0]
        if len(seen) < 2:
            continue
        gaps = np.nonzero((np.diff(seen) > 1) & (np.diff(seen) <= max_gap + 1))[0]
        for g in gaps:
            out[m, seen[g] + 1 : seen[g + 1]] = True
    return out


def present_fraction(present: np.ndarray, start: int, end: int) -> np.ndarray:
    """``(M,)`` fraction of frames in ``[start, end)`` in which each person is present."""
    if end <= start:
        return np.zeros(present.shape[0], np.float64)
    return present[:, start:end].mean(axis=1)


@dataclass(frozen=True)
class WindowJob:
    """One unit of analysis: a window, and the person it is about (``-1`` = everybody).

    ``person_index`` is the row in ``Poses.keypoint`` (``None`` = all rows); ``person`` is the
    track id shown to users.
    """

    start: int
    end: int
    person: int = -1
    person_index: Optional[int] = None


def plan_windows(
    bounds: np.ndarray,
    keypoint_score: Optional[np.ndarray],
    track_ids: Optional[np.ndarray] = None,
    *,
    per_person: bool = False,
    min_presence: float = 0.5,
    max_gap: int = 0,
) -> List[WindowJob]:
    """The windows to run: every window (everybody mode) or, per person, the windows they are in.

    Jobs are in time order (then track id). A window is kept when its person (everybody mode:
    anybody) is present in at least ``min_presence`` of its frames; with no scores given,
    every window is kept in everybody mode. Gaps of up to ``max_gap`` frames between two
    sightings of a person count as present (:func:`fill_gaps`).
    """
    threshold = max(min_presence, 1e-9)
    if not per_person:
        if keypoint_score is None:
            return [WindowJob(int(s), int(e)) for s, e in bounds]
        anybody = fill_gaps(presence(keypoint_score), max_gap).any(axis=0, keepdims=True)
        return [WindowJob(int(s), int(e)) for s, e in bounds
                if present_fraction(anybody, int(s), int(e))[0] >= threshold]
    if keypoint_score is None:
        raise ValueError("per-person windows need pose scores")
    present = fill_gaps(presence(keypoint_score), max_gap)
    ids = np.arange(present.shape[0]) if track_ids is None else np.asarray(track_ids)
    jobs: List[WindowJob] = []
    for s, e in bounds:
        fractions = present_fraction(present, int(s), int(e))
        for m in np.argsort(ids, kind="stable"):
            if fractions[m] >= threshold:
                jobs.append(WindowJob(int(s), int(e), int(ids[m]), int(m)))
    return jobs

