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


class ElidedLabel(QLabel):
    """A plain-text label that keeps its whole text (``text()``, tooltip) but draws it elided ("…") when it
    is given less room than the text needs: a status read-out that never widens the window nor is cut mid-glyph."""

    def __init__(self, text: str = "", parent=None, min_chars: int = 6) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._min_chars = min_chars

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        m = self.contentsMargins()
        hint.setWidth(self.fontMetrics().horizontalAdvance("M" * self._min_chars) + m.left() + m.right())
        return hint

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def paintEvent(self, event) -> None:
        if not self.is_elided():
            super().paintEvent(event)
            return
        from PySide6.QtWidgets import QStyle, QStyleOption, QStylePainter

        painter = QStylePainter(self)
        option = QStyleOption()
        option.initFrom(self)
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option)  # the style sheet's background
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)
