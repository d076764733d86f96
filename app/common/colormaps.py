"""Perceptual colour maps as numpy lookup tables (no matplotlib at run time).

The anchors are 17 evenly spaced samples of matplotlib's ``inferno`` and ``turbo``;
linear interpolation between them is visually indistinguishable from the full maps.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

_ANCHORS = {
    "inferno": [(0, 0, 4), (11, 7, 36), (33, 12, 74), (61, 9, 101), (87, 16, 110), (113, 25, 110),
                (138, 34, 106), (163, 44, 97), (188, 55, 84), (210, 70, 68), (228, 90, 49),
                (241, 115, 29), (249, 142, 9), (252, 172, 17), (249, 203, 53), (242, 234, 105),
                (252, 255, 164)],
    "turbo": [(48, 18, 59), (64, 64, 162), (70, 107, 227), (66, 148, 255), (40, 188, 235),
              (24, 221, 194), (50, 242, 152), (109, 254, 98), (164, 252, 60), (205, 236, 52),
              (238, 207, 58), (253, 172, 52), (251, 126, 33), (235, 80, 14), (208, 47, 5),
              (169, 22, 1), (122, 4, 3)],
}
NAMES = tuple(_ANCHORS)


@lru_cache(maxsize=None)
def lut(name: str = "inferno") -> np.ndarray:
    """A (256, 3) uint8 table for colour map ``name``."""
    anchors = np.asarray(_ANCHORS[name], dtype=np.float64)
    xs = np.linspace(0.0, 1.0, len(anchors))
    t = np.linspace(0.0, 1.0, 256)
    table = np.stack([np.interp(t, xs, anchors[:, c]) for c in range(3)], axis=1)
    return np.round(table).astype(np.uint8)


def colorize(values: np.ndarray, name: str = "inferno", *, alpha: str = "value",
             vmin: float | None = 0.0, vmax: float | None = 1.0) -> np.ndarray:
    """Map a 2-D array to (H, W, 4) uint8 RGBA.

    ``alpha="value"`` makes low values transparent (heat shows only where there is signal);
    ``alpha="opaque"`` keeps every pixel fully opaque. ``vmin``/``vmax`` = None use the data range.
    """
    v = np.asarray(values, dtype=np.float32)
    lo = float(v.min()) if vmin is None else vmin
    hi = float(v.max()) if vmax is None else vmax
    norm = np.clip((v - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    idx = (norm * 255.0 + 0.5).astype(np.uint8)
    rgba = np.empty(v.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = lut(name)[idx]
    if alpha == "value":
        rgba[..., 3] = np.clip(np.sqrt(norm) * 255.0, 0, 255).astype(np.uint8)
    else:
        rgba[..., 3] = 255
    return rgba
