"""The review queue: windows where the model needs a human, ranked, each with the reason in words.

Reasons (see :data:`REASONS`): the fused confidence is low; the RGB and pose streams disagree (different top
class, or a large Jensen–Shannon divergence between their distributions); the top class flickers (changes and
changes back within a few windows); the window is not covered by a label yet. An item is *done* once labels
of its own person cover most of its window (accepting or correcting a prediction there does that); an
"everybody" item needs labels of the everybody lane: one person's labels do not close it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..formatting import format_percent
from .frames import NO_LABEL

REASONS = ("low_confidence", "disagreement", "flicker", "unlabeled")
REASON_TITLES = {"low_confidence": "low confidence", "disagreement": "streams disagree",
                 "flicker": "flicker", "unlabeled": "not labeled"}


@dataclass(frozen=True)
class QueueSettings:
    """Thresholds of the reasons (fused confidence below ``low_confidence``; JS divergence in bits above
    ``divergence``; flicker looked for within ``flicker_span`` windows on each side; covered when labels
    cover more than ``covered_share`` of the window)."""

    low_confidence: float = 0.5
    divergence: float = 0.3
    flicker_span: int = 2
    covered_share: float = 0.5


class _QueueContext:
    """Per-window arrays of one built queue, shared by its items (their ``details`` and ``text`` read them)."""

    def __init__(self, class_names, **arrays) -> None:
        self.class_names = class_names
        self.arrays = arrays

    def details(self, row: int) -> Dict[str, float]:
        return {k: (int(v[row]) if v.dtype.kind in "iu" else float(v[row])) for k, v in self.arrays.items()}


@dataclass(eq=False)
class ReviewItem:
    """One place to check: a window (row of an analysis) of one person of one video.

    ``details`` (confidence, divergence, covered share, top classes) and ``text`` (why, in words) are built on
    first use, so that a queue of tens of thousands of windows builds fast.
    """

    video_id: Optional[int]
    person: int
    row: int
    start_frame: int
    end_frame: int
    reasons: Tuple[str, ...]
    score: float
    done: bool = False
    context: Optional[_QueueContext] = field(default=None, repr=False)

    @property
    def frame(self) -> int:
        """The frame to jump to: the window's centre."""
        return (self.start_frame + self.end_frame - 1) // 2

    @property
    def details(self) -> Dict[str, float]:
        return self.context.details(self.row) if self.context else {}

    @property
    def text(self) -> str:
        if self.context is None:
            return ", ".join(REASON_TITLES[r] for r in self.reasons)
        d, names, parts = self.details, self.context.class_names, []
        if "low_confidence" in self.reasons:
            parts.append(f"fused {format_percent(d['confidence'], 0)} for {names[d['fused_top']]}")
        if "disagreement" in self.reasons:
            parts.append(f"RGB says {names[d['rgb_top']]} {format_percent(d['rgb_prob'], 0)}, "
                         f"pose says {names[d['pose_top']]} {format_percent(d['pose_prob'], 0)}")
        if "flicker" in self.reasons:
            parts.append(f"top class flickers ({names[d['fused_top']]} between others)")
        if not parts and "unlabeled" in self.reasons:
            parts.append(f"not labeled yet (model: {names[d['fused_top']]} {format_percent(d['confidence'], 0)})")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return {"video_id": self.video_id, "person": self.person, "row": self.row, "start_frame": self.start_frame,
                "end_frame": self.end_frame, "frame": self.frame, "reasons": list(self.reasons),
                "score": round(self.score, 4), "text": self.text, "done": self.done}


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise Jensen–Shannon divergence in bits (0 = identical, 1 = disjoint) of ``(W, C)`` distributions."""
    p = np.clip(np.asarray(p, np.float64), 1e-12, None)
    q = np.clip(np.asarray(q, np.float64), 1e-12, None)
    p /= p.sum(axis=1, keepdims=True)
    q /= q.sum(axis=1, keepdims=True)
    m = 0.5 * (p + q)
    kl = lambda a, b: (a * np.log2(a / b)).sum(axis=1)  # noqa: E731
    return np.clip(0.5 * kl(p, m) + 0.5 * kl(q, m), 0.0, 1.0)


def _flicker_rows(top: np.ndarray, span: int) -> np.ndarray:
    """Rows where the top class changes and changes back within ``span`` windows (A B A, A B C A ...)."""
    top = np.asarray(top)
    n = len(top)
    out = np.zeros(n, bool)
    if n < 3:
        return out
    prev = top[:-1]  # top[i - 1] for i = 1 .. n-1
    changed = top[1:] != prev
    back = np.zeros(n - 1, bool)
    for k in range(1, span + 1):
        later = np.full(n - 1, -1, top.dtype if top.dtype.kind == "i" else np.int64)
        later[: max(0, n - 1 - k)] = top[1 + k:]
        back |= later == prev
    out[1:] = changed & back
    return out


def _covered_share(result, label_frames: Mapping[int, np.ndarray]) -> np.ndarray:
    """``(W,)`` share of each row's window covered by labels of its own person (person -1: the everybody lane;
    labels of one person never cover an everybody row)."""
    share = np.zeros(result.num_windows)
    if not label_frames:
        return share
    starts, ends = result.window_start.astype(np.int64), result.window_end.astype(np.int64)
    lengths = np.maximum(ends - starts, 1)
    for person in np.unique(result.person):
        codes = label_frames.get(int(person))
        if codes is None:
            continue
        cs = np.concatenate([[0], np.cumsum(codes != NO_LABEL)])
        rows = result.person == person
        hi = np.minimum(ends[rows], len(cs) - 1)
        lo = np.minimum(starts[rows], len(cs) - 1)
        share[rows] = (cs[hi] - cs[lo]) / lengths[rows]
    return share


def build_queue(result, *, label_frames: Optional[Mapping[int, np.ndarray]] = None, video_id: Optional[int] = None,
                settings: QueueSettings = QueueSettings(), include_done: bool = True) -> "ReviewQueue":
    """Review items of one analysis ``result`` (an ``AnalysisResult``), best first (done items last).

    ``label_frames`` maps a person (``-1`` = everybody) to per-frame label codes of the human labels
    (:func:`frame_codes`); a row counts as covered by the labels of its own person only (an everybody row by
    the everybody lane).
    """
    n = result.num_windows
    if n == 0:
        return ReviewQueue.concat([])
    rows_idx = np.arange(n)
    fused_top = np.argmax(result.prob_fused, axis=1)
    conf = result.prob_fused[rows_idx, fused_top]
    # a model without an RGB or a pose head of its own (e.g. vpn, p-i3d): its streams agree with its fused scores
    prob_rgb = result.prob_rgb if result.prob_rgb is not None else result.prob_fused
    prob_pose = result.prob_pose if result.prob_pose is not None else result.prob_fused
    rgb_top, pose_top = np.argmax(prob_rgb, axis=1), np.argmax(prob_pose, axis=1)
    divergence = js_divergence(prob_rgb, prob_pose)
    flicker = np.zeros(n, bool)
    for person in np.unique(result.person):
        rows = np.nonzero(result.person == person)[0]
        rows = rows[np.argsort(result.window_start[rows], kind="stable")]
        flicker[rows] = _flicker_rows(fused_top[rows], settings.flicker_span)
    share = _covered_share(result, label_frames or {})
    low = conf < settings.low_confidence
    disagree = (rgb_top != pose_top) | (divergence > settings.divergence)
    unlabeled = share <= settings.covered_share
    score = (np.where(low, 0.5 + (settings.low_confidence - conf) / settings.low_confidence, 0.0)
             + np.where(disagree, 0.5 + divergence, 0.0) + np.where(flicker, 0.6, 0.0) + np.where(unlabeled, 0.1, 0.0))
    candidates = np.nonzero(low | disagree | flicker | unlabeled)[0]
    if not include_done:
        candidates = candidates[unlabeled[candidates]]
    context = _QueueContext(list(result.class_names), confidence=conf, divergence=divergence, covered=share,
                            fused_top=fused_top, rgb_top=rgb_top, rgb_prob=prob_rgb[rows_idx, rgb_top],
                            pose_top=pose_top, pose_prob=prob_pose[rows_idx, pose_top])
    bits = (low.astype(np.int64) | disagree << 1 | flicker << 2 | unlabeled << 3)[candidates]
    return ReviewQueue.from_rows(video_id, context, candidates, result.person[candidates],
                                 result.window_start[candidates], result.window_end[candidates], bits,
                                 score[candidates], ~unlabeled[candidates])


_REASON_TABLE = [tuple(name for k, name in enumerate(REASONS) if code >> k & 1) for code in range(16)]
_COLUMNS = ("video", "row", "person", "start", "end", "bits", "score", "done", "ctx")


class ReviewQueue:
    """Ranked review items held as arrays (fast to build, filter and merge); items are made on access.

    Order: open items first, then by decreasing score, then video, start frame and person.
    Behaves as a read-only sequence of :class:`ReviewItem`.
    """

    def __init__(self, columns: Dict[str, np.ndarray], contexts: List[_QueueContext], *, sort: bool = True) -> None:
        self.columns = columns
        self.contexts = contexts
        if sort and len(self):
            c = columns
            order = np.lexsort((c["person"], c["start"], c["video"], -c["score"], c["done"]))
            self.columns = {k: v[order] for k, v in c.items()}

    @classmethod
    def from_rows(cls, video_id, context, rows, person, start, end, bits, score, done) -> "ReviewQueue":
        n = len(rows)
        columns = {"video": np.full(n, -1 if video_id is None else video_id, np.int64), "row": rows.astype(np.int64),
                   "person": person.astype(np.int64), "start": start.astype(np.int64), "end": end.astype(np.int64),
                   "bits": bits.astype(np.int64), "score": score.astype(np.float64), "done": done.astype(bool),
                   "ctx": np.zeros(n, np.int64)}
        queue = cls(columns, [context])
        queue._video_none = video_id is None
        return queue

    @classmethod
    def concat(cls, queues: Sequence["ReviewQueue"]) -> "ReviewQueue":
        contexts, parts = [], []
        for q in queues:
            cols = dict(q.columns)
            cols["ctx"] = cols["ctx"] + len(contexts)
            contexts.extend(q.contexts)
            parts.append(cols)
        if not parts:
            return cls({k: np.zeros(0, np.float64 if k == "score" else bool if k == "done" else np.int64)
                        for k in _COLUMNS}, [])
        return cls({k: np.concatenate([p[k] for p in parts]) for k in _COLUMNS}, contexts)

    _video_none = False

    def __len__(self) -> int:
        return int(len(self.columns["row"]))

    def _item(self, i: int) -> ReviewItem:
        c = self.columns
        video = None if self._video_none else int(c["video"][i])
        return ReviewItem(video, int(c["person"][i]), int(c["row"][i]), int(c["start"][i]), int(c["end"][i]),
                          _REASON_TABLE[int(c["bits"][i])], float(c["score"][i]), bool(c["done"][i]),
                          self.contexts[int(c["ctx"][i])])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._item(index)

    def __iter__(self):
        return (self._item(i) for i in range(len(self)))

    def select(self, mask: np.ndarray) -> "ReviewQueue":
        """The items where ``mask`` is true, in the same order."""
        queue = ReviewQueue({k: v[mask] for k, v in self.columns.items()}, self.contexts, sort=False)
        queue._video_none = self._video_none
        return queue

    def filtered(self, reasons: Optional[Sequence[str]] = None, include_done: bool = False) -> "ReviewQueue":
        """Items with at least one of ``reasons`` (all when ``None``), done ones only if ``include_done``."""
        mask = np.ones(len(self), bool) if include_done else ~self.columns["done"]
        if reasons:
            wanted = sum(1 << REASONS.index(r) for r in reasons)
            mask &= (self.columns["bits"] & wanted) != 0
        return self.select(mask)

    def open_count(self) -> int:
        return int((~self.columns["done"]).sum())


def filter_items(items, reasons: Optional[Sequence[str]] = None, include_done: bool = False) -> List[ReviewItem]:
    """Items with at least one of ``reasons`` (all when ``None``), done ones only if ``include_done``."""
    if isinstance(items, ReviewQueue):
        return list(items.filtered(reasons, include_done))
    wanted = set(reasons) if reasons else None
    return [it for it in items if (include_done or not it.done) and (wanted is None or wanted & set(it.reasons))]
