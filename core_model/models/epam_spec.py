"""EPAM-Net in the model registry (name ``epam``, the default)."""
from __future__ import annotations

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

EPAM = register(ModelSpec(
    name="epam", title="EPAM-Net: X3D RGB + Pose-X3D heatmaps, nested spatial-temporal attention (000)",
    build=_build, inputs=("rgb", "heatmaps"), products=EPAM_PRODUCTS,
    defaults={"backbone": "x3d", "attention": "nested", "attention_frames": 16}, paper="000 (EPAM-Net)"))
