"""Wires the project, the labeling commands and their views into the main window.

Owns the Labels dock, the label-key actions (one per label with a key), the project menu commands
(with their file dialogs), the timeline's label menu and the video list's label coverage. The main
window creates one ``LabelingUI`` and forwards a few events to it (video opened, current video).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel, QMenu

from core_model.project import EVERYBODY

from app.labeling.labeling import LabelingController
from app.project.project_controller import PROJECT_SUFFIX, ProjectController
from app.common.state import VideoEntry
from app.labeling.labels_panel import LabelsPanel
from app.common.lifetime import tie

LABEL_PRESETS = {"NTU RGB+D 120 (120 actions)": "ntu120", "NTU RGB+D 60 (60 actions)": "ntu60",
                 "Classroom coding scheme (participation, work, attention)": "classroom",
                 "Rehabilitation session scheme (repetitions, compensations, phases)": "rehabilitation",
                 "Empty (add your own labels)": None}
MAX_RECENT = 8
MENU_LABELS = 24  # labels listed directly in the relabel menu (the rest: "Other…")


class ShownSegment:
    """A segment as the timeline draws it: the record, plus ``absent``: how many of its frames lie outside its
    person's track (marked on the timeline, never refused)."""

    __slots__ = ("_seg", "absent")

    def __init__(self, seg, absent: int = 0) -> None:
        self._seg, self.absent = seg, int(absent)

    def __getattr__(self, name):
        return getattr(self._seg, name)


class LabelingUI(QObject):
    """Receives what it uses (keyword-only): the ``session``, ``playback`` and the video ``view`` (the playhead),
    the ``timeline``, the Labels ``panel``, the ``videos`` controller (open / close), the keymap's ``actions``,
    ``settings`` (a callable: the window replaces its settings object when they are edited) and
    ``save_settings``, ``show_message(text, ms)`` and ``show_error(title, text)``, ``set_title``,
    ``raise_labels`` (brings the Labels dock forward), ``add_action`` / ``remove_action`` (the label keys'
    shortcuts live in the window) and the ``parent`` its dialogs and menus belong to."""

    def __init__(self, *, session, playback, view, timeline, panel: LabelsPanel, videos,
                 actions: Mapping[str, QAction], settings: Callable[[], object],
                 save_settings: Callable[[object], None], show_message: Callable[[str, int], None],
                 show_error: Callable[[str, str], None], set_title: Callable[[str], None],
                 raise_labels: Callable[[], None], add_action: Callable[[QAction], None],
                 remove_action: Callable[[QAction], None], parent=None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.session, self.playback, self.view, self.timeline, self.videos = session, playback, view, timeline, videos
        self.actions = actions
        self._settings, self._save_settings = settings, save_settings
        self._show_message, self._show_error, self._set_title = show_message, show_error, set_title
        self._raise_labels, self._add_action, self._remove_action = raise_labels, add_action, remove_action
        self.project = ProjectController(self)
        self.labeling = LabelingController(self.project, session, self._playhead, self._seek, timeline.people, self)
        self.panel = panel
        self._label_actions: List[QAction] = []
        self._entries_by_id: Dict[int, VideoEntry] = {}
        self.project_status = QLabel("")
        self.project_status.setObjectName("projectStatus")
        self.project_status.setMinimumWidth(24)
        self._poses_shown = None  # the poses the timeline's presence marks were computed from
        from app.labeling.scheme_ui import SchemeUI

        self.scheme = SchemeUI(project=self.project, labeling=self.labeling, panel=panel, add_action=add_action,
                               status=self._status, dialog_dir=self._dialog_dir, parent=parent)

    # ---- construction (called by the main window) -----------------------------------------
    def connect(self) -> None:
        a, lab, proj, panel, session = self.actions, self.labeling, self.project, self.panel, self.session
        a["new_project"].triggered.connect(self.ask_new_project)
        a["open_project"].triggered.connect(self.ask_open_project)
        a["save_project_as"].triggered.connect(self.ask_save_as)
        a["close_project"].triggered.connect(proj.close_project)
        a["import_labels"].triggered.connect(self.ask_import)
        a["export_labels"].triggered.connect(self.ask_export)
        a["undo"].triggered.connect(proj.undo_step)
        a["redo"].triggered.connect(proj.redo_step)
        a["mark_in"].triggered.connect(lab.mark_in_here)
        a["mark_out"].triggered.connect(lab.mark_out_here)
        a["clear_marks"].triggered.connect(lab.clear)
        a["split"].triggered.connect(lambda: lab.split())
        a["merge"].triggered.connect(lambda: lab.merge(True))
        a["merge_previous"].triggered.connect(lambda: lab.merge(False))
        a["accept"].triggered.connect(lambda: lab.accept())
        a["accept_range"].triggered.connect(lab.accept_range)
        a["delete_segment"].triggered.connect(lambda: lab.delete())
        a["next_segment"].triggered.connect(lambda: lab.step_segment(1))
        a["previous_segment"].triggered.connect(lambda: lab.step_segment(-1))
        a["person_up"].triggered.connect(lambda: lab.step_person(-1))
        a["person_down"].triggered.connect(lambda: lab.step_person(1))
        a["edit_note"].triggered.connect(self.ask_note)

        t = self.timeline
        t.personPicked.connect(lambda p: session.set_person(None if p == EVERYBODY else p))
        t.segmentClicked.connect(lab.select)
        t.segmentDrawn.connect(lambda person, s, e: lab.create(person, s, e, panel.selected_label_id()))
        t.boundsDragged.connect(lab.set_bounds)
        t.contextRequested.connect(self.show_lane_menu)
        t.windowChanged.connect(lambda: self.project.labels_window_stale(session.current, t) and self.show_labels())

        panel.addLabel.connect(proj.add_label)  # label-set changes are undoable edits, like segment edits
        panel.renameLabel.connect(proj.rename_label)
        panel.recolorLabel.connect(proj.recolor_label)
        panel.setLabelKey.connect(proj.set_label_key)
        panel.deleteLabel.connect(self.ask_delete_label)
        panel.segmentActivated.connect(self.go_to_segment)
        panel.segmentLabelEdited.connect(lambda seg, label: lab.relabel([seg], label))
        panel.segmentNoteEdited.connect(lab.set_note)

        lab.selectionChanged.connect(self._on_selection)
        lab.marksChanged.connect(t.set_marks)
        lab.message.connect(self._status)
        proj.message.connect(self._status)
        proj.error.connect(self._show_error)
        proj.projectChanged.connect(self._on_project)
        proj.labelsChanged.connect(self._on_labels)
        proj.segmentsChanged.connect(self._on_segments)
        proj.videosChanged.connect(self._on_videos)
        tie(session.changed, self, self._on_entry_changed)
        self._on_project(None)

    # ---- helpers ----------------------------------------------------------------------------
    def _status(self, text: str) -> None:
        self._show_message(text, 8000)

    def _playhead(self) -> Optional[int]:
        """The frame marks and edits use: while playing, the frame on screen; paused, the frame the last seek or
        step asked for (its decode may still be running: keys pressed quickly apply in order)."""
        pb, shown = self.playback, self.view.shown_frame
        if pb.playing and shown is not None:
            return shown
        return pb.position if pb.frame_count > 0 else shown

    def _seek(self, frame: int) -> None:
        self.playback.pause()
        self.playback.seek(int(frame))

    def _entry_for(self, video_id: int) -> Optional[VideoEntry]:
        return next((e for e in self.session.entries if e.project_id == video_id), None)

    # ---- project life cycle -------------------------------------------------------------------
    def _on_project(self, store) -> None:
        session = self.session
        self._entries_by_id = {}
        keep = store is not None and self.project.fresh  # a new project takes the open videos in
        if not keep:
            session.set_current(None)  # first: removing the others must not open each next one
            for entry in list(session.entries):  # an opened project replaces what was open
                self.videos.close(entry)
        writable = store is not None and not store.read_only
        self.panel.set_read_only(not writable)
        self.timeline.set_editable(writable)
        if store is None:
            self.panel.set_project_text("No project — File ▸ New project… (Ctrl+Shift+N) to label; "
                                        "videos opened now are not saved anywhere.")
            self.panel.set_labels([])
            self.panel.set_segments([])
            self._rebuild_label_actions([])
            self.timeline.set_labels([], [])
            self.project_status.setText("")
            self.project_status.setToolTip("")
        else:
            self._remember_recent(store.path)
            state = "read-only" if store.read_only else "saved as you edit"
            self.panel.set_project_text(f"<b>{store.path.name}</b> — {state}")
            self.project_status.setText(f" {store.path.name}" + (" · READ-ONLY " if store.read_only else " "))
            self.project_status.setProperty("readOnly", "true" if store.read_only else "false")
            self.project_status.setToolTip(store.read_only_reason or str(store.path))
            self.project_status.style().unpolish(self.project_status)
            self.project_status.style().polish(self.project_status)
            self._on_labels()
            if keep:
                for entry in list(session.entries):
                    if entry.is_open:
                        self.video_opened(entry, entry)  # the entry has the reader's facts
                self.show_labels()
            else:
                self._load_videos(store)
            self._raise_labels()
            self.project.undo.changed.connect(self._show_undo_state)
        self._show_undo_state()
        self.update_title()

    def _load_videos(self, store) -> None:
        """One list entry per project video (opened when chosen); the first one found on disk is opened now.

        Files are not hashed here (opening stays fast with many videos): a missing one is marked, and
        choosing it searches for it by content or asks where it is.
        """
        session = self.session
        first = None
        coverage = self.project.coverage_all()
        for rec in store.videos():
            entry = session.add(rec.path)
            entry.project_id = rec.id
            self._entries_by_id[rec.id] = entry
            self.project.remember_path(rec.id, rec.path)
            if not rec.path.is_file():
                entry.error = "file not found: choose it to locate it"
            elif first is None:
                first = entry
            self._set_coverage(entry, coverage.get(rec.id, (0, 0, rec.frame_count)))
        if first is not None:
            session.set_current(first)

    def _on_videos(self) -> None:
        store = self.project.store
        if store is None:
            return
        for rec in store.videos():
            entry = self._entries_by_id.get(rec.id) or self._entry_for(rec.id)
            if entry is not None:
                self._entries_by_id[rec.id] = entry

    def _show_undo_state(self) -> None:
        """Undo / Redo follow the project's History: enabled when there is a step, saying what it is
        ("Undo Create segment")."""
        undo = self.project.undo
        for name, base, can, text in (("undo", "&Undo", undo is not None and undo.can_undo,
                                       undo.undo_text if undo is not None else ""),
                                      ("redo", "&Redo", undo is not None and undo.can_redo,
                                       undo.redo_text if undo is not None else "")):
            action = self.actions[name]
            action.setText(f"{base} {text}" if can and text else base)
            action.setEnabled(bool(can))

    def update_title(self) -> None:
        parts = []
        entry = self.session.current
        if entry is not None:
            parts.append(entry.name)
        store = self.project.store
        if store is not None:
            parts.append(store.path.name + (" [read-only]" if store.read_only else ""))
        parts.append("EPAM Studio")
        self._set_title(" — ".join(parts))

    # ---- videos (called by the main window) ------------------------------------------------
    def video_opened(self, entry: VideoEntry, info) -> None:
        """A video finished opening: add it to the project (if one is open) and show its labels."""
        if not self.project.is_open:
            return
        vid = entry.project_id
        if vid is None:
            vid = self.project.add_opened_video(entry.path, info)
            twin = self.session.project_entry(vid, besides=entry)
            if twin is not None:  # a copy of a listed project video (the demo): one row, the project's file
                self.session.replace(entry, twin)
                self._status(f"{entry.name} is {twin.name} of {self.project.name} (same content): showing that.")
                return
            if vid is not None:
                entry.project_id = vid
                self._entries_by_id[vid] = entry
        else:
            self.project.remember_path(vid, entry.path)
        if vid is not None:
            self._update_coverage(entry)
            if entry is self.session.current:
                self.show_labels()

    def current_changed(self, entry: Optional[VideoEntry]) -> bool:
        """The current video changed; returns False when it must be opened first (done here)."""
        self.labeling.select(None)
        self.labeling.set_marks(None, None)
        self.update_title()
        if entry is None:
            self.show_labels()
            return True
        if (not entry.is_open and entry.busy is None and entry.project_id is not None
                and self.project.store is not None):
            if not entry.path.is_file() and not self._locate(entry):
                return False
            if entry.error:
                self.session.update(entry, error=None)
            self.videos.open_paths([entry.path])
            self.show_labels()
            return False
        self.show_labels()
        return True

    def _locate(self, entry: VideoEntry) -> bool:
        store = self.project.store
        found = store.resolve_video(entry.project_id)
        if found is None:
            path, _ = QFileDialog.getOpenFileName(self._parent, f"Where is {entry.name}?", str(store.folder))
            if not path:
                self.session.update(entry, error=f"{entry.name} is missing; choose it again to locate it")
                return False
            try:
                found = store.relocate_video(entry.project_id, path).path
            except Exception as err:  # noqa: BLE001 - EpamError: one sentence
                self._show_error("Cannot use that file", str(err))
                return False
        self.project.remember_path(entry.project_id, found)
        self.session.update(entry, path=Path(found).absolute(), error=None)
        return True

    def _update_coverage(self, entry: VideoEntry) -> None:
        store = self.project.store
        if store is None or entry.project_id is None:
            return
        self._set_coverage(entry, self.project.coverage(entry.project_id))

    def _set_coverage(self, entry: VideoEntry, coverage: tuple) -> None:
        count, covered, frames = coverage
        self.session.update(entry, labels=count, covered=covered / frames if frames else 0.0)

    # ---- labels of the current video --------------------------------------------------------
    def show_labels(self) -> None:
        store, entry = self.project.store, self.session.current
        vid = entry.project_id if entry is not None else None
        if store is None or vid is None:
            self.timeline.set_labels([], store.labels() if store is not None else [])
            self.panel.set_segments([])
            return
        segments, people = self.project.visible_segments(vid, self.timeline, entry.frame_count)  # on screen
        self._poses_shown = entry.poses
        counts = self.labeling.absent_counts(segments)  # labels where their person's track does not exist
        self.timeline.set_labels([ShownSegment(s, counts.get(s.id, 0)) for s in segments], store.labels(),
                                   people)
        self.panel.set_segments(segments, store.segment_times)
        self.timeline.set_selected_segment(self.labeling.selected)

    def _on_entry_changed(self, entry: VideoEntry) -> None:
        """The current video's poses changed: redo the marks of labels outside their person's track."""
        if entry is self.session.current and entry.poses is not self._poses_shown:
            self.show_labels()

    def _usage(self) -> dict:
        store = self.project.store
        if store is None:
            return {}
        return store.label_usages()

    def _on_segments(self, video_id: int) -> None:
        self.panel.set_usage(self._usage())
        entry = self._entries_by_id.get(video_id) or self._entry_for(video_id)
        if entry is not None:
            self._update_coverage(entry)
            if entry is self.session.current:
                self.show_labels()

    def _on_labels(self) -> None:
        store = self.project.store
        labels = store.labels() if store is not None else []
        self.panel.set_labels(labels, self._usage())
        self._rebuild_label_actions(labels)
        self.show_labels()

    def _rebuild_label_actions(self, labels) -> None:
        for action in self._label_actions:
            self._remove_action(action)
            action.deleteLater()
        self._label_actions = []
        used = {lab.key for lab in labels if lab.key}
        for digit in "1234567890":  # a digit no label has: say why nothing happens (overlays moved to Alt)
            if digit in used:
                continue
            action = QAction(f"Key {digit}", self)
            action.setShortcut(QKeySequence(digit))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, d=digit: self._free_digit(d))
            self._add_action(action)
            self._label_actions.append(action)
        for lab in labels:
            if not lab.key:
                continue
            action = QAction(f"Label: {lab.name}", self)
            action.setObjectName(f"label_key_{lab.id}")
            action.setShortcut(QKeySequence(lab.key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setStatusTip(f"Label '{lab.name}'")
            action.triggered.connect(lambda _=False, i=lab.id: self.labeling.apply_label(i))
            self._add_action(action)
            self._label_actions.append(action)

    def _free_digit(self, digit: str) -> None:
        if not self.project.is_open:
            self._status(f"Key {digit} applies a label: open or create a project first (File ▸ New project…); "
                         "overlays are on Alt+1 … Alt+5.")
        else:
            self._status(f"No label has the key {digit}: assign it in the Labels panel (Key…).")

    def label_actions(self) -> List[QAction]:
        """The label picker and the label-key actions (for F1): one per label with a key."""
        return [self.scheme.pick_action] + [a for a in self._label_actions if a.objectName().startswith("label_key_")]

    def _on_selection(self, seg_id) -> None:
        self.timeline.set_selected_segment(seg_id)
        self.panel.set_selected(seg_id)

    def go_to_segment(self, seg_id: int) -> None:
        store = self.project.store
        if store is None:
            return
        seg = store.segment(seg_id)
        self.session.set_person(None if seg.person == EVERYBODY else seg.person)
        self.labeling.select(seg_id)
        self._seek(seg.start_frame)

    # ---- menus and dialogs --------------------------------------------------------------------
    def show_lane_menu(self, person: int, frame: int, seg_id, pos: QPoint) -> None:
        menu = self.lane_menu(person, frame, seg_id)
        menu.popup(pos)

    def lane_menu(self, person: int, frame: int, seg_id) -> QMenu:
        """The right-click menu of a band at ``frame`` (``seg_id``: the label clicked, or None)."""
        lab, store = self.labeling, self.project.store
        menu = QMenu(self._parent)
        menu.setObjectName("laneMenu")
        writable = self.project.writable(quiet=True)
        if seg_id is not None and store is not None:
            relabel = menu.addMenu("Relabel")
            labels = store.labels()
            keyed = [x for x in labels if x.key] + [x for x in labels if not x.key]
            for x in keyed[:MENU_LABELS]:
                act = relabel.addAction(f"{x.name}\t{x.key or ''}")
                act.triggered.connect(lambda _=False, i=x.id: lab.relabel([seg_id], i))
            if len(keyed) > MENU_LABELS:
                relabel.addAction("Other…").triggered.connect(lambda: self.ask_relabel(seg_id))
            relabel.setEnabled(writable)
            for text, slot in (("Split here", lambda: lab.split(frame)), ("Merge with next", lambda: lab.merge(True)),
                               ("Merge with previous", lambda: lab.merge(False)),
                               ("Delete", lambda: lab.delete(seg_id)), ("Edit note…", self.ask_note)):
                act = menu.addAction(text)
                act.triggered.connect(slot)
                act.setEnabled(writable)
            self.scheme.modifier_menu(menu, seg_id, writable)
            menu.addSeparator()
        act = menu.addAction("Accept prediction under it")
        act.triggered.connect(lambda: lab.accept(frame, person))
        result = self.session.current.result if self.session.current is not None else None
        has_pred = result is not None and any(s.person == person and s.start_frame <= frame < s.end_frame
                                              for s in result.segments)
        act.setEnabled(writable and has_pred)
        return menu

    def ask_relabel(self, seg_id: int) -> None:
        store = self.project.store
        names = [x.name for x in store.labels()]
        name, ok = QInputDialog.getItem(self._parent, "Relabel", "Label:", names, 0, True)
        target = store.label_by_name(name) if ok else None
        if target is not None:
            self.labeling.relabel([seg_id], target.id)

    def ask_note(self) -> None:
        store = self.project.store
        if store is None or self.labeling.selected is None:
            self._status("Select a label first (click it, or N / Shift+N).")
            return
        seg = store.segment(self.labeling.selected)
        note, ok = QInputDialog.getText(self._parent, "Note", "Note for this label:", text=seg.note or "")
        if ok:
            self.labeling.set_note(seg.id, note)

    def ask_delete_label(self, label_id: int) -> None:
        store = self.project.store
        if store is None or not self.project.writable():
            return
        target = store.label(label_id)
        used = store.label_usage(label_id)
        if not used:
            self.project.delete_label(label_id)
            return
        others = [x.name for x in store.labels() if x.id != label_id]
        if not others:
            self._show_error("Label set", f"'{target.name}' is used by {used} segments and is the only label.")
            return
        name, ok = QInputDialog.getItem(
            self._parent, "Delete label", f"'{target.name}' is used by {used} segment{'s' if used != 1 else ''}.\n"
            "Relabel them to:", others, 0, False)
        if ok:  # one undo step: Ctrl+Z gives the label and its segments back
            self.project.delete_label(label_id, store.label_by_name(name).id)

    def _dialog_dir(self) -> str:
        store = self.project.store
        return str(store.folder) if store is not None else (self._settings().last_dir or str(Path.home()))

    def ask_new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self._parent, "New project", self._dialog_dir(),
                                              f"EPAM projects (*{PROJECT_SUFFIX})")
        if not path:
            return
        choice, ok = QInputDialog.getItem(self._parent, "Label set", "Start the project with:", list(LABEL_PRESETS),
                                          0, False)
        if ok:
            self.project.new_project(path, LABEL_PRESETS[choice])

    def ask_open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open project", self._dialog_dir(),
                                              f"EPAM projects (*{PROJECT_SUFFIX});;All files (*)")
        if path:
            self.project.open_project(path)

    def ask_save_as(self) -> None:
        if not self.project.is_open:
            self._status("No project is open.")
            return
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save a copy of the project", self._dialog_dir(),
                                              f"EPAM projects (*{PROJECT_SUFFIX})")
        if path:
            self.project.save_as(path)

    def ask_import(self) -> None:
        if not self.project.writable():
            return
        from app.labeling.label_formats import IMPORT_FILTERS, ImportReportDialog, filters, format_of

        path, chosen = QFileDialog.getOpenFileName(self._parent, "Import labels", self._dialog_dir(),
                                                   filters(IMPORT_FILTERS) + ";;All files (*)")
        if path and self.project.import_labels(path, format_of(IMPORT_FILTERS, chosen)) is not None:
            report = self.project.last_import_report
            if report is not None and not report.format.startswith("EPAM"):
                self.import_report = ImportReportDialog(self._parent, Path(path).name, report)
                self.import_report.open()

    def ask_export(self) -> None:
        if not self.project.is_open:
            self._status("No project is open.")
            return
        from app.labeling.label_formats import EXPORT_FILTERS, ONE_VIDEO, filters, format_of

        path, chosen = QFileDialog.getSaveFileName(self._parent, "Export labels", self._dialog_dir(),
                                                   filters(EXPORT_FILTERS))
        if path:
            fmt = format_of(EXPORT_FILTERS, chosen)
            current = self.session.current
            one = [current.project_id] if fmt in ONE_VIDEO and current is not None and current.project_id else None
            self.project.export_labels(path, fmt, one)

    # ---- recent projects ----------------------------------------------------------------------
    def _remember_recent(self, path: Path) -> None:
        s = self._settings()
        recent = [str(path)] + [p for p in s.recent_projects if p != str(path)]
        s.recent_projects = recent[:MAX_RECENT]
        self._save_settings(s)

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        recent = [p for p in self._settings().recent_projects if p]
        for p in recent:
            act = menu.addAction(Path(p).name)
            act.setToolTip(p)
            act.setStatusTip(p)
            act.triggered.connect(lambda _=False, path=p: self.project.open_project(path))
        if not recent:
            menu.addAction("(none yet)").setEnabled(False)

    def close(self) -> None:
        """Close the project (nothing to save: every edit was committed as it happened)."""
        self.project.close_project()

