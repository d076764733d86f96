"""Label import/export as CSV or JSON.

Columns (contract): ``video, person, start_frame, end_frame, start_time, end_time, label, source,
confidence, author, note``. ``video`` is the path relative to the project (its file name also
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
import math
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from ..csv_safe import escape_cell
from ..fileio import atomic_path
from .label_files import csv_rows, json_rows
from .records import EVERYBODY, SOURCES, ProjectError

COLUMNS = ("video", "person", "start_frame", "end_frame", "start_time", "end_time", "label", "source",
           "confidence", "author", "note")
FORMATS = (".csv", ".json")
JSON_FORMAT = "epam-labels"


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ProjectError(f"{path.name}: label files must end in .csv or .json.")
    return suffix


# --------------------------------------------------------------------------- export
def label_rows(store, video_ids=None) -> List[dict]:
    """The project's segments as rows with the export columns (sorted by video, person, start)."""
    videos = {v.id: v for v in store.videos()}
    labels = {lab.id: lab.name for lab in store.labels()}
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
            labels = [{"name": lab.name, "color": lab.color, "key": lab.key} for lab in store.labels()]
            head = {"format": JSON_FORMAT, "version": 1, "project": store.path.name, "columns": list(COLUMNS),
                    "labels": labels}
            text = json.dumps(head, ensure_ascii=False)[:-1]
            body = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text + ', "segments": [\n' + body + ("\n" if rows else "") + "]}\n")
    return len(rows)


# --------------------------------------------------------------------------- validation
@dataclass
class _Row:
    line: int
    video_id: int
    person: int
    start: int
    end: int
    label_id: int
    source: str
    confidence: Optional[float]
    author: Optional[str]
    note: str


class _Rejected(Exception):
    pass


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
#: the largest track id (SQLite's integer)
MAX_PERSON = (1 << 63) - 1


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _number(value, column: str) -> Optional[float]:
    """A finite number from a cell (None when empty); a bad cell is rejected naming its column."""
    text = _text(value)
    if text == "":
        return None
    if _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")  # 1,5 from a spreadsheet of a locale with a decimal comma
    try:
        number = float(text)
    except ValueError:
        raise _Rejected(f"{column} '{_text(value)}' is not a number") from None
    if not math.isfinite(number):
        raise _Rejected(f"{column} '{text}' is not a finite number")
    return number


def _int(value, column: str) -> Optional[int]:
    text = _text(value)
    try:
        return int(text, 10) if text else None  # exact, however long
    except ValueError:
        pass
    number = _number(value, column)
    if number is not None and not number.is_integer():
        raise _Rejected(f"{column} '{text}' is not a whole number")
    return None if number is None else int(number)


def _float(value, column: str) -> Optional[float]:
    return _number(value, column)


class _Resolver:
    def __init__(self, store) -> None:
        self.store = store
        self.videos = store.videos()
        self.by_rel = {v.rel_path: v for v in self.videos}
        names: Dict[str, list] = {}
        for v in self.videos:
            names.setdefault(v.name, []).append(v)
        self.by_name = names
        self.seen: Dict[str, object] = {}
        self.labels = {lab.name: lab.id for lab in store.labels()}
        self.labels_folded = {name.casefold(): lid for name, lid in self.labels.items()}

    def video(self, text: str):
        known = self.seen.get(text)
        if known is not None:
            return known
        if not text:
            raise _Rejected("the video is empty")
        rec = self.by_rel.get(Path(text).as_posix())
        if rec is None:
            matches = self.by_name.get(Path(text.replace("\\", "/")).name, [])
            if len(matches) > 1:
                raise _Rejected(f"the video '{text}' matches {len(matches)} videos of the project; give its path")
            rec = matches[0] if matches else None
        if rec is None:
            raise _Rejected(f"the video '{text}' is not in the project")
        if len(self.seen) < 10000:  # the spellings of the file's videos, looked up once
            self.seen[text] = rec
        return rec

    def row(self, line: int, raw: dict) -> _Row:
        video = self.video(_text(raw.get("video")))
        person_text = _text(raw.get("person"))
        if person_text.lower() in ("", "everybody", "all"):
            person = EVERYBODY
        else:
            person = _int(person_text, "person")
            if person < EVERYBODY:
                raise _Rejected(f"person '{person_text}' is not a track id (or -1 for everybody)")
            if person > MAX_PERSON:
                raise _Rejected(f"person '{person_text}' is larger than the largest track id ({MAX_PERSON})")
        start, end = _int(raw.get("start_frame"), "start_frame"), _int(raw.get("end_frame"), "end_frame")
        if start is None:
            t = _float(raw.get("start_time"), "start_time")
            if t is None:
                raise _Rejected("start_frame and start_time are both empty")
            start = self.store.frame_at_time(video.id, t)
        if end is None:
            t = _float(raw.get("end_time"), "end_time")
            if t is None:
                raise _Rejected("end_frame and end_time are both empty")
            end = self.store.frame_at_time(video.id, t)
        if not 0 <= start < end <= video.frame_count:
            raise _Rejected(f"frames [{start}, {end}) are not a range inside the {video.frame_count} frames of "
                            f"{video.name}")
        label_text = _text(raw.get("label"))
        label_id = self.labels.get(label_text, self.labels_folded.get(label_text.casefold()))
        if label_id is None:
            raise _Rejected(f"the label '{label_text}' is not in the project's label set")
        source = _text(raw.get("source")) or "user"
        if source not in SOURCES:
            raise _Rejected(f"source '{source}' is neither 'user' nor 'accepted'")
        confidence = _float(raw.get("confidence"), "confidence")
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            raise _Rejected(f"confidence {confidence} is outside [0, 1]")
        return _Row(line, video.id, person, start, end, label_id, source, confidence,
                    _text(raw.get("author")) or None, "" if raw.get("note") is None else str(raw.get("note")))


# --------------------------------------------------------------------------- import
@dataclass
class ImportReport:
    """What an import did: ``imported`` segments, and ``absent`` of them labelling a person on frames where
    the person's track does not exist (with up to :data:`EXAMPLES` ``absent_examples``, each naming its line)."""

    imported: int = 0
    absent: int = 0
    absent_examples: List[str] = field(default_factory=list)

    def warnings(self) -> List[str]:
        """One sentence per warning (empty when there is nothing to say)."""
        if not self.absent:
            return []
        s, verb = ("", "marks") if self.absent == 1 else ("s", "mark")
        return [f"{self.absent} imported label{s} {verb} a person on frames where the person's track does not "
                f"exist (kept; check them): " + "; ".join(self.absent_examples)
                + (" …" if self.absent > len(self.absent_examples) else "") + "."]


EXAMPLES = 5


def label_file_rows(path) -> Iterator[Tuple[int, dict]]:
    """``(line, row)`` of a label file, streamed (see :mod:`.label_files`)."""
    path = Path(path)
    return csv_rows(path) if _kind(path) == ".csv" else json_rows(path)


def read_label_file(store, path) -> List[_Row]:
    """Parse and validate every row of a label file; raises :class:`ProjectError` naming the first bad line."""
    from .label_import import validated_rows

    return list(validated_rows(store, Path(path)))


def import_labels(store, path, *, history=None, report: Optional[ImportReport] = None) -> int:
    """Add the segments of ``path`` in one transaction, all or nothing; returns how many.

    The file is streamed (bounded memory); a bad row rolls everything back and raises :class:`ProjectError`
    with its line and reason. With ``history`` the import is one undo step. ``report`` (an
    :class:`ImportReport`) is filled in with the warnings.
    """
    from .label_import import ImportSegments, write_error

    path = Path(path)
    _kind(path)
    report = report if report is not None else ImportReport()
    edit = ImportSegments(path, report, keep_diff=history is not None)
    try:
        if history is not None:
            history.do(edit)
        else:
            edit.apply(store)
    except (sqlite3.Error, ProjectError) as err:
        error = write_error(store, path, err)
        if error is None:
            raise
        raise error from err
    return report.imported
