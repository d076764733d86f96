"""Give freed frame memory back to the system a few seconds after work, never while idle.

Decoding frames and running jobs free large blocks that glibc keeps (``core_model.memory``);
``HeapTrimmer.poke()`` (called when a frame is shown or a job reports) arms a single-shot timer
that trims once. An idle window arms nothing, so no timer fires.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer


class HeapTrimmer(QObject):
    """``poke()`` after memory-heavy work; ``trim`` runs once ``interval_ms`` later (``trims`` counts them)."""

    def __init__(self, trim: Callable[[], object], interval_ms: int = 3000, parent=None) -> None:
        super().__init__(parent)
        self._trim = trim
        self.trims = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._run)

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def poke(self, *_args) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _run(self) -> None:
        self.trims += 1
        self._trim()
