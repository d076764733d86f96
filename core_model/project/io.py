"""Label import/export as CSV or JSON.

Columns (contract): ``video, person, start_frame, end_frame, start_time, end_time, label, source,
confidence, author, note, subject`` (``subject``: the named subject the segment's track is assigned to, or
empty; read back as information only), ``kind, category, modifier`` (the label's kind and category, written
for reading the file elsewhere; the segment's modifier, checked against the label's on import; a point event's
``end_frame`` is its frame + 1 and may be left empty on import). ``video`` is the path relative to the project (its file name also
matches when unique), ``person`` a track id or -1 (everybody; empty and ``everybody`` are accepted),
frames are end-exclusive; on import, frames win and times are used only where frames are empty.

Import reads the file row by row (bounded memory, see :mod:`.label_files`) and adds the rows in one
transaction (overlapping existing labels of the same lane are trimmed by the overlap rule); a bad row
rejects the whole file with its line number and the reason, the transaction is rolled back and the project
is not touched. CSV text cells are written with the formula escaping of :mod:`core_model.csv_safe` and read
back from it. The import report (:class:`ImportReport`) counts labels on frames where their person's track
does not exist (:mod:`.presence`): a warning, never a refusal.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import List, Optional

from ..csv_safe import escape_cell
from ..fileio import atomic_path
from .label_import import ImportSegments, apply_import, validated_rows
from .label_validation import FORMATS, EXAMPLES, ImportReport, _kind, _Row, label_file_rows  # noqa: F401 (API)


COLUMNS = ("video", "person", "start_frame", "end_frame", "start_time", "end_time", "label", "source",
           "confidence", "author", "note", "subject", "kind", "category", "modifier")
JSON_FORMAT = "epam-labels"


# --------------------------------------------------------------------------- export
def label_rows(store, video_ids=None) -> List[dict]:
    """The project's segments as rows with the export columns (sorted by video, person, start)."""
    videos = {v.id: v for v in store.videos()}
    records = {lab.id: lab for lab in store.labels()}
    labels = {lab.id: lab.name for lab in records.values()}
    subjects = {s.id: s.name for s in store.subjects()}
    assigned = store.subject_assignments()  # the subject column: the named subject of the segment's track
    rows = []
    for seg in store.segments():
        if video_ids is not None and seg.video_id not in video_ids:
            continue
        start_time, end_time = store.segment_times(seg)
        rows.append({
            "video": videos[seg.video_id].rel_path, "person": seg.person,
            "start_frame": seg.start_frame, "end_frame": seg.end_frame,
            "start_time": round(start_time, 6), "end_time": round(end_time, 6),
            "label": labels[seg.label_id], "source": seg.source, "confidence": seg.confidence,
            "author": seg.author or "", "note": seg.note or "",
            "subject": subjects.get(assigned.get((seg.video_id, seg.person)), ""),
            "kind": records[seg.label_id].kind, "category": records[seg.label_id].category,
            "modifier": seg.modifier or "",
        })
    return rows


def export_labels(store, path, *, video_ids=None) -> int:
    """Write the segments to ``path`` (.csv or .json, written aside and renamed); returns the row count."""
    path = Path(path)
    kind = _kind(path)
    rows = label_rows(store, video_ids)
    with atomic_path(path) as tmp:
        if kind == ".csv":
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: escape_cell("" if v is None else v) for k, v in row.items()})
        else:
            labels = [{"name": lab.name, "color": lab.color, "key": lab.key, "kind": lab.kind,
                       "category": lab.category} for lab in store.labels()]
            head = {"format": JSON_FORMAT, "version": 1, "project": store.path.name, "columns": list(COLUMNS),
                    "labels": labels}
            text = json.dumps(head, ensure_ascii=False)[:-1]
            body = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text + ', "segments": [\n' + body + ("\n" if rows else "") + "]}\n")
    return len(rows)


def read_label_file(store, path) -> List[_Row]:
    """Parse and validate every row of a label file; raises :class:`ProjectError` naming the first bad line."""
    return list(validated_rows(store, Path(path)))


def import_labels(store, path, *, history=None, report: Optional[ImportReport] = None) -> int:
    """Add the segments of ``path`` in one transaction, all or nothing; returns how many.

    The file is streamed (bounded memory); a bad row rolls everything back and raises :class:`ProjectError`
    with its line and reason. With ``history`` the import is one undo step. ``report`` (an
    :class:`ImportReport`) is filled in with the warnings.
    """
    path = Path(path)
    _kind(path)
    report = report if report is not None else ImportReport()
    edit = ImportSegments(path, report, keep_diff=history is not None)
    apply_import(store, path, edit, history)
    return report.imported
