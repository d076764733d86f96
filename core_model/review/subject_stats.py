"""Statistics and agreement per subject across videos: the tracks assigned to a subject (``track_subjects``) are
one person wherever they appear.

- :func:`subject_budgets`: per subject, coder and label, the time spent (frames covered by any of the subject's
  tracks in a video, so two fragments of one person never count twice), its share of the time the subject's
  videos last, the bouts (touching or overlapping segments of one label in one video form one bout), mean bout
  and the videos it was seen in. Tracks not assigned to a subject are left out (``unassigned=True``: grouped
  under :data:`NO_SUBJECT`).
- :func:`subject_agreement`: frame-level agreement (as :func:`~.project_review.project_agreement`) of the
  frames of each subject's tracks, over all videos.

Each reads the segments joined with the assignments in one query.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .agreement import AgreementReport, agreement_from_frames

NO_SUBJECT = "(no subject)"


@dataclass
class SubjectBudget:
    """Time spent under one label by one subject (over all its tracks and videos), one coder's labels."""

    subject: str
    label: str
    seconds: float
    share: float  # of the summed duration of the videos the subject has a track in
    bouts: int
    mean_bout: float  # seconds
    videos: int  # videos with this label for this subject
    coder: str = ""
    color: str = ""  # the subject's colour
    kind: str = "state"  # 'point': counted, not timed (seconds, share and mean bout 0)
    events: int = 0  # point events, or the bouts of a state label
    rate: float = 0.0  # events per minute of the subject's videos

    def to_dict(self) -> dict:
        return {"subject": self.subject, "label": self.label, "seconds": round(self.seconds, 4),
                "share": round(self.share, 6), "bouts": self.bouts, "mean_bout": round(self.mean_bout, 4),
                "videos": self.videos, "coder": self.coder, "color": self.color, "kind": self.kind,
                "events": self.events, "rate_per_min": round(self.rate, 4)}


def _blind(store) -> Tuple[str, tuple]:
    coder = getattr(store, "blind_coder", None) or None
    return ("", ()) if coder is None else (" AND IFNULL(g.author, '') = ?", (coder,))


def _rows(store, video_ids: Optional[Sequence[int]], author: Optional[str], unassigned: bool):
    """``(video, subject id or None, coder, label id, start, end)`` of the labels of tracks (one query)."""
    join = "LEFT JOIN" if unassigned else "JOIN"
    sql = (f"SELECT g.video_id, t.subject_id, IFNULL(g.author, ''), g.label_id, g.start_frame, g.end_frame "
           f"FROM segments g {join} track_subjects t ON t.video_id = g.video_id AND t.person = g.person "
           f"WHERE g.person >= 0")
    params: list = []
    if video_ids is not None:
        sql += f" AND g.video_id IN ({','.join(str(int(v)) for v in video_ids) or 'NULL'})"
    if author is not None:
        sql += " AND IFNULL(g.author, '') = ?"
        params.append(author)
    clause, extra = _blind(store)
    return store.conn.execute(sql + clause, params + list(extra)).fetchall()


def _bouts(spans: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    merged: List[List[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def subject_budgets(store, video_ids: Optional[Sequence[int]] = None, author: Optional[str] = None,
                    unassigned: bool = False) -> List[SubjectBudget]:
    """Time budgets per subject, coder and label over the project's videos (``video_ids`` only, when given)."""
    subjects = {s.id: s for s in store.subjects()}
    labels = {lab.id: lab.name for lab in store.labels()}
    groups: Dict[Tuple[Optional[int], str, int], Dict[int, list]] = {}
    for vid, sid, coder, label_id, start, end in _rows(store, video_ids, author, unassigned):
        groups.setdefault((sid, coder, label_id), {}).setdefault(vid, []).append((start, end))
    times: Dict[int, np.ndarray] = {}

    def time_of(vid: int) -> np.ndarray:
        if vid not in times:
            ts = store.timestamps(vid)
            times[vid] = np.append(ts, store.frame_time(vid, len(ts)))
        return times[vid]

    seen: Dict[Optional[int], set] = {}
    for (vid, _p), sid in store.subject_assignments(video_ids).items():
        seen.setdefault(sid, set()).add(vid)
    nobody = {vid for (sid, _c, _l), per_video in groups.items() if sid is None for vid in per_video}
    if nobody:  # the videos with labels of unassigned tracks
        seen[None] = nobody
    points = {lab.id for lab in store.labels() if getattr(lab, "kind", "state") == "point"}
    out = []
    for (sid, coder, label_id), per_video in groups.items():
        total = sum(float(time_of(v)[-1] - time_of(v)[0]) for v in seen.get(sid, per_video.keys()))
        subject = subjects.get(sid)
        name, color = (subject.name, subject.color) if subject else (NO_SUBJECT, "")
        if label_id in points:  # moments: counted one by one (two fragments may hold the same event once each)
            n = sum(len(set(spans)) for spans in per_video.values())
            out.append(SubjectBudget(name, labels[label_id], 0.0, 0.0, n, 0.0, len(per_video), coder, color,
                                     kind="point", events=n, rate=n * 60.0 / total if total > 0 else 0.0))
            continue
        seconds, bouts = 0.0, 0
        for vid, spans in per_video.items():
            t = time_of(vid)
            last = len(t) - 1
            for a, b in _bouts(spans):
                seconds += float(t[min(b, last)] - t[min(a, last)])
                bouts += 1
        out.append(SubjectBudget(name, labels[label_id], seconds, seconds / total if total > 0 else 0.0, bouts,
                                 seconds / bouts if bouts else 0.0, len(per_video), coder, color, events=bouts,
                                 rate=bouts * 60.0 / total if total > 0 else 0.0))
    order = {s.name: s.order for s in subjects.values()}
    label_order = {lab.name: lab.order for lab in store.labels()}
    out.sort(key=lambda b: (b.subject == NO_SUBJECT, order.get(b.subject, 0), b.subject.lower(), b.coder,
                            label_order.get(b.label, 0)))
    return out


def summarize_subjects(budgets: Sequence[SubjectBudget]) -> Dict[str, Dict[str, float]]:
    """Totals per subject over labels and coders: seconds and bouts."""
    out: Dict[str, Dict[str, float]] = {}
    for b in budgets:
        entry = out.setdefault(b.subject, {"seconds": 0.0, "bouts": 0})
        entry["seconds"] += b.seconds
        entry["bouts"] += b.bouts
    return out


def subject_agreement(store, between: Sequence[str] = ("human", "model"),
                      video_ids: Optional[Sequence[int]] = None) -> Tuple[AgreementReport, Dict[str, AgreementReport]]:
    """Agreement over the frames of tracks assigned to subjects, overall and per subject (name -> report).

    ``between`` as in :func:`~.project_review.project_agreement`: ``author:A,author:B`` compares two coders on
    each subject's tracks, ``human,model`` the labels with the model's segments of the same tracks."""
    from .project_review import MODEL, NameIndex, ResultCache, human_lanes, parse_side, segment_rows

    between = tuple(between)
    if between[0] == MODEL:
        between = (between[1], between[0])
    (kind_a, author_a), (kind_b, author_b) = (parse_side(s) for s in between)
    model = MODEL in (kind_a, kind_b)
    subjects = {s.id: s.name for s in store.subjects()}
    assigned = store.subject_assignments(video_ids)
    label_names = {lab.id: lab.name for lab in store.labels()}
    names = NameIndex(label_names.values())
    results = ResultCache()
    wanted = sorted({vid for vid, _p in assigned})
    rows = segment_rows(store, wanted) if wanted else {}
    refs: Dict[str, list] = {}
    others: Dict[str, list] = {}
    for video in (v for v in store.videos() if v.id in rows):
        result = results.get(store, video.id) if model else None
        if model and result is None:
            continue
        lanes_a = human_lanes(store, video, names, author_a if kind_a == "author" else None, rows[video.id],
                              label_names)
        lanes_b = None if model else human_lanes(store, video, names, author_b, rows[video.id], label_names)
        for person, codes in lanes_a.items():
            sid = assigned.get((video.id, person))
            if sid is None:
                continue
            if model:
                other = results.model_lane(result, person, video.frame_count, names)
            elif person in lanes_b:
                other = lanes_b[person]
            else:
                continue
            refs.setdefault(subjects[sid], []).append(codes)
            others.setdefault(subjects[sid], []).append(other)
    kwargs = dict(count_missing_other=model, reference_name=between[0], other_name=between[1])
    per_subject = {name: agreement_from_frames(np.concatenate(refs[name]), np.concatenate(others[name]), names.names,
                                               **kwargs) for name in refs}
    all_ref = np.concatenate([c for v in refs.values() for c in v]) if refs else np.zeros(0, np.int64)
    all_oth = np.concatenate([c for v in others.values() for c in v]) if others else np.zeros(0, np.int64)
    return agreement_from_frames(all_ref, all_oth, names.names, **kwargs), per_subject
