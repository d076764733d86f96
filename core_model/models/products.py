"""Attention products that describe themselves, so results and viewers need no per-model code.

A model's output carries ``products``: a dict of tensors named ``*_attention``, ``*_weights`` or
``*_informativeness``. Each name has a :class:`ProductSpec` in the model's registry entry saying what the
values are (``kind``), how they are normalised (``value_range``), along which axis a softmax sums to 1
(``axis``), on which time base the first axis after the batch lies (``time_base``) and in which
coordinate frame they are drawn (``frame``). The results folder stores each product under its name
(``arrays.npz``) and its description in ``summary.json``; a viewer draws any product from that.

A softmax over ``n`` steps that is flat is ``1/n`` everywhere: :func:`relative_to_uniform` shows it
as flat (ratio 1), never as strong attention.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional

import numpy as np

from ..errors import ConfigError

#: what the values are about
KINDS = ("grid", "grid_time", "joints", "points", "parts", "curve")
#: how the values are normalised
VALUE_RANGES = ("sigmoid", "softmax", "boost", "unit")
#: the time base of the first axis after the batch (``clip``: no time axis, one value set per clip)
TIME_BASES = ("rgb_samples", "pose_frames", "feature_steps", "clip")
#: the coordinate frame a viewer draws in
FRAMES = ("crop", "joints", "hands", "parts", "frame", "none")
SUFFIXES = ("_attention", "_weights", "_informativeness")


@dataclass(frozen=True)
class ProductSpec:
    """The description of one attention product (stored in ``summary.json`` under its name)."""

    name: str
    kind: str
    value_range: str
    time_base: str
    frame: str
    shape: str  # e.g. "(T, 7, 7)" without the batch axis, for people and docs
    axis: Optional[int] = None  # softmax: the axis (without batch) whose values sum to 1
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.endswith(SUFFIXES):
            raise ConfigError(f"Product {self.name!r}: the name must end with one of {', '.join(SUFFIXES)}.")
        for field, value, allowed in (("kind", self.kind, KINDS), ("value_range", self.value_range, VALUE_RANGES),
                                      ("time_base", self.time_base, TIME_BASES), ("frame", self.frame, FRAMES)):
            if value not in allowed:
                raise ConfigError(f"Product {self.name!r}: {field} {value!r} is not one of {', '.join(allowed)}.")
        if (self.value_range == "softmax") != (self.axis is not None):
            raise ConfigError(f"Product {self.name!r}: a softmax names its axis, and only a softmax does.")

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "ProductSpec":
        fields = {k: data.get(k) for k in ("name", "kind", "value_range", "time_base", "frame", "shape", "axis",
                                           "description")}
        fields["description"] = fields["description"] or ""
        return cls(**fields)


def relative_to_uniform(values: np.ndarray, spec: ProductSpec) -> np.ndarray:
    """Values a viewer can colour on one scale: a softmax divided by its uniform value ``1/n`` (flat = 1).

    Sigmoid and unit values are returned as they are (0–1), boost masks (1–2) shifted to 0–1.
    ``values`` has no batch axis.
    """
    values = np.asarray(values, dtype=np.float32)
    if spec.value_range == "softmax":
        n = values.shape[spec.axis]
        return values * float(n)
    if spec.value_range == "boost":
        return values - 1.0
    return values


def check_normalised(values: np.ndarray, spec: ProductSpec, atol: float = 1e-4) -> bool:
    """True when ``values`` (no batch axis) are normalised as ``spec`` says."""
    values = np.asarray(values, dtype=np.float64)
    if spec.value_range == "softmax":
        return bool(np.all(values >= 0) and np.allclose(values.sum(axis=spec.axis), 1.0, atol=atol))
    if spec.value_range == "sigmoid":
        return bool(np.all((values > 0) & (values < 1)))
    if spec.value_range == "boost":
        return bool(np.all((values >= 1 - atol) & (values <= 2 + atol)))
    return bool(np.all((values >= -atol) & (values <= 1 + atol)))
