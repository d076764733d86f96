"""Holds the place of the TimelineWidget until the first frame is on screen.

pyqtgraph and the timeline's plots take most of the start-up time, so the window shows the
video first and builds the timeline right after; calls made before then are replayed.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


FIRST_BANDS = 4  # TimelineWidget's MAX_BANDS_SHOWN (not imported: that pulls in pyqtgraph)


class DeferredTimeline(QWidget):
    """Same setters and ``seekRequested`` signal as ``TimelineWidget``; ``widget()`` builds it now."""

    seekRequested = Signal(int)
    personPicked = Signal(int)
    segmentClicked = Signal(object)
    segmentDrawn = Signal(int, int, int)
    boundsDragged = Signal(int, int, int)
    contextRequested = Signal(int, int, object, QPoint)
    windowChanged = Signal()
    REPLAYED = ("set_video", "set_focus_target", "set_poses", "set_result", "set_labels", "set_editable", "set_person",
                "set_selected_segment", "set_marks", "set_playhead", "set_stale", "set_bookmarks")
    FORWARDED = ("seekRequested", "personPicked", "segmentClicked", "segmentDrawn", "boundsDragged",
                 "contextRequested", "windowChanged")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineHost")
        self._widget: Optional[QWidget] = None
        self._calls: Dict[str, tuple] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel("")
        self._layout.addWidget(self._placeholder)
        self.setMinimumHeight(160)

    @property
    def built(self) -> bool:
        return self._widget is not None

    def widget(self):
        """The TimelineWidget (built on first use)."""
        if self._widget is None:
            from app.timeline.timeline import TimelineWidget

            self._widget = TimelineWidget(self)
            for name in self.FORWARDED:
                getattr(self._widget, name).connect(getattr(self, name))
            self._layout.removeWidget(self._placeholder)
            self._placeholder.deleteLater()
            self._layout.addWidget(self._widget)
            for name in self.REPLAYED:
                if name in self._calls:
                    getattr(self._widget, name)(*self._calls[name])
            self._calls.clear()
        return self._widget

    def _call(self, name: str, *args: Any) -> None:
        if self._widget is None:
            self._calls[name] = args
        else:
            getattr(self._widget, name)(*args)

    def set_video(self, frame_count: int, fps: float, timestamps=None) -> None:
        self._call("set_video", frame_count, fps, timestamps)

    def clear_video(self) -> None:
        """As ``TimelineWidget.clear_video`` (before it is built: forget the calls of the last video)."""
        if self._widget is None:
            for name in ("set_video", "set_labels", "set_marks", "set_playhead", "set_selected_segment"):
                self._calls.pop(name, None)
        else:
            self._widget.clear_video()

    def set_stale(self, reason) -> None:
        self._call("set_stale", reason)

    def set_focus_target(self, widget) -> None:
        self._call("set_focus_target", widget)

    def set_poses(self, poses) -> None:
        self._call("set_poses", poses)

    def set_result(self, result) -> None:
        self._call("set_result", result)

    def set_person(self, track_id) -> None:
        self._call("set_person", track_id)

    def set_playhead(self, frame: int) -> None:
        self._call("set_playhead", frame)

    def set_labels(self, segments, labels, people=None) -> None:
        self._call("set_labels", segments, labels, people)

    def visible_window(self, label_people=()) -> tuple:
        """As ``TimelineWidget.visible_window``; before it is built: the whole video, the first bands."""
        if self._widget is not None:
            return self._widget.visible_window(label_people)
        frames = self._calls.get("set_video", (1,))[0]
        lanes = sorted({-1, *map(int, label_people)})
        return 0.0, float(max(int(frames), 1)), lanes[:FIRST_BANDS]

    def set_editable(self, editable: bool) -> None:
        self._call("set_editable", editable)

    def set_selected_segment(self, seg_id) -> None:
        self._call("set_selected_segment", seg_id)

    def set_bookmarks(self, frames) -> None:
        self._call("set_bookmarks", list(frames))

    def set_marks(self, mark_in, mark_out) -> None:
        self._call("set_marks", mark_in, mark_out)

    def people(self) -> list:
        return self._widget.people() if self._widget is not None else [-1]
