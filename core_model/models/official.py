"""The authors' EPAM-Net checkpoints (github.com/ahmed-nady/Multimodal-Action-Recognition).

Their ``RGBPoseAttentionActionRecognizer`` has five parts; ``ddp/trainer.py`` saves
``{'epoch', 'model_state_dict', 'optimizer_state_dict'}`` with DDP ``module.`` prefixes, mmaction
saves ``{'state_dict': ..., 'meta': ...}``.  Part by part (mmaction names -> this project's)::

    rgb_backbone.*      X3D (conv1_s + conv1_t stem) or X3DTemporalShift (conv1_s + BN stem) -> rgb.blocks.0-4
                        conv5 -> rgb.blocks.5.pool.pre_conv / pre_norm
    rgb_cls_head.*      X3DHead fc1 (2048x432), fc2  -> rgb.blocks.5.pool.post_conv, rgb.blocks.5.proj
                        I3DHead fc_cls (X-ShiftNet)  -> rgb.blocks.5.proj
    pose_backbone.*     X3DPose / X3DTemporalShiftPose  -> pose.blocks.0-3, conv5 -> pose.blocks.4.pool
    pose_cls_head.*     I3DHead fc_cls               -> pose.blocks.4.proj
    attention_module.*  SpatialTemporalAttention     -> attention (NestedSTA)
                        CBAMSpatialEfficientTemporalAttention -> attention (CbamEcaSTA)

Inside a residual stage ``layer{i}.{j}.conv1/conv2/conv3/se_module/downsample`` map to
``blocks.{i}.res_blocks.{j}.branch2.conv_a/...`` (:data:`BLOCK_PARTS`).  Their data pipeline feeds
RGB (decord order, ``to_bgr=False``) as 0-255 pixels normalized with the ImageNet mean/std
(:data:`~core_model.preprocess.normalization.IMAGENET_0_255`).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import torch

from ..errors import CheckpointError
from .epamnet import EPAMNet, create_epam_net

#: The authors' module prefixes and this project's.
PARTS = {"rgb_backbone": "rgb", "rgb_cls_head": "rgb", "pose_backbone": "pose", "pose_cls_head": "pose",
         "attention_module": "attention"}

BLOCK_PARTS = {
    "conv1.conv": "branch2.conv_a", "conv1.bn": "branch2.norm_a",
    "conv2.conv": "branch2.conv_b", "conv2.bn": "branch2.norm_b.0",
    "conv3.conv": "branch2.conv_c", "conv3.bn": "branch2.norm_c",
    "se_module.fc1": "branch2.norm_b.1.block.0", "se_module.fc2": "branch2.norm_b.1.block.2",
    "downsample.conv": "branch1_conv", "downsample.bn": "branch1_norm",
}
_LAYER = re.compile(r"^layer(\d+)\.(\d+)\.(.+)\.([a-z_]+)$")
_STEM = {"conv1_s.conv": "blocks.0.conv.conv_t", "conv1_s.bn": "blocks.0.norm",
         "conv1_t.conv": "blocks.0.conv.conv_xy", "conv1_t.bn": "blocks.0.norm"}
_ATTENTION = {"conv_ch_compress": "spatial_conv1", "conv_sptial_attention": "spatial_conv2", "fc1": "fc1",
              "fc2": "fc2", "spatial.conv": "spatial_conv", "spatial.bn": "spatial_norm",
              "conv_temporal_attention": "temporal_conv"}


def backbone_key(rest: str, head_index: int) -> Optional[str]:
    """An mmaction X3D backbone key (without its prefix) as this project's ``blocks.*`` key."""
    module, _, leaf = rest.rpartition(".")
    if module in _STEM:
        return f"{_STEM[module]}.{leaf}"
    if module == "conv5.conv":
        return f"blocks.{head_index}.pool.pre_conv.{leaf}"
    if module == "conv5.bn":
        return f"blocks.{head_index}.pool.pre_norm.{leaf}"
    m = _LAYER.match(rest)
    if m and m.group(3) in BLOCK_PARTS:
        return f"blocks.{m.group(1)}.res_blocks.{m.group(2)}.{BLOCK_PARTS[m.group(3)]}.{m.group(4)}"
    return None


def head_key(rest: str, head_index: int) -> Optional[str]:
    """An mmaction X3DHead / I3DHead key as this project's head key."""
    return {"fc1.weight": f"blocks.{head_index}.pool.post_conv.weight",
            "fc2.weight": f"blocks.{head_index}.proj.weight", "fc2.bias": f"blocks.{head_index}.proj.bias",
            "fc_cls.weight": f"blocks.{head_index}.proj.weight",
            "fc_cls.bias": f"blocks.{head_index}.proj.bias"}.get(rest)


def attention_key(rest: str) -> Optional[str]:
    module, _, leaf = rest.rpartition(".")
    return f"{_ATTENTION[module]}.{leaf}" if module in _ATTENTION else None


def adapt_value(key: str, value: torch.Tensor) -> torch.Tensor:
    """X3DHead's fc1 is a Linear (2048, 432); here it is a 1x1x1 convolution after the pooling."""
    if key.endswith("pool.post_conv.weight") and value.dim() == 2:
        return value[:, :, None, None, None]
    return value


def is_official(state: Mapping[str, torch.Tensor]) -> bool:
    """True when ``state`` (``module.`` removed) is a two-stream model of the authors' code."""
    prefixes = {k.split(".", 1)[0] for k in state}
    return {"rgb_backbone", "pose_backbone"} <= prefixes


def stream_of(state: Mapping[str, torch.Tensor]) -> Optional[str]:
    """"rgb" or "pose" for a single-stream file (authors' trainer or mmaction), else None."""
    prefixes = {k.split(".", 1)[0] for k in state}
    if "rgb_backbone" in prefixes and "pose_backbone" not in prefixes:
        return "rgb"
    if "pose_backbone" in prefixes and "rgb_backbone" not in prefixes:
        return "pose"
    stem = state.get("backbone.conv1_s.conv.weight")
    if stem is not None and stem.dim() == 5:
        return "rgb" if stem.shape[1] == 3 else "pose"
    return None


def _shape(state: Mapping[str, torch.Tensor], key: str) -> Optional[Tuple[int, ...]]:
    value = state.get(key)
    return None if value is None else tuple(value.shape)


def infer_config(state: Mapping[str, torch.Tensor], name: str) -> Dict[str, Any]:
    """``create_epam_net`` keyword arguments for an official two-stream state_dict, read from its tensors."""
    if "rgb_backbone.conv1_t.conv.weight" in state:
        backbone = "x3d"
    elif "rgb_backbone.conv1_s.bn.weight" in state:
        backbone = "xshift"
    else:
        raise CheckpointError(f"{name} has an RGB backbone that is neither X3D nor X-ShiftNet.")
    pose_shift = "pose_backbone.conv1_s.bn.weight" in state
    if pose_shift != (backbone == "xshift"):
        rgb_name = "an X-ShiftNet" if backbone == "xshift" else "an X3D"
        pose_name = "an X-ShiftNet" if pose_shift else "an X3D"
        raise CheckpointError(f"{name} pairs {rgb_name} RGB stream with {pose_name} pose stream, "
                              f"a combination EPAM-Net does not have.")
    if "attention_module.conv_ch_compress.weight" in state:
        attention = "nested"
    elif "attention_module.spatial.conv.weight" in state:
        attention = "cbam_eca"
    else:
        raise CheckpointError(f"{name} has no attention block EPAM Studio knows (nested spatial-temporal "
                              f"or CBAM/ECA).")
    rgb_head = _shape(state, "rgb_cls_head.fc2.weight") or _shape(state, "rgb_cls_head.fc_cls.weight")
    pose_head = _shape(state, "pose_cls_head.fc_cls.weight")
    if rgb_head is None or pose_head is None:
        missing = "rgb_cls_head" if rgb_head is None else "pose_cls_head"
        raise CheckpointError(f"{name} lacks the classifier '{missing}' of a full EPAM-Net model.")
    if rgb_head[0] != pose_head[0]:
        raise CheckpointError(f"{name} has an RGB head with {rgb_head[0]} classes and a pose head with "
                              f"{pose_head[0]}.")
    pose_stem = _shape(state, "pose_backbone.conv1_s.conv.weight")
    config: Dict[str, Any] = dict(
        num_classes=int(rgb_head[0]), backbone=backbone, attention=attention,
        pose_channels=int(pose_stem[1]) if pose_stem else 17,
        pose_se=any(k.startswith("pose_backbone.") and ".se_module." in k for k in state),
        rgb_shortcut_norm="always" if "rgb_backbone.layer1.0.downsample.bn.weight" in state
        else "when_channels_change",
        layout="official",
    )
    if attention == "nested":
        fc1 = _shape(state, "attention_module.fc1.weight")
        if fc1 is not None:
            config["attention_frames"] = int(fc1[0])
    return config


def to_project_state(state: Mapping[str, torch.Tensor], model: EPAMNet,
                     name: str) -> Dict[str, torch.Tensor]:
    """Rename every tensor of an official state_dict to ``model``'s keys, strictly.

    Raises :class:`CheckpointError` naming the first tensor without a place, the first tensor of
    ``model`` the file lacks, or the first shape that differs.
    """
    heads = {"rgb": len(model.rgb.blocks) - 1, "pose": len(model.pose.blocks) - 1}
    own = model.state_dict()
    out: Dict[str, torch.Tensor] = {}
    for key, value in state.items():
        prefix, _, rest = key.partition(".")
        part = PARTS.get(prefix)
        new = None
        if part == "attention":
            new = attention_key(rest)
        elif part is not None:
            new = (backbone_key(rest, heads[part]) if prefix.endswith("backbone")
                   else head_key(rest, heads[part]))
        target = f"{part}.{new}" if new is not None else None
        if target is None or target not in own:
            raise CheckpointError(f"{name} has a tensor '{key}' that has no place in EPAM-Net.")
        value = adapt_value(target, value)
        if tuple(value.shape) != tuple(own[target].shape):
            raise CheckpointError(f"{name} has '{key}' of shape {tuple(value.shape)} where EPAM-Net expects "
                                  f"{tuple(own[target].shape)}.")
        out[target] = value
    missing = [k for k in own if k not in out]
    if missing:
        raise CheckpointError(f"{name} lacks {len(missing)} tensor(s) EPAM-Net needs, the first for "
                              f"'{missing[0]}'.")
    return out


def build_official(state: Mapping[str, torch.Tensor], name: str, **create_kwargs: Any) -> EPAMNet:
    """An :class:`EPAMNet` holding an official two-stream state_dict (eval mode, strict)."""
    config = infer_config(state, name)
    model = create_epam_net(**config, **create_kwargs)
    model.load_state_dict(to_project_state(state, model, name), strict=True)
    return model.eval()


def stream_state(state: Mapping[str, torch.Tensor], stream: str, head_index: int) -> Tuple[
        Dict[str, torch.Tensor], List[str]]:
    """A single-stream file's tensors renamed to an :class:`X3D`'s keys; returns (renamed, unmapped).

    Accepts the authors' per-stream files (``rgb_backbone`` / ``rgb_cls_head``, ``pose_backbone`` /
    ``pose_cls_head``) and mmaction/PYSKL ones (``backbone`` / ``cls_head``).
    """
    backbones = ("backbone", f"{stream}_backbone")
    heads = ("cls_head", f"{stream}_cls_head")
    renamed: Dict[str, torch.Tensor] = {}
    unmapped: List[str] = []
    for key, value in state.items():
        prefix, _, rest = key.partition(".")
        new = None
        if prefix in backbones:
            new = backbone_key(rest, head_index)
        elif prefix in heads:
            new = head_key(rest, head_index)
        if new is None:
            unmapped.append(key)
            continue
        renamed[new] = adapt_value(new, value)
    return renamed, unmapped
