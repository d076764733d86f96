"""EPAM-Net in the model registry (name ``epam``, the default)."""
from __future__ import annotations

from typing import Any, Dict

from .epamnet import create_epam_net
from .products import ProductSpec
from .registry import ModelSpec, register


def _build(*, num_classes: int, class_names=None, **config):
    return create_epam_net(num_classes, class_names=class_names, **config)


EPAM_PRODUCTS = (
    ProductSpec("spatial_attention", kind="grid_time", value_range="sigmoid", time_base="rgb_samples", frame="crop",
                shape="(T, 7, 7)", description="pose-driven spatial attention A_S on the person crop (eq. 3)"),
    ProductSpec("temporal_attention", kind="curve", value_range="sigmoid", time_base="rgb_samples", frame="none",
                shape="(T,)", description="pose-driven temporal attention A_T over the sampled RGB frames (eq. 4)"),
)

#: a small EPAM-Net for tests and ``--tiny``: the same two-stream layout, attention and heads, with X3D streams a
#: quarter as wide and 1-3 blocks a stage (RGB 7 blocks instead of 26, pose 6 instead of 23; 0.13 M parameters for 3
#: classes instead of 3.5 M). Input sizes come from the preset, as for every model.
TINY_CONFIG: Dict[str, Any] = {"rgb_width": 0.25, "rgb_depth": 0.2, "pose_width": 0.25, "pose_depth": 0.2}

EPAM = register(ModelSpec(
    name="epam", title="EPAM-Net: X3D RGB + Pose-X3D heatmaps, nested spatial-temporal attention (000)",
    build=_build, inputs=("rgb", "heatmaps"), products=EPAM_PRODUCTS,
    defaults={"backbone": "x3d", "attention": "nested", "attention_frames": 16}, paper="000 (EPAM-Net)",
    tiny=TINY_CONFIG))
