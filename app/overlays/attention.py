"""Spatial attention of the window covering this frame, upsampled from 7x7 to the crop box.

The map shown is the one of the sampled RGB frame nearest to the current frame.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from PySide6.QtWidgets import QGraphicsItem

from ..colormaps import colorize
from ..imaging import rgba_to_qimage
from .base import Overlay
from .context import FrameContext, nearest_sample
from .items import ImageItem, box_rect

UPSAMPLED = 112
MIN_SPAN = 0.05  # below this range a map is shown as flat rather than stretched noise


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


def attention_map(ctx: FrameContext) -> Optional[Tuple[np.ndarray, int]]:
    """(7x7 map normalised over its window, sample index k) for the current frame, or None."""
    result, row = ctx.result, ctx.row
    if row is None or getattr(result, "spatial_attention", None) is None:
        return None
    k = nearest_sample(result.rgb_frames[row], ctx.frame)
    window = np.asarray(result.spatial_attention[row], dtype=np.float32)  # (16, 7, 7)
    lo, hi = float(window.min()), float(window.max())
    hi = max(hi, lo + MIN_SPAN)
    return (window[k] - lo) / (hi - lo), k


class AttentionOverlay(Overlay):
    key = "attention"
    title = "Spatial attention"
    z = 25.0
    default_opacity = 0.6

    def create_item(self) -> QGraphicsItem:
        return ImageItem()

    def draw(self, ctx: FrameContext) -> bool:
        found = attention_map(ctx)
        box = ctx.box()
        if found is None or box is None:
            return False
        grid, _ = found
        smooth = np.clip(upsample_bilinear(grid, UPSAMPLED), 0.0, 1.0)
        rgba = colorize(smooth, "turbo", alpha="opaque")
        rgba[..., 3] = (60 + 195 * smooth).astype(np.uint8)
        self.item.set_image(rgba_to_qimage(rgba), box_rect(box))
        return True
