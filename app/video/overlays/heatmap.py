"""Pose heatmap of the current frame: what the pose stream sees (17 joints, max over joints)."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtWidgets import QGraphicsItem

from app.common.colormaps import colorize
from app.common.imaging import rgba_to_qimage
from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext
from app.video.overlays.items import ImageClip, ImageItem, box_rect


def frame_heatmap(ctx: FrameContext, box) -> Optional[np.ndarray]:
    """(56, 56) float32 in [0, 1]: the pseudo-heatmap of ``ctx.frame`` inside ``box`` (max over joints)."""
    poses = ctx.poses
    if poses is None or not 0 <= ctx.frame < poses.num_frames:
        return None
    from core_model.analysis.inputs import heatmap_for_frame

    person = ctx.person if ctx.person is not None and ctx.person in set(poses.track_ids.tolist()) else None
    if not (poses.keypoint_score[:, ctx.frame] > 0).any():
        return None
    return np.asarray(heatmap_for_frame(poses, ctx.frame, box, person), dtype=np.float32).max(axis=0)


class HeatmapOverlay(Overlay):
    key = "heatmap"
    title = "Pose heatmap"
    z = 20.0
    default_enabled = False  # as the saved-settings default (app/shell/settings.py)
    default_opacity = 0.8

    def create_item(self) -> QGraphicsItem:
        clip = ImageClip()
        self.image = ImageItem()
        self.image.setParentItem(clip)
        return clip

    def draw(self, ctx: FrameContext) -> bool:
        box = ctx.box()
        if box is None:
            return False
        heat = frame_heatmap(ctx, box)
        if heat is None:
            return False
        self.item.set_image_shape(ctx.image_shape)
        self.image.set_image(rgba_to_qimage(colorize(heat, "inferno")), box_rect(box))
        return True
