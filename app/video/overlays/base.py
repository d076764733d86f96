"""Base class: an overlay owns one root QGraphicsItem and redraws it from a FrameContext."""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QGraphicsItem, QGraphicsItemGroup, QGraphicsScene

from app.video.overlays.context import FrameContext


class Overlay:
    """Toggle + opacity + lazy redraw. Subclasses implement :meth:`create_item` and :meth:`draw`.

    ``draw(ctx)`` returns False when there is nothing to show for this frame (the item is hidden).
    A disabled overlay does no work; it redraws when enabled again.
    """

    key = "overlay"
    title = "Overlay"
    z = 10.0
    default_opacity = 1.0
    default_enabled = True

    def __init__(self) -> None:
        self.item: QGraphicsItem = self.create_item()
        self.item.setZValue(self.z)
        self.item.setOpacity(self.default_opacity)
        self._enabled = self.default_enabled
        self._ctx: Optional[FrameContext] = None
        self._dirty = True
        self._has_content = False
        self.item.setVisible(False)

    # subclass API ---------------------------------------------------------------------------
    def create_item(self) -> QGraphicsItem:
        return QGraphicsItemGroup()

    def draw(self, ctx: FrameContext) -> bool:
        raise NotImplementedError

    # public API -------------------------------------------------------------------------------
    def attach(self, scene: QGraphicsScene) -> None:
        scene.addItem(self.item)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def opacity(self) -> float:
        return float(self.item.opacity())

    @property
    def visible(self) -> bool:
        """Enabled and something drawn for the current frame."""
        return self._enabled and self._has_content

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = bool(enabled)
        if self._enabled and self._dirty:
            self.refresh()
        self.item.setVisible(self.visible)

    def set_opacity(self, opacity: float) -> None:
        self.item.setOpacity(min(1.0, max(0.0, float(opacity))))

    def set_context(self, ctx: Optional[FrameContext]) -> None:
        self._ctx = ctx
        self._dirty = True
        if self._enabled:
            self.refresh()

    def refresh(self) -> None:
        """Redraw from the current context now."""
        self._dirty = False
        self._has_content = bool(self._ctx is not None and self.draw(self._ctx))
        self.item.setVisible(self.visible)
