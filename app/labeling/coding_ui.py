"""Coders and navigation in the studio, wired by one object (built by ``MainWindow``).

- The coder name (Settings ▸ Coder name; empty: ``$EPAM_CODER`` or the login name) is the author of the labels
  made here: it is set on every project store before the views see it (``ProjectController.prepare_store``).
- Blind coding (View ▸ Blind coding, remembered per project in the settings): ``store.blind_coder`` makes the
  views' reads return the coder's own segments only (``core_model/project/coders.py``).
- Videos assigned to coders: the Videos list shows them, assigns from its context menu and filters
  (View ▸ My videos only).
- Navigation: Go to (Ctrl+G), Loop (Ctrl+L), bookmarks (Ctrl+B, the Bookmarks dock, marks in the timeline),
  Jobs ▸ Analyse all videos… (``app/analysis/project_queue.py``).
"""
from __future__ import annotations

import bisect
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QProgressBar, QToolButton, QWidget

from core_model.errors import EpamError
from core_model.formatting import format_time
from core_model.project.bookmarks import AddBookmark, DeleteBookmarks, EditBookmark
from core_model.project.coders import AssignVideos, UnassignVideos
from core_model.project.database import default_author

from app.labeling.bookmarks_panel import BookmarksPanel
from app.common.lifetime import tie


class CodingUI(QObject):
    def __init__(self, *, project, session, playback, labeling, timeline, video_list, controller, jobs, actions,
                 settings: Callable, save_settings: Callable, show_message: Callable, add_dock: Callable,
                 status_bar, parent) -> None:
        super().__init__(parent)
        self.project, self.session, self.playback, self.labeling = project, session, playback, labeling
        self.timeline, self.video_list, self.controller, self.jobs = timeline, video_list, controller, jobs
        self.actions, self._settings, self._save, self._say = actions, settings, save_settings, show_message
        self._window = parent
        self._unsubscribe = None
        self._refresh_pending = False
        self.queue = None
        self.bookmarks = BookmarksPanel()
        self.bookmarks_dock = add_dock("Bookmarks", self.bookmarks)
        videos_dock = getattr(parent, "videos_dock", None)
        if videos_dock is not None:  # a small screen moves the Videos list into the right docks: Bookmarks follows
            # after the move settles: a restored layout moves both docks, and tabifying in between made a second tab
            videos_dock.dockLocationChanged.connect(
                lambda _area: QTimer.singleShot(0, self, lambda: self._follow_videos(videos_dock)))
        self._build_queue_status(status_bar)
        project.prepare_store.append(self.prepare_store)
        project.projectChanged.connect(self._on_project)
        project.videosChanged.connect(self._schedule_refresh)
        tie(session.current_changed, self, lambda _e: self._schedule_refresh())
        tie(session.added, self, lambda _e: self._schedule_refresh())
        a = actions
        a["blind_coding"].toggled.connect(self.set_blind)
        a["my_videos"].toggled.connect(self.video_list.set_only_mine)
        a["settings"].triggered.connect(self._apply_coder)  # after the dialog closed (connected after the window)
        a["goto"].triggered.connect(self.goto)
        a["loop"].toggled.connect(self.set_loop)
        a["add_bookmark"].triggered.connect(self.add_bookmark)
        a["next_bookmark"].triggered.connect(lambda: self.step_bookmark(1))
        a["previous_bookmark"].triggered.connect(lambda: self.step_bookmark(-1))
        a["analyze_all"].triggered.connect(self.analyze_all)
        video_list.assignRequested.connect(self.assign)
        self.bookmarks.addRequested.connect(self.add_bookmark)
        self.bookmarks.editRequested.connect(self.edit_bookmark)
        self.bookmarks.deleteRequested.connect(lambda ids: self.project.apply(DeleteBookmarks(ids)))
        self.bookmarks.jumpRequested.connect(self.playback.seek)
        playback.playingChanged.connect(self._on_playing)
        self._on_project(project.store)

    def _follow_videos(self, videos_dock) -> None:
        window = self._window
        if self.bookmarks_dock in window.tabifiedDockWidgets(videos_dock):
            return
        if window.dockWidgetArea(videos_dock) != window.dockWidgetArea(self.bookmarks_dock):
            window.tabifyDockWidget(videos_dock, self.bookmarks_dock)
            videos_dock.raise_()

    # ---- coder and blind coding -----------------------------------------------------------
    def coder(self) -> str:
        """This install's coder name (Settings ▸ Coder name, else ``$EPAM_CODER`` or the login name)."""
        return (self._settings().coder or "").strip() or default_author()

    def _blind_key(self, store) -> str:
        return str(store.path)

    def prepare_store(self, store) -> None:
        """Before the views see a project: the coder is its author; blind coding as remembered for it."""
        store.author = self.coder()
        store.blind_coder = self.coder() if self._blind_key(store) in self._settings().blind_projects else None

    def _apply_coder(self) -> None:
        store = self.project.store
        if store is not None and store.author != self.coder():
            was_blind = store.blind_coder is not None
            store.author = self.coder()
            store.blind_coder = self.coder() if was_blind else None
            self._views_again()
        self._refresh()

    def set_blind(self, on: bool) -> None:
        store = self.project.store
        if store is None:
            if on:
                self._say("Open a project to code blind (it hides the other coders' labels).", 6000)
            self._sync_blind_action()
            return
        on = bool(on)
        settings, key = self._settings(), self._blind_key(store)
        projects = [p for p in settings.blind_projects if p != key] + ([key] if on else [])
        if projects != settings.blind_projects:
            settings.blind_projects = projects[-200:]
            self._save(settings)
        if (store.blind_coder is not None) != on:
            store.blind_coder = self.coder() if on else None
            self._views_again()
            self._schedule_refresh()  # the bookmarks shown follow blind coding
            self._say(f"Blind coding: only the labels of {self.coder()} are shown." if on
                      else "Blind coding off: every coder's labels are shown.", 6000)

    def _views_again(self) -> None:
        """Every view reads the labels again (what is shown depends on blind coding)."""
        project = self.project
        project.revision += 1
        project.label_window.clear()
        project.labelsChanged.emit()
        for rec in project.store.videos():
            project.segmentsChanged.emit(rec.id)

    def _sync_blind_action(self) -> None:
        store = self.project.store
        action = self.actions["blind_coding"]
        action.blockSignals(True)
        action.setChecked(store is not None and store.blind_coder is not None)
        action.setEnabled(store is not None)
        action.blockSignals(False)

    # ---- project ----------------------------------------------------------------------------
    def _on_project(self, store) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if store is not None:
            self._unsubscribe = store.subscribe(self._on_change)
        if self.queue is not None and self.queue.running:
            self.queue.cancel()
        self._sync_blind_action()
        self.actions["my_videos"].setEnabled(store is not None)
        self.actions["analyze_all"].setEnabled(store is not None)
        self._refresh()

    def _on_change(self, change) -> None:
        if change.kind in ("coders", "bookmarks", "videos"):
            self._schedule_refresh()

    def _schedule_refresh(self, *_args) -> None:
        if not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self, self._refresh)  # not after self is deleted

    def _refresh(self) -> None:
        self._refresh_pending = False
        store = self.project.store
        if store is None or store.closed:
            self.video_list.set_coders({}, None)
            self.bookmarks.set_bookmarks([], lambda f: 0.0, enabled=False)
            self.timeline.set_bookmarks([])
            return
        self.video_list.set_coders(store.assigned_coders(), self.coder())
        self.video_list.set_only_mine(self.actions["my_videos"].isChecked())
        vid = self._video_id()
        marks = store.bookmarks(vid) if vid is not None else []
        if store.blind_coder is not None:  # blind coding: the other coders' bookmarks (their notes) are hidden too
            marks = [b for b in marks if (b.author or "") == store.blind_coder]
        self.bookmarks.set_bookmarks(marks, lambda f: store.frame_time(vid, f), enabled=vid is not None)
        self.timeline.set_bookmarks([b.frame for b in marks])

    def _video_id(self) -> Optional[int]:
        entry = self.session.current
        if entry is None or self.project.store is None:
            return None
        return entry.project_id if entry.project_id is not None else self.project.video_id(entry.path)

    def assign(self, video_ids, coder: str, assign: bool) -> None:
        try:
            edit = (AssignVideos if assign else UnassignVideos)(video_ids, coder)
        except EpamError as err:
            self._say(str(err), 6000)
            return
        if self.project.apply(edit):
            self._say(edit.description + ".", 4000)

    # ---- navigation -------------------------------------------------------------------------
    def _frame_at(self, entry, seconds: float) -> int:
        ts = getattr(entry, "timestamps", None)
        if ts is not None and len(ts):
            return int(max(np.searchsorted(np.asarray(ts), seconds + 1e-9, side="right") - 1, 0))
        return int(round(seconds * (entry.fps or 25.0)))

    def goto(self) -> None:
        entry = self.session.current
        if entry is None or not entry.is_open:
            self._say("Open a video first (Ctrl+O).", 4000)
            return
        from app.video.goto_dialog import GotoDialog

        now = format_time(entry.frame_time(self.playback.position), 1)
        dialog = GotoDialog(entry.frame_count, lambda s: self._frame_at(entry, s), now, self._window)
        if dialog.exec() and dialog.frame is not None:
            self.playback.seek(dialog.frame)

    def loop_range(self) -> Optional[tuple]:
        """Frames to loop: the selected label, else the in/out range, else the part of the video on screen; a
        single frame (a point event) gets a second of context on each side."""
        span = self._loop_span()
        entry = self.session.current
        if span is None or entry is None:
            return span
        second = int(round(entry.fps or 25.0))
        if span[1] - span[0] <= 1:
            span = (max(span[0] - second, 0), min(span[1] + second, max(entry.frame_count, span[1])))
        return span

    def _loop_span(self) -> Optional[tuple]:
        store, lab = self.project.store, self.labeling
        if store is not None and lab.selected is not None:
            try:
                seg = store.segment(lab.selected)
                return seg.start_frame, seg.end_frame
            except EpamError:
                pass
        if lab.mark_in is not None and lab.mark_out is not None:
            return min(lab.mark_in, lab.mark_out), max(lab.mark_in, lab.mark_out) + 1
        x0, x1, _people = self.timeline.visible_window()
        return (int(x0), int(np.ceil(x1))) if x1 > x0 else None

    def set_loop(self, on: bool) -> None:
        span = self.loop_range() if on else None
        if on and span is None:
            self._say("Nothing to loop: select a label or mark in and out first.", 5000)
            self.actions["loop"].setChecked(False)
            return
        self.playback.set_loop(*(span or (None, None)))
        if span is not None:
            entry = self.session.current
            t0, t1 = (entry.frame_time(span[0]), entry.frame_time(span[1])) if entry is not None else (0, 0)
            self._say(f"Looping {format_time(t0, 1, hours=False)} – {format_time(t1, 1, hours=False)} "
                      "(Ctrl+L stops).", 5000)
            self.playback.seek(span[0])
            self.playback.play()

    def _on_playing(self, playing: bool) -> None:
        if not playing and self.actions["loop"].isChecked() and self.playback.loop is None:
            self.actions["loop"].setChecked(False)

    def add_bookmark(self) -> None:
        vid = self._video_id()
        if vid is None or not self.project.writable():
            if self.project.store is not None and vid is None:
                self._say("This video is not in the project yet; open it again to add it.", 5000)
            return
        frame = self.playback.position
        text, ok = QInputDialog.getText(self._window, "Add bookmark", f"Comment for frame {frame}:")
        if ok:
            self.project.apply(AddBookmark(vid, frame, text))

    def edit_bookmark(self, bookmark_id: int) -> None:
        store = self.project.store
        if store is None:
            return
        old = store.bookmark(bookmark_id)
        text, ok = QInputDialog.getText(self._window, "Edit bookmark", f"Comment for frame {old.frame}:",
                                        text=old.comment)
        if ok and text.strip() != old.comment:
            self.project.apply(EditBookmark(bookmark_id, comment=text))

    def step_bookmark(self, step: int) -> None:
        vid, store = self._video_id(), self.project.store
        blind = store.blind_coder if store is not None else None
        frames = sorted({b.frame for b in store.bookmarks(vid) if blind is None or (b.author or "") == blind}) \
            if vid is not None else []
        here = self.playback.position
        k = bisect.bisect_right(frames, here) if step > 0 else bisect.bisect_left(frames, here) - 1
        if 0 <= k < len(frames):
            self.playback.seek(frames[k])
        else:
            self._say("No further bookmark in this video.", 3000)

    # ---- analyse all videos -------------------------------------------------------------------
    def _build_queue_status(self, status_bar) -> None:
        self.queue_widget = QWidget()
        row = QHBoxLayout(self.queue_widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.queue_label = QLabel()
        self.queue_bar = QProgressBar()
        self.queue_bar.setMaximumWidth(70)
        self.queue_bar.setTextVisible(False)
        self.queue_bar.setRange(0, 1000)
        self.queue_cancel = QToolButton()
        self.queue_cancel.setText("Cancel")
        self.queue_cancel.setToolTip("Stop analysing the project's videos (results made so far are kept)")
        for w in (self.queue_label, self.queue_bar, self.queue_cancel):
            row.addWidget(w)
        self.queue_cancel.clicked.connect(lambda: self.queue.cancel() if self.queue is not None else None)
        status_bar.addPermanentWidget(self.queue_widget)
        self.queue_widget.hide()

    def analyze_all(self) -> None:
        store = self.project.store
        if store is None:
            self._say("Open a project to analyse all its videos.", 5000)
            return
        if self.queue is not None and self.queue.running:
            self._say("Analyse all videos is already running.", 4000)
            return
        from app.analysis.project_queue import ProjectQueue

        self.queue = ProjectQueue(store, self.session, self.controller, self.jobs, self)
        if not self.queue.todo:
            self._say(f"Every video of {store.path.name} is analysed already.", 6000)
            self.queue = None
            return
        self.queue.progressed.connect(self._on_queue_progress)
        self.queue.finished.connect(self._on_queue_finished)
        self.queue_widget.show()
        self.queue.start()

    def _on_queue_progress(self, fraction: float, text: str) -> None:
        self.queue_label.setText(text.split(" (")[0])  # "All videos: 1 of 2"; the video's name in the tooltip
        self.queue_widget.setToolTip(text)
        self.queue_bar.setValue(int(round(1000 * fraction)))

    def _on_queue_finished(self, text: str) -> None:
        self.queue_widget.hide()
        self._say(text, 10000)
