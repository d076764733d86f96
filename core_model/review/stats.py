"""Time budgets: per label (and video, person) total time, share of the video, bouts and mean bout length.

Point events (labels of kind ``point``) are counted, not timed: :func:`with_point_events` gives their budgets
the number of events and the rate per minute; :func:`modifier_budgets` splits every label by its modifiers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple


@dataclass
class Budget:
    """Time spent under one label by one person in one video (``person`` -1 = everybody)."""

    video: str
    person: int
    label: str
    seconds: float
    share: float  # of the video's duration
    bouts: int
    mean_bout: float  # seconds
    coder: str = ""  # whose labels (project budgets are per coder: two coders of one person are never added up)
    kind: str = "state"  # 'point': a point event's label (seconds, share and mean bout are 0; events counts them)
    events: int = 0  # point events, or the bouts of a state label
    rate: float = 0.0  # events per minute of the video

    def to_dict(self) -> dict:
        return {"video": self.video, "person": self.person, "label": self.label, "seconds": round(self.seconds, 4),
                "share": round(self.share, 6), "bouts": self.bouts, "mean_bout": round(self.mean_bout, 4),
                "coder": self.coder, "kind": self.kind, "events": self.events, "rate_per_min": round(self.rate, 4)}


#: a segment for statistics: (video name, person, start_frame, end_frame, label name)
StatSegment = Tuple[str, int, int, int, str]


def time_budgets(segments: Iterable[StatSegment], frame_time: Callable[[str, int], float],
                 duration: Callable[[str], float]) -> List[Budget]:
    """Budgets per (video, person, label); touching segments of one label form one bout.

    ``frame_time(video, frame)`` gives a frame's time (frame_count gives the end), ``duration(video)`` seconds.
    """
    groups: Dict[Tuple[str, int, str], List[Tuple[int, int]]] = {}
    for video, person, start, end, label in segments:
        groups.setdefault((video, int(person), label), []).append((int(start), int(end)))
    out = []
    for (video, person, label), spans in sorted(groups.items()):
        spans.sort()
        bouts: List[List[int]] = []
        for start, end in spans:
            if bouts and start <= bouts[-1][1]:
                bouts[-1][1] = max(bouts[-1][1], end)
            else:
                bouts.append([start, end])
        seconds = sum(frame_time(video, e) - frame_time(video, s) for s, e in bouts)
        total = duration(video)
        out.append(Budget(video, person, label, seconds, seconds / total if total > 0 else 0.0, len(bouts),
                          seconds / len(bouts), events=len(bouts), rate=_per_minute(len(bouts), total)))
    return out


def summarize(budgets: Iterable[Budget], by: str = "label") -> Dict[str, Dict[str, float]]:
    """Totals over budgets grouped by ``label``, ``video`` or ``person``: seconds and bouts."""
    out: Dict[str, Dict[str, float]] = {}
    for b in budgets:
        key = str(getattr(b, by))
        entry = out.setdefault(key, {"seconds": 0.0, "bouts": 0, "events": 0, "point": True})
        entry["seconds"] += b.seconds
        entry["bouts"] += b.bouts
        entry["events"] += b.events
        entry["point"] = entry["point"] and b.kind == "point"
    return out


# --------------------------------------------------------------------------- point events and modifiers
def _durations(store, video_ids) -> Dict[int, Tuple[str, float, object]]:
    """``{video id: (rel path, seconds, frame times incl. the end)}`` from the videos' real timestamps."""
    import numpy as np

    out = {}
    for v in store.videos():
        if video_ids is None or v.id in video_ids:
            ts = np.asarray(store.timestamps(v.id), np.float64)
            t = np.append(ts, store.frame_time(v.id, len(ts)))
            out[v.id] = (v.rel_path, float(t[-1] - t[0]) if len(t) else 0.0, t)
    return out


def _segment_query(store, video_ids, author, point_only: bool) -> Tuple[str, list]:
    from ..project.coders import blind_clause

    sql = ("SELECT s.video_id, s.person, IFNULL(s.author, ''), l.name, l.kind, s.modifier, s.start_frame, "
           "s.end_frame FROM segments s JOIN labels l ON l.id = s.label_id WHERE 1")
    params: list = []
    if point_only:
        sql += " AND l.kind = 'point'"
    if video_ids is not None:
        sql += f" AND s.video_id IN ({','.join(str(int(v)) for v in video_ids) or 'NULL'})"
    if author is not None:
        sql += " AND IFNULL(s.author, '') = ?"
        params.append(author)
    blind, coder = blind_clause(store, "s.author")
    return sql + blind, params + list(coder)


def _per_minute(n: int, seconds: float) -> float:
    return 60.0 * n / seconds if seconds > 0 else 0.0


def with_point_events(store, budgets: List[Budget], video_ids=None, author=None) -> List[Budget]:
    """``budgets`` with what point events mean: a point label's budget counts its events (and their rate per
    minute of the video) instead of time (seconds, share and mean bout 0); a state label's ``events`` are its
    bouts. Touching point events are counted one by one (a bout would merge them)."""
    from dataclasses import replace

    videos = _durations(store, video_ids)
    by_path = {path: (vid, secs) for vid, (path, secs, _t) in videos.items()}
    counts: Dict[tuple, int] = {}
    sql, params = _segment_query(store, video_ids, author, point_only=True)
    for vid, person, coder, name, _kind, _mod, _a, _b in store.conn.execute(sql, params):
        key = (videos[vid][0], int(person), coder, name) if vid in videos else None
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    out = []
    for b in budgets:
        seconds = by_path.get(b.video, (None, 0.0))[1]
        n = counts.get((b.video, b.person, b.coder, b.label))
        if n is None:
            out.append(replace(b, events=b.bouts, rate=_per_minute(b.bouts, seconds)))
        else:
            out.append(replace(b, kind="point", seconds=0.0, share=0.0, mean_bout=0.0, bouts=n, events=n,
                               rate=_per_minute(n, seconds)))
    return out


@dataclass
class ModifierBudget:
    """One label with one modifier ('' = none) of one person in one video, one coder's labels: ``events`` (point
    events or segments), ``seconds`` (state labels), ``rate`` (events per minute of the video)."""

    video: str
    person: int
    label: str
    modifier: str
    kind: str
    events: int
    seconds: float
    rate: float
    coder: str = ""

    def to_dict(self) -> dict:
        return {"video": self.video, "person": self.person, "label": self.label, "modifier": self.modifier,
                "kind": self.kind, "events": self.events, "seconds": round(self.seconds, 4),
                "rate_per_min": round(self.rate, 4), "coder": self.coder}


def modifier_budgets(store, video_ids=None, author=None) -> List[ModifierBudget]:
    """Per video, person, coder, label and modifier: events, time (state labels) and rate per minute."""
    videos = _durations(store, video_ids)
    groups: Dict[tuple, List[float]] = {}
    sql, params = _segment_query(store, video_ids, author, point_only=False)
    for vid, person, coder, name, kind, modifier, start, end in store.conn.execute(sql, params):
        if vid not in videos:
            continue
        t = videos[vid][2]
        entry = groups.setdefault((videos[vid][0], int(person), coder, name, modifier or "", kind), [0, 0.0])
        entry[0] += 1
        if kind != "point":
            entry[1] += float(t[min(end, len(t) - 1)] - t[min(start, len(t) - 1)])
    seconds = {path: secs for path, secs, _t in videos.values()}
    return [ModifierBudget(v, p, lab, mod, kind, n, secs, _per_minute(n, seconds[v]), coder)
            for (v, p, coder, lab, mod, kind), (n, secs) in sorted(groups.items())]


def summarize_modifiers(rows: Iterable[ModifierBudget]) -> Dict[str, Dict[str, Dict[str, float]]]:
    """``{label: {modifier: {"events", "seconds"}}}`` over all videos, persons and coders."""
    out: Dict[str, Dict[str, Dict[str, float]]] = {}
    for r in rows:
        entry = out.setdefault(r.label, {}).setdefault(r.modifier, {"events": 0, "seconds": 0.0})
        entry["events"] += r.events
        entry["seconds"] += r.seconds
    return out


def modifier_totals(store, video_ids=None, author=None) -> Dict[str, Dict[str, float]]:
    """``{"label · modifier": {"seconds", "bouts", "events", "point", "label"}}`` over the videos (a chart's bars:
    one per label and modifier; '—' for segments without one)."""
    out: Dict[str, Dict[str, float]] = {}
    for r in modifier_budgets(store, video_ids, author):
        key = f"{r.label} · {r.modifier or '—'}"
        entry = out.setdefault(key, {"seconds": 0.0, "bouts": 0, "events": 0, "point": r.kind == "point",
                                     "label": r.label})
        entry["seconds"] += r.seconds
        entry["bouts"] += r.events
        entry["events"] += r.events
    return out
