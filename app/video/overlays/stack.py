"""The ordered set of overlays of one view, addressed by key."""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from app.common.state import Event
from app.video.overlays.attention import AttentionOverlay
from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext
from app.video.overlays.crop_box import CropBoxOverlay
from app.video.overlays.heatmap import HeatmapOverlay
from app.video.overlays.items import BadgeItem
from app.video.overlays.product_data import video_products
from app.video.overlays.products import ProductOverlay, product_key
from app.video.overlays.sampled import SampledFramesOverlay
from app.video.overlays.skeleton import SkeletonOverlay

OVERLAY_TYPES = (SkeletonOverlay, CropBoxOverlay, HeatmapOverlay, AttentionOverlay, SampledFramesOverlay)


class OverlayStack:
    """All overlays of a scene: forwards the frame context, toggles and opacities by key."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._overlays: Dict[str, Overlay] = {}
        for cls in OVERLAY_TYPES:
            overlay = cls()
            overlay.attach(scene)
            self._overlays[overlay.key] = overlay
        self.changed = Event()  # (key)
        self.products_changed = Event()  # () the product overlays were replaced (another result's products)
        self._products: Dict[str, ProductOverlay] = {}  # "product:<name>" -> overlay of the shown result
        self._product_state: Dict[str, dict] = {}  # toggles and opacities by key, kept across results
        self._ctx: Optional[FrameContext] = None
        for view in scene.views():
            if hasattr(view, "zoomChanged"):
                view.zoomChanged.connect(lambda _z: self.separate_badges())

    def __iter__(self) -> Iterator[Overlay]:
        return iter(self._overlays.values())

    def __getitem__(self, key: str) -> Overlay:
        return self._overlays[key] if key in self._overlays else self._products[key]

    def keys(self) -> List[str]:
        """The fixed overlays' keys (each has an action and a saved default)."""
        return list(self._overlays)

    def product_keys(self) -> List[str]:
        """``"product:<name>"`` of each product overlay of the shown result (see ``set_products``)."""
        return list(self._products)

    def products(self) -> List[ProductOverlay]:
        return list(self._products.values())

    def set_products(self, result) -> None:
        """One overlay per product of ``result`` drawn on the picture (``product_data.video_products``);
        kept when the next result has the same products, toggles and opacities remembered by name."""
        wanted = [(product_key(n), n, result.product_spec(n).kind) for n in video_products(result)]
        if [(k, o.name, o.kind) for k, o in self._products.items()] == wanted:
            return
        for key, overlay in self._products.items():
            self._product_state[key] = {"enabled": overlay.enabled, "opacity": overlay.opacity}
            self._scene.removeItem(overlay.item)
        self._products = {}
        for key, name, kind in wanted:
            overlay = ProductOverlay(name, kind)
            overlay.attach(self._scene)
            saved = self._product_state.get(key, {})
            overlay.set_opacity(saved.get("opacity", overlay.default_opacity))
            overlay.set_enabled(saved.get("enabled", True))
            self._products[key] = overlay
        self.products_changed.emit()

    @property
    def context(self) -> Optional[FrameContext]:
        return self._ctx

    def set_context(self, ctx: Optional[FrameContext]) -> None:
        self._ctx = ctx
        self.set_products(ctx.result if ctx is not None else None)
        for overlay in [*self, *self._products.values()]:
            overlay.set_context(ctx)
        self.separate_badges()

    def set_enabled(self, key: str, enabled: bool) -> None:
        self[key].set_enabled(enabled)
        self.separate_badges()
        self.changed.emit(key)

    def badges(self) -> List[BadgeItem]:
        """The text badges on the picture, most important first: the sampled-frame badge, the crop box's
        label, the attention legend (a skeleton's small id tag stays with its skeleton)."""
        items = [(self._overlays["sampled"], "badge"), (self._overlays["crop_box"], "label"),
                 (self._overlays["attention"], "legend")]
        items += [(o, "badge") for o in self._products.values()]
        return [getattr(o, name) for o, name in items if o.visible and getattr(o, name).isVisible()]

    def separate_badges(self) -> None:
        """Move badges that would be drawn over one another (or over the view's frame read-out) apart:
        each goes back where its overlay put it, then down (a bottom-anchored one: up) past the ones
        placed before it. Badges keep their pixel size, so this is redone when the zoom changes."""
        views = self._scene.views()
        if not views:
            return
        view = views[0]
        zoom = abs(view.transform().m11()) or 1.0
        placed: List[QRectF] = []
        hud = getattr(view, "hud_rect", None)
        if hud is not None and not hud().isEmpty():
            placed.append(view.mapToScene(hud()).boundingRect())
        gap = 3.0 / zoom
        for badge in self.badges():
            QGraphicsItem.setPos(badge, badge.home)
            local = badge.boundingRect()
            rect = QRectF(badge.home + local.topLeft() / zoom, local.size() / zoom)
            for _ in range(len(placed) + 1):
                hit = next((p for p in placed if p.intersects(rect)), None)
                if hit is None:
                    break
                dy = -(rect.bottom() - hit.top() + gap) if badge.anchor_bottom else hit.bottom() - rect.top() + gap
                rect.translate(0.0, dy)
            QGraphicsItem.setPos(badge, rect.topLeft() - local.topLeft() / zoom)
            placed.append(rect)
        self._overlays["skeleton"].item.set_avoid(placed)  # the id tags keep off the badges and the read-out

    def set_opacity(self, key: str, opacity: float) -> None:
        self[key].set_opacity(opacity)
        self.changed.emit(key)

    def state(self) -> Dict[str, dict]:
        """{key: {"enabled": bool, "opacity": float}} (persisted as overlay defaults)."""
        return {o.key: {"enabled": o.enabled, "opacity": round(o.opacity, 3)} for o in self}

    def apply_state(self, state: Dict[str, dict]) -> None:
        for key, values in state.items():
            if key in self._overlays:
                self.set_opacity(key, float(values.get("opacity", self._overlays[key].opacity)))
                self.set_enabled(key, bool(values.get("enabled", True)))
