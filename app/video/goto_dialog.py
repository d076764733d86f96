"""Go to a time or a frame (Ctrl+G): "12.5" (seconds), "1:02.3" / "00:01:02.3" (a clock), "f 312" / "#312"
(a frame, counted from 0 as the status bar shows)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout

from core_model.errors import EpamError

_FRAME = re.compile(r"^(?:f(?:rame)?\s*|#\s*)(\d+)$", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:[.,]\d*)?)$")
_SECONDS = re.compile(r"^(\d+(?:[.,]\d*)?|[.,]\d+)\s*s?$", re.IGNORECASE)


class PositionError(EpamError):
    """A position the dialog cannot read or that lies outside the video (one sentence)."""


def parse_position(text: str, frame_count: int, frame_at_time: Callable[[float], int]) -> int:
    """The frame ``text`` names: a frame ("f 312", "#312"), seconds ("12.5") or a clock ("00:01:02.3");
    ``frame_at_time(seconds)`` maps a time to its frame (the video's real timestamps)."""
    raw = " ".join(str(text).split())
    match = _FRAME.match(raw)
    if match:
        frame = int(match.group(1))
    else:
        seconds = _seconds(raw)
        if seconds is None:
            raise PositionError(f"'{raw}' is not a time or a frame: write 12.5 (seconds), 00:01:02.3 or f 312.")
        frame = int(frame_at_time(seconds))
    if not 0 <= frame < max(int(frame_count), 1):
        raise PositionError(f"'{raw}' is past the end of the video ({frame_count} frames, 0 to {frame_count - 1}).")
    return frame


def _seconds(raw: str) -> Optional[float]:
    match = _CLOCK.match(raw)
    if match:
        hours, minutes, secs = match.groups()
        if float(secs.replace(",", ".")) >= 60 or (hours is not None and int(minutes) >= 60):
            return None
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs.replace(",", "."))
    match = _SECONDS.match(raw)
    return float(match.group(1).replace(",", ".")) if match else None


class GotoDialog(QDialog):
    """Asks for a position; ``frame`` holds the answer once accepted. Errors show in the dialog."""

    def __init__(self, frame_count: int, frame_at_time: Callable[[float], int], current: str = "",
                 parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Go to")
        self.setObjectName("gotoDialog")
        self.frame: Optional[int] = None
        self._count, self._at = int(frame_count), frame_at_time
        self.edit = QLineEdit(current)
        self.edit.setObjectName("gotoEdit")
        self.edit.setPlaceholderText("12.5   00:01:02.3   f 312")
        self.edit.selectAll()
        self.hint = QLabel("A time in seconds or as a clock, or a frame (f 312 or #312).")
        self.hint.setObjectName("gotoHint")
        self.hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)

    def accept(self) -> None:
        try:
            self.frame = parse_position(self.edit.text(), self._count, self._at)
        except PositionError as err:
            self.hint.setText(str(err))
            self.hint.setStyleSheet("color: #e06c6c;")
            return
        super().accept()
