"""Agreement of point events between two coders: events matched one to one within a time tolerance.

Frame-level κ leaves point events out (a moment covers one frame: two coders a frame apart would disagree
twice). Here two point events *match* when they are of one video, person and label and their times differ by
at most ``tolerance`` seconds; each event matches at most one. In each (video, person, label) group both coders'
times are walked in order and the earliest pair within the tolerance is matched (two pointers): on a line this
gives the largest number of matches, and it is what one does by hand.

- :func:`match_points` ``(a, b, tolerance) -> [(i, j)]`` over any events with ``video, person, label, start``
  (the :class:`~.agreement.Event` of the tolerance agreement calls it for its point events);
- :func:`point_agreement` a :class:`PointReport` (matched, only A, only B, agreement %, per label, and for the
  matched pairs how often the modifiers agree);
- :func:`project_point_agreement` two coders of a project (their point events read by :func:`point_events`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

EPSILON = 1e-9  # seconds: a difference of exactly the tolerance is inside it


@dataclass(frozen=True)
class PointEvent:
    video: object
    person: int
    label: str
    start: float  # seconds (the video's real timestamp of the frame)
    modifier: str = ""
    frame: int = 0


def match_points(a: Sequence, b: Sequence, tolerance: float) -> List[Tuple[int, int]]:
    """One-to-one pairs ``(index in a, index in b)`` of events of one video, person and label whose times differ
    by at most ``tolerance`` seconds (the most pairs there can be; earlier events first)."""
    groups: Dict[tuple, Tuple[List[int], List[int]]] = {}
    for side, events in ((0, a), (1, b)):
        for i, e in enumerate(events):
            groups.setdefault((e.video, e.person, e.label), ([], []))[side].append(i)
    pairs = []
    for ia, ib in groups.values():
        ia = sorted(ia, key=lambda i: (a[i].start, i))
        ib = sorted(ib, key=lambda j: (b[j].start, j))
        x = y = 0
        while x < len(ia) and y < len(ib):
            ta, tb = a[ia[x]].start, b[ib[y]].start
            if abs(ta - tb) <= tolerance + EPSILON:
                pairs.append((ia[x], ib[y]))
                x, y = x + 1, y + 1
            elif ta < tb:
                x += 1
            else:
                y += 1
    return sorted(pairs)


@dataclass
class PointReport:
    """Point events of coder A against coder B within ``tolerance`` seconds.

    ``percent`` = 100 · matched / (matched + only A + only B); ``modifier_percent``: of the matched pairs where
    either coder chose a modifier, the share where both chose the same one (NaN when there is none)."""

    tolerance: float
    matched: int
    only_a: int
    only_b: int
    percent: float
    per_label: Dict[str, Dict[str, float]] = field(default_factory=dict)
    modifier_pairs: int = 0
    modifier_same: int = 0
    coder_a: str = "A"
    coder_b: str = "B"

    @property
    def modifier_percent(self) -> float:
        return 100.0 * self.modifier_same / self.modifier_pairs if self.modifier_pairs else float("nan")

    def to_dict(self) -> dict:
        def num(v):
            return None if v != v else round(float(v), 4)

        return {"coder_a": self.coder_a, "coder_b": self.coder_b, "tolerance": self.tolerance,
                "matched": self.matched, "only_a": self.only_a, "only_b": self.only_b, "percent": num(self.percent),
                "modifier_pairs": self.modifier_pairs, "modifier_same": self.modifier_same,
                "modifier_percent": num(self.modifier_percent),
                "per_label": {k: {m: num(v) if isinstance(v, float) else v for m, v in d.items()}
                              for k, d in self.per_label.items()}}

    def sentence(self) -> str:
        if not self.matched + self.only_a + self.only_b:
            return "No point events to compare."
        text = (f"Point events within ±{self.tolerance:g} s: {self.matched} matched, {self.only_a} only "
                f"{self.coder_a}, {self.only_b} only {self.coder_b} ({self.percent:.1f} % agreement)")
        if self.modifier_pairs:
            text += f"; same modifier in {self.modifier_same} of {self.modifier_pairs} matched pairs"
        return text + "."


def _percent(matched: int, only_a: int, only_b: int) -> float:
    total = matched + only_a + only_b
    return 100.0 * matched / total if total else float("nan")


def point_agreement(a: Sequence[PointEvent], b: Sequence[PointEvent], tolerance: float, *, coder_a: str = "A",
                    coder_b: str = "B") -> PointReport:
    """:class:`PointReport` of two coders' point events (see the module)."""
    if not tolerance >= 0:
        from .agreement_errors import AgreementError

        raise AgreementError(f"The tolerance must be zero or more seconds (got {tolerance}).")
    pairs = match_points(a, b, tolerance)
    done_a, done_b = {i for i, _ in pairs}, {j for _, j in pairs}
    per_label: Dict[str, Dict[str, float]] = {}
    for name in sorted({e.label for e in a} | {e.label for e in b}):
        per_label[name] = {"matched": 0, "only_a": 0, "only_b": 0}
    for i, _j in pairs:
        per_label[a[i].label]["matched"] += 1
    for i, e in enumerate(a):
        if i not in done_a:
            per_label[e.label]["only_a"] += 1
    for j, e in enumerate(b):
        if j not in done_b:
            per_label[e.label]["only_b"] += 1
    for d in per_label.values():
        d["percent"] = _percent(int(d["matched"]), int(d["only_a"]), int(d["only_b"]))
    with_mod = [(a[i].modifier, b[j].modifier) for i, j in pairs if a[i].modifier or b[j].modifier]
    matched, only_a, only_b = len(pairs), len(a) - len(pairs), len(b) - len(pairs)
    return PointReport(float(tolerance), matched, only_a, only_b, _percent(matched, only_a, only_b), per_label,
                       len(with_mod), sum(x == y for x, y in with_mod), coder_a, coder_b)


def point_events(store, coder: Optional[str] = None, video_ids: Optional[Sequence[int]] = None
                 ) -> List[PointEvent]:
    """The point events of the project (one coder's when ``coder``; '' = unnamed), times from real timestamps."""
    sql = ("SELECT s.video_id, s.person, l.name, s.start_frame, s.modifier FROM segments s JOIN labels l ON "
           "l.id = s.label_id WHERE l.kind = 'point'")
    params: list = []
    if coder is not None:
        sql += " AND IFNULL(s.author, '') = ?"
        params.append(coder)
    if video_ids is not None:
        sql += f" AND s.video_id IN ({','.join(str(int(v)) for v in video_ids) or 'NULL'})"
    times: Dict[int, np.ndarray] = {}
    out = []
    for vid, person, name, frame, modifier in store.conn.execute(sql + " ORDER BY s.video_id, s.start_frame", params):
        if vid not in times:
            times[vid] = np.asarray(store.timestamps(vid), np.float64)
        t = times[vid]
        out.append(PointEvent(vid, int(person), name, float(t[min(frame, len(t) - 1)]) if len(t) else 0.0,
                              modifier or "", int(frame)))
    return out


def project_point_agreement(store, coder_a: str, coder_b: str, tolerance: float,
                            video_ids: Optional[Sequence[int]] = None) -> PointReport:
    """Point-event agreement of two coders over the project (``video_ids`` only, when given)."""
    return point_agreement(point_events(store, coder_a, video_ids), point_events(store, coder_b, video_ids),
                           tolerance, coder_a=coder_a, coder_b=coder_b)
