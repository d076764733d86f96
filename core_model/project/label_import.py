"""The label import itself: one streaming pass that validates and writes in one transaction.

Rows are read one at a time (:func:`.label_validation.label_file_rows`), checked (:class:`.label_validation._Resolver`) and written in
batches; overlaps between rows of the file are found at the end in a private temporary SQLite database (on
disk, so memory stays bounded however long the file is). Any problem raises inside the transaction, which
rolls back: the project is unchanged. Rows of a lane that already has labels go through the overlap rule
(:func:`.edits.clear_range`) one by one; rows of new lanes are inserted in batches.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from .edits import Edit, clear_range
from .label_validation import EXAMPLES, ImportReport, _Rejected, _Resolver, _Row, label_file_rows
from .presence import AbsentLabel, absent_frames, video_track_spans
from .records import Change, ProjectError, SegmentRecord, now_iso
from .scheme import conflict_groups

BATCH = 5000
MAX_LANE_CHANGES = 10000  # more lanes than this are announced as one "project" change
_INSERT = ("INSERT INTO segments (video_id, person, start_frame, end_frame, label_id, source, model_key, confidence, "
           "author, note, created, modified, modifier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class _Problems:
    """The first problem (by line) and how many there are."""

    def __init__(self, path: Path, where=None) -> None:
        self.path, self.first, self.count = path, None, 0
        self.where = where or (lambda line: f"line {line}")  # names a row: "line 7", "event 12 of …"

    def add(self, line: int, reason: str) -> None:
        self.count += 1
        if self.first is None or (line, reason) < self.first:
            self.first = (line, reason)

    def raise_if_any(self) -> None:
        if self.first is None:
            return
        line, reason = self.first
        more = self.count - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ProjectError(f"{self.path.name} {self.where(line)}: {reason}{extra}; nothing was imported.")


class _OverlapCheck:
    """The file's rows per lane in a temporary database; :meth:`check` finds rows overlapping within the file."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # a private temporary database on disk, removed on close
        self.db.execute("CREATE TABLE r (video INTEGER, person INTEGER, author TEXT, start INTEGER, stop INTEGER, "
                        "line INTEGER, grp TEXT)")
        self.groups: dict = {}  # label id -> overlap group (the scheme's rule: which labels may overlap)
        self.batch: List[tuple] = []

    def add(self, row: _Row, author: str) -> None:
        self.batch.append((row.video_id, row.person, author, row.start, row.end, row.line,
                           self.groups.get(row.label_id, "")))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?)", self.batch)
            self.batch = []

    def check(self, problems: _Problems) -> None:
        self.flush()
        sql = ("SELECT line, prev_line FROM (SELECT line, start, LAG(stop) OVER w AS prev_stop, LAG(line) OVER w AS "
               "prev_line FROM r WINDOW w AS (PARTITION BY video, person, author, grp ORDER BY start, line)) "
               "WHERE start < prev_stop")
        for line, prev_line in self.db.execute(sql):
            other = problems.where(min(line, prev_line))
            problems.add(max(line, prev_line), f"the segment overlaps the one on {other} (same video, person and author)")

    def close(self) -> None:
        self.db.close()


def validated_rows(store, path: Path, problems: Optional[_Problems] = None, rows=None) -> Iterator[_Row]:
    """The valid rows of a label file, streamed; at the end raises :class:`ProjectError` naming the first
    problem (a bad row or two rows of one lane that overlap) with the count of the others. ``rows`` (``(line,
    {column: value})`` pairs) replaces reading ``path``: other tools' formats (:mod:`core_model.interop`)."""
    problems = problems or _Problems(path)
    resolver = _Resolver(store)
    overlaps = _OverlapCheck()
    overlaps.groups = conflict_groups(store)
    try:
        for line, raw in (label_file_rows(path) if rows is None else rows):
            try:
                row = resolver.row(line, raw)
            except _Rejected as err:
                problems.add(line, str(err))
                continue
            overlaps.add(row, row.author or store.author)
            yield row
        overlaps.check(problems)
    finally:
        overlaps.close()
    problems.raise_if_any()


class _Absent:
    """Counts the rows that label a person where the person's track does not exist (the import report)."""

    def __init__(self, store, report: ImportReport) -> None:
        self.store, self.report = store, report
        self.spans: Dict[int, Optional[dict]] = {}

    def check(self, row: _Row) -> None:
        if row.person < 0:
            return
        if row.video_id not in self.spans:
            self.spans[row.video_id] = video_track_spans(self.store, row.video_id)
        spans = self.spans[row.video_id]
        count = 0 if spans is None else absent_frames(spans, row.person, row.start, row.end)
        if count:
            self.report.absent += 1
            if len(self.report.absent_examples) < EXAMPLES:
                found = AbsentLabel(row, row.person, row.start, row.end, count, spans.get(row.person))
                self.report.absent_examples.append(f"line {row.line}: {found.describe()}")


class _BulkWriter:
    """Rows of lanes without labels, inserted with ``executemany`` (no undo record is kept); the changes are
    announced per lane (video, person, first frame, last frame) when the transaction commits, so memory stays
    bounded. Used only where the store offers its change announcer (``store._session.note``)."""

    def __init__(self, store, note) -> None:
        self.store, self.note = store, note
        self.lanes: Dict[tuple, list] = {}
        self.too_many = False

    def write(self, batch: List[SegmentRecord]) -> None:
        self.store.conn.executemany(_INSERT, [(r.video_id, r.person, r.start_frame, r.end_frame, r.label_id, r.source,
                                               r.model_key, r.confidence, r.author, r.note, r.created, r.modified,
                                               r.modifier)
                                              for r in batch])
        if self.too_many:
            return
        for r in batch:
            span = self.lanes.get(r.lane)
            if span is None:
                self.lanes[r.lane] = [r.start_frame, r.end_frame]
            else:
                span[0], span[1] = min(span[0], r.start_frame), max(span[1], r.end_frame)
        if len(self.lanes) > MAX_LANE_CHANGES:
            self.too_many, self.lanes = True, {}

    def announce(self) -> None:
        if self.too_many:
            self.note(Change(kind="project"))
        for (video_id, person), (start, end) in self.lanes.items():
            self.note(Change(video_id=video_id, person=person, start=start, end=end))


class ImportSegments(Edit):
    """Import a label file as one edit (one transaction; with ``keep_diff`` it can be undone and redone).
    Subclasses may set ``rows`` (a callable giving ``(line, row)`` pairs) and ``where`` (line -> its name)."""

    rows = None
    where = None

    def __init__(self, path: Path, report: ImportReport, keep_diff: bool = True) -> None:
        self.path, self.report, self.keep_diff = Path(path), report, keep_diff

    @property
    def description(self) -> str:
        n = self.report.imported
        return f"Import {n} segment{'s' if n != 1 else ''}"

    def apply(self, store) -> None:
        if self._diff is not None:  # redo
            super().apply(store)
            return
        with store.transaction():
            self._write(store)

    def _write(self, store) -> None:
        report = self.report
        report.imported, report.absent, report.absent_examples[:] = 0, 0, []
        lanes = {tuple(r) for r in store.conn.execute(
            "SELECT DISTINCT video_id, person, IFNULL(author, '') FROM segments")}
        now, batch = now_iso(), []
        absent = _Absent(store, report)
        touched: Dict[int, SegmentRecord] = {}  # existing rows changed, as they were
        new_ids: set = set()
        problems = _Problems(self.path, self.where)
        groups = conflict_groups(store)  # the scheme's overlap rule (labels may have been added just before)
        note = getattr(getattr(store, "_session", None), "note", None)
        bulk = _BulkWriter(store, note) if not self.keep_diff and callable(note) else None

        def write(removed, added) -> None:
            if bulk is not None and not removed:
                bulk.write(added)
                return
            added = store.write_diff(removed, added)
            if self.keep_diff:
                for r in removed:
                    if r.id in new_ids:
                        new_ids.discard(r.id)
                    else:
                        touched.setdefault(r.id, r)
                new_ids.update(r.id for r in added if r.id not in touched)

        for row in validated_rows(store, self.path, problems, None if self.rows is None else self.rows()):
            if problems.first is not None:
                continue  # keep reading to count the problems; nothing more is written
            author = row.author or store.author
            record = SegmentRecord(None, row.video_id, row.person, row.start, row.end, row.label_id, row.source,
                                   None, row.confidence, author, row.note or "", now, now, row.modifier)
            absent.check(row)
            report.imported += 1
            if (row.video_id, row.person, author) in lanes:
                if batch:
                    write([], batch)
                    batch = []
                removed, added = clear_range(store, row.video_id, row.person, row.start, row.end, now=now,
                                             author=author, label_id=row.label_id, groups=groups)
                write(removed, added + [record])
            else:
                batch.append(record)
                if len(batch) >= BATCH:
                    write([], batch)
                    batch = []
        problems.raise_if_any()
        if batch:
            write([], batch)
        if bulk is not None:
            bulk.announce()
        if self.keep_diff:
            self._diff = (list(touched.values()), _current(store, list(touched) + sorted(new_ids)))
        else:
            self._diff = ([], [])


def _current(store, ids: List[int]) -> List[SegmentRecord]:
    """The segments with these ids, as they are now (one query per video)."""
    wanted = set(ids)
    return [s for video in store.videos() for s in store.segments(video.id) if s.id in wanted]


# --------------------------------------------------------------------------- errors
def _sqlite_errors(err: BaseException) -> Iterator[sqlite3.Error]:
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, sqlite3.Error):
            yield err
        err = err.__cause__ or err.__context__


def _is_full(err: sqlite3.Error) -> bool:
    return getattr(err, "sqlite_errorcode", None) == getattr(sqlite3, "SQLITE_FULL", 13) \
        or "database or disk is full" in str(err)


def apply_import(store, path: Path, edit, history=None) -> None:
    """Apply an import edit (one undo step with ``history``); a write failure becomes one sentence naming ``path``."""
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


def write_error(store, path: Path, err: BaseException) -> Optional[ProjectError]:
    """One sentence for a write that SQLite refused (None: ``err`` is not such a failure).

    On a full disk SQLite rolls the transaction back itself, and the store's own ``ROLLBACK`` then fails
    with "cannot rollback - no transaction is active", hiding the cause: look down the exception chain.
    """
    errors: List[sqlite3.Error] = list(_sqlite_errors(err))
    if not errors:
        return None
    if any(_is_full(e) for e in errors):
        return ProjectError(f"The disk is full: {Path(path).name} was not imported and {store.name} is unchanged "
                            "(free some space, then import again).")
    if isinstance(err, ProjectError):
        return None
    cause = errors[-1]
    return ProjectError(f"{store.name} could not be written ({cause}); {Path(path).name} was not imported.")
