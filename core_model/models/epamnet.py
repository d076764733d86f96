"""EPAM-Net: RGB-X3D + Pose-X3D, pose-driven spatial-temporal attention, two heads, score fusion."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from ..preprocess.normalization import DEFAULT, Normalization
from .attention import ATTENTION_KINDS, align_space, align_time, create_attention
from .pose_x3d import POSE_DEPTHS, POSE_FEATURE_DIM, POSE_INNER_DIMS, POSE_OUT_DIMS, create_pose_x3d
from .registry import ModelOutput
from .x3d import X3D, create_x3d, round_repeats, round_width
from .xshift import DEFAULT_POSE_SHIFT_FRACTION, DEFAULT_SHIFT_FRACTION, create_xshift_pose, create_xshift_rgb
from .base import ConfiguredModel

BACKBONES = ("x3d", "xshift")
#: "official": the authors' layout (default).  "legacy": what EPAM Studio built before it matched
#: that layout; checkpoints whose config has no "layout" were saved that way and still load.
LAYOUTS = ("official", "legacy")
SHORTCUT_NORMS = ("when_channels_change", "always")
#: width/depth multipliers of the two X3D streams (1 = the paper's network; smaller: test networks). A config
#: records them only when they differ from 1, so the full network's config is what it always was.
SCALE_KEYS = ("rgb_width", "rgb_depth", "pose_width", "pose_depth")


@dataclass
class EPAMNetOutput:
    """One forward pass.

    ``scores`` is the fused prediction: the mean of the two streams' softmax, so rows sum to 1.
    The attention maps are None when the model has no attention block.
    """

    rgb_logits: torch.Tensor  # (B, C) guided RGB stream
    pose_logits: torch.Tensor  # (B, C)
    scores: torch.Tensor  # (B, C) fused probabilities
    spatial_attention: Optional[torch.Tensor]  # (B, T_rgb, H, W) in (0, 1)
    temporal_attention: Optional[torch.Tensor]  # (B, T_rgb) in (0, 1)


def fuse_scores(rgb_logits: torch.Tensor, pose_logits: torch.Tensor) -> torch.Tensor:
    """Late fusion used by EPAM-Net: ``(softmax(rgb) + softmax(pose)) / 2``."""
    return 0.5 * (F.softmax(rgb_logits.float(), dim=1) + F.softmax(pose_logits.float(), dim=1))


def epam_loss(output: EPAMNetOutput, labels: torch.Tensor) -> torch.Tensor:
    """Paper eq. 5: ``CE(rgb_logits, y) + CE(pose_logits, y)``."""
    return F.cross_entropy(output.rgb_logits, labels) + F.cross_entropy(output.pose_logits, labels)


class EPAMNet(ConfiguredModel, nn.Module):
    """Two-stream network; call with rgb (B, 3, T, H, W) and heatmaps (B, 17, T_pose, H', W').

    ``rgb`` and ``pose`` are X3D networks; ``attention`` is None, NestedSTA or CbamEcaSTA.
    Build it with :func:`create_epam_net`; ``config`` rebuilds it.
    """

    def __init__(self, rgb: X3D, pose: X3D, attention: Optional[nn.Module], *, config: Dict[str, Any],
                 normalization: Normalization = DEFAULT, class_names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.rgb = rgb
        self.pose = pose
        self.attention = attention
        self._set_identity(config, normalization, class_names)


    def forward(self, rgb: torch.Tensor, heatmaps: torch.Tensor) -> EPAMNetOutput:
        f_r = self.rgb.features(rgb)  # (B, 432, T, h, w)
        f_s = self.pose.features(heatmaps)  # (B, 216, T_pose, h', w')
        spatial = temporal = None
        if self.attention is not None:
            aligned = align_space(align_time(f_s, f_r.shape[2]), tuple(f_r.shape[-2:]))
            a_s, a_t = self.attention(aligned)
            a_st = a_s * a_t[:, None, :, None, None].to(a_s.dtype)
            f_r = f_r + f_r * a_st.to(f_r.dtype)
            spatial, temporal = a_s[:, 0], a_t
        rgb_logits = self.rgb.head.classify(f_r)
        pose_logits = self.pose.head.classify(f_s)
        return EPAMNetOutput(rgb_logits, pose_logits, fuse_scores(rgb_logits, pose_logits), spatial, temporal)

    def loss(self, output: EPAMNetOutput, labels: torch.Tensor) -> torch.Tensor:
        """``CE(rgb) + CE(pose)`` (paper eq. 5); takes an ``EPAMNetOutput`` or a registry ``ModelOutput``."""
        return epam_loss(output, labels)

    model_name = "epam"

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        """The registry's call: ``inputs["rgb"]``, ``inputs["heatmaps"]`` -> :class:`ModelOutput`."""
        out = self(inputs["rgb"], inputs["heatmaps"])
        products = {}
        if out.spatial_attention is not None:
            products = {"spatial_attention": out.spatial_attention, "temporal_attention": out.temporal_attention}
        return ModelOutput(logits={"rgb": out.rgb_logits, "pose": out.pose_logits}, scores=out.scores,
                           products=products)


def create_epam_net(num_classes: int, backbone: str = "x3d", attention: str = "nested", *,
                    pose_channels: int = 17, attention_frames: int = 16, dropout_rate: float = 0.5,
                    shift_fraction: float = DEFAULT_SHIFT_FRACTION,
                    pose_shift_fraction: Optional[float] = None, pose_se: Optional[bool] = None,
                    rgb_shortcut_norm: str = "always", layout: str = "official",
                    rgb_width: float = 1.0, rgb_depth: float = 1.0, pose_width: float = 1.0,
                    pose_depth: float = 1.0, normalization: Normalization = DEFAULT,
                    class_names: Optional[Sequence[str]] = None) -> EPAMNet:
    """Build EPAM-Net.

    ::

        rgb (3x16x224x224) -> RGB-X3D blocks 0-4 -> conv5 -> f_r (432x16x7x7) ------+
        heatmaps (17x48x56x56) -> Pose-X3D -> conv5 -> f_s (216x48x7x7)             |
           f_s -> time indices 0,3,..,45 -> attention -> A_S (1x16x7x7), A_T (16)   |
                                          f_r + f_r * A_S * A_T  <------------------+
                                          -> GAP -> fc1 2048 -> fc2 -> rgb_logits
           f_s -> GAP -> FC -> pose_logits
        scores = (softmax(rgb_logits) + softmax(pose_logits)) / 2

    ``backbone``: "x3d" (paper) or "xshift" (X-ShiftNet, later version: RGB head GAP -> FC).
    ``attention``: "nested" (paper eqs. 2-4), "cbam_eca" (eqs. 6-7, 107 parameters) or "none".
    ``rgb_shortcut_norm``: "always" (the authors' mmaction X3D: a BN on every strided shortcut) or
    "when_channels_change" (pytorchvideo: none on the first stage's equal-width shortcut).
    ``pose_se``: SE blocks + Swish in the pose stream (default: True for xshift, False for x3d).
    ``pose_shift_fraction``: pose channels shifted in time (default 1/2 = 1/4 each way).
    ``layout``: "official" (the authors' code) or "legacy" (see :data:`LAYOUTS`).
    ``rgb_width``/``rgb_depth``/``pose_width``/``pose_depth``: X3D width and depth multipliers of the two
    streams (``x3d`` backbone; all 1 = the paper's network). Smaller ones build the registry's tiny test network.
    """
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ConfigError(f"The number of classes must be a positive integer, not {num_classes!r}.")
    if backbone not in BACKBONES:
        raise ConfigError(f"Unknown backbone {backbone!r}: choose one of {', '.join(BACKBONES)}.")
    if attention not in ATTENTION_KINDS:
        raise ConfigError(f"Unknown attention {attention!r}: choose one of {', '.join(ATTENTION_KINDS)}.")
    if rgb_shortcut_norm not in SHORTCUT_NORMS:
        raise ConfigError(f"Unknown rgb_shortcut_norm {rgb_shortcut_norm!r}.")
    if layout not in LAYOUTS:
        raise ConfigError(f"Unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}.")
    legacy = layout == "legacy"
    if pose_se is None:
        pose_se = backbone == "xshift" and not legacy
    if pose_shift_fraction is None:
        pose_shift_fraction = shift_fraction if legacy else DEFAULT_POSE_SHIFT_FRACTION
    for name, value in (("shift fraction", shift_fraction), ("pose shift fraction", pose_shift_fraction)):
        if not 0.0 < value <= 1.0:
            raise ConfigError(f"The {name} must be in (0, 1], not {value!r}.")
    if class_names is not None and len(class_names) != num_classes:
        raise ConfigError(f"{len(class_names)} class names were given for {num_classes} classes.")
    scale = _check_scale(backbone, rgb_width=rgb_width, rgb_depth=rgb_depth, pose_width=pose_width,
                         pose_depth=pose_depth)
    if scale:
        rgb, pose = _scaled_streams(num_classes, pose_channels=pose_channels, pose_se=bool(pose_se),
                                    dropout_rate=dropout_rate, rgb_shortcut_norm=rgb_shortcut_norm,
                                    **{**dict.fromkeys(SCALE_KEYS, 1.0), **scale})
    elif backbone == "x3d":
        rgb = create_x3d(num_classes=num_classes, dropout_rate=dropout_rate, shortcut_norm=rgb_shortcut_norm)
        pose = create_pose_x3d(num_classes=num_classes, in_channels=pose_channels, se=bool(pose_se),
                               dropout_rate=dropout_rate)
    else:
        rgb = create_xshift_rgb(num_classes=num_classes, shift_fraction=shift_fraction,
                                fc1_dim=2048 if legacy else None, shortcut_norm=rgb_shortcut_norm,
                                dropout_rate=dropout_rate)
        pose = create_xshift_pose(num_classes=num_classes, in_channels=pose_channels,
                                  shift_fraction=pose_shift_fraction, se=bool(pose_se), dropout_rate=dropout_rate)
    pose_dim = int(pose.head.pool.pre_conv.out_channels)  # POSE_FEATURE_DIM unless pose_width != 1
    block = create_attention(attention, in_channels=pose_dim, frames=attention_frames, legacy=legacy)
    config = dict(num_classes=num_classes, backbone=backbone, attention=attention, pose_channels=pose_channels,
                  attention_frames=attention_frames, dropout_rate=dropout_rate, shift_fraction=shift_fraction,
                  pose_shift_fraction=pose_shift_fraction, pose_se=bool(pose_se),
                  rgb_shortcut_norm=rgb_shortcut_norm, layout=layout, **scale)
    return EPAMNet(rgb, pose, block, config=config, normalization=normalization, class_names=class_names)


def _check_scale(backbone: str, **scale: float) -> Dict[str, float]:
    """The multipliers that differ from 1 (checked: numbers in (0, 4], x3d backbone only)."""
    for name, value in scale.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 4:
            raise ConfigError(f"{name} must be a number in (0, 4], not {value!r}.")
    changed = {name: float(value) for name, value in scale.items() if value != 1}
    if changed and backbone != "x3d":
        raise ConfigError(f"The stream multipliers ({', '.join(changed)}) apply to the x3d backbone only, "
                          f"not {backbone!r}.")
    return changed


def _scaled_streams(num_classes: int, *, pose_channels: int, pose_se: bool, dropout_rate: float,
                    rgb_shortcut_norm: str, rgb_width: float, rgb_depth: float, pose_width: float,
                    pose_depth: float):
    """RGB-X3D and Pose-X3D with their widths and depths scaled (X3D's rounding): the same layout, fewer and
    narrower blocks. ``pose_width = pose_depth = 1`` gives Pose-X3D exactly; the RGB stream keeps fc1 (scaled)."""
    def widths(dims, w):
        return [round_width(c, w) for c in dims]

    rgb = create_x3d(num_classes=num_classes, stem_dim=round_width(24, rgb_width),
                     depths=[round_repeats(d, rgb_depth) for d in (3, 5, 11, 7)],
                     inner_dims=widths((54, 108, 216, 432), rgb_width), out_dims=widths((24, 48, 96, 192), rgb_width),
                     conv5_dim=round_width(432, rgb_width), fc1_dim=round_width(2048, rgb_width),
                     dropout_rate=dropout_rate, shortcut_norm=rgb_shortcut_norm)
    pose = create_x3d(num_classes=num_classes, in_channels=pose_channels, stem_dim=round_width(24, pose_width),
                      stem_stride=1, depths=[round_repeats(d, pose_depth) for d in POSE_DEPTHS],
                      inner_dims=widths(POSE_INNER_DIMS, pose_width), out_dims=widths(POSE_OUT_DIMS, pose_width),
                      conv5_dim=round_width(POSE_FEATURE_DIM, pose_width), fc1_dim=None,
                      se_ratio=0.0625 if pose_se else 0.0, swish=pose_se, shortcut_norm="always",
                      dropout_rate=dropout_rate)
    return rgb, pose


def upgrade_config(config: Dict[str, Any]) -> Dict[str, Any]:
    """The config of a checkpoint saved before the "layout" key existed, made explicit.

    Such checkpoints were built with the legacy layout (CBAM pooling [mean, max], X-ShiftNet RGB head
    with fc1, pose stream without SE/Swish and with the RGB shift fraction) and recorded
    ``rgb_shortcut_norm`` (then "when_channels_change" unless mmaction weights were loaded).
    """
    config = dict(config)
    if "layout" not in config:
        config["layout"] = "legacy"
        config.setdefault("rgb_shortcut_norm", "when_channels_change")
    return config


def _add_stage1_shortcut_norm(rgb: X3D) -> bool:
    """Give the first (strided, same-width) shortcut a BN like mmaction's; True if one was added."""
    first = rgb.blocks[1].res_blocks[0]
    if first.branch1_conv is None or first.branch1_norm is not None:
        return False
    weight = first.branch1_conv.weight
    norm = nn.BatchNorm3d(first.branch1_conv.out_channels).to(device=weight.device, dtype=weight.dtype)
    norm.train(first.training)  # a new module starts in train mode: follow the model's mode
    first.branch1_norm = norm
    return True


def use_mmaction_shortcut_norm(model: EPAMNet) -> bool:
    """Switch ``model``'s RGB stream to the mmaction layout (BN on the first shortcut); True if changed."""
    changed = _add_stage1_shortcut_norm(model.rgb)
    if changed:
        model._config["rgb_shortcut_norm"] = "always"
    return changed
