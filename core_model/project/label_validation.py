"""The rows of a label file as the import sees them: parsed, typed and resolved to the project's ids.

:class:`_Resolver` turns a raw row (``{column: text}``) into a :class:`_Row` with the video id, person,
frames, label id and source, or raises :class:`_Rejected` with the reason; :class:`ImportReport` collects
what an import warns about. Reading the file itself is :mod:`.label_files`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from .label_files import csv_rows, json_rows
from .records import EVERYBODY, SOURCES, ProjectError
from .scheme import check_modifier

FORMATS = (".csv", ".json")


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ProjectError(f"{path.name}: label files must end in .csv or .json.")
    return suffix


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
    modifier: str = ""


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
        self.records = {lab.id: lab for lab in store.labels()}
        self.labels = {lab.name: lab.id for lab in self.records.values()}
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
        label_text = _text(raw.get("label"))
        label_id = self.labels.get(label_text, self.labels_folded.get(label_text.casefold()))
        if label_id is None:
            raise _Rejected(f"the label '{label_text}' is not in the project's label set")
        point = self.records[label_id].kind == "point"
        start, end = _int(raw.get("start_frame"), "start_frame"), _int(raw.get("end_frame"), "end_frame")
        if start is None:
            t = _float(raw.get("start_time"), "start_time")
            if t is None:
                raise _Rejected("start_frame and start_time are both empty")
            start = self.store.frame_at_time(video.id, t)
        if point:  # a point event is one frame (its end is not needed)
            end = start + 1
        if end is None:
            t = _float(raw.get("end_time"), "end_time")
            if t is None:
                raise _Rejected("end_frame and end_time are both empty")
            end = self.store.frame_at_time(video.id, t)
        if not 0 <= start < end <= video.frame_count:
            raise _Rejected(f"frames [{start}, {end}) are not a range inside the {video.frame_count} frames of "
                            f"{video.name}")
        source = _text(raw.get("source")) or "user"
        if source not in SOURCES:
            raise _Rejected(f"source '{source}' is neither 'user' nor 'accepted'")
        confidence = _float(raw.get("confidence"), "confidence")
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            raise _Rejected(f"confidence {confidence} is outside [0, 1]")
        try:
            modifier = check_modifier(self.records[label_id], _text(raw.get("modifier")))
        except ProjectError as err:
            raise _Rejected(str(err).rstrip(".")) from None
        return _Row(line, video.id, person, start, end, label_id, source, confidence,
                    _text(raw.get("author")) or None, "" if raw.get("note") is None else str(raw.get("note")),
                    modifier)


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


