"""Label import/export as CSV or JSON.

Columns (contract): ``video, person, start_frame, end_frame, start_time, end_time, label, source,
confidence, author, note``. ``video`` is the path relative to the project (its file name also
matches when unique), ``person`` a track id or -1 (everybody; empty and ``everybody`` are accepted),
frames are end-exclusive; on import, frames win and times are used only where frames are empty.

Import validates every row first and then adds them all in one transaction (overlapping existing
labels of the same lane are trimmed by the overlap rule); a bad row rejects the whole file with its
line number and the reason, and the project is not touched.
"""
from __future__ import annotations

import csv
import io as _io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..fileio import atomic_path
from .edits import Compound, CreateSegment
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
                    writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        else:
            labels = [{"name": lab.name, "color": lab.color, "key": lab.key} for lab in store.labels()]
            head = {"format": JSON_FORMAT, "version": 1, "project": store.path.name, "columns": list(COLUMNS),
                    "labels": labels}
            text = json.dumps(head, ensure_ascii=False)[:-1]
            body = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text + ', "segments": [\n' + body + ("\n" if rows else "") + "]}\n")
    return len(rows)


# --------------------------------------------------------------------------- reading
def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProjectError(f"Label file not found: {path}.") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path.name} is not UTF-8 text.") from None
    except OSError as err:
        raise ProjectError(f"Cannot read {path.name}: {err.strerror or err}.") from err


def _csv_rows(path: Path, text: str) -> List[Tuple[int, dict]]:
    reader = csv.reader(_io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise ProjectError(f"{path.name} line 1: not valid CSV ({err}).") from None
    if not header:
        raise ProjectError(f"{path.name} is empty (it needs a header line with the column names).")
    header = [h.strip() for h in header]
    missing = [c for c in ("video", "person", "label") if c not in header]
    if missing:
        raise ProjectError(f"{path.name} line 1: missing column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)}.")
    rows = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if len(values) != len(header):
                    raise ProjectError(f"{path.name} line {line}: {len(values)} values for {len(header)} columns.")
                rows.append((line, dict(zip(header, values))))
            line = reader.line_num + 1
    except csv.Error as err:
        raise ProjectError(f"{path.name} line {line}: not valid CSV ({err}).") from None
    return rows


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _json_array_items(text: str, start: int) -> List[Tuple[int, object]]:
    """Decode the JSON array beginning at ``text[start] == '['``, keeping each item's offset."""
    decoder = json.JSONDecoder()
    items = []
    i = _skip_ws(text, start + 1)
    if i < len(text) and text[i] == "]":
        return items
    while True:
        value, end = decoder.raw_decode(text, i)
        items.append((i, value))
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        return items


def _json_rows(path: Path, text: str) -> List[Tuple[int, dict]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ProjectError(f"{path.name} line {err.lineno}: not valid JSON ({err.msg}).") from None
    start = _skip_ws(text, 0)
    if isinstance(doc, dict):
        if not isinstance(doc.get("segments"), list):
            raise ProjectError(f"{path.name} line 1: expected a list of segments or an object with \"segments\".")
        decoder = json.JSONDecoder()  # find the top-level "segments" value's offset
        i = _skip_ws(text, start + 1)
        while True:
            key, i = decoder.raw_decode(text, i)
            i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ':'
            if key == "segments":
                start = i
                break
            _, i = decoder.raw_decode(text, i)
            i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ','
    elif not isinstance(doc, list):
        raise ProjectError(f"{path.name} line 1: expected a list of segments or an object with \"segments\".")
    rows = []
    for offset, item in _json_array_items(text, start):
        line = text.count("\n", 0, offset) + 1
        if not isinstance(item, dict):
            raise ProjectError(f"{path.name} line {line}: a segment must be an object.")
        rows.append((line, {k: ("" if v is None else v) for k, v in item.items()}))
    return rows


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


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _number(value, column: str) -> Optional[float]:
    """A finite number from a cell (None when empty); a bad cell is rejected naming its column."""
    text = _text(value)
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        raise _Rejected(f"{column} '{text}' is not a number") from None
    if not math.isfinite(number):
        raise _Rejected(f"{column} '{text}' is not a finite number")
    return number


def _int(value, column: str) -> Optional[int]:
    number = _number(value, column)
    if number is not None and not number.is_integer():
        raise _Rejected(f"{column} '{_text(value)}' is not a whole number")
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
        self.labels = {lab.name: lab.id for lab in store.labels()}
        self.labels_folded = {name.casefold(): lid for name, lid in self.labels.items()}

    def video(self, text: str):
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


def read_label_file(store, path) -> List[_Row]:
    """Parse and validate every row of a label file; raises :class:`ProjectError` naming the first bad line."""
    path = Path(path)
    kind = _kind(path)
    text = _read_text(path)
    raw_rows = _csv_rows(path, text) if kind == ".csv" else _json_rows(path, text)
    resolver = _Resolver(store)
    rows, problems = [], []
    for line, raw in raw_rows:
        try:
            rows.append(resolver.row(line, raw))
        except _Rejected as err:
            problems.append((line, str(err)))
    if not problems:
        lanes: Dict[tuple, List[_Row]] = {}
        for row in rows:
            lanes.setdefault((row.video_id, row.person, row.author or store.author), []).append(row)
        for lane_rows in lanes.values():
            lane_rows.sort(key=lambda r: (r.start, r.line))
            for prev, row in zip(lane_rows, lane_rows[1:]):
                if row.start < prev.end:
                    problems.append((max(row.line, prev.line),
                                     f"the segment overlaps the one on line {min(row.line, prev.line)} "
                                     "(same video, person and author)"))
        problems.sort()
    if problems:
        line, reason = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        raise ProjectError(f"{path.name} line {line}: {reason}{more}; nothing was imported.")
    return rows


def import_labels(store, path, *, history=None) -> int:
    """Validate ``path`` completely, then add all its segments in one transaction; returns how many.

    With ``history`` the import is one undo step.
    """
    rows = read_label_file(store, path)
    if not rows:
        return 0
    edit = Compound([CreateSegment(r.video_id, r.person, r.start, r.end, r.label_id, source=r.source,
                                   confidence=r.confidence, note=r.note, author=r.author) for r in rows],
                    text=f"Import {len(rows)} segment{'s' if len(rows) != 1 else ''}")
    if history is not None:
        history.do(edit)
    else:
        edit.apply(store)
    return len(rows)
