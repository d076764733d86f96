"""Edits: small objects with ``apply(store)`` / ``revert(store)``, each one transaction.

An edit computes, on its first apply, a *diff*: the segment rows it removes (exactly as they were)
and the rows it adds. Apply writes the diff, revert writes it backwards, and a redo replays the
same diff, so ids, times and trimmed neighbours come back exactly.

Overlap rule: within one lane (video, person, coder) segments that conflict never overlap (labels without a
category: any two; with a coding scheme, see :func:`.scheme.overlap_filter`: states of one exclusive category, a
label with itself; point events never cut a state). An edit that would overlap a conflicting neighbour trims it
(or splits it, or removes it when covered), and revert restores it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

from .records import EVERYBODY, SOURCES, ProjectError, SegmentRecord, now_iso

Diff = Tuple[List[SegmentRecord], List[SegmentRecord]]
#: AcceptPredictions item: (person, start, end, label_name, confidence, model_key)
PredictionItem = Tuple[int, int, int, str, Optional[float], Optional[str]]


class Edit:
    """Base class. Subclasses implement :meth:`compute` (reading the store inside the transaction)."""

    _diff: Optional[Diff] = None

    @property
    def description(self) -> str:
        return type(self).__name__

    @property
    def applied_rows(self) -> List[SegmentRecord]:
        """The rows the last apply wrote (with their ids); empty before the first apply."""
        return list(self._diff[1]) if self._diff else []

    def compute(self, store) -> Diff:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, store) -> None:
        with store.transaction():
            fresh = self._diff is None
            try:
                removed, added = self.compute(store) if fresh else self._diff
                added = store.write_diff(removed, added)
            except BaseException:
                if fresh:
                    self._diff = None
                raise
            self._diff = (list(removed), added)

    def revert(self, store) -> None:
        if self._diff is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        removed, added = self._diff
        with store.transaction():
            store.write_diff(added, removed)


# --------------------------------------------------------------------------- helpers
def _check_lane_range(store, video_id: int, person: int, start: int, end: int) -> None:
    video = store.video(video_id)
    if not isinstance(person, int) or person < EVERYBODY:
        raise ProjectError(f"'{person}' is not a person (a track id, or -1 for everybody).")
    if not (0 <= start < end <= video.frame_count):
        raise ProjectError(f"Frames [{start}, {end}) are not a range inside the {video.frame_count} frames "
                           f"of {video.name}.")


def clear_range(store, video_id: int, person: int, start: int, end: int, exclude: Iterable[int] = (),
                now: Optional[str] = None, author: Optional[str] = None, label_id: Optional[int] = None,
                groups=None) -> Diff:
    """The diff that frees frames ``[start, end)`` of a lane (of ``author``'s labels: each coder has a lane
    of their own): neighbours trimmed, split or removed. With ``label_id``, only the neighbours a segment of that
    label conflicts with (the coding scheme's overlap rule, :func:`.scheme.overlap_filter`; ``groups`` caches it)."""
    from .scheme import overlap_filter

    now = now or now_iso()
    removed: List[SegmentRecord] = []
    added: List[SegmentRecord] = []
    conflicts = overlap_filter(store, label_id, groups)
    for n in store.lane_overlaps(video_id, person, start, end, exclude=tuple(exclude), author=author or ""):
        if not conflicts(n.label_id):
            continue
        removed.append(n)
        if n.start_frame < start:
            added.append(n.with_(end_frame=start, modified=now))
            if n.end_frame > end:  # the new range is inside n: n is split, the right part is a new segment
                added.append(n.with_(id=None, start_frame=end, created=now, modified=now))
        elif n.end_frame > end:
            added.append(n.with_(start_frame=end, modified=now))
    return removed, added


def _rows(store, ids: Sequence[int]) -> List[SegmentRecord]:
    if not ids:
        raise ProjectError("No segment is selected.")
    return [store.segment(i) for i in dict.fromkeys(ids)]


# --------------------------------------------------------------------------- edits
@dataclass
class CreateSegment(Edit):
    """Create a segment on frames ``[start, end)`` of a lane (an in/out range, a drag, an accepted prediction)."""

    video_id: int
    person: int
    start: int
    end: int
    label_id: int
    source: str = "user"
    model_key: Optional[str] = None
    confidence: Optional[float] = None
    note: str = ""
    author: Optional[str] = None
    modifier: str = ""

    @property
    def description(self) -> str:
        return "Accept prediction" if self.source == "accepted" else "Create segment"

    @property
    def created_id(self) -> Optional[int]:
        """Id of the new segment once applied."""
        for row in self.applied_rows:
            if (row.person, row.start_frame, row.end_frame) == (self.person, self.start, self.end):
                return row.id
        return None

    def compute(self, store) -> Diff:
        self.video_id, self.person, self.start, self.end = (int(self.video_id), int(self.person), int(self.start),
                                                            int(self.end))
        label = store.label(self.label_id)
        if label.kind == "point":  # a point event is a moment: one frame
            self.end = self.start + 1
        _check_lane_range(store, self.video_id, self.person, self.start, self.end)
        from .scheme import check_modifier

        modifier = check_modifier(label, self.modifier)
        if self.source not in SOURCES:
            raise ProjectError(f"'{self.source}' is not a segment source (user or accepted).")
        now = now_iso()
        author = self.author or store.author
        removed, added = clear_range(store, self.video_id, self.person, self.start, self.end, now=now, author=author,
                                     label_id=self.label_id)
        conf = None if self.confidence is None else float(self.confidence)
        added.append(SegmentRecord(None, self.video_id, self.person, self.start, self.end, self.label_id,
                                   self.source, self.model_key, conf, author,
                                   self.note or "", now, now, modifier))
        return removed, added


@dataclass
class DeleteSegments(Edit):
    ids: Sequence[int]

    @property
    def description(self) -> str:
        return "Delete segment" if len(self.ids) == 1 else f"Delete {len(self.ids)} segments"

    def compute(self, store) -> Diff:
        return _rows(store, self.ids), []


@dataclass
class Relabel(Edit):
    """Give segments another label; a relabeled accepted prediction becomes a user label (provenance kept)."""

    ids: Sequence[int]
    label_id: int

    @property
    def description(self) -> str:
        return "Relabel segment" if len(self.ids) == 1 else f"Relabel {len(self.ids)} segments"

    def compute(self, store) -> Diff:
        from .scheme import relabel_diff

        label = store.label(self.label_id)
        rows = [r for r in _rows(store, self.ids) if r.label_id != self.label_id]
        return relabel_diff(store, rows, label, now_iso())


@dataclass
class SetBounds(Edit):
    """Move one or both boundaries of a segment (drag an edge, or move it); neighbours are trimmed."""

    segment_id: int
    start: int
    end: int

    @property
    def description(self) -> str:
        return "Change segment bounds"

    def compute(self, store) -> Diff:
        row = store.segment(self.segment_id)
        self.start, self.end = int(self.start), int(self.end)
        if store.label(row.label_id).kind == "point":  # a point event moves; it stays one frame
            self.end = self.start + 1
        _check_lane_range(store, row.video_id, row.person, self.start, self.end)
        now = now_iso()
        removed, added = clear_range(store, row.video_id, row.person, self.start, self.end, exclude=(row.id,),
                                     now=now, author=row.author, label_id=row.label_id)
        if (row.start_frame, row.end_frame) != (self.start, self.end):
            removed.append(row)
            added.append(row.with_(start_frame=self.start, end_frame=self.end, modified=now))
        return removed, added


@dataclass
class SplitSegment(Edit):
    """Split a segment at ``frame`` (the playhead): ``[start, frame)`` keeps the id, ``[frame, end)`` is new."""

    segment_id: int
    frame: int

    @property
    def description(self) -> str:
        return "Split segment"

    def compute(self, store) -> Diff:
        row = store.segment(self.segment_id)
        self.frame = int(self.frame)
        if not row.start_frame < self.frame < row.end_frame:
            raise ProjectError("The split point must lie inside the segment, after its first frame.")
        now = now_iso()
        return [row], [row.with_(end_frame=self.frame, modified=now),
                       row.with_(id=None, start_frame=self.frame, created=now, modified=now)]


@dataclass
class MergeSegments(Edit):
    """Merge two segments of one lane into the first (label kept); whatever lies between them is replaced."""

    segment_id: int
    other_id: int

    @property
    def description(self) -> str:
        return "Merge segments"

    def compute(self, store) -> Diff:
        a, b = store.segment(self.segment_id), store.segment(self.other_id)
        if a.id == b.id:
            raise ProjectError("A segment cannot be merged with itself.")
        if a.lane != b.lane:
            raise ProjectError("Only segments of the same video and person can be merged.")
        if (a.author or "") != (b.author or ""):
            raise ProjectError("Segments of two different authors cannot be merged.")
        if store.label(a.label_id).kind == "point":
            raise ProjectError("A point event is a moment: it cannot be merged with another label.")
        lo, hi = min(a.start_frame, b.start_frame), max(a.end_frame, b.end_frame)
        now = now_iso()
        removed, added = clear_range(store, a.video_id, a.person, lo, hi, exclude=(a.id, b.id), now=now,
                                     author=a.author, label_id=a.label_id)
        notes = [n for n in (a.note, b.note) if n]
        note = "; ".join(dict.fromkeys(notes))
        removed += [a, b]
        added.append(a.with_(start_frame=lo, end_frame=hi, note=note, modified=now))
        return removed, added


@dataclass
class SetNote(Edit):
    segment_id: int
    note: str

    @property
    def description(self) -> str:
        return "Edit note"

    def compute(self, store) -> Diff:
        row = store.segment(self.segment_id)
        if row.note == self.note:
            return [], []
        return [row], [row.with_(note=self.note or "", modified=now_iso())]


@dataclass
class Compound(Edit):
    """Several edits as one transaction and one undo step (a boundary drag, an accept-all)."""

    edits: List[Edit] = field(default_factory=list)
    text: str = "Edit"

    @property
    def description(self) -> str:
        return self.text

    @property
    def applied_rows(self) -> List[SegmentRecord]:
        return [row for e in self.edits for row in e.applied_rows]

    def _build(self, store) -> List[Edit]:
        return self.edits

    def apply(self, store) -> None:
        with store.transaction():
            fresh = self._diff is None
            try:
                edits = self._build(store) if fresh else self.edits
                self.edits = list(edits)
                for e in self.edits:
                    e.apply(store)
            except BaseException:
                if fresh:
                    for e in self.edits:
                        e._diff = None
                raise
            self._diff = ([], [])  # marks "applied"; the sub-edits hold the real diffs

    def revert(self, store) -> None:
        if self._diff is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        with store.transaction():
            for e in reversed(self.edits):
                e.revert(store)


@dataclass
class AcceptPredictions(Compound):
    """Accept predicted segments (one, a selection or all in a range) as labels with source 'accepted'.

    ``items``: ``(person, start, end, label_name, confidence, model_key)``; later items trim earlier ones
    where they overlap, as do all of them with existing labels.
    """

    video_id: int = 0
    items: Sequence[PredictionItem] = ()

    def __init__(self, video_id: int, items: Sequence[PredictionItem]) -> None:
        super().__init__(edits=[], text="Accept prediction" if len(items) == 1 else f"Accept {len(items)} predictions")
        self.video_id = video_id
        self.items = list(items)

    def _build(self, store) -> List[Edit]:
        if not self.items:
            raise ProjectError("There is no prediction to accept.")
        edits: List[Edit] = []
        for person, start, end, label_name, confidence, model_key in self.items:
            label = store.label_by_name(label_name)
            if label is None:
                raise ProjectError(f"The predicted class '{label_name}' is not in the project's label set.")
            edits.append(CreateSegment(self.video_id, int(person), int(start), int(end), label.id, source="accepted",
                                       model_key=model_key, confidence=confidence))
        return edits
