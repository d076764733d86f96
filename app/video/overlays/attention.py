"""Spatial attention of the window covering this frame, upsampled from 7x7 to the crop box.

The map shown is the one of the sampled RGB frame nearest to the current frame, coloured by its
**absolute** value in [0, 1] (the attention is a product of sigmoids): a flat map (an untrained or
uncertain network's, e.g. 0.522–0.526 everywhere) is one even colour, never the full colour range
that would look like strong focus. The legend gives the window's real range and says "flat".
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from PySide6.QtWidgets import QGraphicsItem, QGraphicsItemGroup

from app.common.colormaps import colorize
from app.common.imaging import rgba_to_qimage
from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext, nearest_sample
from app.video.overlays.items import BadgeItem, ImageClip, ImageItem, box_rect
from app.video.overlays.sampled import strip_height

UPSAMPLED = 112
FLAT_SPAN = 0.02  # a window whose maps vary less than this is labelled "flat"


def upsample_bilinear(grid: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a small (h, w) grid to (size, size), cell centres aligned."""
    h, w = grid.shape
    ys = np.clip((np.arange(size) + 0.5) * h / size - 0.5, 0, h - 1)
    xs = np.clip((np.arange(size) + 0.5) * w / size - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x1] * fx
    bottom = grid[y1][:, x0] * (1 - fx) + grid[y1][:, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def attention_map(ctx: FrameContext) -> Optional[Tuple[np.ndarray, int, float, float]]:
    """(7x7 map of sample k, values in [0, 1] as the model gave them, k, window min, window max) or None."""
    result, row = ctx.result, ctx.row
    if row is None or getattr(result, "spatial_attention", None) is None:
        return None
    window = np.asarray(result.spatial_attention[row], dtype=np.float32)  # (16, 7, 7), or (7, 7) per clip
    lo, hi = float(window.min()), float(window.max())
    if window.ndim == 2:  # one map for the whole clip (separable STA, VPN): the same at every frame
        return np.clip(window, 0.0, 1.0), -1, lo, hi
    k = nearest_sample(result.rgb_frames[row], ctx.frame)
    return np.clip(window[k], 0.0, 1.0), k, lo, hi


def legend_text(k: int, lo: float, hi: float, count: int = 16) -> str:
    """The legend; ``k`` -1: a map per clip."""
    flat = " (flat)" if hi - lo < FLAT_SPAN else ""
    when = "per clip" if k < 0 else f"sample {k + 1}/{count}"
    return f"attention · {when} · {lo:.3f}–{hi:.3f}{flat} · 0–1 scale"


class AttentionOverlay(Overlay):
    key = "attention"
    title = "Spatial attention"
    z = 25.0
    default_opacity = 0.45

    def create_item(self) -> QGraphicsItem:
        group = QGraphicsItemGroup()
        self.clip = ImageClip()
        self.image = ImageItem()
        self.image.setParentItem(self.clip)
        self.legend = BadgeItem(size=11, anchor_bottom=True)
        self.legend.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, True)  # readable at any opacity
        group.addToGroup(self.clip)
        group.addToGroup(self.legend)
        return group

    _shown = None  # (result, row, k, box, image shape) of the map on screen
    _shown_result = None

    def draw(self, ctx: FrameContext) -> bool:
        box = ctx.box()
        result, row = ctx.result, ctx.row
        if row is None or box is None or getattr(result, "spatial_attention", None) is None:
            self._shown = None
            return False
        per_clip = np.ndim(result.spatial_attention[row]) == 2
        k = -1 if per_clip else nearest_sample(result.rgb_frames[row], ctx.frame)
        key = (id(result), row, k, tuple(float(v) for v in box), tuple(ctx.image_shape))
        if key == self._shown and self._shown_result is result:
            return True  # same window row and sample: the map on screen is still right
        found = attention_map(ctx)
        if found is None:
            self._shown = None
            return False
        self._shown, self._shown_result = key, result
        grid, k, lo, hi = found
        smooth = np.clip(upsample_bilinear(grid, UPSAMPLED), 0.0, 1.0)
        rgba = colorize(smooth, "turbo", alpha="opaque")
        rgba[..., 3] = (30 + 190 * smooth).astype(np.uint8)
        rect = box_rect(box)
        self.clip.set_image_shape(ctx.image_shape)
        self.image.set_image(rgba_to_qimage(rgba), rect)
        self.legend.set_text(legend_text(k, lo, hi, len(ctx.result.rgb_frames[ctx.row])), accent="#f72585")
        h = float(ctx.image_shape[0])
        self.legend.setPos(max(rect.left(), 0.0) + 3, min(rect.bottom(), h) - strip_height(int(h)) - 3)
        return True
