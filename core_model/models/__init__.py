"""The models: the registry of named models, EPAM-Net and its streams, the seeds' other attention models,
checkpoints, weights, FLOP counts.

Names are imported on first use (PEP 562), so ``core_model.models.products`` and ``.registry``-free readers
(the studio's overlays, results readers) do not pull in PyTorch.
"""
from __future__ import annotations

import importlib

_NAMES = {
    "attention": ("CbamEcaSTA", "NestedSTA", "align_time"),
    "checkpoints": ("FORMAT_VERSION", "CheckpointInfo", "default_class_names", "load_checkpoint", "save_checkpoint"),
    "epamnet": ("LAYOUTS", "EPAMNet", "EPAMNetOutput", "create_epam_net", "epam_loss", "fuse_scores"),
    "flops": ("PartCost", "model_costs"),
    "inference": ("fuse_for_inference",),
    "pose_x3d": ("create_pose_x3d",),
    "pretrained": ("WeightsReport", "load_x3d_weights", "mmaction_to_pytorchvideo"),
    "x3d": ("X3D", "TemporalShift", "create_x3d"),
    "xshift": ("create_xshift_pose", "create_xshift_rgb"),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
