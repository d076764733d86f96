"""Load single-stream X3D weights from elsewhere into one stream of EPAM-Net.

Accepted files (read with ``torch.load(weights_only=True)``, never executing code):
- pytorchvideo ``X3D_M.pyth``: ``{"model_state": state_dict}`` or a bare state_dict (RGB);
- mmaction / PYSKL: ``{"state_dict": {"backbone.conv1_s.conv.weight": ..., "cls_head.fc1.weight": ...}}``;
- the authors' per-stream files (their trainer's ``PretrainedRGB`` / ``PretrainedPose``): ``rgb_backbone.*`` /
  ``rgb_cls_head.*`` or ``pose_backbone.*`` / ``pose_cls_head.*`` (DDP ``module.`` prefixes allowed), and
  one stream of a full two-stream file.
mmaction keys are renamed to pytorchvideo's (see :func:`mmaction_to_pytorchvideo`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
from torch import nn

from ..errors import CheckpointError
from . import official
from .epamnet import EPAMNet, _add_stage1_shortcut_norm, use_mmaction_shortcut_norm
from .weights_io import read_torch_file, refuse_non_finite, unwrap_state_dict
from .x3d import X3D

HEAD_KEYS = ("blocks.5.proj.weight", "blocks.5.proj.bias")
STREAMS = ("rgb", "pose", "auto")
_FIRST_SHORTCUT_NORM = "blocks.1.res_blocks.0.branch1_norm"
_LABEL = {"rgb": "RGB", "pose": "pose"}


@dataclass
class WeightsReport:
    """What :func:`load_x3d_weights` did, as pytorchvideo-style key names."""

    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # model keys the file did not provide
    unexpected: List[str] = field(default_factory=list)  # file keys the model has no place for
    skipped: List[str] = field(default_factory=list)  # present on both sides, shapes differ (e.g. head)
    identity: List[str] = field(default_factory=list)  # set to an exact identity (BN the file lacks)
    head_loaded: bool = False
    stream: str = "rgb"

    def summary(self) -> str:
        return (f"{len(self.loaded)} tensors loaded into the {_LABEL[self.stream]} stream, "
                f"{len(self.missing)} missing, {len(self.unexpected)} unexpected, {len(self.skipped)} skipped"
                + ("" if self.head_loaded else " (classifier head not loaded)"))


def mmaction_to_pytorchvideo(state: Mapping[str, torch.Tensor], *, stream: str = "rgb",
                             head_index: int = 5) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Rename mmaction / official-code X3D keys to pytorchvideo's; returns (renamed, keys left unmapped).

    ``cls_head.fc1.weight`` (2048, 432) becomes the 1x1x1 ``post_conv`` weight (2048, 432, 1, 1, 1).
    """
    return official.stream_state(state, stream, head_index)


def read_state_dict(path: Union[str, Path]) -> Dict[str, torch.Tensor]:
    """The tensors of a weights file (unwrapping ``model_state`` / ``state_dict`` / ``model``)."""
    path = Path(path)
    state = unwrap_state_dict(read_torch_file(path))
    if state is None:
        raise CheckpointError(f"{path.name} holds no state_dict of tensors.")
    return state


def _x3d_stream(net: X3D) -> str:
    return "rgb" if net.blocks[0].conv.conv_t.weight.shape[1] == 3 else "pose"


def _file_stream(state: Mapping[str, torch.Tensor]) -> Optional[str]:
    found = official.stream_of(state)
    if found is None:
        stem = state.get("blocks.0.conv.conv_t.weight")
        if stem is not None and stem.dim() == 5:
            found = "rgb" if stem.shape[1] == 3 else "pose"
    return found


@torch.no_grad()
def _set_identity(norm: nn.BatchNorm3d) -> None:
    """Make an eval-mode BN exactly the identity: ``(x - 0) / sqrt((1 - eps) + eps) * 1 + 0``."""
    norm.weight.fill_(1.0)
    norm.bias.zero_()
    norm.running_mean.zero_()
    norm.running_var.fill_(1.0 - norm.eps)


def load_x3d_weights(model: Union[EPAMNet, X3D], path: Union[str, Path], *, stream: str = "rgb") -> WeightsReport:
    """Load single-stream X3D weights into ``model``'s ``stream`` ("rgb", "pose" or "auto": the file's).

    ``model`` may be an :class:`EPAMNet` or an :class:`X3D` (whose stream its input channels tell).
    A file of the other stream is refused (a pose file is never loaded as RGB weights where shapes
    happen to fit).  The classifier is loaded only when its class count matches; other tensors must
    match in shape.  An mmaction file with a BN on the RGB stream's first shortcut adds that BN to a
    model without one (``config["rgb_shortcut_norm"] = "always"``); a pytorchvideo file without it
    leaves that BN an exact identity.
    """
    if stream not in STREAMS:
        raise ValueError(f"stream must be one of {STREAMS}")
    name = Path(path).name
    state = read_state_dict(path)
    refuse_non_finite(state, name)
    if official.is_official(state):  # one stream of a full two-stream model
        wanted = "rgb" if stream == "auto" else stream
        state = {k: v for k, v in state.items() if k.startswith((f"{wanted}_backbone.", f"{wanted}_cls_head."))}
    found = _file_stream(state)
    if isinstance(model, EPAMNet):
        target_stream = stream if stream != "auto" else (found or "rgb")
        net = model.rgb if target_stream == "rgb" else model.pose
    else:
        net = model
        target_stream = _x3d_stream(model)
        if stream not in ("auto", target_stream):
            raise CheckpointError(f"This X3D is a {_LABEL[target_stream]} network, not a {_LABEL[stream]} one.")
    if found is not None and found != target_stream:
        raise CheckpointError(f"{name} holds {_LABEL[found]}-stream weights, not {_LABEL[target_stream]} weights, "
                              f"so it is not loaded into the {_LABEL[target_stream]} stream.")
    head = len(net.blocks) - 1
    unexpected: List[str] = []
    if not any(k.startswith("blocks.") for k in state):
        state, unexpected = official.stream_state(state, target_stream, head)
    if f"{_FIRST_SHORTCUT_NORM}.weight" in state and target_stream == "rgb":
        if isinstance(model, EPAMNet):
            use_mmaction_shortcut_norm(model)
        else:
            _add_stage1_shortcut_norm(net)
    own = net.state_dict()
    report = WeightsReport(unexpected=sorted(unexpected + [k for k in state if k not in own]), stream=target_stream)
    usable = {}
    for key, value in state.items():
        if key not in own:
            continue
        if own[key].shape != value.shape:
            report.skipped.append(key)
            continue
        usable[key] = value
    if not usable:
        raise CheckpointError(f"{name} has no tensor that fits the X3D {_LABEL[target_stream]} stream.")
    net.load_state_dict(usable, strict=False)
    missing = [k for k in own if k not in state]
    first = net.blocks[1].res_blocks[0].branch1_norm
    if isinstance(first, nn.BatchNorm3d) and f"{_FIRST_SHORTCUT_NORM}.weight" in missing:
        _set_identity(first)
        report.identity = sorted(k for k in missing if k.startswith(_FIRST_SHORTCUT_NORM + "."))
        missing = [k for k in missing if k not in report.identity]
    report.loaded = sorted(usable)
    report.missing = sorted(missing)
    report.head_loaded = all(f"blocks.{head}.proj.{leaf}" in usable for leaf in ("weight", "bias"))
    return report
