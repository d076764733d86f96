"""Side by side: a second analysis of the shown video (another model, or the same model after fine-tuning) in
a second view on the right, kept on the same frame, zoom and pan, with its own overlays and timeline lanes; the
inspector compares the two at the current frame (``CompareInspector``).

Video ▸ Compare with… (Ctrl+Shift+C) picks B: a recorded analysis of the project's video or a results folder;
Video ▸ Close comparison (Ctrl+Shift+X) closes it; ``epam-studio VIDEO --compare RESULTS_A RESULTS_B`` opens both.
Two analyses of different videos are refused with ``core_model.review.compare.check_same_video``'s sentence.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QSplitter, QVBoxLayout, QWidget

from app.video.compare_inspector import CompareInspector, side_label
from app.video.overlays.context import FrameContext, shown_person
from app.video.overlays.stack import OverlayStack
from app.video.video_view import VideoView
from app.common.lifetime import tie

TITLE_STYLE = "color:#e8ecf1; background:#1d2430; padding:2px 6px; font-weight:bold;"


class ComparePane(QWidget):
    """B's title and video view (its overlays: ``overlays``)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePane")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("compareTitle")
        self.title.setStyleSheet(TITLE_STYLE)
        self.view = VideoView()
        self.view.setObjectName("compareView")
        self.overlays = OverlayStack(self.view.scene())
        column.addWidget(self.title)
        column.addWidget(self.view, 1)


class SideBySide(QObject):
    """The comparison of the main window ``window`` (built and wired by it; see the module docstring)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.win = window
        self.result = None  # B
        self.pane: Optional[ComparePane] = None
        self.timeline = None  # B's TimelineWidget (built with the pane)
        self.inspector = CompareInspector()
        self.inspector.setVisible(False)
        side = window.inspector.parentWidget().layout()
        side.insertWidget(0, self.inspector)
        self._syncing = False
        self.title_a = QLabel()
        self.title_a.setObjectName("compareTitleA")
        self.title_a.setStyleSheet(TITLE_STYLE)
        self.title_a.setVisible(False)
        window.playback.frameShown.connect(self._on_frame)
        tie(window.session.person_changed, self, lambda _p: self.refresh())
        tie(window.session.current_changed, self, lambda _e: self.close())
        tie(window.session.changed, self, lambda e: self.refresh() if e is window.session.current else None)
        window.overlays.changed.connect(self._mirror_toggle)

    @property
    def active(self) -> bool:
        return self.result is not None

    # opening and closing ---------------------------------------------------------------------
    def choose(self) -> None:
        """Video ▸ Compare with…: a recorded analysis of the project's video, or a results folder."""
        entry = self.win.session.current
        if entry is None or not entry.is_open:
            self.win.status.showMessage("Open a video first: a comparison shows two analyses of one video.", 8000)
            return
        recorded = self._recorded(entry)
        if recorded:
            menu = QMenu(self.win)
            for key, folder in recorded:
                menu.addAction(f"{key}  ({folder.name})").setData(str(folder))
            menu.addSeparator()
            menu.addAction("Results folder…").setData("")
            picked = menu.exec(QCursor.pos())
            if picked is None:
                return
            if picked.data():
                self.open_folder(picked.data())
                return
        folder = QFileDialog.getExistingDirectory(self.win, "Compare with the analysis in…",
                                                  self.win.settings.last_dir)
        if folder:
            self.open_folder(folder)

    def _recorded(self, entry):
        store = getattr(self.win.project, "store", None)
        if store is None or getattr(entry, "project_id", None) is None:
            return []
        shown = getattr(entry.result, "path", None)
        return [(k, Path(f)) for k, f in store.analyses(entry.project_id)
                if Path(f).is_dir() and (shown is None or Path(f).resolve() != Path(shown).resolve())]

    def open_folder(self, folder) -> bool:
        """Load the results folder ``folder`` as B (False, with a status-bar sentence, when it cannot be)."""
        from core_model.analysis.results import AnalysisResult
        from core_model.errors import EpamError

        try:
            return self.open_result(AnalysisResult.load(folder))
        except EpamError as exc:
            self.win.show_error("Cannot compare", str(exc))
            return False

    def open_pair(self, folder_a, folder_b) -> bool:
        """``--compare A B``: A becomes the shown video's analysis, B the comparison."""
        from core_model.analysis.results import AnalysisResult
        from core_model.errors import EpamError

        entry = self.win.session.current
        try:
            a = AnalysisResult.load(folder_a)
        except EpamError as exc:
            self.win.show_error("Cannot compare", str(exc))
            return False
        self.win.session.update(entry, result=a)
        return self.open_folder(folder_b)

    def open_result(self, result) -> bool:
        """Show ``result`` as B beside the current video's analysis (refused for another video)."""
        from core_model.errors import EpamError
        from core_model.review.compare import check_same_video

        entry = self.win.session.current
        if entry is None or not entry.is_open:
            self.win.status.showMessage("Open a video first: a comparison shows two analyses of one video.", 8000)
            return False
        try:
            if entry.result is not None:
                warnings = check_same_video(entry.result, result)
            elif int(result.frame_count) != int(entry.frame_count):
                raise EpamError(f"The results in {result.path} are of a video of {result.frame_count} frames, "
                                f"not of {entry.path.name} ({entry.frame_count} frames).")
            else:
                warnings = []
        except EpamError as exc:
            self.win.show_error("Cannot compare", str(exc))
            return False
        self.result = result
        self._show_pane()
        self.inspector.set_results(entry.result, result)
        self.win.actions["close_compare"].setEnabled(True)
        self.refresh()
        note = f" ({warnings[0]})" if warnings else ""
        self.win.status.showMessage(f"Comparing with {side_label(result)}: Ctrl+Shift+X closes it.{note}", 10000)
        return True

    def close(self) -> None:
        """Close the comparison (Video ▸ Close comparison; another video shown)."""
        if self.result is None:
            return
        self.result = None
        if self.pane is not None:
            self.pane.overlays.set_context(None)
            self.pane.view.clear()
            self.pane.setVisible(False)
            self.timeline.setVisible(False)
            self.title_a.setVisible(False)
        self.inspector.set_results(None, None)
        self.inspector.setVisible(False)
        self.win.actions["close_compare"].setEnabled(False)

    # layout -------------------------------------------------------------------------------------
    def _show_pane(self) -> None:
        if self.pane is None:
            self._build_pane()
        entry = self.win.session.current
        self.pane.title.setText(f"B · {side_label(self.result)}")
        self.title_a.setText(f"A · {side_label(entry.result) if entry.result is not None else 'no analysis'}")
        for widget in (self.pane, self.timeline, self.title_a, self.inspector):
            widget.setVisible(True)
        self._make_room()
        half = max(1, sum(self._views.sizes()) // 2)
        self._views.setSizes([half, half])  # the same width: the same picture size
        self.timeline.set_video(entry.frame_count, entry.fps, entry.timestamps)
        self.timeline.set_poses(entry.poses)
        self.timeline.set_result(self.result)
        for overlay in self.win.overlays:  # B starts with A's toggles and opacities
            self.pane.overlays.set_opacity(overlay.key, overlay.opacity)
            self.pane.overlays.set_enabled(overlay.key, overlay.enabled)
        self.pane.view.set_pose_only(self.win.view.pose_only)
        self.pane.view.frame_filter = self.win.view.frame_filter  # faces hidden in both views

    def _make_room(self) -> None:
        """Two pictures side by side need the width: the Videos list becomes a tab of the right docks
        (as on a small screen; it stays there after the comparison, movable as any dock)."""
        win = self.win
        if not win.videos_dock.isFloating() and win.dockWidgetArea(win.videos_dock) != win.dockWidgetArea(
                win.inspector_dock):
            win.tabifyDockWidget(win.inspector_dock, win.videos_dock)
            win.tidy_dock_tabs()
        win.inspector_dock.raise_()

    def _build_pane(self) -> None:
        from app.timeline.timeline import TimelineWidget

        center: QSplitter = self.win.centralWidget()
        views = QSplitter(Qt.Orientation.Horizontal)
        views.setObjectName("compareSplitter")
        self._views = views
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.title_a)
        sizes = center.sizes()
        column.addWidget(self.win.view, 1)  # takes the view out of the centre splitter
        self.pane = ComparePane()
        views.addWidget(left)
        views.addWidget(self.pane)
        center.insertWidget(0, views)
        self.timeline = TimelineWidget()
        self.timeline.setObjectName("compareTimeline")
        center.addWidget(self.timeline)
        total = sum(sizes)
        video = max(sizes[0], total * 11 // 20)  # the two pictures side by side are narrow: more height for them
        lanes = total - video
        center.setSizes([video, lanes - lanes // 2, lanes // 2])
        self.timeline.seekRequested.connect(self.win._seek_from_timeline)
        self.pane.view.imageClicked.connect(self.win._on_image_clicked)
        self.win.face_privacy.ready.connect(self.pane.view.refresh_frame)  # faces found: B shows them hidden too
        self._link_views(self.win.view, self.pane.view)

    def _link_views(self, a: VideoView, b: VideoView) -> None:
        """Same zoom and pan in both views (either one leads)."""
        def follow(src: VideoView, dst: VideoView) -> None:
            if self._syncing or dst.shown_frame is None:
                return
            self._syncing = True
            try:
                dst.setTransform(src.transform())
                dst.horizontalScrollBar().setValue(src.horizontalScrollBar().value())
                dst.verticalScrollBar().setValue(src.verticalScrollBar().value())
            finally:
                self._syncing = False

        for src, dst in ((a, b), (b, a)):
            src.zoomChanged.connect(lambda _z, s=src, d=dst: follow(s, d))
            src.horizontalScrollBar().valueChanged.connect(lambda _v, s=src, d=dst: follow(s, d))
            src.verticalScrollBar().valueChanged.connect(lambda _v, s=src, d=dst: follow(s, d))

    def _mirror_toggle(self, key: str) -> None:
        """A's overlay toggles and opacities (menu, Alt+1…5, panel) apply to B too."""
        if self.pane is not None and key in self.pane.overlays.keys() + self.pane.overlays.product_keys():
            overlay = self.win.overlays[key]
            self.pane.overlays.set_opacity(key, overlay.opacity)
            self.pane.overlays.set_enabled(key, overlay.enabled)

    def _still_same_video(self, a) -> bool:
        """A new analysis in the main view (analyzed again, another checkpoint): still B's video, or close."""
        from core_model.errors import EpamError
        from core_model.review.compare import check_same_video

        try:
            if a is not None:
                check_same_video(a, self.result)
            return True
        except EpamError as exc:
            self.close()
            self.win.status.showMessage(f"Comparison closed: {exc}", 10000)
            return False

    # following the main view --------------------------------------------------------------------
    def _on_frame(self, index: int, frame) -> None:
        if self.result is None or self.pane is None:
            return
        self.pane.view.set_frame(index, frame)  # the same decoded frame: both views always show one frame
        self.refresh()
        self.pane.view.setTransform(self.win.view.transform())

    def context(self) -> Optional[FrameContext]:
        """B's frame context: the main view's frame, person and poses, B's result."""
        ctx = self.win.current_context()
        if ctx is None or self.result is None:
            return None
        return FrameContext(frame=ctx.frame, image_shape=ctx.image_shape, poses=ctx.poses, result=self.result,
                            person=ctx.person, fallback_window=ctx.fallback_window)

    def refresh(self) -> None:
        """Redraw B's overlays, timeline playhead and the inspector's comparison for the frame shown."""
        if self.result is None or self.pane is None:
            return
        ctx = self.context()
        self.pane.overlays.set_context(ctx)
        entry = self.win.session.current
        if ctx is None:
            return
        self.pane.view.set_hud(self.win.view.hud_text(), "UNTRAINED MODEL" if not self.result.trained else "")
        self.timeline.set_person(self.win.session.person)
        self.timeline.set_playhead(ctx.frame)
        a = entry.result if entry is not None else None
        if a is not self.inspector.a:
            if not self._still_same_video(a):
                return
            self.inspector.set_results(a, self.result)
            self.title_a.setText(f"A · {side_label(a) if a is not None else 'no analysis'}")
        person = shown_person(a if a is not None else self.result, self.win.session.person)
        self.inspector.set_frame(ctx.frame, person)


class CompareTask(QObject):
    """``epam-studio VIDEO --compare RESULTS_A RESULTS_B``: open VIDEO with its cached poses, then A and B."""

    def __init__(self, window, video: Path, pair) -> None:
        super().__init__(window)
        self.window, self.video, self.pair = window, Path(video), tuple(pair)
        self._entry = None

    def start(self) -> None:
        self.window.controller.opened.connect(self._on_opened)
        self.window.controller.open_paths([self.video], load_cache=False)

    def _on_opened(self, entry, _info) -> None:
        if self._entry is not None:
            return
        self._entry = entry
        self.window.controller.load_cache(entry, then=lambda: self.window.side_by_side.open_pair(*self.pair))
