"""Qt-free helpers that turn per-window analysis rows into timeline curves (plain numpy).

Windows overlap (stride < window), so a window row is not a frame. The timeline places each
window's value at its **centre frame** ``(start + end - 1) / 2`` and connects the points in
order of centre (``centre_curve``); that is what the plots show. ``covering_mean`` gives the
per-frame alternative (mean over all windows covering each frame, NaN where none does), used
for per-frame read-outs and in tests. Temporal attention is placed at the 16 source frames a
window sampled (``rgb_frames``); frames sampled by several windows get the mean weight.
"""
from __future__ import annotations

import itertools
import operator
from typing import Optional, Sequence

import numpy as np


def window_centres(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``(W,) float``: centre frame of each window ``[start, end)``."""
    return (np.asarray(starts, np.float64) + np.asarray(ends, np.float64) - 1.0) / 2.0


def centre_curve(starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: ``values`` at window centres, sorted by centre (ties keep row order)."""
    x = window_centres(starts, ends)
    order = np.argsort(x, kind="stable")
    return x[order], np.asarray(values, np.float64)[order]


def covering_mean(starts: np.ndarray, ends: np.ndarray, values: np.ndarray, frame_count: int) -> np.ndarray:
    """``(frame_count,) float``: mean of ``values`` over the windows covering each frame (NaN if none).

    O(W + T) with difference arrays; windows are clipped to ``[0, frame_count)``.
    """
    n = int(frame_count)
    s = np.clip(np.asarray(starts, np.int64), 0, n)
    e = np.clip(np.asarray(ends, np.int64), 0, n)
    v = np.asarray(values, np.float64)
    total = np.zeros(n + 1)
    count = np.zeros(n + 1)
    np.add.at(total, s, v)
    np.add.at(total, e, -v)
    np.add.at(count, s, 1.0)
    np.add.at(count, e, -1.0)
    total = np.cumsum(total[:-1])
    count = np.round(np.cumsum(count[:-1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    out[count <= 0] = np.nan
    return out


def attention_points(rgb_frames: np.ndarray, attention: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: attention weights at their sampled source frames, mean per frame, sorted by frame."""
    frames = np.asarray(rgb_frames, np.int64).reshape(-1)
    weights = np.asarray(attention, np.float64).reshape(-1)
    if frames.size == 0:
        return np.zeros(0), np.zeros(0)
    uniq, inverse = np.unique(frames, return_inverse=True)
    sums = np.bincount(inverse, weights=weights, minlength=len(uniq))
    counts = np.bincount(inverse, minlength=len(uniq))
    return uniq.astype(np.float64), sums / counts


def step_curve(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` drawing a per-frame integer series as steps, one flat run per change.

    Frame ``t`` spans ``[t, t + 1)``; a series of 100,000 frames with few changes gives few points.
    """
    c = np.asarray(counts).reshape(-1)
    if c.size == 0:
        return np.zeros(0), np.zeros(0)
    change = np.nonzero(np.diff(c))[0] + 1
    run_start = np.concatenate([[0], change])
    run_end = np.concatenate([change, [c.size]])
    x = np.empty(2 * run_start.size)
    y = np.empty(2 * run_start.size)
    x[0::2], x[1::2] = run_start, run_end
    y[0::2] = y[1::2] = c[run_start]
    return x, y


def rows_for_person(person: np.ndarray, selected: Optional[int]) -> np.ndarray:
    """Row indices of one person (all rows when ``selected`` is None)."""
    person = np.asarray(person)
    if selected is None:
        return np.arange(person.size)
    return np.nonzero(person == int(selected))[0]


def lanes_for(people: Sequence[int]) -> dict[int, int]:
    """Map person id -> lane index (sorted ids; -1 = everybody comes first)."""
    return {int(p): i for i, p in enumerate(sorted({int(p) for p in people}))}


_SEGMENT_FIELDS = operator.attrgetter("start_frame", "end_frame", "person", "class_index", "confidence")


def segment_arrays(segments: Sequence, lanes: dict[int, int]) -> dict[str, np.ndarray]:
    """Columns ``start, end, lane, cls, conf`` of ``segments`` sorted by (lane, start)."""
    flat = itertools.chain.from_iterable(map(_SEGMENT_FIELDS, segments))
    table = np.fromiter(flat, np.float64, count=5 * len(segments)).reshape(-1, 5)
    start, end, person, cls = (table[:, i].astype(np.int64) for i in range(4))
    lane = np.zeros(len(start), np.int64)
    for p, index in lanes.items():
        lane[person == p] = index
    order = np.lexsort((start, lane))
    return {"start": start[order], "end": end[order], "lane": lane[order], "cls": cls[order],
            "conf": table[order, 4]}


class FrameClock:
    """Frame index <-> seconds for one video: its decoded timestamps when known (variable frame rate),
    else ``frame / fps``. Fractional frames interpolate; frame ``frame_count`` is the end of the video."""

    def __init__(self, frame_count: int, fps: float, timestamps=None) -> None:
        self.frame_count = max(int(frame_count), 1)
        self.fps = float(fps) if fps and fps > 0 else 25.0
        self._times = None
        if timestamps is not None:
            ts = np.asarray(timestamps, np.float64).reshape(-1)
            if len(ts) == self.frame_count and np.all(np.isfinite(ts)) and np.all(np.diff(ts) > 0):
                self._times = np.append(ts, ts[-1] + 1.0 / self.fps)  # the last frame lasts 1/fps
                self._frames = np.arange(len(self._times), dtype=np.float64)

    def time(self, frame):
        """Seconds at ``frame`` (scalar or array)."""
        if self._times is None:
            return np.asarray(frame, np.float64) / self.fps if np.ndim(frame) else float(frame) / self.fps
        out = np.interp(frame, self._frames, self._times, left=None, right=None)
        extra = np.asarray(frame, np.float64) - self.frame_count  # past the end: at the nominal rate
        out = np.where(extra > 0, self._times[-1] + extra / self.fps, out)
        return out if np.ndim(frame) else float(out)

    def frame(self, seconds):
        """The (fractional) frame at ``seconds`` (scalar or array)."""
        if self._times is None:
            return np.asarray(seconds, np.float64) * self.fps if np.ndim(seconds) else float(seconds) * self.fps
        out = np.interp(seconds, self._times, self._frames)
        return out if np.ndim(seconds) else float(out)

    def end(self) -> float:
        """Seconds at the end of the last frame."""
        return self.time(self.frame_count)


