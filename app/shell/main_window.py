"""The main window: builds the widgets and wires models, controllers and views together.

No business logic lives here: videos and jobs are in ``controller``, playback in ``playback``,
drawing in ``overlays`` and the session state in ``state``.
"""
from __future__ import annotations

from typing import Dict, Optional

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QMainWindow, QMenu, QSplitter, QToolBar,
                               QVBoxLayout, QWidget)

from app.shell.actions import LABEL_KEYS_HELP, MENUS, TOOLBAR, create_actions
from app.analysis.controller import VideoController
from app.shell.error import show_error
from app.shell.settings_dialog import SettingsDialog
from app.shell.shortcuts import ShortcutsDialog
from app.shell.keyboard import HELP_ROWS, PANES, KeyboardNavigation, pane_action_name
from app.labeling.labeling_ui import LabelingUI
from app.labeling.labels_panel import LabelsPanel
from app.review.review_ui import ReviewUI
from app.training.train_export_ui import TrainExportUI
from app.labeling.track_actions import TrackActions
from app.video.overlays.context import FrameContext, person_at, shown_person
from app.video.overlays.stack import OverlayStack
from app.video.playback import SPEEDS, FrameDecoder, PlaybackController
from app.shell.resources import icon
from app.shell.settings import SettingsStore, StudioSettings
from app.common.state import VIDEO_SUFFIXES, Session, VideoEntry
from app.video.video_list import VideoListWidget
from app.video.inspector import InspectorWidget
from app.shell.job_panel import JobPanel
from app.video.overlay_panel import OverlayPanel
from app.labeling.person_list import PersonList
from app.shell.status_bar import UNTRAINED_TEXT, StudioStatusBar, frame_text
from app.timeline.deferred_timeline import DeferredTimeline
from app.video.video_view import VideoView
from app.video.face_privacy import FacePrivacy
from app.shell.window_layout import DockWidths, WindowFitter, has_screen
from app.common.workers import JobManager
from app.common.lifetime import tie

VIDEOS_MIN_PX = 150  # the Videos dock (names wrap)
SIDE_MIN_PX = 260  # the right docks: a 1024-px screen keeps ~600 px for the video and the timeline
SMALL_SCREEN_PX = 1200  # below this available width the Videos dock starts as a tab of the right docks
SMALL_SCREEN_SIDE_PX = 380  # ... which then are as wide as their six tabs' names
CLICK_RADIUS = 40.0  # px in image coordinates around a skeleton that still selects it
TIMELINE_PX = 262  # the timeline's height for three bands of people and its curve rows
VIDEO_MIN_PX = 200
TIMELINE_BUILD_MS = 1500  # build the timeline by then even if no frame was shown


class MainWindow(QMainWindow):
    """EPAM Studio's window. ``frameDisplayed(index)`` fires once a frame and its overlays are on screen."""

    frameDisplayed = Signal(int)

    def __init__(self, store: Optional[SettingsStore] = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("EPAM Studio")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.store = store or SettingsStore()
        self.settings: StudioSettings = self.store.load()

        self.session = Session()
        self.jobs = JobManager(self)
        self.controller = VideoController(self.session, self.jobs, lambda: self.settings, self)
        self.playback = PlaybackController(self)
        self._pending_readers: Dict[int, object] = {}
        self._shown_data = (None, None, None)  # (entry, poses, result) pushed to the timeline/inspector

        self._build_widgets()
        self._build_actions()
        self._build_labeling()
        self._connect()
        self._apply_overlay_settings()
        self.resizeDocks([self.videos_dock, self.inspector_dock], [190, 400], Qt.Orientation.Horizontal)
        restored = self._restore_geometry()
        self.fitter = WindowFitter(self, after=self._arrange_center)  # the whole window, frame included, on screen
        QTimer.singleShot(0, self._arrange_for_screen if not restored else self.tidy_dock_tabs)
        self.dock_widths = DockWidths(self)  # maximising again gives the docks their maximised widths
        self._refresh_entry_views()
        QTimer.singleShot(TIMELINE_BUILD_MS, self.timeline.widget)

    # construction --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.view = VideoView()
        self.face_privacy = FacePrivacy(lambda: self.session.current.poses if self.session.current else None, self)
        self.view.frame_filter = self.face_privacy
        self.face_privacy.ready.connect(self.view.refresh_frame)  # faces found (worker thread): shown hidden
        self.overlays = OverlayStack(self.view.scene())
        self.timeline = DeferredTimeline()
        self.timeline.set_focus_target(self.view)  # a picked class gives the keyboard back to the video
        self.inspector = InspectorWidget()
        self.video_list = VideoListWidget(self.session)
        self.overlay_panel = OverlayPanel(self.overlays)
        self.job_panel = JobPanel(self.jobs)
        self.status = StudioStatusBar(self.job_panel, self)
        self.setStatusBar(self.status)

        center = QSplitter(Qt.Orientation.Vertical)
        center.setObjectName("centerSplitter")
        center.addWidget(self.view)
        center.addWidget(self.timeline)
        center.setStretchFactor(0, 3)
        center.setStretchFactor(1, 1)
        center.setSizes([400, 300])  # the timeline (lanes + curves) gets ~290 px of a 720 px high window
        self.setCentralWidget(center)

        self.video_list.setMinimumWidth(VIDEOS_MIN_PX)
        self.videos_dock = self._dock("Videos", self.video_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.inspector, 1)
        column.addWidget(self.overlay_panel, 0)
        side.setMinimumWidth(SIDE_MIN_PX)
        self.inspector_dock = self._dock("Inspector", side, Qt.DockWidgetArea.RightDockWidgetArea)
        self.labels_panel = LabelsPanel()
        self.labels_dock = self._dock("Labels", self.labels_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.inspector_dock, self.labels_dock)
        self.person_list = PersonList()
        self.person_list.set_corrections_visible(False)  # TrackActions shows them once wired (project edits)
        self.people_dock = self._dock("People", self.person_list, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.inspector_dock, self.people_dock)
        self.inspector_dock.raise_()
        self.resize(1280, 720)

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        dock.dockLocationChanged.connect(lambda _area: QTimer.singleShot(0, self.tidy_dock_tabs))
        return dock

    def _add_side_tab(self, title: str, widget: QWidget) -> QDockWidget:
        """A right dock tabbed with the Labels dock (the review docks)."""
        dock = self._dock(title, widget, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.labels_dock, dock)
        return dock

    def _menu(self, title: str) -> Optional[QMenu]:
        """The menu bar's menu called ``title`` (``&`` ignored), or None."""
        return next((a.menu() for a in self.menuBar().actions() if a.menu() is not None
                     and a.menu().title().replace("&", "") == title), None)

    def _build_labeling(self) -> None:
        """The project, the labeling commands and their views (the Labels panel, the label keys)."""
        self.labeling_ui = LabelingUI(
            session=self.session, playback=self.playback, view=self.view, timeline=self.timeline,
            panel=self.labels_panel, videos=self.controller, actions=self.actions,
            settings=lambda: self.settings, save_settings=self.store.save, show_message=self.status.showMessage,
            show_error=self.show_error, set_title=self.setWindowTitle, raise_labels=self.labels_dock.raise_,
            add_action=self.addAction, remove_action=self.removeAction, parent=self)
        self.project = self.labeling_ui.project
        self.labeling = self.labeling_ui.labeling

    def _build_helpers(self) -> None:
        """Labeling, review, training/export and track corrections wired in, each handed what it uses."""
        self.status.addPermanentWidget(self.labeling_ui.project_status)
        self.labeling_ui.connect()
        self.review_ui = ReviewUI(
            project=self.project, session=self.session, labeling=self.labeling, playback=self.playback,
            add_dock=self._add_side_tab, actions=self.actions, menu=self._menu("Review"),
            video_opened=self.controller.opened, frame_displayed=self.frameDisplayed,
            show_message=self.status.showMessage, parent=self)
        self.inspector_dock.raise_()
        self.train_export_ui = TrainExportUI(
            actions=self.actions, project=self.project, session=self.session, playback=self.playback,
            jobs=self.jobs, settings=lambda: self.settings, save_settings=self.store.save,
            show_message=self.status.showMessage, review=self.review_ui.controller, parent=self)
        self.track_actions = TrackActions(  # merge / split / delete tracks (People dock, skeleton menu)
            project=self.project, session=self.session, people=self.person_list, view=self.view,
            videos=self.controller, jobs=self.jobs, parent=self)
        self.track_actions.connect()
        from app.video.side_by_side import SideBySide

        self.side_by_side = SideBySide(self)  # Video ▸ Compare with… (app/video/side_by_side.py)
        self.actions["compare_with"].triggered.connect(self.side_by_side.choose)
        self.actions["close_compare"].triggered.connect(self.side_by_side.close)
        self.actions["close_compare"].setEnabled(False)
        from app.labeling.coding_ui import CodingUI

        self.coding_ui = CodingUI(  # coders, blind coding, go to, loop, bookmarks, analyse all videos
            project=self.project, session=self.session, playback=self.playback, labeling=self.labeling,
            timeline=self.timeline, video_list=self.video_list, controller=self.controller, jobs=self.jobs,
            actions=self.actions, settings=lambda: self.settings, save_settings=self.store.save,
            show_message=self.status.showMessage, status_bar=self.status, parent=self,
            add_dock=lambda title, w: self._dock(title, w, Qt.DockWidgetArea.LeftDockWidgetArea))  # under Videos

    def _build_actions(self) -> None:
        self.actions = create_actions(self)
        menubar = self.menuBar()
        for title, names in MENUS.items():
            menu = menubar.addMenu(title)
            for name in names:
                if name is None:
                    menu.addSeparator()
                elif name == "|recent":
                    self.recent_menu = menu.addMenu("Recent projects")
                    self.recent_menu.setObjectName("recentMenu")
                    self.recent_menu.aboutToShow.connect(
                        lambda: self.labeling_ui.fill_recent_menu(self.recent_menu))
                else:
                    menu.addAction(self.actions[name])
        toolbar = QToolBar("Playback", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("speedBox")
        self.speed_box.setToolTip("Playback speed (+ / -)")
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        for name in TOOLBAR:
            if name is None:
                toolbar.addSeparator()
            elif name == "|speed":
                toolbar.addWidget(self.speed_box)
            else:
                toolbar.addAction(self.actions[name])
        self.addToolBar(toolbar)

    def _connect(self) -> None:
        a, pb, c = self.actions, self.playback, self.controller
        a["open"].triggered.connect(self.open_dialog)
        a["close_video"].triggered.connect(lambda: c.close(self.session.current))
        a["quit"].triggered.connect(self.close)
        a["extract"].triggered.connect(lambda: c.extract(self.session.current))
        a["analyze"].triggered.connect(lambda: c.analyze(self.session.current))
        a["cancel_jobs"].triggered.connect(lambda: c.cancel(self.session.current))
        a["play"].triggered.connect(pb.toggle_play)
        a["step_back"].triggered.connect(lambda: pb.step(-1))
        a["step_forward"].triggered.connect(lambda: pb.step(1))
        a["jump_back"].triggered.connect(lambda: pb.jump(-1.0))
        a["jump_forward"].triggered.connect(lambda: pb.jump(1.0))
        a["first_frame"].triggered.connect(lambda: pb.seek(0))
        a["last_frame"].triggered.connect(lambda: pb.seek(pb.frame_count - 1))
        a["faster"].triggered.connect(pb.faster)
        a["slower"].triggered.connect(pb.slower)
        a["normal_speed"].triggered.connect(lambda: pb.set_speed(1.0))
        a["fit"].triggered.connect(self.view.fit)
        a["zoom_in"].triggered.connect(lambda: self.view.zoom_by(1.25))
        a["zoom_out"].triggered.connect(lambda: self.view.zoom_by(0.8))
        a["pose_only"].toggled.connect(self.set_pose_only)
        a["blur_faces"].toggled.connect(self.set_blur_faces)
        for key in self.overlays.keys():
            a[f"overlay_{key}"].toggled.connect(lambda on, k=key: self.set_overlay(k, on))
        a["settings"].triggered.connect(self.open_settings)
        a["shortcuts"].triggered.connect(self.show_shortcuts)
        a["about"].triggered.connect(self.show_about)

        pb.frameShown.connect(self._on_frame_shown)
        pb.playingChanged.connect(self._on_playing)
        pb.speedChanged.connect(self._on_speed)
        pb.decodeFailed.connect(lambda i, msg: self.status.showMessage(f"Frame {i} could not be decoded: {msg}", 8000))
        self.speed_box.activated.connect(lambda i: pb.set_speed(self.speed_box.itemData(i)))

        self.view.imageClicked.connect(self._on_image_clicked)
        self.view.filesDropped.connect(self.open_paths)
        self.timeline.seekRequested.connect(self._seek_from_timeline)
        self.inspector.personSelected.connect(self.session.set_person)
        self.person_list.personSelected.connect(lambda t: self.session.set_person(t if t >= 0 else None))
        self.overlay_panel.toggled.connect(self.set_overlay)
        self.overlay_panel.opacityChanged.connect(self._set_overlay_opacity)
        self.overlay_panel.poseOnlyChanged.connect(self.set_pose_only)
        self.face_privacy.failed.connect(lambda msg: self.status.showMessage(msg, 10000))
        self.overlays.products_changed.connect(lambda: self.overlay_panel.set_products(self.overlays))

        tie(self.session.current_changed, self, self._on_current_changed)
        tie(self.session.changed, self, self._on_entry_changed)
        tie(self.session.person_changed, self, self._on_person_changed)
        c.opened.connect(self._on_opened)
        c.message.connect(lambda text: self.status.showMessage(text, 8000))
        # people and tracks found: read it, after the message on screen (the analysis') has had its time
        c.firstLook.connect(lambda text: self.status.queue_message(text, 30000))
        c.error.connect(self.show_error)
        self._build_helpers()
        self.keys = KeyboardNavigation(self)  # Tab, F6, Ctrl+1…8; focused lists keep their keys
        a["next_pane"].triggered.connect(lambda: self.keys.cycle_pane(1))
        a["previous_pane"].triggered.connect(lambda: self.keys.cycle_pane(-1))
        for pane, _keys in PANES:
            a[pane_action_name(pane)].triggered.connect(lambda _=False, p=pane: self.keys.focus_pane(p))
        a["find_label"].triggered.connect(lambda: self.keys.focus_pane("Labels"))
        self.labels_panel.applyLabel.connect(self._apply_label_from_panel)

    # public commands -----------------------------------------------------------------------
    def open_dialog(self) -> None:
        pattern = "Videos (" + " ".join(f"*{s}" for s in VIDEO_SUFFIXES) + ");;All files (*)"
        paths, _ = QFileDialog.getOpenFileNames(self, "Open videos", self.settings.last_dir, pattern)
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths) -> None:
        """Open videos or folders of videos (command line, dialog, drag and drop); a ``.epam`` file opens
        that project. With a project open, the videos are added to it."""
        from pathlib import Path

        paths = [str(p) for p in paths]
        if paths:
            self.settings.last_dir = str(Path(paths[-1]).resolve().parent)
        projects = [p for p in paths if p.lower().endswith(".epam")]
        videos = [p for p in paths if not p.lower().endswith(".epam")]
        if projects and not self.project.open_project(projects[-1]):
            return
        if videos:
            self.controller.open_paths(videos)

    def open_project(self, path) -> bool:
        """Open a labeling project (its videos are listed; the first one is opened)."""
        return self.project.open_project(path)

    def show_error(self, title: str, message: str) -> None:
        self.status.showMessage(f"{title}: {message}", 10000)
        show_error(self, title, message)

    def set_overlay(self, key: str, on: bool) -> None:
        self.overlays.set_enabled(key, on)
        self._sync_overlay_controls()

    def set_pose_only(self, on: bool) -> None:
        self.view.set_pose_only(on)
        self._sync_overlay_controls()

    def set_blur_faces(self, on: bool) -> None:
        """Faces pixelated in the view (app.video.face_privacy); the frame on screen is shown again."""
        self.face_privacy.set_enabled(on)
        self.settings.blur_faces = bool(on)
        self.actions["blur_faces"].blockSignals(True)
        self.actions["blur_faces"].setChecked(bool(on))
        self.actions["blur_faces"].blockSignals(False)
        shown = self.view.shown_frame
        if shown is not None:  # at once, before the next paint: a face on screen is covered (or comes back)
            pane = self.side_by_side.pane
            for view in (self.view, pane.view if pane is not None else None):
                if view is not None:
                    view.refresh_frame(shown)

    def open_settings(self) -> None:
        entry = self.session.current
        dialog = SettingsDialog(self.settings, self, fps=entry.fps if entry is not None and entry.is_open else None)
        if dialog.exec():
            self.settings = dialog.settings()
            self.store.save(self.settings)
            self._apply_overlay_settings()
            self._refresh_entry_views()

    def show_about(self) -> None:
        from app.shell.about import AboutDialog

        self.about_dialog = AboutDialog(self.settings.device, self)
        self.about_dialog.show()

    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = ShortcutsDialog(list(self.actions.values()) + self.labeling_ui.label_actions(), self,
                                                extra_rows=[LABEL_KEYS_HELP] + HELP_ROWS)
        self.shortcuts_dialog.show()

    def current_context(self) -> Optional[FrameContext]:
        entry, frame = self.session.current, self.view.shown_frame
        if entry is None or frame is None or not entry.is_open:
            return None
        window = int(round(self.settings.window * entry.fps)) if self.settings.unit == "s" else int(self.settings.window)
        return FrameContext(frame=frame, image_shape=(entry.height, entry.width), poses=entry.poses,
                            result=entry.result, person=self.session.person, fallback_window=max(2, window))

    # reactions -----------------------------------------------------------------------------
    def _on_opened(self, entry: VideoEntry, info) -> None:
        self._pending_readers[id(entry)] = info.reader
        self.labeling_ui.video_opened(entry, info)
        if self.session.current is entry:  # the controller makes one video of each open request current
            self._on_current_changed(entry)

    def _on_current_changed(self, entry: Optional[VideoEntry]) -> None:
        self.view.clear()
        self.labeling_ui.current_changed(entry)
        if entry is None or not entry.is_open:
            self.playback.set_source(None)
            if entry is None:
                self.timeline.clear_video()  # no video: not the last one's axis
            self._refresh_entry_views()
            return
        reader = self._pending_readers.pop(id(entry), None)
        for stale in self._pending_readers.values():
            stale.close()
        self._pending_readers.clear()
        decoder = FrameDecoder(entry.path, reader_factory=(lambda _p, r=reader: r) if reader is not None else None)
        self.timeline.set_video(entry.frame_count, entry.fps, entry.timestamps)
        self._refresh_entry_views()
        self.playback.set_source(decoder, entry.frame_count, entry.fps)

    def _on_entry_changed(self, entry: VideoEntry) -> None:
        if entry is self.session.current:
            self._refresh_entry_views()

    def _refresh_entry_views(self) -> None:
        """Push the current entry's poses/result to the timeline, inspector, overlays and status bar."""
        entry = self.session.current
        poses = entry.poses if entry is not None else None
        result = entry.result if entry is not None else None
        if any(a is not b for a, b in zip(self._shown_data, (entry, poses, result))):  # identity: arrays inside
            self._shown_data = (entry, poses, result)
            self.timeline.set_poses(poses)
            self.person_list.set_poses(poses)
            self.timeline.set_result(result)
            self.inspector.set_result(result)
            self._update_frame_views()
        stale = self.settings.stale_reason(result)  # after a settings change or a cancelled new analysis
        analyzing = entry is not None and entry.busy == "analyzing"  # the notice would be old news
        self.timeline.set_stale(None if analyzing else stale)
        self.status.show_model(result, stale, analyzing=analyzing)

    def _on_frame_shown(self, index: int, frame) -> None:
        self.view.set_frame(index, frame)
        self._update_frame_views()
        self.frameDisplayed.emit(index)
        if not self.timeline.built:
            QTimer.singleShot(0, self.timeline.widget)

    def _update_frame_views(self) -> None:
        entry, frame = self.session.current, self.view.shown_frame
        self.overlays.set_context(self.current_context())
        self.status.show_frame(entry, frame)
        warning = ""
        if entry is not None and entry.result is not None and not entry.result.trained:
            warning = UNTRAINED_TEXT.upper()
        self.view.set_hud(frame_text(entry, frame) if frame is not None else "", warning)
        if frame is not None:
            self.timeline.set_playhead(frame)
            self.person_list.set_frame(frame)
            shown = shown_person(entry.result if entry is not None else None, self.session.person)
            self.inspector.set_frame(frame, shown if shown is not None and shown >= 0 else None)

    def _on_person_changed(self, person: Optional[int]) -> None:
        self.timeline.set_person(person)
        self.person_list.set_selected(person)
        self._update_frame_views()  # the inspector follows the same rule (``shown_person``)

    def _on_image_clicked(self, pos: QPointF) -> None:
        entry, frame = self.session.current, self.view.shown_frame
        if entry is None or frame is None:
            return
        track = person_at(entry.poses, frame, pos.x(), pos.y(), CLICK_RADIUS)
        self.session.set_person(track)

    def _seek_from_timeline(self, frame: int) -> None:
        self.playback.pause()
        self.playback.seek(frame)

    def _on_playing(self, playing: bool) -> None:
        self.actions["play"].setIcon(icon("pause" if playing else "play"))

    def _on_speed(self, speed: float) -> None:
        self.status.show_speed(speed)
        index = self.speed_box.findData(speed)
        if index >= 0:
            self.speed_box.setCurrentIndex(index)

    def _set_overlay_opacity(self, key: str, opacity: float) -> None:
        self.overlays.set_opacity(key, opacity)

    def _apply_overlay_settings(self) -> None:
        self.overlays.apply_state(self.settings.overlays)
        self.view.set_pose_only(self.settings.pose_only)
        self.set_blur_faces(self.settings.blur_faces)
        self._sync_overlay_controls()

    def _sync_overlay_controls(self) -> None:
        self.overlay_panel.sync(self.overlays, self.view.pose_only)
        for key in self.overlays.keys():
            action = self.actions[f"overlay_{key}"]
            action.blockSignals(True)
            action.setChecked(self.overlays[key].enabled)
            action.blockSignals(False)
        self.actions["pose_only"].blockSignals(True)
        self.actions["pose_only"].setChecked(self.view.pose_only)
        self.actions["pose_only"].blockSignals(False)

    def _apply_label_from_panel(self, label_id: int) -> None:
        """Enter in the label search: the label is used like its key, then the keys go back to the video."""
        self.labeling.apply_label(label_id)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        """Tab / Shift+Tab: through the video, the timeline and the docks shown (``app.shell.keyboard``)."""
        keys = getattr(self, "keys", None)
        return keys.next_focus(next) if keys is not None else super().focusNextPrevChild(next)

    # drag and drop, geometry, closing ------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_paths(paths)

    def _restore_geometry(self) -> bool:
        """The saved geometry and dock layout; False when there is none (first start)."""
        geometry, state = self.store.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        return state is not None

    def _arrange_for_screen(self) -> None:
        """First start on a small screen: the Videos list becomes a tab of the right docks (room for the video)."""
        screen = self.screen()
        if screen is not None and has_screen() and screen.availableGeometry().width() < SMALL_SCREEN_PX:
            self.tabifyDockWidget(self.inspector_dock, self.videos_dock)
            self.inspector_dock.raise_()
            self.resizeDocks([self.inspector_dock], [SMALL_SCREEN_SIDE_PX], Qt.Orientation.Horizontal)
        self.tidy_dock_tabs()

    def _arrange_center(self) -> None:
        """Split the height between the video and the timeline: the timeline keeps room for three bands and its
        curves (``TIMELINE_PX``), the video at least ``VIDEO_MIN_PX``, more height goes 4:3 to them."""
        center = self.centralWidget()
        extra = center.sizes()[2:]  # side by side: B's timeline (app/video/side_by_side.py) keeps its height
        total = sum(center.sizes()[:2])
        if total <= 0:
            return
        timeline = min(max(TIMELINE_PX, total * 3 // 7), max(total - VIDEO_MIN_PX, total // 2))
        center.setSizes([total - timeline, timeline, *extra])

    def tidy_dock_tabs(self) -> None:
        """The tabs of tabbed docks show their full names, the docks as wide as their tabs need, and take Tab."""
        from app.shell.window_layout import fit_dock_tabs

        fit_dock_tabs(self)

    def closeEvent(self, event) -> None:
        self.settings.overlays = self.overlays.state()
        self.settings.pose_only = self.view.pose_only
        self.store.save(self.settings)
        self.store.save_geometry(self.saveGeometry(), self.saveState())
        self.jobs.shutdown(timeout_ms=5000)
        self.labeling_ui.close()
        self.playback.close()
        self.face_privacy.close()
        for reader in self._pending_readers.values():
            reader.close()
        self._pending_readers.clear()
        super().closeEvent(event)
