"""Status bar read-outs: frame/time, speed, model status (untrained shown plainly), running jobs."""
from __future__ import annotations

from collections import deque
from typing import Optional

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from core_model.formatting import format_time

from app.common.state import VideoEntry
from app.common.fit_label import ElidedLabel
from app.shell.job_panel import JobPanel

UNTRAINED_TEXT = "untrained model — not a prediction"
REANALYZING_TEXT = "analysing again…"
ANALYZING_TEXT = "analysing…"  # the first analysis of the video


def frame_text(entry: Optional[VideoEntry], frame: Optional[int]) -> str:
    """'Frame 12 / 250 · 0:00.480 / 0:10.000' (1-based frame numbers are not used: index as in the reader)."""
    if entry is None or frame is None or not entry.is_open:
        return "No video"
    last = entry.frame_count - 1
    end = entry.frame_time(last) + (1.0 / entry.fps if entry.fps else 0.0)
    return f"Frame {frame} / {last} · {format_time(entry.frame_time(frame), 3)} / {format_time(end, 3)}"


def model_text(result) -> tuple[str, Optional[bool]]:
    """(label, trained) for the model behind ``result`` (trained None = no analysis yet)."""
    if result is None:
        return "no analysis yet", None
    if not result.trained:
        return UNTRAINED_TEXT, False
    return f"model: {result.model}", True


class StudioStatusBar(QStatusBar):
    """Read-outs on the right: running jobs (one row, one percentage each), frame / time, fps, speed, model,
    project. The fps and speed keep the width their longest text needs; the frame read-out and the model are
    elided ("…") when the window is narrow (whole texts in their tooltips), never cut mid-glyph."""

    def __init__(self, job_panel: JobPanel, parent=None) -> None:
        super().__init__(parent)
        self.frame_label = ElidedLabel("No video", min_chars=8)
        self.frame_label.setObjectName("frameLabel")
        self.speed_label = QLabel("1×")
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setToolTip("Playback speed (+ / -)")
        self.fps_label = QLabel("")
        self.fps_label.setObjectName("fpsLabel")
        self.fps_label.setToolTip("Frames per second of the video")
        self.model_label = ElidedLabel("no analysis yet", min_chars=7)
        self.model_label.setObjectName("modelStatus")
        self.addPermanentWidget(job_panel)
        # as high with a running job (progress bar, cancel button) as without: nothing above it moves
        self.setMinimumHeight(max(QProgressBar().sizeHint().height(), QToolButton().sizeHint().height()) + 4)
        for w in (self.frame_label, self.fps_label, self.speed_label, self.model_label):
            self.addPermanentWidget(w)
        for label, longest in ((self.fps_label, "119.88 fps"), (self.speed_label, "0.25×")):
            label.setFixedWidth(label.fontMetrics().horizontalAdvance(longest) + 14)  # QSS padding 0 6px
        self._queue: deque = deque()  # (text, ms) shown after the message on screen (:meth:`queue_message`)
        self._turn = QTimer(self)  # the message on screen has had its time: the next one of the queue
        self._turn.setSingleShot(True)
        self._turn.timeout.connect(self._next_message)

    # messages: one at a time -----------------------------------------------------------------------
    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt's name
        """Show ``text`` now (for ``timeout`` ms; 0: until replaced); messages waiting in the queue are dropped."""
        self._queue.clear()
        self._show(text, timeout)

    def clearMessage(self) -> None:  # noqa: N802 - Qt's name
        self._queue.clear()
        self._turn.stop()
        super().clearMessage()

    def queue_message(self, text: str, timeout: int) -> None:
        """Show ``text`` for ``timeout`` ms after the message on screen has had its time (now when none is shown
        or it has no time set): two messages in a row are read one after the other, never run together."""
        if self._turn.isActive() and text == self.currentMessage():
            self._turn.start(max(int(timeout), self._turn.remainingTime()))  # said already: it stays longer
        elif self._turn.isActive():
            if text not in (t for t, _ms in self._queue):
                self._queue.append((text, int(timeout)))
        else:
            self._show(text, timeout)

    def messages_ahead(self) -> list:
        """The message on screen and those queued after it, in the order they are shown."""
        return [t for t in [self.currentMessage()] + [t for t, _ms in self._queue] if t]

    def _show(self, text: str, timeout: int) -> None:
        self._turn.stop()
        super().showMessage(text, 0)
        if timeout > 0:
            self._turn.start(int(timeout))

    def _next_message(self) -> None:
        if self._queue:
            self._show(*self._queue.popleft())
        else:
            self.clearMessage()

    def show_frame(self, entry: Optional[VideoEntry], frame: Optional[int]) -> None:
        text = frame_text(entry, frame)
        self.frame_label.setText(text)
        self.frame_label.setToolTip(text)
        self.fps_label.setText(f"{entry.fps:.4g} fps" if entry is not None and entry.fps else "")

    def show_speed(self, speed: float) -> None:
        self.speed_label.setText(f"{speed:g}×")

    def show_model(self, result, stale: Optional[str] = None, analyzing: bool = False) -> None:
        """The model behind ``result``; ``stale``: why it does not match the settings (marked), unless a new
        analysis is running (``analyzing``): then that is said instead."""
        text, trained = model_text(result)
        if analyzing:
            text = f"{REANALYZING_TEXT} · {text}" if result is not None else ANALYZING_TEXT
        elif stale:
            text = f"⚠ results from {stale} — Analyze again · {text}"
        self.model_label.setText(f" {text} ")
        self.model_label.setToolTip(text)
        self.model_label.setProperty("trained", "" if trained is None else ("true" if trained else "false"))
        self.model_label.style().unpolish(self.model_label)
        self.model_label.style().polish(self.model_label)
