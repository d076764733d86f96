"""What a viewer needs to draw any attention product from its description alone (Qt-free).

A results folder describes each product (``AnalysisResult.product_specs``: kind, value range, time base,
frame). These helpers turn one window row of a product into the values of the frame shown, on one colour
scale for every model:

- sigmoid and unit values are shown as they are (0–1), a boost mask ``1 + M`` as ``M`` (0–1);
- a softmax is shown **relative to uniform** (``relative_to_uniform``: ratio ``r = value · n``, flat = 1),
  mapped to ``r / (1 + r)``: flat reads 0.5 (a level middle colour), three times uniform 0.75, never the
  full scale. A flat product says "flat" in its badge, like the spatial attention legend does.

Which products go where: ``spatial_attention`` keeps the "Spatial attention" overlay (any grid); every other
product that is not a curve gets an overlay of its own (:func:`video_products`); curves and per-clip part
weights become timeline curves (:func:`timeline_curves`).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from core_model.models.products import ProductSpec, relative_to_uniform

FLAT_SPAN = 0.02  # sigmoid/unit/boost values that vary less than this over a window are "flat"
FLAT_RATIO = 0.05  # a softmax within 5 % of uniform everywhere in a window is "flat"
ATTENTION_PRODUCT = "spatial_attention"  # drawn by the "attention" overlay (app/video/overlays/attention.py)
PART_LABELS = ("left hand", "right hand", "body")
HAND_LABELS = ("P1 left", "P1 right", "P2 left", "P2 right")
HAND_TAGS = ("P1 L", "P1 R", "P2 L", "P2 R")  # short: two people's hands are often close together
RANGE_TEXT = {"sigmoid": "0–1 scale", "unit": "0–1 scale", "boost": "boost 1–2",
              "softmax": "× uniform"}


def specs_of(result) -> Dict[str, ProductSpec]:
    """``{name: ProductSpec}`` of every product ``result`` has, in the order it stores them."""
    if result is None:
        return {}
    return {name: ProductSpec.from_dict(result.product_specs[name]) for name in getattr(result, "products", {})}


def video_products(result) -> List[str]:
    """Products drawn on the picture by product overlays (all but curves and ``spatial_attention``)."""
    return [n for n, s in specs_of(result).items() if s.kind != "curve" and n != ATTENTION_PRODUCT]


def is_legacy_curve(name: str, spec: ProductSpec) -> bool:
    """EPAM-Net's sigmoid temporal attention: drawn by the timeline's own "temporal attention" curve."""
    return name == "temporal_attention" and spec.value_range == "sigmoid" and spec.time_base == "rgb_samples"


def timeline_curves(result) -> List[str]:
    """Products drawn as timeline curves: every curve (but EPAM-Net's own) and per-clip part/point weights."""
    out = []
    for name, spec in specs_of(result).items():
        if spec.kind == "curve" and not is_legacy_curve(name, spec):
            out.append(name)
        elif spec.kind in ("parts", "points") and spec.time_base == "clip":
            out.append(name)
    return out


def display(values: np.ndarray, spec: ProductSpec) -> np.ndarray:
    """Values (one window row, no batch axis) on the viewer's 0–1 colour scale (see the module docstring)."""
    rel = relative_to_uniform(np.asarray(values, np.float32), spec)
    if spec.value_range == "softmax":
        rel = np.maximum(rel, 0.0)
        return (rel / (1.0 + rel)).astype(np.float32)
    return np.clip(rel, 0.0, 1.0).astype(np.float32)


def is_flat(values: np.ndarray, spec: ProductSpec) -> bool:
    """True when one window row of the product carries no preference (uniform softmax, constant map)."""
    rel = relative_to_uniform(np.asarray(values, np.float32), spec)
    if rel.size == 0:
        return True
    if spec.value_range == "softmax":
        return bool(np.abs(rel - 1.0).max() < FLAT_RATIO)
    return bool(rel.max() - rel.min() < FLAT_SPAN)


def step_frames(result, spec: ProductSpec, row: int, length: int) -> np.ndarray:
    """The source frame of each of the ``length`` time steps of a product row (its time base)."""
    base = result.pose_frames[row] if spec.time_base == "pose_frames" else result.rgb_frames[row]
    base = np.asarray(base, np.float64)
    if len(base) == length:
        return base
    lo, hi = (base[0], base[-1]) if len(base) else (result.window_start[row], result.window_end[row] - 1)
    return np.linspace(lo, hi, length)


def step_at(result, spec: ProductSpec, row: int, frame: int, length: int) -> int:
    """Index of the time step of a product row nearest to ``frame`` (earlier on ties)."""
    return int(np.argmin(np.abs(step_frames(result, spec, row, length) - frame)))


class ProductFrame:
    """One product at one frame: raw values and display values without the time axis, the window's range."""

    def __init__(self, result, name: str, row: int, frame: int) -> None:
        self.name, self.spec = name, result.product_spec(name)
        window = np.asarray(result.products[name][row], np.float32)
        self.count = 1 if self.spec.time_base == "clip" else int(window.shape[0])
        self.step = None if self.spec.time_base == "clip" else step_at(result, self.spec, row, frame, self.count)
        shown = display(window, self.spec)
        self.values = window if self.step is None else window[self.step]
        self.display = shown if self.step is None else shown[self.step]
        self.flat = is_flat(window, self.spec)
        rel = relative_to_uniform(window, self.spec)
        self.low, self.high = float(rel.min()), float(rel.max())

    def badge(self) -> str:
        """``"part weights · per clip · 0.98–1.03 (flat) · × uniform"``."""
        when = "per clip" if self.step is None else f"step {self.step + 1}/{self.count}"
        flat = " (flat)" if self.flat else ""
        label = self.name.replace("_", " ")
        return f"{label} · {when} · {self.low:.2f}–{self.high:.2f}{flat} · {RANGE_TEXT[self.spec.value_range]}"


def product_at(result, name: str, row: Optional[int], frame: int) -> Optional[ProductFrame]:
    """The product ``name`` of window ``row`` at ``frame``, or None (no row, no such product)."""
    if result is None or row is None or name not in getattr(result, "products", {}):
        return None
    return ProductFrame(result, name, row, frame)


def model_geometry(result, keys: Tuple[str, ...]) -> dict:
    """The crop geometry the model's config records (``summary.json["model_info"]["config"]``), by ``keys``."""
    config = ((result.summary or {}).get("model_info") or {}).get("config") or {}
    return {k: config[k] for k in keys if k in config}


def person_slot(ctx, row: int) -> Optional[int]:
    """Pose slot of the window's person: its track, else the person with most joints inside the crop box."""
    poses, result = ctx.poses, ctx.result
    if poses is None or not 0 <= ctx.frame < poses.keypoint.shape[1]:
        return None
    track = int(result.person[row])
    ids = [int(t) for t in poses.track_ids]
    if track >= 0 and track in ids:
        return ids.index(track)
    present = ctx.people_at_frame()
    if len(present) == 0:
        return None
    box = ctx.box()
    if box is None:
        return int(present[0])
    x0, y0, x1, y1 = box
    kp = poses.keypoint[present, ctx.frame]
    inside = ((kp[..., 0] >= x0) & (kp[..., 0] <= x1) & (kp[..., 1] >= y0) & (kp[..., 1] <= y1)).sum(axis=1)
    return int(present[int(np.argmax(inside))])


def part_boxes_at(ctx, row: int) -> Optional[np.ndarray]:
    """(3, 4) part boxes (left hand, right hand, body) at the frame shown, as the model cropped them."""
    from core_model.preprocess.parts import part_boxes

    slot = person_slot(ctx, row)
    if slot is None:
        return None
    geometry = model_geometry(ctx.result, ("score_threshold", "hand_scale", "hand_extend", "body_padding"))
    return np.asarray(part_boxes(ctx.poses, slot, [ctx.frame], **geometry)[0], np.float32)


def glimpse_boxes_at(ctx, row: int) -> Optional[np.ndarray]:
    """(4, 4) glimpse boxes (P1 left, P1 right, P2 left, P2 right; NaN where absent) at the frame shown."""
    try:
        from core_model.preprocess.hands import glimpse_boxes
    except ImportError:  # pragma: no cover - the hand-glimpse model is not installed
        return None
    if ctx.poses is None or not 0 <= ctx.frame < ctx.poses.keypoint.shape[1]:
        return None
    geometry = model_geometry(ctx.result, ("score_threshold", "hand_scale", "hand_extend", "people"))
    frames = [int(f) for f in np.asarray(ctx.result.pose_frames[row]) if 0 <= f < ctx.poses.keypoint.shape[1]]
    boxes = glimpse_boxes(ctx.poses, [ctx.frame], keypoint_frames=frames or [ctx.frame], **geometry)
    return np.asarray(boxes[0], np.float32)


def joint_points(ctx, row: int) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """((17, 2) joint positions, (17,) scores) of the window's person at the frame shown."""
    slot = person_slot(ctx, row)
    if slot is None:
        return None
    return ctx.poses.keypoint[slot, ctx.frame, :, :2], ctx.poses.keypoint_score[slot, ctx.frame]


def window_curve(result, name: str, rows: np.ndarray) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Timeline curves of a product over ``rows``: ``{label: (frames, display values)}``.

    A curve with a time axis gives its steps at their source frames (windows in row order); a per-clip
    product gives one point per window centre, one curve per entry (e.g. a part)."""
    spec = result.product_spec(name)
    values = np.asarray(result.products[name], np.float32)
    label = name.replace("_", " ")
    if len(rows) == 0:
        return {label: (np.zeros(0), np.zeros(0))}
    if spec.time_base != "clip":
        xs, ys = [], []
        for r in rows:
            steps = values.shape[1]
            xs.append(step_frames(result, spec, int(r), steps))
            ys.append(display(values[r], spec).reshape(steps, -1).mean(axis=1))
        frames, inverse = np.unique(np.concatenate(xs), return_inverse=True)  # overlapping windows: the mean
        sums = np.bincount(inverse, weights=np.concatenate(ys), minlength=len(frames))
        return {label: (frames, sums / np.bincount(inverse, minlength=len(frames)))}
    centres = (result.window_start[rows] + result.window_end[rows] - 1) / 2.0
    shown = np.stack([display(values[r], spec).reshape(-1) for r in rows])
    names = PART_LABELS if spec.kind == "parts" and shown.shape[1] == 3 else (
        HAND_LABELS if shown.shape[1] == 4 else tuple(str(i) for i in range(shown.shape[1])))
    return {f"{label}: {names[i]}": (centres.astype(np.float64), shown[:, i]) for i in range(shown.shape[1])}
