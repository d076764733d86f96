"""What every format shares: the parsed file, the import report, video and person matching, frames from times.

A reader turns a file into a :class:`Parsed`: rows in the columns of the project's own label files (``video,
person, start_frame, end_frame, label, author, note`` …), a name for each row (``event 12 of observation
'lesson 1'``) used in error sentences, the labels the rows use (with the other tool's colour and key), and
sentences about what could not be mapped. The import itself is the project's own streamed, validated, one
transaction import (:mod:`core_model.project.label_import`), so a bad row names itself and changes nothing.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from ..project.label_validation import ImportReport
from ..project.records import EVERYBODY, ProjectError

EXAMPLES = 5


@dataclass
class LabelWanted:
    """A label the file uses, with what the other tool knows of it (colour, key) where that maps."""

    name: str
    color: Optional[str] = None
    key: Optional[str] = None
    kind: str = "state"  # 'point': a point event (the coding scheme, core_model/project/scheme.py)
    category: str = ""
    modifiers: List[str] = field(default_factory=list)  # values offered (those the file uses are added)


@dataclass
class Parsed:
    """A file read by a format's reader, ready for the project's import."""

    rows: List[Tuple[int, dict]] = field(default_factory=list)
    places: List[str] = field(default_factory=list)  # places[i]: how the file names row i
    labels: Dict[str, LabelWanted] = field(default_factory=dict)
    skipped: List[str] = field(default_factory=list)  # what could not be mapped (sentences)
    mapped: List[str] = field(default_factory=list)  # how things were mapped (subject 'Ana' -> person 4)
    finishers: list = field(default_factory=list)  # called once the whole file is read
    categories: Dict[str, bool] = field(default_factory=dict)  # behaviour category -> exclusive
    subjects: List[tuple] = field(default_factory=list)  # (subject name, video id, person): tracks to assign

    def finish(self) -> "Parsed":
        for f in self.finishers:
            f()
        self.finishers = []
        return self

    def add(self, place: str, row: dict) -> None:
        self.rows.append((len(self.places), row))
        self.places.append(place)

    def want(self, name: str, color: Optional[str] = None, key: Optional[str] = None, kind: str = "state",
             category: str = "", modifiers: Iterable[str] = ()) -> None:
        if name not in self.labels:
            self.labels[name] = LabelWanted(name, color or None, key or None, kind, category, list(modifiers))

    def want_modifier(self, name: str, modifier: str) -> None:
        """A segment of label ``name`` has ``modifier``: the label offers it once imported."""
        want = self.labels.get(name)
        if want is not None and modifier and modifier not in want.modifiers:
            want.modifiers.append(modifier)

    def where(self, index: int) -> str:
        return self.places[index] if 0 <= index < len(self.places) else f"item {index}"


@dataclass
class InteropReport(ImportReport):
    """An import's report: the project's (imported, absent …) plus what another tool's file brought."""

    format: str = ""
    created_labels: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    mapped: List[str] = field(default_factory=list)
    authors: List[str] = field(default_factory=list)

    def warnings(self) -> List[str]:
        out = list(super().warnings())
        if self.created_labels:
            n = len(self.created_labels)
            out.append(f"{n} label{'s were' if n != 1 else ' was'} added to the label set: "
                       + ", ".join(self.created_labels[:10]) + (" …" if n > 10 else "") + ".")
        out.extend(self.skipped)
        return out

    def lines(self) -> List[str]:
        """The whole report, one sentence a line (what the studio's import report shows)."""
        n = self.imported
        head = [f"Imported {n} segment{'s' if n != 1 else ''} ({self.format})"
                + (f" (coded by {', '.join(self.authors)})" if self.authors else "") + "."]
        return head + list(self.mapped) + self.warnings()


def fail(path: Path, place: str, reason: str) -> ProjectError:
    """The one sentence of a malformed file (the project is unchanged)."""
    where = f"{Path(path).name} {place}" if place else Path(path).name
    return ProjectError(f"{where}: {reason}; nothing was imported.")


# --------------------------------------------------------------------------- videos
class VideoMatch:
    """Finds the project video a media path of another tool names (path, relative path, or file name)."""

    def __init__(self, store) -> None:
        self.videos = store.videos()

    def find(self, text: str):
        if not text:
            return None
        text = str(text).replace("\\", "/")
        if text.startswith("file://"):
            text = text[7:]
        for v in self.videos:
            if text in (v.rel_path, str(v.path).replace("\\", "/")):
                return v
        name = text.rsplit("/", 1)[-1]
        named = [v for v in self.videos if v.name == name]
        if len(named) == 1:
            return named[0]
        stem = name.rsplit(".", 1)[0]
        stems = [v for v in self.videos if v.name.rsplit(".", 1)[0] == stem]
        return stems[0] if len(stems) == 1 else None

    def only(self):
        return self.videos[0] if len(self.videos) == 1 else None


# --------------------------------------------------------------------------- persons
_PERSON = re.compile(r"^\s*(?:person|track|subject|p|id)?\s*#?\s*(-?\d+)\s*$", re.IGNORECASE)
NO_FOCAL = ("", "no focal subject", "everybody", "all", "-1")


def person_name(person: int) -> str:
    """How a person is named in other tools: ``person 3``; everybody is BORIS's "no focal subject" ("")."""
    return "" if person == EVERYBODY else f"person {person}"


class Persons:
    """Subjects / participants / tiers of another tool -> persons (track ids) of the project.

    ``person 3`` (or ``3``, ``track 3``) is person 3; an empty name or "No focal subject" is everybody; any other
    name becomes a person of its own, numbered after the highest person id of the project and of the file (so it
    never joins a person the file names by number), and the mapping is said in the report."""

    _BASE = -(1 << 40)  # placeholders of named persons until the file is read (see :meth:`finish`)

    def __init__(self, store, parsed: Parsed) -> None:
        top = store.conn.execute("SELECT MAX(person) FROM segments").fetchone()[0]
        self.top = int(top if top is not None else 0)
        self.parsed = parsed
        self.named: Dict[str, int] = {}
        parsed.finishers.append(self.finish)

    def __call__(self, name) -> int:
        text = "" if name is None else str(name).strip()
        if text.casefold() in NO_FOCAL:
            return EVERYBODY
        m = _PERSON.match(text)
        if m and int(m.group(1)) >= 0:
            self.top = max(self.top, int(m.group(1)))
            return int(m.group(1))
        if text not in self.named:
            self.named[text] = self._BASE - len(self.named)
        return self.named[text]

    def finish(self) -> None:
        if not self.named:
            return
        final = {self._BASE - i: self.top + 1 + i for i in range(len(self.named))}
        for _, r in self.parsed.rows:
            if r["person"] in final:
                r["person"] = final[r["person"]]
        for text, placeholder in self.named.items():
            self.parsed.mapped.append(f"'{text}' is person {final[placeholder]}.")


# --------------------------------------------------------------------------- times
_BOUNDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _bounds(store, video) -> np.ndarray:
    """The video's frame boundaries in seconds: its real timestamps and its end (as ``store.frame_time``)."""
    known = _BOUNDS.setdefault(store, {})
    ts = store.timestamps(video.id)
    cached = known.get(video.id)
    if cached is None or cached[0] is not ts:
        cached = (ts, np.append(ts, max(float(video.duration), float(ts[-1]) if len(ts) else 0.0)))
        known[video.id] = cached
    return cached[1]


def frame_at(store, video, seconds: float) -> int:
    """The frame boundary nearest ``seconds`` (the video's real timestamps; ``store.frame_at_time`` without a
    query per call)."""
    bounds = _bounds(store, video)
    i = int(np.searchsorted(bounds, seconds))
    if i >= len(bounds):
        return len(bounds) - 1
    if i > 0 and seconds - bounds[i - 1] <= bounds[i] - seconds:
        return i - 1
    return i


def frame_containing(store, video, seconds: float) -> int:
    """The frame shown at ``seconds`` (a point event's frame)."""
    ts = store.timestamps(video.id)
    i = int(np.searchsorted(ts, float(seconds) + 1e-6, side="right")) - 1
    return min(max(i, 0), max(video.frame_count - 1, 0))


def span(store, video, start: float, end: float) -> Tuple[int, int]:
    """Frames ``[a, b)`` of a time range, at least one frame long; a range outside the video gives frames the
    import refuses (naming the row)."""
    a, b = frame_at(store, video, start), frame_at(store, video, end)
    bounds = _bounds(store, video)
    last = float(bounds[-1])
    slack = (last - float(bounds[-2])) / 2 if len(bounds) > 1 else 0.0
    if end > last + slack or start < -slack:
        return (-1 if start < -slack else a), video.frame_count + 1
    if b <= a:
        a = frame_containing(store, video, start)
        b = a + 1
    return a, b


def row(video, person: int, start: int, end: int, label: str, author: Optional[str], note: str = "",
        modifier: str = "") -> dict:
    return {"video": video.rel_path, "person": person, "start_frame": start, "end_frame": end, "label": label,
            "author": author or "", "note": note, "modifier": modifier}


# --------------------------------------------------------------------------- export
@dataclass
class Segment:
    """A segment as the writers see it (label name, times from the video's real timestamps)."""

    video: object
    person: int
    start: int
    end: int
    start_time: float
    end_time: float
    label: str
    author: str
    note: str
    modifier: str = ""
    point: bool = False  # a point event (start is its frame)
    subject: str = ""  # the named subject of the segment's track ('' = none)


def export_segments(store, video_ids: Optional[Iterable[int]] = None) -> Tuple[list, Dict[int, List[Segment]]]:
    """(labels, {video id: segments sorted by person, author, start}) of the project."""
    wanted = None if video_ids is None else set(video_ids)
    labels = store.labels()
    names = {lab.id: lab.name for lab in labels}
    points = {lab.id for lab in labels if lab.kind == "point"}
    subjects = {s.id: s.name for s in store.subjects()}
    assigned = store.subject_assignments()
    out: Dict[int, List[Segment]] = {}
    for video in store.videos():
        if wanted is not None and video.id not in wanted:
            continue
        segs = []
        for s in store.segments(video.id):
            t0, t1 = store.segment_times(s)
            segs.append(Segment(video, s.person, s.start_frame, s.end_frame, t0, t1, names[s.label_id],
                                s.author or "", s.note or "", s.modifier or "", s.label_id in points,
                                subjects.get(assigned.get((video.id, s.person)), "")))
        segs.sort(key=lambda s: (s.person, s.author, s.start))
        out[video.id] = segs
    return labels, out


def authors_of(segments: Iterable[Segment]) -> List[str]:
    return sorted({s.author for s in segments})


def first(items: Iterable, test: Callable) -> Optional[object]:
    return next((x for x in items if test(x)), None)
