"""Range reads of a project's segments for views that show part of a video (the studio's timeline and lists).

A project may hold a million segments; a view needs those of the time range and lanes on screen. These
functions take an open ``ProjectStore`` (or its ``sqlite3`` connection) and use the lane index
``segments_lane (video_id, person, start_frame)``:

- :func:`lane_people` the persons (lanes) that have segments in a video, by a skip scan of the index
  (one index seek per person, not one row per segment);
- :func:`segments_in_window` the segments of some lanes overlapping frames ``[start, end)``;
- :func:`video_counts` segments per video (an index count, no rows read).
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from .coders import blind_clause
from .records import SegmentRecord
from .segment_reads import SEG_COLS  # one column list: a new column reaches every reader


def _conn(store_or_conn):
    return getattr(store_or_conn, "conn", store_or_conn)


def lane_people(store_or_conn, video_id: int) -> List[int]:
    """Sorted persons with at least one segment in ``video_id`` (a skip scan: cost ~ persons, not segments)."""
    conn = _conn(store_or_conn)
    blind, coder = blind_clause(store_or_conn)  # blind coding: the coder's own segments only (coders.py)
    people: List[int] = []
    row = conn.execute("SELECT min(person) FROM segments WHERE video_id = ?" + blind, (video_id, *coder)).fetchone()
    while row is not None and row[0] is not None:
        people.append(int(row[0]))
        row = conn.execute("SELECT min(person) FROM segments WHERE video_id = ? AND person > ?" + blind,
                           (video_id, row[0], *coder)).fetchone()
    return people


def segments_in_window(store_or_conn, video_id: int, start: int, end: int,
                       people: Optional[Iterable[int]] = None) -> List[SegmentRecord]:
    """Segments of ``video_id`` overlapping frames ``[start, end)``, of ``people`` (None: every lane), sorted by
    (person, start). Each lane is read through the index up to ``end``."""
    conn = _conn(store_or_conn)
    lanes = lane_people(store_or_conn, video_id) if people is None else sorted({int(p) for p in people})
    blind, coder = blind_clause(store_or_conn)
    sql = (f"SELECT {SEG_COLS} FROM segments WHERE video_id = ? AND person = ? AND start_frame < ? "
           f"AND end_frame > ?{blind} ORDER BY start_frame")
    out: List[SegmentRecord] = []
    for person in lanes:
        out.extend(SegmentRecord(*r) for r in conn.execute(sql, (video_id, person, int(end), int(start), *coder)))
    return out


def video_counts(store_or_conn) -> Dict[int, int]:
    """``{video id: segments}`` of every video that has segments."""
    blind, coder = blind_clause(store_or_conn)
    rows = _conn(store_or_conn).execute("SELECT video_id, count(*) FROM segments WHERE 1" + blind
                                        + " GROUP BY video_id", coder)
    return {int(v): int(n) for v, n in rows}


def coverage(store_or_conn, video_id: Optional[int] = None) -> Dict[int, tuple]:
    """``{video id: (segments, frames covered by any segment)}`` of one video (or of every video with segments):
    SQLite joins each video's spans into one text, numpy parses and sorts them (a million segments: ~0.5 s)."""
    import numpy as np

    conn = _conn(store_or_conn)
    blind, coder = blind_clause(store_or_conn)
    sql = ("SELECT video_id, group_concat(start_frame || ' ' || end_frame, ' ') FROM segments WHERE 1"
           + (" AND video_id = ?" if video_id is not None else "") + blind + " GROUP BY video_id")
    out: Dict[int, tuple] = {} if video_id is None else {int(video_id): (0, 0)}
    for vid, text in conn.execute(sql, ((video_id,) if video_id is not None else ()) + coder):
        spans = np.fromstring(text, dtype=np.int64, sep=" ").reshape(-1, 2)
        spans = spans[np.argsort(spans[:, 0], kind="stable")]
        start, end = spans[:, 0], spans[:, 1]
        reach = np.concatenate([[0], np.maximum.accumulate(end)[:-1]])  # furthest end before each span
        out[int(vid)] = (len(spans), int(np.maximum(end - np.maximum(start, reach), 0).sum()))
    return out
