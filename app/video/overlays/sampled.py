"""Marks on the frames the model sampled: a badge on sampled frames and a tick strip of the window."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsItemGroup

from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext
from app.video.overlays.items import BadgeItem

RGB_COLOR = "#4cc9f0"
POSE_COLOR = "#9aa5b1"
PLAYHEAD_COLOR = "#ffd166"


def strip_height(image_height: int) -> float:
    """Height in image pixels of the tick strip along the bottom of the picture."""
    return max(12.0, image_height * 0.06)


def sample_label(ctx: FrameContext) -> Optional[str]:
    """"sampled RGB frame k/16 · weight w" (and/or the pose sample) if this frame was sampled."""
    result, row = ctx.result, ctx.row
    if row is None:
        return None
    lines = []
    rgb = np.asarray(result.rgb_frames[row])
    hits = np.flatnonzero(rgb == ctx.frame)
    if len(hits):
        k = int(hits[0])
        text = f"sampled RGB frame {k + 1}/{len(rgb)}"
        if getattr(result, "temporal_attention", None) is not None:
            text += f" · weight {float(result.temporal_attention[row, k]):.2f}"
        lines.append(text)
    pose = np.asarray(result.pose_frames[row])
    hits = np.flatnonzero(pose == ctx.frame)
    if len(hits):
        lines.append(f"pose frame {int(hits[0]) + 1}/{len(pose)}")
    return "\n".join(lines) or None


class TickStripItem(QGraphicsItem):
    """A strip along the bottom of the image: the window's span, its sampled frames and the playhead."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self._span = (0, 1)
        self._rgb = np.zeros(0, int)
        self._weights = np.zeros(0, float)
        self._pose = np.zeros(0, int)
        self._frame = 0

    def set_window(self, rect: QRectF, span, rgb, weights, pose, frame: int) -> None:
        self.prepareGeometryChange()
        self._rect, self._span, self._frame = QRectF(rect), span, frame
        self._rgb, self._weights, self._pose = np.asarray(rgb), np.asarray(weights), np.asarray(pose)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def _x(self, frame: float) -> float:
        start, end = self._span
        return self._rect.left() + (frame - start + 0.5) / max(1, end - start) * self._rect.width()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = self._rect
        painter.fillRect(r, QColor(12, 14, 20, 170))
        pen = QPen(QColor(POSE_COLOR), 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for f in self._pose:
            x = self._x(f)
            painter.drawLine(QPointF(x, r.bottom() - r.height() * 0.18), QPointF(x, r.bottom()))
        wmax = float(self._weights.max()) if self._weights.size else 1.0
        for f, w in zip(self._rgb, self._weights):
            x = self._x(f)
            h = r.height() * (0.3 + 0.6 * (float(w) / wmax if wmax > 0 else 1.0))
            color = QColor(RGB_COLOR)
            color.setAlphaF(1.0 if f == self._frame else 0.75)
            pen = QPen(color, 3.0 if f == self._frame else 2.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, r.bottom()), QPointF(x, r.bottom() - h))
        pen = QPen(QColor(PLAYHEAD_COLOR), 2.0, Qt.PenStyle.SolidLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        x = self._x(self._frame)
        painter.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))


class SampledFramesOverlay(Overlay):
    key = "sampled"
    title = "Sampled frames"
    z = 50.0

    def create_item(self) -> QGraphicsItem:
        group = QGraphicsItemGroup()
        self.strip = TickStripItem()
        self.badge = BadgeItem(anchor_right=True)
        group.addToGroup(self.strip)
        group.addToGroup(self.badge)
        return group

    def draw(self, ctx: FrameContext) -> bool:
        result, row = ctx.result, ctx.row
        if row is None:
            return False
        h, w = ctx.image_shape
        strip_h = strip_height(h)
        span = (int(result.window_start[row]), int(result.window_end[row]))
        rgb = np.asarray(result.rgb_frames[row])
        tatt = getattr(result, "temporal_attention", None)
        weights = np.asarray(tatt[row]) if tatt is not None else np.ones(len(rgb))
        self.strip.set_window(QRectF(0, h - strip_h, w, strip_h), span, rgb, weights,
                              result.pose_frames[row], ctx.frame)
        label = sample_label(ctx)
        self.badge.setVisible(label is not None)
        if label is not None:
            self.badge.set_text(label, accent=RGB_COLOR)
            self.badge.setPos(w - 4, 4)
        return True
