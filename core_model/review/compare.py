"""Two analyses side by side: where their predictions differ, per class, and how far their attention agrees.

Two uses share the per-frame comparison (:func:`changed_spans`):

- a project analysed again with a new model (the studio's *What changed*): :func:`compare_results` takes the
  results per video id before and after and gives :class:`WhatChanged`, the frame-level agreement of the model
  with the human labels before and after (``project_agreement``) and every stretch of frames whose predicted class
  changed (:class:`ClassChange`); :func:`agreement_rows` / :func:`change_rows` are its tables as text;
- two results folders of one video (``epam compare A B``): :func:`compare_analyses` gives
  :class:`AnalysisComparison` (differing spans, per-class frames, attention agreement on the windows both have),
  after :func:`check_same_video` refused a pair of different videos.

Classes are matched by *name*, so analyses with different class lists can be compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..formatting import format_percent, format_time
from .frames import NO_LABEL, frame_codes
from .project_review import HUMAN, MODEL, NameIndex, ResultCache, project_agreement

NOT_ANALYZED = "(not analyzed)"
NO_CLASS = "(none)"


class _NoResult:
    """A video without analysis, as the agreement sees it: no prediction on any frame (counted as missed)."""

    segments: list = []
    class_names: list = []

    @staticmethod
    def people() -> list:
        return []


class FixedResults(ResultCache):
    """A result cache answering from ``{video id: AnalysisResult}``; a video without one has no predictions."""

    def __init__(self, results: Dict[int, object]) -> None:
        super().__init__()
        self.results = dict(results)

    def get(self, store, video_id: int):
        result = self.results.get(video_id)
        return _NoResult() if result is None else result


@dataclass
class FrameSpan:
    """Frames ``[start_frame, end_frame)`` of one person (-1: everybody), with their times in seconds."""

    person: int
    start_frame: int
    end_frame: int
    start_time: float
    end_time: float

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass
class ClassChange(FrameSpan):
    """A span of one video whose predicted class went from ``before`` to ``after``."""

    video_id: int = 0
    video: str = ""
    before: str = ""
    after: str = ""


@dataclass
class WhatChanged:
    before: Optional[object]  # AgreementReport of the model before (None: nothing to compare)
    after: Optional[object]
    changes: List[ClassChange] = field(default_factory=list)
    videos: int = 0  # videos compared
    model_before: str = ""
    model_after: str = ""

    @property
    def frames_changed(self) -> int:
        return sum(c.frames for c in self.changes)

    def class_f1(self) -> List[Tuple[str, Optional[float], Optional[float]]]:
        """``(class, F1 before, F1 after)`` of every class the human labels use on either side (a class only the
        model used has F1 0 on both sides and is left out)."""
        b, a = self.before, self.after
        out = []
        for name in dict.fromkeys((list(b.per_class) if b else []) + (list(a.per_class) if a else [])):
            if not any(r is not None and r.per_class.get(name, {}).get("support") for r in (b, a)):
                continue
            out.append((name, b.per_class.get(name, {}).get("f1") if b else None,
                        a.per_class.get(name, {}).get("f1") if a else None))
        return out


def _lane(result, person: int, frame_count: int, names: NameIndex) -> np.ndarray:
    """Class code (in ``names``) per frame of ``person`` (everybody rows when the person has none)."""
    if result is None:
        return np.full(frame_count, names.code(NOT_ANALYZED), np.int64)
    source = person if person in result.people() else -1
    spans = [(s.start_frame, s.end_frame, s.class_index) for s in result.segments if s.person == source]
    codes = frame_codes(spans, frame_count)
    lookup = np.array([names.code(n) for n in result.class_names] + [names.code(NO_CLASS)], np.int64)
    return lookup[np.where(codes == NO_LABEL, len(result.class_names), codes)]


def _compared_people(before, after) -> List[int]:
    ours = [set(r.people()) for r in (before, after) if r is not None]
    people = set().union(*ours)
    if len(ours) == 2 and not all(-1 in p for p in ours):
        people.discard(-1)  # one side per person: its people are compared with the other side's everybody rows
    return sorted(people)


def person_lanes(before, after, frame_count: int, names: NameIndex):
    """``(person, codes before, codes after)`` per compared person: class codes (in ``names``) per frame."""
    if frame_count <= 0:
        return
    for person in _compared_people(before, after):
        yield person, _lane(before, person, frame_count, names), _lane(after, person, frame_count, names)


def changed_spans(before, after, frame_count: int) -> List[tuple]:
    """``(person, start, end, before name, after name)`` for every run of frames whose class changed."""
    names = NameIndex()
    out: List[tuple] = []
    for person, a, b in person_lanes(before, after, frame_count, names):
        pair = np.where(a != b, a * (len(names.names) + 1) + b, -1)  # one code per (before, after) pair
        edges = np.flatnonzero(np.diff(pair)) + 1
        for start, end in zip(np.r_[0, edges], np.r_[edges, frame_count]):
            if pair[start] >= 0:
                out.append((person, int(start), int(end), names.names[a[start]], names.names[b[start]]))
    return out


def _agreement(store, results: Dict[int, object], video_ids: List[int]):
    """The model's agreement with the human labels on ``video_ids`` (a video without a result counts as missed)."""
    try:
        overall, _per_video = project_agreement(store, (HUMAN, MODEL), video_ids, FixedResults(results))
    except Exception:  # noqa: BLE001 - a project without labels or results: nothing to compare
        return None
    return overall if overall.frames else None


def _model_name(results: Dict[int, object]) -> str:
    names = sorted({getattr(r, "model", "") for r in results.values() if r is not None})
    return ", ".join(names) if names else "not analyzed"


def compare_results(store, before: Dict[int, object], after: Dict[int, object]) -> WhatChanged:
    """Agreement with the human labels before/after and the changed stretches, on the videos ``after`` has.

    Both agreements are over the same frames (the human-labeled frames of those videos); a video without a
    result before counts as predicting nothing there."""
    changes: List[ClassChange] = []
    for video_id, new in sorted(after.items()):
        if new is None:
            continue
        rec = store.video(video_id)
        for person, start, end, old_name, new_name in changed_spans(before.get(video_id), new, new.frame_count):
            end_time = store.frame_time(video_id, end) if end < rec.frame_count else rec.duration
            changes.append(ClassChange(int(person), int(start), int(end), float(store.frame_time(video_id, start)),
                                       float(end_time), video_id=video_id, video=rec.name, before=old_name,
                                       after=new_name))
    compared = [vid for vid, result in after.items() if result is not None]
    merged_before = {vid: before.get(vid) for vid in compared}
    return WhatChanged(_agreement(store, merged_before, compared), _agreement(store, after, compared), changes,
                       videos=sum(r is not None for r in after.values()),
                       model_before=_model_name(merged_before), model_after=_model_name(after))


# ---- What changed as text (the studio's tables) ---------------------------------------------------
def _number(value) -> str:
    return "–" if value is None or value != value else f"{value:.3f}"


def _change(before, after, percent: bool = True) -> str:
    """``'+45.0 pts'`` (shares) or ``'+0.123'``; empty when a side is missing."""
    if before is None or after is None or before != before or after != after:
        return ""
    return format_percent(after - before, 1, sign=True, unit=" pts") if percent else f"{after - before:+.3f}"


def agreement_rows(what: WhatChanged) -> List[List[str]]:
    """Rows ``[measure, before, after, change]`` of the agreement with the human labels: accuracy, Cohen's κ,
    frames compared, then F1 per class (:meth:`WhatChanged.class_f1`)."""
    b, a = what.before, what.after
    acc_b, acc_a = (b.accuracy if b else None), (a.accuracy if a else None)
    kappa_b, kappa_a = (b.kappa if b else None), (a.kappa if a else None)
    rows = [["accuracy (frames)", format_percent(acc_b), format_percent(acc_a), _change(acc_b, acc_a)],
            ["Cohen's κ", _number(kappa_b), _number(kappa_a), _change(kappa_b, kappa_a, percent=False)],
            ["frames compared", str(b.frames) if b else "–", str(a.frames) if a else "–", ""]]
    for name, f_b, f_a in what.class_f1():
        rows.append([f"F1 {name}", format_percent(f_b), format_percent(f_a), _change(f_b, f_a)])
    return rows


def person_name(person: int) -> str:
    return "everybody" if person < 0 else f"P{person}"


def change_rows(what: WhatChanged) -> List[List[str]]:
    """Rows ``[video, person, from, to, before, after]`` of the changed stretches (times ``mm:ss.sss``)."""
    clock = dict(decimals=3, minute_digits=2, hours=False)
    return [[c.video, person_name(c.person), format_time(c.start_time, **clock), format_time(c.end_time, **clock),
             c.before, c.after] for c in what.changes]


# ---- two results folders of one video (epam compare) ----------------------------------------------
@dataclass
class SpanDifference(FrameSpan):
    """A span where A predicts ``class_a`` and B ``class_b`` (:data:`NO_CLASS` where a side has no segment)."""

    class_a: str = ""
    class_b: str = ""


@dataclass
class ClassFrames:
    """Frames (summed over the compared people) that A and B give to one class; ``change`` = B - A."""

    name: str
    frames_a: int
    frames_b: int
    change: int


@dataclass
class AttentionAgreement:
    """How far two analyses agree on the windows both have (same person, same first and last frame).

    ``spatial_correlation``: mean Pearson correlation of the two spatial maps of one sampled frame, over the
    ``spatial_maps`` maps both have at the same source frame with the same grid; ``temporal_correlation``: mean
    correlation of the two temporal-attention curves over ``temporal_windows`` windows. NaN when nothing could
    be correlated (no attention stored, or every map flat: the correlation of a constant is undefined)."""

    windows: int
    top1_agreement: float
    spatial_correlation: float = float("nan")
    spatial_maps: int = 0
    temporal_correlation: float = float("nan")
    temporal_windows: int = 0


@dataclass
class AnalysisComparison:
    a: object  # AnalysisResult
    b: object
    differences: List[SpanDifference]
    per_class: List[ClassFrames]
    attention: AttentionAgreement
    people: List[int]
    warnings: List[str] = field(default_factory=list)

    @property
    def frames_compared(self) -> int:
        """Frames times compared people (every person's lane counts its own frames)."""
        return int(self.a.frame_count) * len(self.people)

    @property
    def frames_differing(self) -> int:
        return sum(d.frames for d in self.differences)

    def to_dict(self) -> dict:
        """The JSON object of ``epam compare --json`` (NaN as ``None``); field names in the user guide."""
        def side(r) -> dict:
            return {"path": str(r.path) if r.path is not None else None, "model": r.model, "trained": r.trained,
                    "windows": r.num_windows, "mode": r.summary.get("mode"), "classes": len(r.class_names)}

        video = self.a.summary.get("video", {})
        att = self.attention
        return {
            "a": side(self.a), "b": side(self.b),
            "video": {"name": video.get("name"), "content_key": video.get("content_key"),
                      "frame_count": int(self.a.frame_count), "fps": float(self.a.fps)},
            "people": list(self.people), "frames_compared": self.frames_compared,
            "frames_differing": self.frames_differing,
            "differences": [{"person": d.person, "start_frame": d.start_frame, "end_frame": d.end_frame,
                             "start_time": round(d.start_time, 4), "end_time": round(d.end_time, 4),
                             "class_a": d.class_a, "class_b": d.class_b} for d in self.differences],
            "per_class": [{"class": c.name, "frames_a": c.frames_a, "frames_b": c.frames_b, "change": c.change}
                          for c in self.per_class],
            "attention": {"windows": att.windows, "top1_agreement": _finite(att.top1_agreement),
                          "spatial_correlation": _finite(att.spatial_correlation), "spatial_maps": att.spatial_maps,
                          "temporal_correlation": _finite(att.temporal_correlation),
                          "temporal_windows": att.temporal_windows},
            "warnings": list(self.warnings),
        }


def _finite(value: float) -> Optional[float]:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def check_same_video(a, b) -> List[str]:
    """Refuse (:class:`~core_model.analysis.results.ResultsError`) two analyses of different videos; warnings
    (one sentence each) when sameness cannot be proved or the class lists differ.

    Different videos are refused, not warned about: every number would compare unrelated frames and still
    look like an answer."""
    from ..analysis.results import ResultsError

    va, vb = a.summary.get("video", {}), b.summary.get("video", {})
    key_a, key_b = va.get("content_key"), vb.get("content_key")
    name_a, name_b = va.get("name") or a.path, vb.get("name") or b.path
    if key_a and key_b and key_a != key_b:
        raise ResultsError(f"The two results are analyses of different videos (A: {name_a}, B: {name_b}, different "
                           "content), so their frames cannot be compared.")
    if int(a.frame_count) != int(b.frame_count):
        raise ResultsError(f"The two results are analyses of different videos (A: {name_a}, {a.frame_count} frames; "
                           f"B: {name_b}, {b.frame_count} frames), so their frames cannot be compared.")
    warnings = []
    if not (key_a and key_b):
        warnings.append(f"A results folder does not record its video's content key; A ({name_a}) and B ({name_b}) "
                        "have the same frame count and are compared as the same video.")
    if list(a.class_names) != list(b.class_names):
        warnings.append("The two analyses use different class lists; classes are matched by name.")
    return warnings


def common_windows(a, b) -> List[Tuple[int, int]]:
    """``(row in a, row in b)`` of windows both have: same person, same first and end frame (first row of each)."""
    rows_b: Dict[Tuple[int, int, int], int] = {}
    for j in range(b.num_windows):
        rows_b.setdefault((int(b.person[j]), int(b.window_start[j]), int(b.window_end[j])), j)
    pairs, seen = [], set()
    for i in range(a.num_windows):
        key = (int(a.person[i]), int(a.window_start[i]), int(a.window_end[i]))
        if key in rows_b and key not in seen:
            seen.add(key)
            pairs.append((i, rows_b[key]))
    return pairs


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two equally long vectors; NaN when either is constant."""
    x, y = np.asarray(x, np.float64).ravel(), np.asarray(y, np.float64).ravel()
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 1e-12 * max(1.0, len(x)) else float("nan")


def _same_frames(frames_a: np.ndarray, frames_b: np.ndarray) -> List[Tuple[int, int]]:
    """``(k in a, k in b)`` of the sampled RGB frames both windows have (first occurrence of each frame)."""
    first_b: Dict[int, int] = {}
    for k, f in enumerate(np.asarray(frames_b).tolist()):
        first_b.setdefault(int(f), k)
    out, seen = [], set()
    for k, f in enumerate(np.asarray(frames_a).tolist()):
        if int(f) in first_b and int(f) not in seen:
            seen.add(int(f))
            out.append((k, first_b[int(f)]))
    return out


def _per_frame(values, result, kind: str, warnings: List[str]):
    """``values`` when it holds one entry per sampled RGB frame of each window, else ``None`` (with a warning)."""
    if values is None or (values.ndim >= 2 and values.shape[:2] == result.rgb_frames.shape[:2]):
        return values
    warnings.append(f"The {kind} attention of {result.path or result.model} is not one per sampled frame "
                    f"(shape {tuple(values.shape)}) and is not correlated.")
    return None


def attention_agreement(a, b, pairs: List[Tuple[int, int]], warnings: List[str]) -> AttentionAgreement:
    """Top-1 agreement and attention correlations on the windows ``pairs`` (see :class:`AttentionAgreement`)."""
    top_a = [a.class_names[k] for k in a.top_class[[i for i, _ in pairs]]]
    top_b = [b.class_names[k] for k in b.top_class[[j for _, j in pairs]]]
    top1 = float(np.mean([x == y for x, y in zip(top_a, top_b)])) if pairs else float("nan")
    spatial, temporal = [], []
    sa, sb, ta, tb = a.spatial_attention, b.spatial_attention, a.temporal_attention, b.temporal_attention
    if sa is not None and sb is not None and sa.shape[2:] != sb.shape[2:]:
        warnings.append(f"The spatial maps have different grids ({'×'.join(map(str, sa.shape[2:]))} and "
                        f"{'×'.join(map(str, sb.shape[2:]))}) and are not correlated.")
        sa = sb = None
    sa, sb = _per_frame(sa, a, "spatial", warnings), _per_frame(sb, b, "spatial", warnings)
    ta, tb = _per_frame(ta, a, "temporal", warnings), _per_frame(tb, b, "temporal", warnings)
    for i, j in pairs:
        same = _same_frames(a.rgb_frames[i], b.rgb_frames[j])
        if sa is not None and sb is not None:
            spatial += [_correlation(sa[i, k], sb[j, m]) for k, m in same]
        if ta is not None and tb is not None and len(same) >= 2:
            temporal.append(_correlation(ta[i, [k for k, _ in same]], tb[j, [m for _, m in same]]))
    spatial, temporal = [r for r in spatial if r == r], [r for r in temporal if r == r]
    return AttentionAgreement(len(pairs), top1,
                              float(np.mean(spatial)) if spatial else float("nan"), len(spatial),
                              float(np.mean(temporal)) if temporal else float("nan"), len(temporal))


def compare_analyses(a, b) -> AnalysisComparison:
    """Compare two :class:`~core_model.analysis.results.AnalysisResult` of one video (A, B).

    Refuses different videos (:func:`check_same_video`) and a pair without a window in common."""
    from ..analysis.results import ResultsError

    warnings = check_same_video(a, b)
    pairs = common_windows(a, b)
    if not pairs:
        raise ResultsError(f"The two analyses have no window in common (A: {_windows_text(a)}; B: "
                           f"{_windows_text(b)}); analyse both with the same window, stride and mode to compare them.")
    frame_count = int(a.frame_count)
    names = NameIndex()
    counts: Dict[int, List[int]] = {}
    people = []
    for person, lane_a, lane_b in person_lanes(a, b, frame_count, names):
        people.append(int(person))
        for side, lane in ((0, lane_a), (1, lane_b)):
            for code, n in zip(*np.unique(lane, return_counts=True)):
                counts.setdefault(int(code), [0, 0])[side] += int(n)
    per_class = [ClassFrames(names.names[c], fa, fb, fb - fa) for c, (fa, fb) in counts.items()
                 if names.names[c] not in (NO_CLASS, NOT_ANALYZED)]
    per_class.sort(key=lambda c: (-abs(c.change), c.name))
    differences = [SpanDifference(int(p), s, e, a.frame_time(s), a.frame_time(e), class_a=ca, class_b=cb)
                   for p, s, e, ca, cb in changed_spans(a, b, frame_count)]
    return AnalysisComparison(a, b, differences, per_class, attention_agreement(a, b, pairs, warnings), people,
                              warnings)


def _windows_text(result) -> str:
    """``'per-person mode, 50-frame windows every 25 frames'`` (what is known of it)."""
    mode = {"per_person": "per-person", "everybody": "everybody"}.get(result.summary.get("mode"), "unknown")
    settings = result.summary.get("settings", {})
    window, stride = settings.get("window_frames"), settings.get("stride_frames")
    if window and stride:
        return f"{mode} mode, {window}-frame windows every {stride} frames"
    return f"{mode} mode, {result.num_windows} window{'s' if result.num_windows != 1 else ''}"
