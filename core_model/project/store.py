"""The project store: one SQLite file ``NAME.epam`` (WAL) plus a data folder ``NAME.epam-data/``.

Every write runs in one transaction (``store.transaction()``, nestable) and is durable when it
returns (``synchronous=FULL``). Subscribers get :class:`Change` events after each commit. A second
program opening the same project gets a read-only store (see :mod:`.lock`).

:class:`ProjectStore` is a small facade over parts that can be read and tested alone:

- :mod:`.database` — the file: names, create, open (lock, version, upgrade with a backup)
- :mod:`.session` — the connection: transactions, change events, closing
- :mod:`.videos` / :mod:`.video_locate` — video records and times / finding moved video files
- :mod:`.analyses` — recorded analysis folders
- :mod:`.label_table` — the label set
- :mod:`.segment_reads` / :mod:`.diffs` — segment queries / the one segment write primitive
- :mod:`.copies` — save as
- :mod:`.subjects` — named subjects and the tracks assigned to them (edits: :mod:`.subject_edits`)
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from .analyses import AnalysisTable
from .bookmarks import BookmarkTable
from .coders import CoderTable
from .copies import save_as
from .database import DATA_SUFFIX, SUFFIX, create_file, data_dir_for, default_author, open_database, project_path
from .diffs import write_diff
from .label_table import LabelTable
from .labelsets import LabelSpec, resolve_label_names
from .records import SegmentRecord
from .segment_reads import SEG_COLS, SegmentReads
from .session import StoreSession
from .subjects import SubjectTable
from .video_locate import VideoLocator
from .videos import VID_COLS, VideoTable

__all__ = ["DATA_SUFFIX", "ProjectStore", "SEG_COLS", "SUFFIX", "VID_COLS", "data_dir_for", "default_author"]

PathLike = Union[str, Path]


def _via(part: str, method: Callable) -> Callable:
    """A facade method calling ``method`` on the part ``self.<part>`` (same name, signature and docs)."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        return method(getattr(self, part), *args, **kwargs)
    return call


class ProjectStore:
    """An open project. Create with :meth:`create`, open with :meth:`open`; close (or use ``with``)."""

    def __init__(self, session: StoreSession) -> None:
        self._session = session
        self._videos = VideoTable(session)
        self._locator = VideoLocator(self._videos)
        self._analyses = AnalysisTable(self._videos)
        self._labels = LabelTable(session)
        self._segments = SegmentReads(session)
        self._subjects = SubjectTable(session)
        self._coders = CoderTable(session)
        self._bookmarks = BookmarkTable(session, self._videos)

    # ------------------------------------------------------------------ life cycle
    @classmethod
    def create(cls, path: PathLike, labels: LabelSpec = "ntu120", author: Optional[str] = None) -> "ProjectStore":
        """Create a new project at ``path`` (refused if it exists) with a preset, file or list of labels, or a
        coding scheme (``classroom``, ``rehabilitation`` or a scheme ``.json``: :mod:`.scheme`)."""
        from .scheme import apply_scheme_spec, is_scheme_spec

        path = project_path(path)
        create_file(path, [] if is_scheme_spec(labels) else resolve_label_names(labels))
        store = cls.open(path, author=author)
        return apply_scheme_spec(store, labels) if is_scheme_spec(labels) else store

    @classmethod
    def open(cls, path: PathLike, *, read_only: bool = False, author: Optional[str] = None) -> "ProjectStore":
        """Open a project; a file that is not a project is refused (and left untouched)."""
        return cls(StoreSession(open_database(Path(path).absolute(), read_only), author))

    path = property(lambda self: self._session.path)
    data_dir = property(lambda self: self._session.data_dir)
    schema_version = property(lambda self: self._session.schema_version)
    read_only_reason = property(lambda self: self._session.read_only_reason)
    write_refusal = property(lambda self: self._session.write_refusal,
                             doc="One sentence a refused write shows: why, and what to do (empty when writable).")
    read_only = property(lambda self: self._session.read_only)
    folder = property(lambda self: self._session.folder)
    closed = property(lambda self: self._session.closed)
    warnings = property(lambda self: self._session.warnings,
                        doc="Sentences the user must see about this opening (e.g. saved changes missing).")
    conn = property(lambda self: self._session.conn, doc="The SQLite connection (prefer the named queries).")
    name = property(lambda self: self._session.path.name)

    @property
    def author(self) -> str:
        return self._session.author

    @author.setter
    def author(self, value: str) -> None:
        self._session.author = value

    @property
    def blind_coder(self) -> Optional[str]:
        """Blind coding: the views read only this coder's segments (None: everyone's; see coders.py)."""
        return getattr(self._session, "blind_coder", None)

    @blind_coder.setter
    def blind_coder(self, value: Optional[str]) -> None:
        self._session.blind_coder = value or None

    close = _via("_session", StoreSession.close)
    transaction = _via("_session", StoreSession.transaction)
    subscribe = _via("_session", StoreSession.subscribe)
    meta = _via("_session", StoreSession.meta)
    _note = _via("_session", StoreSession.note)
    _check_writable = _via("_session", StoreSession.check_writable)

    @property
    def _depth(self) -> int:
        return self._session.depth

    @property
    def _resolved(self) -> Dict[int, Path]:
        return self._videos.resolved

    def __del__(self) -> None:  # a forgotten store must not keep the project locked
        try:
            self._session.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown, or a store that never opened
            pass

    def __enter__(self) -> "ProjectStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "writable"
        return f"ProjectStore({str(self.path)!r}, {mode})"

    # ------------------------------------------------------------------ videos
    videos = _via("_videos", VideoTable.videos)
    video = _via("_videos", VideoTable.video)
    video_by_key = _via("_videos", VideoTable.video_by_key)
    video_by_path = _via("_videos", VideoTable.video_by_path)
    add_video = _via("_videos", VideoTable.add_video)
    add_video_record = _via("_videos", VideoTable.add_video_record)
    remove_video = _via("_videos", VideoTable.remove_video)
    timestamps = _via("_videos", VideoTable.timestamps)
    frame_time = _via("_videos", VideoTable.frame_time)
    segment_times = _via("_videos", VideoTable.segment_times)
    frame_at_time = _via("_videos", VideoTable.frame_at_time)
    resolve_video = _via("_locator", VideoLocator.resolve_video)
    relocate_video = _via("_locator", VideoLocator.relocate_video)

    # ------------------------------------------------------------------ analyses
    set_analysis = _via("_analyses", AnalysisTable.set_analysis)
    analysis_folder = _via("_analyses", AnalysisTable.analysis_folder)
    analyses = _via("_analyses", AnalysisTable.analyses)

    # ------------------------------------------------------------------ labels
    labels = _via("_labels", LabelTable.labels)
    label = _via("_labels", LabelTable.label)
    label_by_name = _via("_labels", LabelTable.label_by_name)
    label_by_key = _via("_labels", LabelTable.label_by_key)
    add_label = _via("_labels", LabelTable.add_label)
    rename_label = _via("_labels", LabelTable.rename_label)
    recolor_label = _via("_labels", LabelTable.recolor_label)
    set_label_key = _via("_labels", LabelTable.set_label_key)
    reorder_labels = _via("_labels", LabelTable.reorder_labels)
    restore_labels = _via("_labels", LabelTable.restore_labels)
    label_usage = _via("_labels", LabelTable.label_usage)
    label_usages = _via("_labels", LabelTable.label_usages)
    delete_label = _via("_labels", LabelTable.delete_label)
    categories = _via("_labels", LabelTable.categories)
    restore_categories = _via("_labels", LabelTable.restore_categories)
    set_label_scheme = _via("_labels", LabelTable.set_label_scheme)
    set_category_exclusive = _via("_labels", LabelTable.set_category_exclusive)

    # ------------------------------------------------------------------ subjects (core_model/project/subjects.py)
    subjects = _via("_subjects", SubjectTable.subjects)
    subject = _via("_subjects", SubjectTable.subject)
    subject_by_name = _via("_subjects", SubjectTable.subject_by_name)
    find_subject = _via("_subjects", SubjectTable.find_subject)
    subject_of_track = _via("_subjects", SubjectTable.subject_of_track)
    video_subjects = _via("_subjects", SubjectTable.video_subjects)
    tracks_of_subject = _via("_subjects", SubjectTable.tracks_of_subject)
    subject_assignments = _via("_subjects", SubjectTable.assignments)
    subject_track_counts = _via("_subjects", SubjectTable.subject_track_counts)
    add_subject = _via("_subjects", SubjectTable.add_subject)
    rename_subject = _via("_subjects", SubjectTable.rename_subject)
    recolor_subject = _via("_subjects", SubjectTable.recolor_subject)
    delete_subject = _via("_subjects", SubjectTable.delete_subject)
    assign_track = _via("_subjects", SubjectTable.assign_track)
    unassign_track = _via("_subjects", SubjectTable.unassign_track)
    restore_subjects = _via("_subjects", SubjectTable.restore_subjects)

    # ------------------------------------------------------------------ segments
    segments = _via("_segments", SegmentReads.segments)
    segment = _via("_segments", SegmentReads.segment)
    segment_at = _via("_segments", SegmentReads.segment_at)
    lane_overlaps = _via("_segments", SegmentReads.lane_overlaps)
    people = _via("_segments", SegmentReads.people)

    def _segments_where(self, where: str = "", params: tuple = ()) -> List[SegmentRecord]:
        return self._segments.where(where, params)

    def coverage(self, video_id: int) -> Tuple[int, int, int]:
        """(segment count, frames covered by any segment, frame count) of a video."""
        return self._segments.coverage(video_id, self.video(video_id).frame_count)

    def coverage_all(self) -> Dict[int, Tuple[int, int, int]]:
        """``{video id: (segments, frames covered by any segment, frame count)}`` of every video, one query."""
        return self._segments.coverage_all({rec.id: rec.frame_count for rec in self.videos()})

    def counts(self, video_id: Optional[int] = None) -> dict:
        """``{"total": n, "by_source": {src: n}, "by_label": {name: {src: n, "total": n}}}``."""
        return self._segments.counts({lab.name: lab.order for lab in self.labels()}, video_id)

    def write_diff(self, removed: Sequence[SegmentRecord], added: Sequence[SegmentRecord]) -> List[SegmentRecord]:
        """Replace the rows ``removed`` (checked unchanged) by ``added`` in the current transaction.

        Rows in ``added`` with ``id=None`` get new ids; the returned list carries them. This is the one
        primitive every edit's apply and revert goes through.
        """
        return write_diff(self._segments, removed, added)

    # ------------------------------------------------------------------ coders and bookmarks (coders.py, bookmarks.py)
    assigned_coders = _via("_coders", CoderTable.assigned_coders)
    coder_videos = _via("_coders", CoderTable.coder_videos)
    coders = _via("_coders", CoderTable.coders)
    assign_coder = _via("_coders", CoderTable.assign_coder)
    unassign_coder = _via("_coders", CoderTable.unassign_coder)
    bookmarks = _via("_bookmarks", BookmarkTable.bookmarks)
    bookmark = _via("_bookmarks", BookmarkTable.bookmark)
    write_bookmarks = _via("_bookmarks", BookmarkTable.write_bookmarks)

    # ------------------------------------------------------------------ copies
    def save_as(self, path: PathLike) -> Path:
        """Copy the project (database and data folder) to ``path``; video paths are rewritten relative to it.

        The copy is written aside and renamed into place; this store stays on the original.
        """
        located = {rec.id: self._videos.resolved.get(rec.id, rec.path) for rec in self.videos()}
        return save_as(self._session, located, path)
