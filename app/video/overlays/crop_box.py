"""The person-centric crop box of the window covering the current frame."""
from __future__ import annotations

from PySide6.QtWidgets import QGraphicsItem, QGraphicsItemGroup

from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext
from app.video.overlays.items import BadgeItem, BoxItem, box_rect


class CropBoxOverlay(Overlay):
    key = "crop_box"
    title = "Crop box"
    z = 30.0

    def create_item(self) -> QGraphicsItem:
        group = QGraphicsItemGroup()
        self.box = BoxItem("#ffd166")
        self.label = BadgeItem(color="#ffd166", text_color="#1a1a1a", size=11)
        group.addToGroup(self.box)
        group.addToGroup(self.label)
        return group

    def draw(self, ctx: FrameContext) -> bool:
        box = ctx.box()
        if box is None:
            return False
        rect = box_rect(box)
        self.box.set_rect(rect)
        row = ctx.row
        if row is not None:
            r = ctx.result  # real timestamps (variable frame rate video), not frame / fps
            start, end = int(r.window_start[row]), int(r.window_end[row])
            self.label.set_text(f"crop · window {r.frame_time(start):.1f}–{r.frame_time(end):.1f} s")
        else:
            self.label.set_text("crop (from poses)")
        self.label.setPos(max(rect.left(), 0.0) + 3, max(rect.top(), 0.0) + 3)  # inside the picture
        return True
