"""The one primitive every edit's apply and revert goes through: replace some segment rows by others."""
from __future__ import annotations

import sqlite3
from typing import Dict, List, Sequence

from .records import SOURCES, Change, ProjectError, SegmentRecord
from .segment_reads import SEG_COLS, SegmentReads


def write_diff(reads: SegmentReads, removed: Sequence[SegmentRecord], added: Sequence[SegmentRecord]
               ) -> List[SegmentRecord]:
    """Replace the rows ``removed`` (checked unchanged) by ``added`` in the current transaction.

    Rows in ``added`` with ``id=None`` get new ids; the returned list carries them.
    """
    session = reads.session
    if session.depth == 0:
        raise RuntimeError("write_diff needs an open transaction")
    conn = session.conn
    for row in removed:
        current = reads.where("id = ?", (row.id,))
        if not current or current[0] != row:
            raise ProjectError("The labels changed since this edit was made; it cannot be applied or undone.")
    if removed:
        conn.executemany("DELETE FROM segments WHERE id = ?", [(r.id,) for r in removed])
    out = []
    try:
        for row in added:
            if row.source not in SOURCES:
                raise ProjectError(f"'{row.source}' is not a segment source (user or accepted).")
            conf = None if row.confidence is None else float(row.confidence)
            cur = conn.execute(f"INSERT INTO segments ({SEG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (row.id, int(row.video_id), int(row.person), int(row.start_frame),
                                int(row.end_frame), int(row.label_id), row.source, row.model_key, conf,
                                row.author, row.note, row.created, row.modified, row.modifier or ""))
            out.append(row if row.id is not None else row.with_(id=cur.lastrowid))
    except sqlite3.IntegrityError as err:
        raise ProjectError(f"The edit does not fit the project ({err}).") from err
    lanes: Dict[tuple, list] = {}
    for row in list(removed) + out:
        lanes.setdefault(row.lane, []).append(row)
    for (video_id, person), rows in lanes.items():
        session.note(Change(video_id=video_id, person=person, start=min(r.start_frame for r in rows),
                            end=max(r.end_frame for r in rows), segment_ids=tuple(sorted({r.id for r in rows}))))
    return out
