"""Subjects in the studio: named people followed across the project's videos ("Anna", "patient 07").

- :class:`AssignSubjectDialog` and :class:`SubjectsPanel` (the Subjects dock) are in ``subject_widgets.py``.
- :class:`SubjectsUI` — wires them in: the skeleton's right-click menu and the People dock ask, the edits
  (``core_model.project.subject_edits``) go through ``ProjectController.apply`` (one undo step each, Ctrl+Z), and
  the subjects of the shown video are pushed to the skeletons, the People dock and the timeline's lane header
  (one query per refresh). When a track starts (the playhead within :data:`START_WINDOW_S` of its first frame)
  and is not assigned, its look is compared with the tracks assigned to subjects
  (``core_model.project.subject_suggest``) and the best match is offered in the People dock (Accept, or
  :data:`ACCEPT_KEY`).
"""
from __future__ import annotations

from typing import Dict, Optional, Set, Tuple

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import QColorDialog, QDialog, QInputDialog, QMenu, QMessageBox

from core_model.errors import EpamError

from app.labeling.subject_widgets import AssignSubjectDialog, SubjectsPanel, swatch
from app.common.lifetime import tie

__all__ = ["AssignSubjectDialog", "SubjectsPanel", "SubjectsUI"]

START_WINDOW_S = 2.0  # a track "starts" while the playhead is this close after its first frame
CHECK_DELAY_MS = 250  # the suggestion is looked for once the playhead rests this long
MENU_SUBJECTS = 12  # subjects listed directly in the skeleton's menu (the dialog searches all)
ACCEPT_KEY = "Ctrl+J"
CLICK_RADIUS = 40.0  # px in image coordinates around a skeleton (as the window's click and the skeleton menu)
SUGGEST_BUDGET_S = 0.5  # reading other videos to measure subjects' looks stops after this (the rest: next time)


class SubjectsUI(QObject):
    """Subjects in the studio (see the module). Receives the ``project`` controller, the ``session``, the People
    dock (``people``), the video ``view`` and the window (``parent``: its skeleton overlay, timeline, docks and
    ``frameDisplayed``, each used when it has one)."""

    def __init__(self, *, project, session, people, view, parent=None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.project, self.session, self.people, self.view = project, session, people, view
        self.panel = SubjectsPanel()
        self.dock = None
        self._unsubscribe = None
        self._shown: Dict[int, Tuple[str, str]] = {}
        self._pushed: Optional[dict] = None  # what the timeline was given last
        self._refresh_due = False
        self._suggestion = None  # the Suggestion the People dock offers
        self._offered = None  # (video, track, Suggestion) of the bar
        self._starts: tuple = (None, {})  # (poses, {track: first frame}) of the shown video
        self._cache = None  # AppearanceCache of the open project
        self._reader = None  # (video id, VideoReader) of the shown video, for appearances
        self._asked: Set[Tuple[int, int]] = set()  # (video, track) whose suggestion was looked for
        self._pending: list = []  # (video, track, Suggestion) to offer, in turn
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(CHECK_DELAY_MS)
        self._check.timeout.connect(self.look_for_suggestions)
        self.accept_action = QAction("Accept subject suggestion", self)
        self.accept_action.setObjectName("acceptSubjectAction")
        self.accept_action.setShortcut(QKeySequence(ACCEPT_KEY))
        self.accept_action.triggered.connect(self._accept_key)

    # ---- wiring -----------------------------------------------------------------------------
    def connect(self) -> None:
        p = self.people
        p.assignRequested.connect(self.ask_assign)
        p.unassignRequested.connect(self.unassign)
        p.suggestionAccepted.connect(self.accept_suggestion)
        p.suggestionDismissed.connect(lambda _t: self._offer_next())
        self.project.projectChanged.connect(self._on_project)
        self.project.posesChanged.connect(self._on_poses)
        tie(self.session.current_changed, self, self._on_current)
        tie(self.session.changed, self, lambda e: self.request_refresh() if e is self.session.current else None)
        panel = self.panel
        panel.shown.connect(self._fill_panel)
        if hasattr(self.view, "imageClicked"):
            self.view.imageClicked.connect(self._on_image_clicked)
        panel.addRequested.connect(self.ask_add)
        panel.renameRequested.connect(self.ask_rename)
        panel.recolorRequested.connect(self.ask_recolor)
        panel.deleteRequested.connect(self.ask_delete)
        window = self._parent
        if window is not None:
            shared = getattr(window, "actions", {}).get("accept_subject") if isinstance(
                getattr(window, "actions", None), dict) else None
            if shared is not None:  # the window's action (F1 lists it; label keys cannot take its key)
                self.accept_action.deleteLater()
                self.accept_action = shared
                shared.triggered.connect(self._accept_key)
            else:
                window.addAction(self.accept_action)
            add_dock = getattr(window, "_add_side_tab", None)
            if callable(add_dock):
                self.dock = add_dock("Subjects", panel)
                inspector = getattr(window, "inspector_dock", None)
                if inspector is not None:
                    inspector.raise_()  # a tab among the right docks; the Inspector stays in front at start
            frame = getattr(window, "frameDisplayed", None)
            if frame is not None:
                frame.connect(self._on_frame)
        self._on_project(self.project.store)

    def _store(self):
        return self.project.store

    def video_id(self) -> Optional[int]:
        entry = self.session.current
        return entry.project_id if entry is not None and self.project.is_open else None

    def _on_current(self, _entry) -> None:
        """Another video: its subjects, and the suggestion bar only for its own tracks (the one shown waits)."""
        if self._offered is not None and self.people.suggested_track is not None:
            self._pending.insert(0, self._offered)
        self._offered = None
        self.people.clear_suggestion()
        self._suggestion = None
        self.request_refresh()
        QTimer.singleShot(0, self, self._offer_next)

    def _on_project(self, store) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._close_reader()
        self._cache, self._asked, self._pending = None, set(), []
        self.people.clear_suggestion()
        if store is not None:
            self._unsubscribe = store.subscribe(self._on_change)
        self.refresh()

    def _on_change(self, change) -> None:
        if change.kind == "subjects":
            self.request_refresh()  # after the transaction's other events, once

    def _on_poses(self, video_id: int) -> None:
        """A track edit rewrote a video's poses: its tracks' looks are measured again."""
        if self._cache is not None:
            self._cache.forget(video_id)
        self._asked = {k for k in self._asked if k[0] != video_id}
        if self._reader is not None and self._reader[0] == video_id:
            self._close_reader()

    # ---- what is shown ------------------------------------------------------------------------
    def shown_subjects(self) -> Dict[int, Tuple[str, str]]:
        """``{track: (name, colour)}`` of the current video (one query)."""
        store, vid = self._store(), self.video_id()
        if store is None or vid is None:
            return {}
        return {p: (s.name, s.color) for p, s in store.video_subjects(vid).items()}

    def request_refresh(self) -> None:
        """:meth:`refresh` once the events of this turn of the event loop are handled (many come while a video
        opens: one refresh for them all)."""
        if not self._refresh_due:
            self._refresh_due = True
            QTimer.singleShot(0, self, self.refresh)  # not after self is deleted

    def refresh(self) -> None:
        """Push the shown video's subjects to the skeletons, the People dock and the timeline (one query); the
        Subjects dock is filled when it is visible (two more queries)."""
        self._refresh_due = False
        self._shown = self.shown_subjects()
        self.people.set_subjects(self._shown)
        overlays = getattr(self._parent, "overlays", None)
        if overlays is not None:
            overlays["skeleton"].set_subjects(self._shown)
        self._push_timeline()
        self._push_compare()
        if self.panel.isVisible():
            self._fill_panel()

    def _push_compare(self) -> None:
        """The side-by-side comparison shows the same video's tracks: the same subjects on its skeletons."""
        compare = getattr(self._parent, "side_by_side", None)
        pane = getattr(compare, "pane", None)
        if pane is not None and pane.overlays["skeleton"].item.subjects != self._shown:
            pane.overlays["skeleton"].set_subjects(self._shown)
            timeline = getattr(compare, "timeline", None)
            if timeline is not None and hasattr(timeline, "set_subjects"):
                timeline.set_subjects(self._shown)

    def _fill_panel(self) -> None:
        store = self._store()
        if store is None:
            self.panel.set_subjects([], {}, False, "Open or create a project to name subjects.")
        else:
            self.panel.set_subjects(store.subjects(), store.subject_track_counts(), not store.read_only,
                                    store.write_refusal if store.read_only else "")

    def _push_timeline(self) -> None:
        timeline = getattr(self._parent, "timeline", None)
        if timeline is not None and getattr(timeline, "built", True):
            widget = timeline.widget() if hasattr(timeline, "widget") else timeline
            if hasattr(widget, "set_subjects"):
                widget.set_subjects(self._shown)
                self._pushed = dict(self._shown)

    # ---- edits --------------------------------------------------------------------------------
    def _ready(self) -> Optional[int]:
        """The current project video, or None after one sentence why not."""
        if not self.project.writable():
            return None
        vid = self.video_id()
        if vid is None:
            self.project.message.emit("Open a video of the project first: subjects are assigned to its tracks.")
        return vid

    def assign(self, track: int, subject_id: int) -> bool:
        """Track ``track`` of the current video is the subject ``subject_id`` (one undo step)."""
        from core_model.project.subject_edits import AssignTrack

        vid = self._ready()
        if vid is None or not self.project.apply(AssignTrack(vid, int(track), int(subject_id))):
            return False
        self._assigned(vid, track)
        return True

    def new_subject_for(self, track: int, name: str) -> bool:
        """A new subject ``name`` and track ``track`` of the current video assigned to it (one undo step)."""
        from core_model.project.subject_edits import NewSubjectForTrack

        vid = self._ready()
        if vid is None or not self.project.apply(NewSubjectForTrack(name, vid, int(track))):
            return False
        self._assigned(vid, track)
        return True

    def _assigned(self, vid: int, track: int) -> None:
        self.refresh()
        subject = self._store().subject_of_track(vid, track)
        self.project.message.emit(f"Track {track} is {subject.name} (Ctrl+Z undoes).")
        self._remember_look(vid, track)
        if self.people.suggested_track == int(track):
            self.people.clear_suggestion()
        self._pending = [p for p in self._pending if p[:2] != (vid, int(track))]

    def unassign(self, track: int) -> bool:
        from core_model.project.subject_edits import UnassignTrack

        vid = self._ready()
        if vid is None or not self.project.apply(UnassignTrack(vid, int(track))):
            return False
        self.refresh()
        self.project.message.emit(f"Track {track} is no subject any more (Ctrl+Z undoes).")
        return True

    def ask_assign(self, track: int) -> AssignSubjectDialog:
        """"Assign to subject…": the searchable dialog (opened window-modal; answered through ``finished``)."""
        store = self._store()
        subjects = store.subjects() if store is not None else []
        dialog = AssignSubjectDialog(subjects, int(track), self.people.subject_of(track), self._parent)
        dialog.finished.connect(lambda result: self._answered(dialog, int(track), result))
        dialog.open()
        return dialog

    def _answered(self, dialog: AssignSubjectDialog, track: int, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            if dialog.new_name:
                self.new_subject_for(track, dialog.new_name)
            elif dialog.chosen is not None:
                self.assign(track, dialog.chosen)
        dialog.deleteLater()

    def add_menu(self, menu: QMenu, track: int, reason: str = "") -> QMenu:
        """"Assign to subject" in the skeleton's menu: the subjects (first :data:`MENU_SUBJECTS`), "Find or add…",
        "New subject…" and "Unassign" (when assigned)."""
        sub = menu.addMenu("Assign to subject")
        sub.setObjectName("assignSubjectMenu")
        store = self._store()
        current = self._shown.get(int(track))
        subjects = store.subjects() if store is not None else []
        for s in subjects[:MENU_SUBJECTS]:
            action = sub.addAction(swatch(s.color), s.name + ("  ✓" if current and current[0] == s.name else ""))
            action.triggered.connect(lambda _=False, sid=s.id: self.assign(track, sid))
        if subjects:
            sub.addSeparator()
        sub.addAction("Find or add…" if subjects else "New subject…").triggered.connect(
            lambda: self.ask_assign(track))
        if current:
            menu.addAction(f"Unassign from {current[0]}").triggered.connect(lambda: self.unassign(track))
        blocked = reason or ("" if self.project.is_open and not self.project.read_only
                             else "Subjects belong to a project: open or create one first.")
        sub.setEnabled(not blocked)
        if blocked:
            sub.menuAction().setToolTip(blocked)
        return sub

    def _on_image_clicked(self, pos) -> None:
        """"Assign by click" (Subjects dock): the clicked skeleton is the subject selected in the dock."""
        subject_id = self.panel.click_subject()
        entry, frame = self.session.current, getattr(self.view, "shown_frame", None)
        if subject_id is None or entry is None or entry.poses is None or frame is None:
            return
        from app.video.overlays.context import person_at

        track = person_at(entry.poses, frame, pos.x(), pos.y(), CLICK_RADIUS)
        if track is None:
            self.project.message.emit("Click on a skeleton to assign it (Assign by click is on).")
        elif self._shown.get(int(track), ("",))[0] != self._store().subject(subject_id).name:
            self.assign(track, subject_id)

    # ---- the Subjects dock --------------------------------------------------------------------
    def ask_add(self) -> None:
        from core_model.project.subject_edits import AddSubject

        name, ok = QInputDialog.getText(self._parent, "New subject", "Name (e.g. Anna, patient 07):")
        if ok and name.strip():
            self.project.apply(AddSubject(name))

    def ask_rename(self, subject_id: int) -> None:
        from core_model.project.subject_edits import RenameSubject

        old = self._store().subject(subject_id).name
        name, ok = QInputDialog.getText(self._parent, "Rename subject", "New name:", text=old)
        if ok and name.strip() and name.strip() != old:
            self.project.apply(RenameSubject(subject_id, name))

    def ask_recolor(self, subject_id: int) -> None:
        from core_model.project.subject_edits import RecolorSubject

        color = QColorDialog.getColor(QColor(self._store().subject(subject_id).color), self._parent,
                                      "Subject colour")
        if color.isValid():
            self.project.apply(RecolorSubject(subject_id, color.name()))

    def ask_delete(self, subject_id: int) -> None:
        from core_model.project.subject_edits import DeleteSubject

        s = self._store().subject(subject_id)
        n = len(self._store().tracks_of_subject(subject_id))
        answer = QMessageBox.question(self._parent, "Delete subject",
                                      f"Delete {s.name}? Its {n} track assignment{'s' if n != 1 else ''} go; the "
                                      "tracks and their labels stay (Ctrl+Z gives it back).")
        if answer == QMessageBox.StandardButton.Yes:
            self.project.apply(DeleteSubject(subject_id))

    # ---- suggestions --------------------------------------------------------------------------
    def _on_frame(self, _index: int = 0) -> None:
        self._push_compare()
        if self._pushed != self._shown:
            timeline = getattr(self._parent, "timeline", None)
            if timeline is not None and not getattr(timeline, "built", True):  # built just after the first frame
                QTimer.singleShot(0, self, lambda: QTimer.singleShot(0, self, self._push_timeline))
            else:
                self._push_timeline()
        store = self._store()
        if store is not None and self.video_id() is not None and not store.read_only and not self._check.isActive():
            self._check.start()  # not restarted: during playback too, a starting track is looked at once

    def starting_tracks(self, frame: int) -> list:
        """Unassigned tracks of the shown video whose first frame lies within :data:`START_WINDOW_S` before
        ``frame`` (latest start first)."""
        entry, vid = self.session.current, self.video_id()
        poses = entry.poses if entry is not None else None
        if poses is None or vid is None:
            return []
        if self._starts[0] is not poses:
            present = poses.present
            first = present.argmax(axis=1)
            self._starts = (poses, {int(t): int(first[r]) for r, t in enumerate(poses.track_ids) if present[r].any()})
        window = START_WINDOW_S * (poses.fps if poses.fps > 0 else 25.0)
        out = [(f, t) for t, f in self._starts[1].items() if f <= frame <= f + window and t not in self._shown]
        return [t for _f, t in sorted(out, reverse=True)]

    def look_for_suggestions(self) -> None:
        """Compare the tracks starting at the shown frame with the subjects' tracks; offer the best matches."""
        from core_model.project.subject_suggest import AppearanceCache, suggest_subject, track_appearance

        store, vid, entry = self._store(), self.video_id(), self.session.current
        frame = getattr(self.view, "shown_frame", None)
        if store is None or vid is None or entry is None or entry.poses is None or frame is None:
            return
        todo = [t for t in self.starting_tracks(int(frame)) if (vid, t) not in self._asked]
        if not todo or not store.subject_assignments():
            return
        self._cache = self._cache or AppearanceCache(store)
        reader = self._video_reader(vid, entry)
        if reader is None:
            return
        for track in todo:
            self._asked.add((vid, track))
            try:
                look = track_appearance(reader, entry.poses, track)
                found = suggest_subject(store, vid, track, look, self._cache, budget_s=SUGGEST_BUDGET_S)
            except (EpamError, OSError, ValueError):
                found = None
            if found is not None:
                self._pending.append((vid, track, found))
        if self.people.suggested_track is None:
            self._offer_next()

    def _offer_next(self) -> None:
        """Show the next suggestion for the shown video (those of other videos wait until it is shown again)."""
        vid = self.video_id()
        if self._store() is None or self.people.suggested_track is not None:
            return
        mine = [p for p in self._pending if p[0] == vid]
        self._pending = [p for p in self._pending if p[0] != vid]
        while mine:
            _v, track, found = mine.pop(0)
            if track not in self._shown:
                self._pending = mine + self._pending
                where = self._store().video(found.video_id).name
                name = found.name.replace("&", "&amp;").replace("<", "&lt;")
                self.people.show_suggestion(
                    track, f"Track {track} looks like <b style='color:{found.color}'>{name}</b> "
                           f"({found.similarity:.0%} alike track {found.person} of {where}).",
                    accept=f"Accept ({ACCEPT_KEY})")
                self._suggestion, self._offered = found, (vid, track, found)
                self.project.message.emit(f"Track {track} looks like {found.name}: {ACCEPT_KEY} assigns it "
                                          "(People dock: Accept / Not now).")
                return

    def _accept_key(self) -> None:
        if self.people.suggested_track is None:
            self.project.message.emit("No subject suggestion to accept: one appears in the People dock when a "
                                      "track starts that looks like a subject's.")
        else:
            self.people.accept_suggestion()

    def accept_suggestion(self, track: int) -> bool:
        found = getattr(self, "_suggestion", None)
        if found is None:
            return False
        self._suggestion = None
        done = self.assign(track, found.subject_id)
        self._offer_next()
        return done

    def _video_reader(self, vid: int, entry):
        if self._reader is not None and self._reader[0] == vid:
            return self._reader[1]
        self._close_reader()
        from core_model.video import VideoReader

        try:
            self._reader = (vid, VideoReader(entry.path))
        except (EpamError, OSError):
            return None
        return self._reader[1]

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader[1].close()
            self._reader = None

    def _remember_look(self, vid: int, track: int) -> None:
        """Measure an assigned track's look now (its video is open): later suggestions compare with it."""
        from core_model.project.subject_suggest import AppearanceCache

        entry = self.session.current
        if entry is None or entry.poses is None or entry.project_id != vid:
            return
        self._cache = self._cache or AppearanceCache(self._store())
        reader = self._video_reader(vid, entry)
        if reader is not None:
            try:
                self._cache.measure(vid, [track], reader=reader, poses=entry.poses)
            except (EpamError, OSError, ValueError):
                pass

    def close(self) -> None:
        self._close_reader()
