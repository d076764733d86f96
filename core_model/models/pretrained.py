"""Load X3D-M weights from elsewhere into the RGB stream.

Accepted files (read with ``torch.load(weights_only=True)``, never executing code):
- pytorchvideo ``X3D_M.pyth``: ``{"model_state": state_dict}`` or a bare state_dict;
- mmaction / official EPAM-Net code: ``{"state_dict": {"backbone.conv1_s.conv.weight": ..., "cls_head.fc1.weight": ...}}``.
mmaction keys are renamed to pytorchvideo's (see :func:`mmaction_to_pytorchvideo`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch

from ..errors import CheckpointError
from .epamnet import EPAMNet, _add_stage1_shortcut_norm, use_mmaction_shortcut_norm
from .x3d import X3D

HEAD_KEYS = ("blocks.5.proj.weight", "blocks.5.proj.bias")

_BLOCK_PARTS = {
    "conv1.conv": "branch2.conv_a", "conv1.bn": "branch2.norm_a",
    "conv2.conv": "branch2.conv_b", "conv2.bn": "branch2.norm_b.0",
    "conv3.conv": "branch2.conv_c", "conv3.bn": "branch2.norm_c",
    "se_module.fc1": "branch2.norm_b.1.block.0", "se_module.fc2": "branch2.norm_b.1.block.2",
    "downsample.conv": "branch1_conv", "downsample.bn": "branch1_norm",
}
_LAYER = re.compile(r"^layer(\d+)\.(\d+)\.(.+)\.(weight|bias|running_mean|running_var|num_batches_tracked)$")


@dataclass
class WeightsReport:
    """What :func:`load_x3d_weights` did, as pytorchvideo-style key names."""

    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # model keys the file did not provide
    unexpected: List[str] = field(default_factory=list)  # file keys the model has no place for
    skipped: List[str] = field(default_factory=list)  # present on both sides, shapes differ (e.g. head)
    head_loaded: bool = False

    def summary(self) -> str:
        return (f"{len(self.loaded)} tensors loaded, {len(self.missing)} missing, "
                f"{len(self.unexpected)} unexpected, {len(self.skipped)} skipped"
                + ("" if self.head_loaded else " (classifier head not loaded)"))


def _rename_mmaction_key(key: str) -> Optional[str]:
    if key.startswith("backbone."):
        rest = key[len("backbone."):]
        stem = {"conv1_s.conv.": "blocks.0.conv.conv_t.", "conv1_t.conv.": "blocks.0.conv.conv_xy.",
                "conv1_t.bn.": "blocks.0.norm.", "conv5.conv.": "blocks.5.pool.pre_conv.",
                "conv5.bn.": "blocks.5.pool.pre_norm."}
        for old, new in stem.items():
            if rest.startswith(old):
                return new + rest[len(old):]
        m = _LAYER.match(rest)
        if m and m.group(3) in _BLOCK_PARTS:
            return f"blocks.{m.group(1)}.res_blocks.{m.group(2)}.{_BLOCK_PARTS[m.group(3)]}.{m.group(4)}"
        return None
    head = {"cls_head.fc1.weight": "blocks.5.pool.post_conv.weight",
            "cls_head.fc2.weight": "blocks.5.proj.weight", "cls_head.fc2.bias": "blocks.5.proj.bias"}
    return head.get(key)


def mmaction_to_pytorchvideo(state: Mapping[str, torch.Tensor]) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Rename mmaction / official-code X3D keys to pytorchvideo's; returns (renamed, keys left unmapped).

    ``cls_head.fc1.weight`` (2048, 432) becomes the 1x1x1 ``post_conv`` weight (2048, 432, 1, 1, 1).
    """
    renamed: Dict[str, torch.Tensor] = {}
    unmapped: List[str] = []
    for key, value in state.items():
        new = _rename_mmaction_key(key)
        if new is None:
            unmapped.append(key)
            continue
        if new == "blocks.5.pool.post_conv.weight" and value.dim() == 2:
            value = value[:, :, None, None, None]
        renamed[new] = value
    return renamed, unmapped


def read_state_dict(path: Union[str, Path]) -> Dict[str, torch.Tensor]:
    """The tensors of a weights file (unwrapping ``model_state`` / ``state_dict`` / ``model``)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The weights file {path} does not exist.")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means "not a readable weights file"
        raise CheckpointError(f"{path.name} is not a readable PyTorch weights file ({type(exc).__name__}).") from None
    for wrapper in ("model_state", "state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(wrapper), dict):
            obj = obj[wrapper]
            break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path.name} holds no state_dict of tensors.")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in obj.items()}


def load_x3d_weights(model: Union[EPAMNet, X3D], path: Union[str, Path]) -> WeightsReport:
    """Load an X3D-M checkpoint into ``model``'s RGB stream (or into an :class:`X3D` directly).

    The classifier (``proj``) is loaded only when its class count matches; other tensors must match
    in shape.  An mmaction checkpoint with a BN on the first shortcut switches the RGB stream to
    that layout (``config["rgb_shortcut_norm"] = "always"``) so every tensor finds its place.
    """
    state = read_state_dict(path)
    unexpected: List[str] = []
    if any(k.startswith(("backbone.", "cls_head.")) for k in state):
        state, unexpected = mmaction_to_pytorchvideo(state)
    rgb = model.rgb if isinstance(model, EPAMNet) else model
    if "blocks.1.res_blocks.0.branch1_norm.weight" in state:
        if isinstance(model, EPAMNet):
            use_mmaction_shortcut_norm(model)
        else:
            _add_stage1_shortcut_norm(rgb)
    own = rgb.state_dict()
    report = WeightsReport(unexpected=sorted(unexpected + [k for k in state if k not in own]))
    usable = {}
    for key, value in state.items():
        if key not in own:
            continue
        if own[key].shape != value.shape:
            report.skipped.append(key)
            continue
        usable[key] = value
    rgb.load_state_dict(usable, strict=False)
    report.loaded = sorted(usable)
    report.missing = sorted(k for k in own if k not in state)
    report.head_loaded = all(k in usable for k in HEAD_KEYS)
    if not usable:
        raise CheckpointError(f"{Path(path).name} has no tensor that fits the X3D-M RGB stream.")
    return report
