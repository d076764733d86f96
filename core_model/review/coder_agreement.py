"""Agreement between two coders of a project with a time tolerance (events matched as BORIS does; no Qt).

:func:`coder_events` reads one coder's segments as :class:`~.agreement.Event` (times from the videos' real
timestamps; a label of kind ``point`` gives a point event), :func:`project_tolerance_agreement` compares two
coders over the project and per video. Point events are matched by
``core_model.review.point_agreement`` when it is there, else by the same rule on their times.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .agreement import Event, ToleranceReport, tolerance_agreement


def _point_matcher():
    """The point-event matcher of ``point_agreement`` (``match_points(a, b, tolerance) -> [(i, j)]``), if any."""
    try:
        from . import point_agreement  # type: ignore[attr-defined]
    except ImportError:
        return None
    return getattr(point_agreement, "match_points", None)


def coder_events(store, coder: str, video_ids: Optional[Sequence[int]] = None) -> Dict[int, List[Event]]:
    """``{video id: [Event]}`` of ``coder``'s segments (person = the segment's track)."""
    labels = {lab.id: (lab.name, getattr(lab, "kind", "state") == "point") for lab in store.labels()}
    sql = ("SELECT video_id, person, start_frame, end_frame, label_id FROM segments WHERE IFNULL(author, '') = ?"
           " ORDER BY video_id, person, start_frame")
    wanted = None if video_ids is None else {int(v) for v in video_ids}
    times: Dict[int, np.ndarray] = {}
    out: Dict[int, List[Event]] = {}
    for vid, person, start, end, label_id in store.conn.execute(sql, (coder,)):
        if wanted is not None and vid not in wanted:
            continue
        if vid not in times:
            ts = np.asarray(store.timestamps(vid), np.float64)
            times[vid] = np.append(ts, store.frame_time(vid, len(ts)))
        t = times[vid]
        name, point = labels[label_id]
        out.setdefault(vid, []).append(Event(vid, int(person), name, float(t[min(start, len(t) - 1)]),
                                             float(t[min(end, len(t) - 1)]), point))
    return out


def project_tolerance_agreement(store, coder_a: str, coder_b: str, tolerance: float,
                                video_ids: Optional[Sequence[int]] = None
                                ) -> Tuple[ToleranceReport, Dict[int, ToleranceReport]]:
    """(over the project, {video id: report}) of two coders' events within ``tolerance`` seconds; videos
    neither coder labelled are left out."""
    a, b = coder_events(store, coder_a, video_ids), coder_events(store, coder_b, video_ids)
    matcher = _point_matcher()
    kwargs = dict(coder_a=coder_a, coder_b=coder_b, point_matcher=matcher)
    per_video = {vid: tolerance_agreement(a.get(vid, []), b.get(vid, []), tolerance, **kwargs)
                 for vid in sorted(set(a) | set(b))}
    overall = tolerance_agreement([e for v in sorted(a) for e in a[v]], [e for v in sorted(b) for e in b[v]],
                                  tolerance, **kwargs)
    return overall, per_video
