"""One overlay per attention product of the shown result, drawn from the product's description only.

``grid``/``grid_time`` (maps, boost masks): a map on the person crop, like the spatial attention overlay;
``joints``: discs on the joints, sized and coloured by value; ``points`` on the hands: discs on the glimpse
boxes' centres (the wrists) and the boxes; ``parts``: the model's part boxes, line width, fill and colour by
weight. Colours are the viewer's one 0–1 scale (``product_data.display``: a softmax relative to uniform, flat =
the middle colour); the badge gives the window's range and says "flat". No per-model code: a new model's
products are drawn as soon as its registry entry describes them.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsItemGroup

from app.common.colormaps import colorize, lut
from app.common.imaging import rgba_to_qimage
from app.video.overlays.attention import UPSAMPLED, upsample_bilinear
from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext
from app.video.overlays import product_data as pd
from app.video.overlays.items import BadgeItem, ImageClip, ImageItem, box_rect
from app.video.overlays.sampled import strip_height

KEY_PREFIX = "product:"
ACCENT = "#4cc9f0"
Shape = Tuple[str, QRectF, QColor, float, str]  # (disc|box, rect, colour, weight 0-1, label)


def product_key(name: str) -> str:
    return KEY_PREFIX + name


def value_color(value: float) -> QColor:
    r, g, b = (int(c) for c in lut("turbo")[int(np.clip(value, 0.0, 1.0) * 255 + 0.5)])
    return QColor(r, g, b)


class ShapesItem(QGraphicsItem):
    """Discs and boxes in image coordinates, each with a colour, a weight (fill) and a small label."""

    def __init__(self) -> None:
        super().__init__()
        self._shapes: List[Shape] = []
        self._bounds = QRectF()
        self._font = QFont()
        self._font.setPixelSize(11)
        self._font.setBold(True)

    def set_shapes(self, shapes: List[Shape]) -> None:
        self.prepareGeometryChange()
        self._shapes = list(shapes)
        bounds = QRectF()
        for _kind, rect, _c, _w, _label in self._shapes:
            bounds = bounds.united(rect)
        self._bounds = bounds.adjusted(-60, -30, 60, 30) if self._shapes else QRectF()
        self.update()

    def shapes(self) -> List[Shape]:
        return list(self._shapes)

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(self._font)
        for kind, rect, color, weight, label in self._shapes:
            fill = QColor(color)
            fill.setAlphaF(0.15 + 0.55 * weight if kind == "disc" else 0.05 + 0.3 * weight)
            pen = QPen(color, 1.5 + 4.0 * weight if kind == "box" else 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(fill)
            if kind == "disc":
                painter.drawEllipse(rect)
            else:
                painter.drawRect(rect)
            if label:
                painter.setPen(QColor("#e8ecf1"))
                at = rect.topLeft() + QPointF(3, 13) if kind == "box" else rect.topRight() + QPointF(2, 0)
                painter.drawText(at, label)


class ProductOverlay(Overlay):
    """The overlay of product ``name`` (created per result by :class:`~app.video.overlays.stack.OverlayStack`)."""

    z = 26.0
    default_opacity = 0.8

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.key = product_key(name)
        self.title = name.replace("_", " ").capitalize()
        if kind in ("grid", "grid_time"):
            self.default_opacity = 0.45
        super().__init__()

    def create_item(self) -> QGraphicsItem:
        group = QGraphicsItemGroup()
        self.clip = ImageClip()
        self.image = ImageItem()
        self.image.setParentItem(self.clip)
        self.shapes = ShapesItem()
        self.badge = BadgeItem(size=11, anchor_bottom=True)  # moved up off other badges and the read-out
        self.badge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, True)
        for item in (self.clip, self.shapes, self.badge):
            group.addToGroup(item)
        return group

    def draw(self, ctx: FrameContext) -> bool:
        row = ctx.row
        shown = pd.product_at(ctx.result, self.name, row, ctx.frame)
        if shown is None:
            return False
        if self.kind in ("grid", "grid_time"):
            anchor = self._draw_map(ctx, shown)
        else:
            anchor = self._draw_shapes(ctx, row, shown)
        if anchor is None:
            return False
        self.badge.set_text(shown.badge(), accent=ACCENT)
        h, w = (float(v) for v in ctx.image_shape)
        self.badge.setPos(min(max(anchor.x(), 0.0), w - 40.0) + 3, min(max(anchor.y(), 20.0), h) - 3)
        return True

    def _draw_map(self, ctx: FrameContext, shown: pd.ProductFrame) -> Optional[QPointF]:
        box = ctx.box()
        grid = np.asarray(shown.display, np.float32)
        if box is None or grid.ndim != 2:
            return None
        self.shapes.set_shapes([])
        self.clip.setVisible(True)
        smooth = np.clip(upsample_bilinear(grid, UPSAMPLED), 0.0, 1.0)
        rgba = colorize(smooth, "turbo", alpha="opaque")
        rgba[..., 3] = (30 + 190 * smooth).astype(np.uint8)
        rect = box_rect(box)
        self.clip.set_image_shape(ctx.image_shape)
        self.image.set_image(rgba_to_qimage(rgba), rect)
        h = float(ctx.image_shape[0])  # at the crop's bottom like the attention legend (the stack lifts it above)
        return QPointF(rect.left(), min(rect.bottom(), h) - strip_height(int(h)))

    def _draw_shapes(self, ctx: FrameContext, row: int, shown: pd.ProductFrame) -> Optional[QPointF]:
        self.clip.setVisible(False)
        spec = shown.spec
        if spec.frame == "parts" or spec.kind == "parts":
            shapes = self._part_shapes(ctx, row, shown)
        elif spec.frame == "hands":
            shapes = self._hand_shapes(ctx, row, shown)
        else:
            shapes = self._joint_shapes(ctx, row, shown)
        self.shapes.set_shapes(shapes)
        if not shapes:
            return None
        union = QRectF()
        for _k, rect, _c, _w, _l in shapes:
            union = union.united(rect)
        box = ctx.box()  # under what it labels, from the crop's left edge (room for the text)
        return QPointF(min(union.left(), box[0]) if box is not None else union.left(), union.bottom() + 24.0)

    def _part_shapes(self, ctx: FrameContext, row: int, shown: pd.ProductFrame) -> List[Shape]:
        boxes = pd.part_boxes_at(ctx, row) if ctx.poses is not None else None
        values = np.asarray(shown.values).reshape(-1)
        if boxes is None or len(values) != len(boxes):
            return []
        weights = np.asarray(shown.display).reshape(-1)
        labels = pd.PART_LABELS if len(values) == 3 else tuple(str(i) for i in range(len(values)))
        order = np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))  # big boxes under small
        return [("box", box_rect(boxes[i]), value_color(weights[i]), float(weights[i]),
                 f"{labels[i]} {values[i]:.2f}") for i in order]

    def _hand_shapes(self, ctx: FrameContext, row: int, shown: pd.ProductFrame) -> List[Shape]:
        boxes = pd.glimpse_boxes_at(ctx, row)
        values = np.asarray(shown.values).reshape(-1)
        weights = np.asarray(shown.display).reshape(-1)
        if boxes is None:
            return []
        out: List[Shape] = []
        for i in range(min(len(boxes), len(values))):
            if not np.isfinite(boxes[i]).all():
                continue
            rect = box_rect(boxes[i])
            color = value_color(weights[i])
            out.append(("box", rect, color, 0.0, ""))
            radius = max(4.0, 0.12 * rect.width()) * (0.5 + weights[i])
            centre = rect.center()
            disc = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
            label = f"{pd.HAND_TAGS[i % 4]} {values[i]:.2f}"
            same = next((n for n, (k, r, *_x) in enumerate(out) if k == "disc" and r.contains(centre)), None)
            if same is not None:  # hands at one place (a fallback position): one label for both
                k, r, c, w, text = out[same]
                out[same] = (k, r, c, w, f"{text} · {label}")
                label = ""
            out.append(("disc", disc, color, float(weights[i]), label))
        return out

    def _joint_shapes(self, ctx: FrameContext, row: int, shown: pd.ProductFrame) -> List[Shape]:
        found = pd.joint_points(ctx, row) if ctx.poses is not None else None
        values = np.asarray(shown.values).reshape(-1)
        weights = np.asarray(shown.display).reshape(-1)
        if found is None or len(values) != len(found[0]):
            return []
        points, scores = found
        box = ctx.box()
        size = max(box[2] - box[0], box[3] - box[1]) if box is not None else float(max(ctx.image_shape))
        out: List[Shape] = []
        for j in np.argsort(weights):  # the strongest joints on top
            if scores[j] <= 0.05:
                continue
            radius = max(2.5, size * (0.008 + 0.035 * weights[j]))
            x, y = float(points[j, 0]), float(points[j, 1])
            out.append(("disc", QRectF(x - radius, y - radius, 2 * radius, 2 * radius), value_color(weights[j]),
                        float(weights[j]), ""))
        return out


def shape_centres(overlay: ProductOverlay) -> List[Tuple[str, float, float, float]]:
    """(kind, centre x, centre y, weight) of what a product overlay draws (tests, tools)."""
    return [(k, r.center().x(), r.center().y(), w) for k, r, _c, w, _l in overlay.shapes.shapes()]
