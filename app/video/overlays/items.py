"""Small QGraphicsItems shared by overlays: a labelled box, a scaled image, a text badge."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem


class BoxItem(QGraphicsItem):
    """A dashed rectangle (cosmetic pen: same width at any zoom)."""

    def __init__(self, color: str = "#ffd166") -> None:
        super().__init__()
        self._rect = QRectF()
        self._color = QColor(color)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-4, -4, 4, 4)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pen = QPen(self._color, 2.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self._rect)


class ImageItem(QGraphicsPixmapItem):
    """A small image stretched (smoothly) over a rectangle in scene coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)

    def set_image(self, image: QImage, rect: QRectF) -> None:
        self.setPixmap(QPixmap.fromImage(image))
        self.setPos(rect.topLeft())
        sx = rect.width() / max(1, image.width())
        sy = rect.height() / max(1, image.height())
        self.setTransform(self.transform().fromScale(sx, sy))


class BadgeItem(QGraphicsItem):
    """A rounded text badge that keeps its pixel size at any zoom."""

    def __init__(self, color: str = "#1d2430", text_color: str = "#e8ecf1", size: int = 12,
                 anchor_right: bool = False, anchor_bottom: bool = False) -> None:
        super().__init__()
        self._anchor_right = anchor_right
        self._anchor_bottom = anchor_bottom
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self._text = ""
        self._color = QColor(color)
        self._text_color = QColor(text_color)
        self._font = QFont()
        self._font.setPixelSize(size)
        self._font.setBold(True)
        self._rect = QRectF()
        self._accent: Optional[QColor] = None
        self.home = QPointF()  # where its overlay put it (the stack may move it off another label)

    def setPos(self, *args) -> None:  # noqa: N802 - Qt's name
        """Place the badge (its overlay's choice, remembered as ``home``)."""
        super().setPos(*args)
        self.home = QPointF(self.pos())

    @property
    def anchor_bottom(self) -> bool:
        return self._anchor_bottom

    def set_text(self, text: str, accent: Optional[str] = None) -> None:
        self.prepareGeometryChange()
        self._text = text
        self._accent = QColor(accent) if accent else None
        fm = QFontMetricsF(self._font)
        lines = text.splitlines() or [""]
        w = max(fm.horizontalAdvance(line) for line in lines) + 14
        h = fm.lineSpacing() * len(lines) + 8
        self._rect = QRectF(-w if self._anchor_right else 0, -h if self._anchor_bottom else 0, w, h)
        self.update()

    def text(self) -> str:
        return self._text

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        path = QPainterPath()
        path.addRoundedRect(self._rect, 5, 5)
        fill = QColor(self._color)
        fill.setAlphaF(0.88)
        painter.fillPath(path, fill)
        if self._accent is not None:
            painter.fillRect(QRectF(self._rect.left(), self._rect.top() + 3, 3, self._rect.height() - 6), self._accent)
        painter.setPen(self._text_color)
        painter.setFont(self._font)
        painter.drawText(self._rect.adjusted(8, 4, -6, -4), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self._text)


class ImageClip(QGraphicsRectItem):
    """An invisible rectangle (the picture) that clips its children, e.g. maps over a padded crop box."""

    def __init__(self) -> None:
        super().__init__()
        self.setPen(Qt.PenStyle.NoPen)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)

    def set_image_shape(self, image_shape) -> None:
        h, w = image_shape
        if self.rect() != QRectF(0, 0, w, h):
            self.setRect(QRectF(0, 0, w, h))


def box_rect(box) -> QRectF:
    x0, y0, x1, y1 = box
    return QRectF(QPointF(x0, y0), QPointF(x1, y1))
