"""TopKBars: a compact painted list of ``name … 87.3%`` rows over thin bars coloured by class.

API: ``TopKBars(title, parent=None)``, ``set_rows([(class_index, name, prob), ...])``,
``rows()`` (what is shown), ``set_emphasis(bool)`` (bold title, taller bars for the fused score).
"""
from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from core_model.formatting import format_percent

from app.common.class_colors import class_color

Row = tuple[int, str, float]


class TopKBars(QWidget):
    """Title line plus one horizontal probability bar per class."""

    def __init__(self, title: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._title = title
        self._rows: list[Row] = []
        self._emphasis = False
        self._k = 5
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_rows(self, rows: Sequence[Row]) -> None:
        rows = [(int(c), str(n), float(p)) for c, n, p in rows]
        if rows == self._rows:
            return  # nothing to repaint
        self._rows = rows
        self._k = max(self._k, len(self._rows))
        self.update()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def set_emphasis(self, on: bool) -> None:
        self._emphasis = bool(on)
        self.updateGeometry()
        self.update()

    def _bar_height(self) -> int:
        return 6 if self._emphasis else 4

    def _row_height(self) -> int:
        return QFontMetrics(self.font()).height() + self._bar_height() + 5

    def sizeHint(self) -> QSize:
        title = QFontMetrics(self.font()).height() + 6
        return QSize(260, title + self._k * self._row_height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(180, self.sizeHint().height())

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        dim = QColor(text)
        dim.setAlphaF(0.6)
        track = QColor(text)
        track.setAlphaF(0.10)
        font = QFont(self.font())
        fm = QFontMetrics(font)
        title_font = QFont(font)
        title_font.setBold(True)
        title_font.setPointSizeF(font.pointSizeF() * (1.0 if self._emphasis else 0.92))
        p.setFont(title_font)
        p.setPen(text if self._emphasis else dim)
        title_h = fm.height() + 6
        p.drawText(QRectF(2, 0, self.width() - 4, title_h), Qt.AlignmentFlag.AlignVCenter, self._title.upper()
                   if not self._emphasis else self._title)
        p.setFont(font)
        width = self.width()
        pct_w = fm.horizontalAdvance("100.0%") + 4
        rh, bar_h, text_h = self._row_height(), self._bar_height(), fm.height()
        if not self._rows:
            p.setPen(dim)
            p.drawText(QRectF(2, title_h, width - 4, rh), Qt.AlignmentFlag.AlignVCenter, "—")
        for i, (cls, name, prob) in enumerate(self._rows):
            y = title_h + i * rh
            color = class_color(cls, name)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawEllipse(QRectF(3, y + text_h / 2 - 4, 8, 8))
            p.setPen(text)
            label = fm.elidedText(name, Qt.TextElideMode.ElideRight, width - pct_w - 22)
            p.drawText(QRectF(16, y, width - pct_w - 20, text_h), Qt.AlignmentFlag.AlignVCenter, label)
            p.setPen(text if i == 0 else dim)
            p.drawText(QRectF(width - pct_w - 2, y, pct_w, text_h),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, format_percent(prob, 1, unit="%"))
            bar = QRectF(16, y + text_h + 1, width - 18, bar_h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(track)
            p.drawRoundedRect(bar, bar_h / 2, bar_h / 2)
            p.setBrush(color)
            bar.setWidth(max(bar.width() * min(max(prob, 0.0), 1.0), float(bar_h)))
            p.drawRoundedRect(bar, bar_h / 2, bar_h / 2)
        p.end()
