"""Frame-level agreement between two labelings: accuracy, Cohen's kappa, per-class P/R/F1, confusion.

The *reference* is the human side (rows of the confusion matrix), the *other* side is the model or a second
human (columns). Only frames both sides label are compared, except that a model frame without a prediction
counts as its own column ``(none)`` so that missing predictions lower the agreement instead of vanishing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence

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
