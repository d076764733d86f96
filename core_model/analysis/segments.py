"""Turn per-window top classes into labelled segments of the timeline.

Windows overlap, so each frame belongs to the window whose centre is nearest: the boundary
between two consecutive windows lies halfway between their centres. Consecutive windows
(of one person) with the same top class merge into a segment. A majority filter over
``smoothing`` windows and a minimum segment length remove flicker.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class Segment:
    """A stretch of frames ``[start_frame, end_frame)`` given one class (per person; -1 = everybody)."""

    person: int
    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    class_index: int
    class_name: str
    confidence: float  # mean fused probability of the class over the segment's windows

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Segment":
        return cls(
            int(d["person"]), int(d["start_frame"]), int(d["end_frame"]), float(d["start_time"]),
            float(d["end_time"]), int(d["class_index"]), str(d["class_name"]), float(d["confidence"]),
        )


CSV_COLUMNS = ("person", "start_frame", "end_frame", "start_time", "end_time", "class_index", "class_name", "confidence")


def majority_filter(labels: Sequence[int], size: int, scores: Optional[np.ndarray] = None) -> np.ndarray:
    """Replace each label by the most frequent one in a centred run of ``size`` windows.

    A label that ties for most frequent stays; other ties go to the label with the highest summed
    ``scores`` (``(W, C)`` probabilities) in the run. ``size`` ≤ 1 returns the labels unchanged.
    """
    labels = np.asarray(labels, np.int64)
    if size <= 1 or len(labels) <= 1:
        return labels.copy()
    half = size // 2
    out = labels.copy()
    for i in range(len(labels)):
        lo, hi = max(0, i - half), min(len(labels), i + half + 1)
        values, counts = np.unique(labels[lo:hi], return_counts=True)
        best = values[counts == counts.max()]
        if labels[i] in best:
            continue
        if len(best) > 1 and scores is not None:
            out[i] = best[int(np.argmax(scores[lo:hi][:, best].sum(axis=0)))]
        else:
            out[i] = best[0]
    return out


def _contiguous_runs(starts: np.ndarray, ends: np.ndarray) -> List[np.ndarray]:
    """Split window rows (sorted by start) into runs with no gap between one window and the next."""
    if len(starts) == 0:
        return []
    breaks = np.nonzero(starts[1:] > ends[:-1])[0] + 1
    return np.split(np.arange(len(starts)), breaks)


def _frame_edges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Edges between consecutive windows of a run: first start, midpoints of centres, last end."""
    centres = (starts + ends) / 2.0
    mids = np.floor((centres[:-1] + centres[1:]) / 2.0 + 0.5).astype(np.int64)
    return np.concatenate([[starts[0]], mids, [ends[-1]]]).astype(np.int64)


def _absorb_short(labels: np.ndarray, edges: np.ndarray, min_frames: int, probs: np.ndarray) -> np.ndarray:
    """Relabel windows of segments shorter than ``min_frames`` with a neighbour's class, shortest first."""
    labels = labels.copy()
    while True:
        groups = _label_groups(labels)
        if len(groups) <= 1:
            return labels
        lengths = [edges[g[-1] + 1] - edges[g[0]] for g in groups]
        shortest = int(np.argmin(lengths))
        if lengths[shortest] >= min_frames:
            return labels
        g = groups[shortest]
        neighbours = [n for n in (shortest - 1, shortest + 1) if 0 <= n < len(groups)]
        # the neighbour whose class the short stretch itself finds most likely
        best = max(neighbours, key=lambda n: probs[g][:, labels[groups[n][0]]].sum())
        labels[g] = labels[groups[best][0]]


def _label_groups(labels: np.ndarray) -> List[np.ndarray]:
    change = np.nonzero(labels[1:] != labels[:-1])[0] + 1
    return np.split(np.arange(len(labels)), change)


def merge_segments(
    window_start: np.ndarray,
    window_end: np.ndarray,
    probs: np.ndarray,
    *,
    person: int,
    class_names: Sequence[str],
    frame_time,
    smoothing: int = 1,
    min_frames: int = 0,
) -> List[Segment]:
    """Segments of one person from their windows (any order) and fused probabilities ``(W, C)``.

    ``frame_time(frame) -> seconds`` maps a frame index (``frame_count`` allowed) to a time.
    Windows separated by a gap (the person absent) never share a segment.
    """
    window_start, window_end = np.asarray(window_start, np.int64), np.asarray(window_end, np.int64)
    probs = np.asarray(probs, np.float64)
    order = np.argsort(window_start, kind="stable")
    starts, ends, probs = window_start[order], window_end[order], probs[order]
    segments: List[Segment] = []
    for run in _contiguous_runs(starts, ends):
        s, e, p = starts[run], ends[run], probs[run]
        labels = majority_filter(np.argmax(p, axis=1), smoothing, p)
        edges = _frame_edges(s, e)
        if min_frames > 0:
            labels = _absorb_short(labels, edges, min_frames, p)
        for g in _label_groups(labels):
            cls = int(labels[g[0]])
            first, last = int(edges[g[0]]), int(edges[g[-1] + 1])
            segments.append(
                Segment(
                    person=int(person), start_frame=first, end_frame=last,
                    start_time=float(frame_time(first)), end_time=float(frame_time(last)),
                    class_index=cls, class_name=str(class_names[cls]) if cls < len(class_names) else f"class {cls}",
                    confidence=float(p[g, cls].mean()),
                )
            )
    return segments


def segments_for_rows(
    window_start: np.ndarray,
    window_end: np.ndarray,
    person: np.ndarray,
    probs: np.ndarray,
    *,
    class_names: Sequence[str],
    frame_time,
    smoothing: int = 1,
    min_frames: int = 0,
) -> List[Segment]:
    """Segments for every person in the rows of an analysis (sorted by person, then start)."""
    person = np.asarray(person)
    out: List[Segment] = []
    for pid in sorted(set(int(x) for x in person)):
        rows = np.nonzero(person == pid)[0]
        out.extend(
            merge_segments(
                window_start[rows], window_end[rows], probs[rows], person=pid, class_names=class_names,
                frame_time=frame_time, smoothing=smoothing, min_frames=min_frames,
            )
        )
    return out
