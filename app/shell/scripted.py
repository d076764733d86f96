"""Scripted runs driven by the command line: ``--demo`` and ``--screenshot`` (event driven, no loops)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

SETTLE_MS = 150  # let layouts and the timeline repaint before grabbing


class ScreenshotTask(QObject):
    """Open ``video``, load cached poses/analysis (or compute them with ``analyze``), show frame ``frame``,
    save ``window.grab()`` to ``out`` and quit (exit code 0, or 1 on failure)."""

    def __init__(self, window, video: Path, frame: int, out: Path, *, analyze: bool = False,
                 timeout_s: float = 600.0, compare=None) -> None:
        super().__init__(window)
        self.window, self.video, self.frame, self.out, self.analyze = window, Path(video), frame, Path(out), analyze
        self.compare = compare  # (RESULTS_A, RESULTS_B) shown side by side (app/video/side_by_side.py)
        self._entry = None
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(lambda: self._finish(1, "timed out"))
        self._timeout.start(int(timeout_s * 1000))

    def start(self) -> None:
        c = self.window.controller
        c.opened.connect(self._on_opened)
        c.error.connect(lambda title, msg: self._finish(1, f"{title}: {msg}"))
        c.pipelineDone.connect(lambda entry: self._show_frame())
        c.open_paths([self.video], load_cache=False)

    def _on_opened(self, entry, _info) -> None:
        if self._entry is not None:
            return
        self._entry = entry
        if self.analyze:
            self.window.controller.run_pipeline(entry)
        else:
            self.window.controller.load_cache(entry, then=self._show_frame)

    def _show_frame(self) -> None:
        if self.compare and not self.window.side_by_side.open_pair(*self.compare):
            self._finish(1, self.window.status.currentMessage() or "the comparison could not be opened")
            return
        self.window.frameDisplayed.connect(self._on_displayed)
        self.window.playback.seek(self.frame)

    def _on_displayed(self, index: int) -> None:
        if index == min(self.frame, self._entry.frame_count - 1):
            self.window.frameDisplayed.disconnect(self._on_displayed)
            QTimer.singleShot(SETTLE_MS, self._grab)

    def _grab(self) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        ok = self.window.grab().save(str(self.out))
        self._finish(0 if ok else 1, None if ok else f"could not write {self.out}")

    def _finish(self, code: int, message: Optional[str]) -> None:
        self._timeout.stop()
        if message:
            sys.stderr.write(f"epam-studio: screenshot failed: {message}\n")
        else:
            sys.stdout.write(f"{self.out}\n")
        QApplication.instance().exit(code)


class DemoTask(QObject):
    """Open the demo video, extract poses and analyze it in workers, then play with the overlays on."""

    def __init__(self, window, video: Path, *, play: bool = True) -> None:
        super().__init__(window)
        self.window, self.video, self.play = window, Path(video), play

    def start(self) -> None:
        c = self.window.controller
        c.opened.connect(self._on_opened)
        c.pipelineDone.connect(self._on_ready)
        if not self.video.is_file():
            self.window.show_error("Demo video missing", f"{self.video} does not exist: run `bash scripts/bootstrap.sh`.")
            return
        c.open_paths([self.video], load_cache=False)

    def _on_opened(self, entry, _info) -> None:
        self.window.controller.opened.disconnect(self._on_opened)
        self.window.controller.load_cache(entry, then=lambda: self.window.controller.run_pipeline(entry))

    def _on_ready(self, entry) -> None:
        for key in ("skeleton", "crop_box", "attention", "sampled"):
            self.window.set_overlay(key, True)
        # after the analysis and the first look at the poses, one at a time
        self.window.status.queue_message("Demo ready: overlays on (Alt+1…5 toggle them, F1 lists shortcuts).", 10000)
        if self.play:
            self.window.playback.seek(0)
            self.window.playback.play()
