"""The open labeling project: a thin Qt layer over ``core_model.project`` (no widgets here).

It owns the ``ProjectStore`` and the view of its undo ``History`` (``app/labeling/undo.py``), turns the store's change
events into Qt signals (coalesced: one ``segmentsChanged`` per video and event-loop turn, flushed at once
after an edit), and turns every refusal into one sentence (``message`` for the status bar, ``error`` for a dialog).
Every change of the labels or the label set goes through ``apply`` / ``label_edit`` (one undo step each):
the window never writes them to the store itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from PySide6.QtCore import QObject, QTimer, Signal

from core_model.errors import EpamError

from app.shell.actions import normalize_key, reserved_keys

PROJECT_SUFFIX = ".epam"


class ProjectController(QObject):
    """``store`` is None when no project is open."""

    projectChanged = Signal(object)  # the store (or None)
    segmentsChanged = Signal(int)  # video id
    labelsChanged = Signal()
    videosChanged = Signal()
    posesChanged = Signal(int)  # video id: its project pose file was rewritten (a track edit, its undo/redo)
    showVideo = Signal(int)  # video id: an undo/redo is about to change this video (switch to it first)
    message = Signal(str)  # one sentence for the status bar
    error = Signal(str, str)  # title, one sentence (a dialog)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.store = None
        self.last_import_report = None  # the last import's InteropReport (the studio's import report)
        self.undo = None
        self._unsubscribe = None
        self._pending_videos: set[int] = set()
        self._pending_kinds: set[str] = set()
        self._pending_poses: set[int] = set()
        self._flush_scheduled = False
        self._ids_by_path: Dict[Path, int] = {}
        self.fresh = False  # True while a project just created is being announced
        self.revision = 0  # counts the store's changes (the label window reloads after one)
        self.prepare_store: list = []  # fn(store) run before projectChanged (the coder, blind coding: coding_ui)
        self._coverage: tuple = (-1, {})  # (revision, {video id: coverage})
        from app.labeling.label_window import LabelWindow

        self.label_window = LabelWindow()

    # ---- state ----------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.store is not None

    @property
    def read_only(self) -> bool:
        return self.store is not None and self.store.read_only

    @property
    def name(self) -> str:
        return self.store.path.name if self.store is not None else ""

    def writable(self, quiet: bool = False) -> bool:
        """True when edits may be made; otherwise says why in one sentence (unless ``quiet``)."""
        if self.store is None:
            if not quiet:
                self.message.emit("Open or create a project to label (File ▸ New project…).")
            return False
        if self.store.read_only:
            if not quiet:
                self.message.emit(self.store.write_refusal)
            return False
        return True

    # ---- life cycle -----------------------------------------------------------------------
    def new_project(self, path, labels="ntu120") -> bool:
        from core_model.project import ProjectStore

        try:
            store = ProjectStore.create(path, labels=labels)  # its first ten labels have the keys 1 … 9, 0
        except EpamError as err:
            self.error.emit("Cannot create the project", str(err))
            return False
        self.fresh = True  # the views keep the open videos and add them to the new project
        try:
            self._set_store(store)
        finally:
            self.fresh = False
        self.message.emit(f"Created {store.path.name}: every edit is saved as you make it.")
        return True

    def open_project(self, path) -> bool:
        from core_model.project import ProjectStore

        if self.store is not None and Path(path).absolute() == self.store.path:
            return True
        try:
            store = ProjectStore.open(path)
        except EpamError as err:
            self.error.emit("Cannot open the project", str(err))
            return False
        except OSError as err:
            self.error.emit("Cannot open the project", f"{Path(path).name} cannot be read ({err.strerror}).")
            return False
        self._set_store(store)
        if store.read_only:
            self.message.emit(store.read_only_reason)
        for text in store.warnings:  # e.g. saved changes missing: said before any further work
            self.error.emit("Saved changes are missing", text)
        return True

    def close_project(self) -> None:
        if self.store is None:
            return
        self._set_store(None)

    def save_as(self, path) -> Optional[Path]:
        if self.store is None:
            self.message.emit("No project is open.")
            return None
        try:
            dest = self.store.save_as(path)
        except EpamError as err:
            self.error.emit("Cannot save a copy", str(err))
            return None
        self.message.emit(f"Saved a copy as {dest.name} (this window stays on {self.name}).")
        return dest

    def _set_store(self, store) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.undo is not None:
            self.undo.detach()
            self.undo.deleteLater()
            self.undo = None
        if self.store is not None:
            self.store.close()
        self.store = store
        self.label_window.clear()
        self._coverage = (-1, {})
        self._ids_by_path = {}
        if store is not None:
            from app.labeling.undo import ProjectUndo

            self.undo = ProjectUndo(store, self)
            self.undo.failed.connect(lambda text: self.error.emit("Undo / redo", text))
            self._unsubscribe = store.subscribe(self._on_change)
            for prepare in self.prepare_store:
                prepare(store)
        self._share_label_colors()
        self.projectChanged.emit(store)

    def _share_label_colors(self) -> None:
        """One colour per class name in every view: the label set's colours (none without a project)."""
        from app.common.class_colors import set_label_colors

        set_label_colors(self.store.labels() if self.store is not None else [])

    # ---- videos ---------------------------------------------------------------------------
    def video_id(self, path) -> Optional[int]:
        """Project id of the video at ``path`` (None when not in the project)."""
        if self.store is None:
            return None
        path = Path(path).absolute()
        vid = self._ids_by_path.get(path)
        if vid is None:
            rec = next((r for r in self.store.videos() if r.path == path), None)
            if rec is not None:
                vid = rec.id
                self._ids_by_path[path] = vid
        return vid

    def remember_path(self, video_id: int, path) -> None:
        self._ids_by_path[Path(path).absolute()] = video_id

    def add_opened_video(self, path, info) -> Optional[int]:
        """Add a video that was just opened (``info``: the open job's VideoInfo) to the project."""
        if not self.writable(quiet=True):
            return self.video_id(path) if self.store is not None else None
        from core_model.video import content_key

        path = Path(path).absolute()
        try:
            key = content_key(path)
            rec = self.store.video_by_key(key)
            if rec is None:
                rec = self.store.add_video_record(path, key, info.frame_count, info.fps,
                                                  timestamps=getattr(info, "timestamps", None),
                                                  size=path.stat().st_size, width=info.width, height=info.height)
                self.message.emit(f"Added {path.name} to {self.name}.")
            elif rec.path != path and not rec.path.is_file():  # moved: the project follows the file
                self.store.relocate_video(rec.id, path, check=False)
        except (EpamError, OSError) as err:
            self.error.emit("Cannot add the video to the project", str(err))
            return None
        self._ids_by_path[path] = rec.id
        return rec.id

    def poses_path(self, video_id: int) -> Optional[Path]:
        """The project's own pose file of a video (``NAME.epam-data/poses/<content key>.npz``; it may not exist)."""
        if self.store is None:
            return None
        from core_model.project.track_edits import project_poses_path

        return project_poses_path(self.store, video_id)

    def coverage_all(self) -> Dict[int, tuple]:
        """``{video id: (segments, frames covered by any label, frame count)}`` in one read (numpy), remembered
        until the next change of the project (``coverage`` of a video then costs nothing)."""
        if self.store is None:
            return {}
        from core_model.project.segment_window import coverage

        found = coverage(self.store)
        frames = {rec.id: rec.frame_count for rec in self.store.videos()}
        self._coverage = (self.revision, {vid: (*found.get(vid, (0, 0)), n) for vid, n in frames.items()})
        return dict(self._coverage[1])

    def coverage(self, video_id: int) -> tuple:
        """(segments, frames covered by any label, frame count) of one video (remembered as ``coverage_all``)."""
        revision, known = self._coverage
        if revision == self.revision and video_id in known:
            return known[video_id]
        from core_model.project.segment_window import coverage

        found = coverage(self.store, video_id)[video_id]
        known = dict(known) if revision == self.revision else {}
        known[video_id] = (*found, self.store.video(video_id).frame_count)
        self._coverage = (self.revision, known)
        return known[video_id]

    # ---- edits ----------------------------------------------------------------------------
    def apply(self, edit) -> bool:
        """Apply a core edit as one undo step. Read-only: one sentence in the status bar; an edit the core
        refuses (a label missing from the set, a write that failed): one sentence in a dialog."""
        if not self.writable():
            return False
        try:
            self.undo.do(edit)
        except EpamError as err:
            self.error.emit(f"{edit.description} refused", str(err))
            return False
        finally:
            self.flush()
        return True

    def undo_step(self) -> None:
        self._step(redo=False)

    def redo_step(self) -> None:
        self._step(redo=True)

    def _step(self, redo: bool) -> None:
        """Undo (or redo) one step of the History; a refused one is said (``error``) and stays in the History."""
        if not self.writable() or self.undo is None:
            return
        undo = self.undo
        possible, text = (undo.can_redo, undo.redo_text) if redo else (undo.can_undo, undo.undo_text)
        if not possible:
            self.message.emit("Nothing to redo." if redo else "Nothing to undo.")
            return
        self._show_edited_video(undo.videos_of_next(redo=redo))
        if undo.redo() if redo else undo.undo():
            self.message.emit(f"{'Redone' if redo else 'Undone'}: {text}.")
        self.flush()

    def _show_edited_video(self, videos: set) -> None:
        """Before undoing/redoing an edit of one other video: ``showVideo`` so the user sees what changes."""
        if len(videos) == 1:
            self.showVideo.emit(next(iter(videos)))

    def label_edit(self, edit) -> bool:
        """Apply a label-set edit (``core_model.project.label_edits``) as one undo step; a refusal: one sentence
        (``error``), and the panel is put back to the database's state."""
        if not self.writable():
            self.labelsChanged.emit()
            return False
        try:
            self.undo.do(edit)
        except EpamError as err:
            self.error.emit("Label set", str(err))
            self.labelsChanged.emit()
            return False
        finally:
            self.flush()
        return True

    def add_label(self, name: str) -> bool:
        from core_model.project import AddLabel

        return self.label_edit(AddLabel(name))

    def rename_label(self, label_id: int, name: str) -> bool:
        from core_model.project import RenameLabel

        return self.label_edit(RenameLabel(label_id, name))

    def recolor_label(self, label_id: int, color: str) -> bool:
        from core_model.project import RecolorLabel

        return self.label_edit(RecolorLabel(label_id, color))

    def reorder_labels(self, ids) -> bool:
        from core_model.project import ReorderLabels

        return self.label_edit(ReorderLabels(list(ids)))

    def delete_label(self, label_id: int, relabel_to: Optional[int] = None) -> bool:
        """Delete a label (one in use: its segments take ``relabel_to``); Ctrl+Z gives both back."""
        from core_model.project import DeleteLabel

        return self.label_edit(DeleteLabel(label_id, relabel_to))

    def set_label_key(self, label_id: int, key: str) -> bool:
        """Assign ``key`` to a label; keys the app uses for commands are refused."""
        key = key.strip()
        if key:
            norm = normalize_key(key)
            if not norm:
                self.error.emit("Label set", f"'{key}' is not a key.")
                self.labelsChanged.emit()
                return False
            if norm in reserved_keys():
                self.error.emit("Label set", f"The key '{norm}' is already a command (see F1); choose another.")
                self.labelsChanged.emit()
                return False
            key = norm
        from core_model.project import SetLabelKey

        return self.label_edit(SetLabelKey(label_id, key or None))

    def import_labels(self, path, fmt: str = "auto", strict: bool = False) -> Optional[int]:
        """Import a label file of any format (core_model.interop); ``last_import_report`` keeps what it said.
        Another tool's file is reported by the caller (the import report dialog); CSV/JSON warnings are a box."""
        if not self.writable():
            return None
        from core_model.interop import InteropReport, import_file

        report = InteropReport()
        self.last_import_report = None
        try:
            import_file(self.store, path, fmt, strict=strict, history=self.undo, report=report)
        except EpamError as err:
            self.error.emit("Cannot import labels", str(err))
            return None
        finally:
            self.flush()
        n, self.last_import_report = report.imported, report
        text = f"Imported {n} segment{'s' if n != 1 else ''} from {Path(path).name} (Ctrl+Z undoes)."
        warnings = report.warnings() if report.format.startswith("EPAM") else []
        if warnings:  # a box (and the status bar) that says what to check; the rows are kept
            self.error.emit("Labels imported, with a warning", " ".join([text, *warnings]))
        else:
            self.message.emit(text)
        return n

    def export_labels(self, path, fmt: str = "auto", video_ids=None) -> Optional[int]:
        if self.store is None:
            self.message.emit("No project is open.")
            return None
        from core_model.interop import export_file

        try:
            n = export_file(self.store, path, fmt, video_ids=video_ids)
        except EpamError as err:
            self.error.emit("Cannot export labels", str(err))
            return None
        self.message.emit(f"Exported {n} segment{'s' if n != 1 else ''} to {Path(path).name}.")
        return n

    # ---- change events --------------------------------------------------------------------
    def visible_segments(self, video_id: int, timeline, frame_count: int):
        """(segments of ``video_id`` on screen in ``timeline``, every person with labels there): see
        ``app/labeling/label_window.py`` (a project of a million segments opens in seconds)."""
        return self.label_window.load(self.store, video_id, self.revision, timeline, frame_count)

    def labels_window_stale(self, entry, timeline) -> bool:
        """True when ``timeline`` now shows a part of ``entry`` whose labels were not loaded."""
        if self.store is None or entry is None or entry.project_id is None:
            return False
        return self.label_window.stale(self.store, entry.project_id, self.revision, timeline)

    def _on_change(self, change) -> None:
        self.revision += 1
        if change.kind == "segments" and change.video_id is not None:
            self._pending_videos.add(int(change.video_id))
        elif change.kind == "poses" and change.video_id is not None:
            self._pending_poses.add(int(change.video_id))
        else:
            self._pending_kinds.add(change.kind)
            if change.kind == "labels":
                self._pending_videos.update(self._ids_by_path.values())  # names/colours shown with segments
        if not self._flush_scheduled:
            self._flush_scheduled = True
            QTimer.singleShot(0, self.flush)

    def flush(self) -> None:
        """Send the pending change signals now."""
        self._flush_scheduled = False
        kinds, self._pending_kinds = self._pending_kinds, set()
        videos, self._pending_videos = self._pending_videos, set()
        poses, self._pending_poses = self._pending_poses, set()
        if "labels" in kinds:
            self._share_label_colors()
            self.labelsChanged.emit()
        if "videos" in kinds:
            self.videosChanged.emit()
        for vid in sorted(poses):  # before the segments: the lanes are drawn for the persons of the new poses
            self.posesChanged.emit(vid)
        for vid in sorted(videos):
            self.segmentsChanged.emit(vid)
