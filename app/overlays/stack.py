"""The ordered set of overlays of one view, addressed by key."""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional

from PySide6.QtWidgets import QGraphicsScene

from ..state import Event
from .attention import AttentionOverlay
from .base import Overlay
from .context import FrameContext
from .crop_box import CropBoxOverlay
from .heatmap import HeatmapOverlay
from .sampled import SampledFramesOverlay
from .skeleton import SkeletonOverlay

OVERLAY_TYPES = (SkeletonOverlay, CropBoxOverlay, HeatmapOverlay, AttentionOverlay, SampledFramesOverlay)


class OverlayStack:
    """All overlays of a scene: forwards the frame context, toggles and opacities by key."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._overlays: Dict[str, Overlay] = {}
        for cls in OVERLAY_TYPES:
            overlay = cls()
            overlay.attach(scene)
            self._overlays[overlay.key] = overlay
        self.changed = Event()  # (key)
        self._ctx: Optional[FrameContext] = None

    def __iter__(self) -> Iterator[Overlay]:
        return iter(self._overlays.values())

    def __getitem__(self, key: str) -> Overlay:
        return self._overlays[key]

    def keys(self) -> List[str]:
        return list(self._overlays)

    @property
    def context(self) -> Optional[FrameContext]:
        return self._ctx

    def set_context(self, ctx: Optional[FrameContext]) -> None:
        self._ctx = ctx
        for overlay in self:
            overlay.set_context(ctx)

    def set_enabled(self, key: str, enabled: bool) -> None:
        self._overlays[key].set_enabled(enabled)
        self.changed.emit(key)

    def set_opacity(self, key: str, opacity: float) -> None:
        self._overlays[key].set_opacity(opacity)
        self.changed.emit(key)

    def state(self) -> Dict[str, dict]:
        """{key: {"enabled": bool, "opacity": float}} (persisted as overlay defaults)."""
        return {o.key: {"enabled": o.enabled, "opacity": round(o.opacity, 3)} for o in self}

    def apply_state(self, state: Dict[str, dict]) -> None:
        for key, values in state.items():
            if key in self._overlays:
                self.set_opacity(key, float(values.get("opacity", self._overlays[key].opacity)))
                self.set_enabled(key, bool(values.get("enabled", True)))
