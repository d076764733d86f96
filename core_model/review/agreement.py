"""Frame-level agreement between two labelings: accuracy, Cohen's kappa, per-class P/R/F1, confusion.

The *reference* is the human side (rows of the confusion matrix), the *other* side is the model or a second
human (columns). Only frames both sides label are compared, except that a model frame without a prediction
counts as its own column ``(none)`` so that missing predictions lower the agreement instead of vanishing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .frames import NO_LABEL

NONE_NAME = "(none)"


def cohen_kappa(confusion: np.ndarray) -> float:
    """κ = (p_o − p_e) / (1 − p_e) of a square confusion matrix.

    Undefined (NaN, as scikit-learn's ``cohen_kappa_score``) when p_e = 1: both sides used one and the same
    class on every frame, so agreement by chance is certain and kappa is 0/0. JSON gives it as ``null``, the
    command line as "undefined".
    """
    confusion = np.asarray(confusion, np.float64)
    total = confusion.sum()
    if total <= 0:
        return float("nan")
    p_o = np.trace(confusion) / total
    p_e = float((confusion.sum(axis=1) * confusion.sum(axis=0)).sum()) / (total * total)
    if p_e >= 1.0:
        return float("nan")
    return float((p_o - p_e) / (1.0 - p_e))


@dataclass
class AgreementReport:
    """Agreement of two labelings over ``frames`` compared frames (``classes`` index the matrix)."""

    classes: List[str]
    confusion: np.ndarray  # (C, C) int64: rows reference (human), columns other (model)
    frames: int
    accuracy: float
    kappa: float
    per_class: Dict[str, Dict[str, float]] = field(default_factory=dict)  # name -> precision, recall, f1, support
    reference: str = "human"
    other: str = "model"

    def to_dict(self) -> dict:
        return {
            "reference": self.reference, "other": self.other, "frames": int(self.frames),
            "accuracy": _num(self.accuracy), "kappa": _num(self.kappa), "classes": list(self.classes),
            "per_class": {k: {m: _num(v) for m, v in d.items()} for k, d in self.per_class.items()},
            "confusion": self.confusion.astype(int).tolist(),
        }


def _num(value: float):
    return None if value != value else round(float(value), 6)  # NaN -> null in JSON


def agreement_from_frames(reference: np.ndarray, other: np.ndarray, class_names: Sequence[str], *,
                          count_missing_other: bool = True, reference_name: str = "human",
                          other_name: str = "model") -> AgreementReport:
    """Compare per-frame codes (indices into ``class_names``, :data:`NO_LABEL` = unlabeled).

    Frames where ``reference`` is unlabeled are ignored; frames where ``other`` is unlabeled are counted
    in a ``(none)`` column when ``count_missing_other`` (model vs human), ignored otherwise (human vs human).
    """
    reference = np.asarray(reference, np.int64).ravel()
    other = np.asarray(other, np.int64).ravel()
    if reference.shape != other.shape:
        raise ValueError("reference and other must have the same number of frames")
    mask = reference != NO_LABEL
    if not count_missing_other:
        mask &= other != NO_LABEL
    ref, oth = reference[mask], other[mask]
    n = len(class_names)
    used = np.union1d(np.unique(ref), np.unique(oth))
    has_none = bool((used == NO_LABEL).any())
    keep = [int(c) for c in used if c != NO_LABEL]
    names = [class_names[c] for c in keep] + ([NONE_NAME] if has_none else [])
    index = np.full(n + 1, -1, np.int64)  # code + 1 -> matrix index (code -1 -> slot 0)
    for i, c in enumerate(keep):
        index[c + 1] = i
    if has_none:
        index[0] = len(keep)
    size = len(names)
    confusion = np.bincount(index[ref + 1] * size + index[oth + 1], minlength=size * size).reshape(size, size) \
        if size else np.zeros((0, 0), np.int64)
    frames = int(mask.sum())
    accuracy = float(np.trace(confusion) / frames) if frames else float("nan")
    per_class = {}
    for i, name in enumerate(names):
        tp = float(confusion[i, i])
        predicted, actual = float(confusion[:, i].sum()), float(confusion[i, :].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    return AgreementReport(names, confusion.astype(np.int64), frames, accuracy,
                           cohen_kappa(confusion) if frames else float("nan"), per_class,
                           reference_name, other_name)


# --------------------------------------------------------------------------- event agreement with a tolerance
EPSILON = 1e-9  # seconds: a difference of exactly the tolerance is inside it


@dataclass(frozen=True)
class Event:
    """One coded event: a state event (``stop`` = end time, exclusive) or a point event (``point``; stop unused)."""

    video: object
    person: int
    label: str
    start: float
    stop: float
    point: bool = False


@dataclass
class ToleranceReport:
    """Events of coder A matched to events of coder B (as BORIS compares coders).

    Two events match when they are of one video and person, carry the same label and their starts (and, for
    state events, their stops) lie within ``tolerance`` seconds of each other; each event matches at most
    one (the closest first). ``only_a`` / ``only_b`` count the events left unmatched. ``percent`` =
    100 · matched / (matched + only A + only B). ``kappa`` is Cohen's κ of the event table: matched events on
    the diagonal, an unmatched A event and an unmatched B event of different labels whose times match in
    the same way as one label disagreement (``confused``, also counted in only A and only B), every other
    unmatched event against ``(none)``.
    """

    tolerance: float
    matched: int
    only_a: int
    only_b: int
    confused: int
    percent: float
    kappa: float
    classes: List[str]
    confusion: np.ndarray  # rows A, columns B; NONE_NAME last when present
    per_label: Dict[str, Dict[str, int]] = field(default_factory=dict)  # label -> matched, only_a, only_b
    coder_a: str = "A"
    coder_b: str = "B"
    pairs: List[tuple] = field(default_factory=list)  # (Event of A, Event of B) matched

    def to_dict(self) -> dict:
        return {"coder_a": self.coder_a, "coder_b": self.coder_b, "tolerance": self.tolerance,
                "matched": self.matched, "only_a": self.only_a, "only_b": self.only_b, "confused": self.confused,
                "percent": _num(self.percent), "kappa": _num(self.kappa), "classes": list(self.classes),
                "confusion": self.confusion.astype(int).tolist(),
                "per_label": {k: dict(v) for k, v in self.per_label.items()}}


def _distance(a: Event, b: Event, tolerance: float) -> Optional[float]:
    """How far apart two events are (the larger of the start and stop differences), None beyond tolerance."""
    d = abs(a.start - b.start)
    if not (a.point or b.point):
        d = max(d, abs(a.stop - b.stop))
    return d if d <= tolerance + EPSILON else None


def match_events(a: Sequence[Event], b: Sequence[Event], tolerance: float, *, same_label: bool = True
                 ) -> List[Tuple[int, int]]:
    """One-to-one pairs ``(index in a, index in b)`` of events within ``tolerance``: of one video and person
    (and label when ``same_label``), closest pairs first (ties: earlier events first)."""
    groups: Dict[tuple, Tuple[List[int], List[int]]] = {}
    for side, events in ((0, a), (1, b)):
        for i, e in enumerate(events):
            key = (e.video, e.person) + ((e.label, e.point) if same_label else ())
            groups.setdefault(key, ([], []))[side].append(i)
    candidates = []
    for ia, ib in groups.values():
        for i in ia:
            for j in ib:
                if not same_label and a[i].label == b[j].label:
                    continue
                d = _distance(a[i], b[j], tolerance)
                if d is not None:
                    candidates.append((d, a[i].start, b[j].start, i, j))
    candidates.sort()
    used_a, used_b, pairs = set(), set(), []
    for _d, _sa, _sb, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def tolerance_agreement(events_a: Sequence[Event], events_b: Sequence[Event], tolerance: float, *,
                        coder_a: str = "A", coder_b: str = "B", point_matcher=None) -> ToleranceReport:
    """:class:`ToleranceReport` of two coders' events. ``point_matcher(a, b, tolerance) -> [(i, j)]`` matches
    the point events (default: :func:`match_events`, on their times)."""
    from .agreement_errors import AgreementError

    if not tolerance >= 0 or tolerance != tolerance:
        raise AgreementError(f"The tolerance must be zero or more seconds (got {tolerance}).")
    events_a, events_b = list(events_a), list(events_b)
    pairs = _matched(events_a, events_b, tolerance, point_matcher)
    done_a, done_b = {p[0] for p in pairs}, {p[1] for p in pairs}
    rest_a = [e for i, e in enumerate(events_a) if i not in done_a]
    rest_b = [e for j, e in enumerate(events_b) if j not in done_b]
    confused = match_events(rest_a, rest_b, tolerance, same_label=False)
    names = sorted({e.label for e in events_a} | {e.label for e in events_b})
    index = {n: k for k, n in enumerate(names)}
    none = len(names)
    confusion = np.zeros((none + 1, none + 1), np.int64)
    per_label = {n: {"matched": 0, "only_a": 0, "only_b": 0} for n in names}
    for i, _j in pairs:
        confusion[index[events_a[i].label], index[events_a[i].label]] += 1
        per_label[events_a[i].label]["matched"] += 1
    for e in rest_a:
        per_label[e.label]["only_a"] += 1
    for e in rest_b:
        per_label[e.label]["only_b"] += 1
    for i, j in confused:
        confusion[index[rest_a[i].label], index[rest_b[j].label]] += 1
    for i in set(range(len(rest_a))) - {p[0] for p in confused}:
        confusion[index[rest_a[i].label], none] += 1
    for j in set(range(len(rest_b))) - {p[1] for p in confused}:
        confusion[none, index[rest_b[j].label]] += 1
    if not confusion[none].any() and not confusion[:, none].any():
        confusion, classes = confusion[:none, :none], names
    else:
        classes = names + [NONE_NAME]
    matched, only_a, only_b = len(pairs), len(rest_a), len(rest_b)
    total = matched + only_a + only_b
    percent = 100.0 * matched / total if total else float("nan")
    return ToleranceReport(float(tolerance), matched, only_a, only_b, len(confused), percent,
                           cohen_kappa(confusion), classes, confusion, per_label, coder_a, coder_b,
                           [(events_a[i], events_b[j]) for i, j in pairs])


def _matched(a: List[Event], b: List[Event], tolerance: float, point_matcher) -> List[Tuple[int, int]]:
    """Same-label pairs: state events by :func:`match_events`, point events by ``point_matcher``."""
    state_a = [i for i, e in enumerate(a) if not e.point]
    state_b = [j for j, e in enumerate(b) if not e.point]
    point_a = [i for i, e in enumerate(a) if e.point]
    point_b = [j for j, e in enumerate(b) if e.point]
    pairs = [(state_a[i], state_b[j]) for i, j in match_events([a[i] for i in state_a], [b[j] for j in state_b],
                                                                tolerance)]
    matcher = point_matcher or match_events
    pairs += [(point_a[i], point_b[j]) for i, j in matcher([a[i] for i in point_a], [b[j] for j in point_b],
                                                            tolerance)]
    return sorted(pairs)
