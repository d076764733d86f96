"""Reading segments: by filter, by lane and frame, coverage and counts (no writes here; see :mod:`.diffs`)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from .records import SOURCES, ProjectError, SegmentRecord
from .session import StoreSession

SEG_COLS = ("id, video_id, person, start_frame, end_frame, label_id, source, model_key, confidence, author, "
            "note, created, modified, modifier")


def covered_frames(spans) -> Tuple[int, int]:
    """(count, frames covered by any span) of ``(start, end)`` spans sorted by start."""
    count, covered, reach = 0, 0, 0
    for start, end in spans:
        count += 1
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return count, covered


class SegmentReads:
    """Queries over the segments of one project (``session``)."""

    def __init__(self, session: StoreSession) -> None:
        self.session = session

    def where(self, where: str = "", params: tuple = (), order: str = "video_id, person, start_frame"
              ) -> List[SegmentRecord]:
        sql = f"SELECT {SEG_COLS} FROM segments" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        return [SegmentRecord(*r) for r in self.session.conn.execute(sql, params)]

    def segments(self, video_id: Optional[int] = None, person: Optional[int] = None,
                 label_id: Optional[int] = None, source: Optional[str] = None) -> List[SegmentRecord]:
        """Segments matching the filters, sorted by (video, person, start)."""
        clauses, params = [], []
        for column, value in (("video_id", video_id), ("person", person), ("label_id", label_id),
                              ("source", source)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return self.where(" AND ".join(clauses), tuple(params))

    def segment(self, segment_id: int) -> SegmentRecord:
        rows = self.where("id = ?", (segment_id,))
        if not rows:
            raise ProjectError(f"The project has no segment with id {segment_id}.")
        return rows[0]

    def segment_at(self, video_id: int, person: int, frame: int, author: Optional[str] = None
                   ) -> Optional[SegmentRecord]:
        """The segment of a lane covering ``frame`` (the given author's, when ``author``; else the current
        author's if there is one, else any)."""
        rows = self.where("video_id = ? AND person = ? AND start_frame <= ? AND end_frame > ?",
                          (video_id, person, frame, frame))
        wanted = author if author is not None else self.session.author
        own = [r for r in rows if (r.author or "") == wanted]
        if author is not None:
            return own[0] if own else None
        return (own or rows or [None])[0]

    def lane_overlaps(self, video_id: int, person: int, start: int, end: int,
                      exclude: Sequence[int] = (), author: Optional[str] = None) -> List[SegmentRecord]:
        """Segments of one lane that overlap frames ``[start, end)`` (of one author's labels when ``author``:
        each coder has a lane of their own, so that two coders' labels can be compared)."""
        where = "video_id = ? AND person = ? AND start_frame < ? AND end_frame > ?"
        params: tuple = (video_id, person, end, start)
        if author is not None:
            where += " AND IFNULL(author, '') = ?"
            params += (author,)
        rows = self.where(where, params)
        return [r for r in rows if r.id not in exclude]

    def people(self, video_id: int) -> List[int]:
        rows = self.session.conn.execute("SELECT DISTINCT person FROM segments WHERE video_id = ? ORDER BY person",
                                         (video_id,)).fetchall()
        return [r[0] for r in rows]

    def coverage(self, video_id: int, frame_count: int) -> Tuple[int, int, int]:
        """(segment count, frames covered by any segment, ``frame_count``) of a video."""
        rows = self.session.conn.execute("SELECT start_frame, end_frame FROM segments WHERE video_id = ? "
                                         "ORDER BY start_frame", (video_id,))
        return covered_frames(rows) + (frame_count,)

    def coverage_all(self, frame_counts: Dict[int, int]) -> Dict[int, Tuple[int, int, int]]:
        """``{video id: (segments, frames covered, frame count)}`` of every video, in one query."""
        spans: Dict[int, list] = {vid: [] for vid in frame_counts}
        rows = self.session.conn.execute("SELECT video_id, start_frame, end_frame FROM segments "
                                         "ORDER BY video_id, start_frame")
        for vid, start, end in rows:
            spans.setdefault(vid, []).append((start, end))
        return {vid: covered_frames(s) + (frame_counts.get(vid, 0),) for vid, s in spans.items()}

    def counts(self, label_order: Dict[str, int], video_id: Optional[int] = None) -> dict:
        """``{"total": n, "by_source": {src: n}, "by_label": {name: {src: n, "total": n}}}`` (labels in
        ``label_order``)."""
        sql = ("SELECT l.name, s.source, count(*) FROM segments s JOIN labels l ON l.id = s.label_id"
               + (" WHERE s.video_id = ?" if video_id is not None else "") + " GROUP BY l.name, s.source")
        rows = self.session.conn.execute(sql, (video_id,) if video_id is not None else ()).fetchall()
        by_label: Dict[str, Dict[str, int]] = {}
        by_source = {s: 0 for s in SOURCES}
        for name, source, n in rows:
            entry = by_label.setdefault(name, {s: 0 for s in SOURCES} | {"total": 0})
            entry[source] = n
            entry["total"] += n
            by_source[source] += n
        by_label = dict(sorted(by_label.items(), key=lambda kv: label_order.get(kv[0], 1 << 30)))
        return {"total": sum(by_source.values()), "by_source": by_source, "by_label": by_label}
