"""The review queue: windows where the model needs a human, ranked, each with the reason in words.

Reasons (see :data:`REASONS`): the fused confidence is low; the RGB and pose streams disagree (different top
class, or a large Jensen–Shannon divergence between their distributions); the top class flickers (changes and
changes back within a few windows); the window is not covered by a label yet. An item is *done* once labels
cover most of its window (accepting or correcting a prediction there does that).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

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


@dataclass
class ReviewItem:
    """One place to check: a window (row of an analysis) of one person of one video."""

    video_id: Optional[int]
    person: int
    row: int
    start_frame: int
    end_frame: int
    reasons: Tuple[str, ...]
    score: float
    text: str
    done: bool = False
    details: Dict[str, float] = field(default_factory=dict)

    @property
    def frame(self) -> int:
        """The frame to jump to: the window's centre."""
        return (self.start_frame + self.end_frame - 1) // 2

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
    out = np.zeros(len(top), bool)
    for i in range(1, len(top)):
        if top[i] != top[i - 1] and (top[i + 1:i + 1 + span] == top[i - 1]).any():
            out[i] = True
    return out


def _pct(p: float) -> str:
    return f"{100 * p:.0f} %"


def build_queue(result, *, label_frames: Optional[Mapping[int, np.ndarray]] = None, video_id: Optional[int] = None,
                settings: QueueSettings = QueueSettings(), include_done: bool = True) -> List[ReviewItem]:
    """Review items of one analysis ``result`` (an ``AnalysisResult``), best first.

    ``label_frames`` maps a person (``-1`` = everybody) to per-frame label codes of the human labels
    (:func:`frame_codes`); an everybody-mode row counts as covered by the labels of any person.
    """
    names = result.class_names
    label_frames = dict(label_frames or {})
    any_person = None
    if label_frames:
        stacked = np.stack([v != NO_LABEL for v in label_frames.values()])
        any_person = stacked.any(axis=0)
    fused_top = np.argmax(result.prob_fused, axis=1)
    conf = result.prob_fused.max(axis=1)
    rgb_top, pose_top = np.argmax(result.prob_rgb, axis=1), np.argmax(result.prob_pose, axis=1)
    divergence = js_divergence(result.prob_rgb, result.prob_pose)
    flicker = np.zeros(result.num_windows, bool)
    for person in result.people():
        rows = np.nonzero(result.person == person)[0]
        rows = rows[np.argsort(result.window_start[rows], kind="stable")]
        flicker[rows] = _flicker_rows(fused_top[rows], settings.flicker_span)
    items: List[ReviewItem] = []
    for row in range(result.num_windows):
        person, start, end = int(result.person[row]), int(result.window_start[row]), int(result.window_end[row])
        covered = label_frames.get(person)
        if person == -1 and any_person is not None:
            covered_mask = any_person
        else:
            covered_mask = None if covered is None else covered != NO_LABEL
        share = float(covered_mask[start:end].mean()) if covered_mask is not None and end > start else 0.0
        reasons, texts, score = [], [], 0.0
        if conf[row] < settings.low_confidence:
            reasons.append("low_confidence")
            texts.append(f"fused {_pct(conf[row])} for {names[fused_top[row]]}")
            score += 0.5 + (settings.low_confidence - conf[row]) / settings.low_confidence
        if rgb_top[row] != pose_top[row] or divergence[row] > settings.divergence:
            reasons.append("disagreement")
            texts.append(f"RGB says {names[rgb_top[row]]} {_pct(result.prob_rgb[row, rgb_top[row]])}, "
                         f"pose says {names[pose_top[row]]} {_pct(result.prob_pose[row, pose_top[row]])}")
            score += 0.5 + float(divergence[row])
        if flicker[row]:
            reasons.append("flicker")
            texts.append(f"top class flickers ({names[fused_top[row]]} between others)")
            score += 0.6
        if share <= settings.covered_share:
            reasons.append("unlabeled")
            if not texts:
                texts.append(f"not labeled yet (model: {names[fused_top[row]]} {_pct(conf[row])})")
            score += 0.1
        if not reasons:
            continue
        done = share > settings.covered_share
        if done and not include_done:
            continue
        items.append(ReviewItem(video_id, person, row, start, end, tuple(reasons), float(score), "; ".join(texts),
                                done, {"confidence": float(conf[row]), "divergence": float(divergence[row]),
                                       "covered": share}))
    items.sort(key=lambda it: (it.done, -it.score, it.start_frame, it.person))
    return items


def filter_items(items: Sequence[ReviewItem], reasons: Optional[Sequence[str]] = None,
                 include_done: bool = False) -> List[ReviewItem]:
    """Items with at least one of ``reasons`` (all when ``None``), done ones only if ``include_done``."""
    wanted = set(reasons) if reasons else None
    return [it for it in items if (include_done or not it.done) and (wanted is None or wanted & set(it.reasons))]
