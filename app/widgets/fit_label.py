"""A rich-text label that shows the longest of its variants that fits its width (never overlaps its
neighbours, never widens the window); the longest variant is its tooltip."""
from __future__ import annotations

import re
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ").strip()


class FitLabel(QLabel):
    """``set_variants([long, shorter, ..., shortest])``: rich texts from the most to the least detailed."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._variants: list[str] = [""]
        self._widths: list[float] = [0.0]

    def set_variants(self, variants: Sequence[str]) -> None:
        self._variants = [v for v in variants] or [""]
        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(0)
        self._widths = []
        for html in self._variants:
            doc.setHtml(html)
            self._widths.append(doc.idealWidth())
        self.setToolTip(plain(self._variants[0]))
        self.updateGeometry()
        self._choose()

    def sizeHint(self):
        """As wide as the shortest variant (a stretch factor gives it the rest): it never widens the window."""
        hint = super().sizeHint()
        hint.setWidth(int(self._widths[-1]) + 2 + self.contentsMargins().left() + self.contentsMargins().right())
        return hint

    def minimumSizeHint(self):
        return self.sizeHint()

    def shown_width(self) -> float:
        """Width of the text shown now (px)."""
        return self._widths[self._variants.index(self.text())] if self.text() in self._variants else 0.0

    def _choose(self) -> None:
        room = self.contentsRect().width()
        chosen = next((v for v, w in zip(self._variants, self._widths) if w <= room), self._variants[-1])
        if chosen != self.text():
            self.setText(chosen)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._choose()
