"""X3D building blocks and keyword-only ``create_*`` builders.

Module and parameter names follow pytorchvideo's X3D (``blocks.0.conv.conv_t`` ...), so a
pytorchvideo state_dict loads as is.  Note pytorchvideo's swapped stem names: ``conv_t`` is the
*spatial* 1x3x3 convolution and ``conv_xy`` the *temporal* depthwise 5x1x1 one.

The same blocks build the X-ShiftNet variant: ``temporal_kernel=1`` turns every ``conv_b`` into a
2D (1x3x3) depthwise convolution and ``shift_fraction > 0`` puts a :class:`TemporalShift` in front
of each residual branch.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F


# --------------------------------------------------------------------------- small layers
class Swish(nn.Module):
    """``x * sigmoid(x)`` (SiLU)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(x)


class SqueezeExcitation(nn.Module):
    """Channel gate: ``x * sigmoid(W2 relu(W1 mean_THW(x)))``; names match fvcore (``block.0/2``)."""

    def __init__(self, channels: int, reduced: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv3d(channels, reduced, 1), nn.ReLU(), nn.Conv3d(reduced, channels, 1), nn.Sigmoid()
        )
        self.squeeze = nn.AdaptiveAvgPool3d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.block(self.squeeze(x))


class TemporalShift(nn.Module):
    """Temporal Shift Module: ``fraction/2`` of the channels take the next frame, as many the previous.

    Input (B, C, T, H, W); frames shifted past either end are zero. No parameters.
    """

    def __init__(self, fraction: float) -> None:
        super().__init__()
        if not 0.0 < fraction <= 1.0:
            raise ValueError("shift fraction must be in (0, 1]")
        self.fraction = fraction

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fold = int(x.shape[1] * self.fraction) // 2
        if fold == 0 or x.shape[2] < 2:
            return x
        out = torch.zeros_like(x)
        out[:, :fold, :-1] = x[:, :fold, 1:]  # frame t sees t+1
        out[:, fold : 2 * fold, 1:] = x[:, fold : 2 * fold, :-1]  # frame t sees t-1
        out[:, 2 * fold :] = x[:, 2 * fold :]
        return out

    def extra_repr(self) -> str:
        return f"fraction={self.fraction}"


def round_width(width: float, multiplier: float, *, min_width: int = 8, divisor: int = 8) -> int:
    """X3D channel rounding (pytorchvideo/mmaction ``round_width``)."""
    width *= multiplier
    out = max(min_width, int(width + divisor / 2) // divisor * divisor)
    if out < 0.9 * width:
        out += divisor
    return int(out)


def round_repeats(repeats: int, multiplier: float) -> int:
    """X3D depth rounding: ``ceil(multiplier * repeats)``."""
    return int(math.ceil(multiplier * repeats))


# --------------------------------------------------------------------------- containers
class StemConv(nn.Module):
    """Spatial conv (``conv_t``, sic) then temporal depthwise conv (``conv_xy``, sic)."""

    def __init__(self, conv_t: nn.Module, conv_xy: nn.Module) -> None:
        super().__init__()
        self.conv_t = conv_t
        self.conv_xy = conv_xy

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_xy(self.conv_t(x))


class Stem(nn.Module):
    """conv -> norm -> ReLU."""

    def __init__(self, conv: nn.Module, norm: nn.Module) -> None:
        super().__init__()
        self.conv = conv
        self.norm = norm
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.norm(self.conv(x)))


class Bottleneck(nn.Module):
    """``[shift] conv_a norm_a relu conv_b norm_b(BN, SE) act_b conv_c norm_c`` (modules given)."""

    def __init__(self, *, shift, conv_a, norm_a, conv_b, norm_b, act_b, conv_c, norm_c) -> None:
        super().__init__()
        self.shift = shift
        self.conv_a, self.norm_a, self.act_a = conv_a, norm_a, nn.ReLU()
        self.conv_b, self.norm_b, self.act_b = conv_b, norm_b, act_b
        self.conv_c, self.norm_c = conv_c, norm_c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.shift is not None:
            x = self.shift(x)
        x = self.act_a(self.norm_a(self.conv_a(x)))
        x = self.act_b(self.norm_b(self.conv_b(x)))
        return self.norm_c(self.conv_c(x))


class ResBlock(nn.Module):
    """``relu(shortcut(x) + branch2(x))``; the shortcut is identity or ``branch1_conv`` [+ ``branch1_norm``]."""

    def __init__(self, branch1_conv: Optional[nn.Module], branch1_norm: Optional[nn.Module], branch2: nn.Module):
        super().__init__()
        self.branch1_conv = branch1_conv
        self.branch1_norm = branch1_norm
        self.branch2 = branch2
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        if self.branch1_conv is not None:
            shortcut = self.branch1_conv(x)
            if self.branch1_norm is not None:
                shortcut = self.branch1_norm(shortcut)
        return self.activation(shortcut + self.branch2(x))


class ResStage(nn.Module):
    """A sequence of residual blocks (``res_blocks.{j}``)."""

    def __init__(self, res_blocks: Sequence[nn.Module]) -> None:
        super().__init__()
        self.res_blocks = nn.ModuleList(res_blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.res_blocks:
            x = block(x)
        return x


class ProjectedPool(nn.Module):
    """conv5 (``pre_conv``/``pre_norm``/ReLU), global average pool, optional fc1 (``post_conv``)/ReLU."""

    def __init__(self, pre_conv: nn.Module, pre_norm: nn.Module, post_conv: Optional[nn.Module]) -> None:
        super().__init__()
        self.pre_conv = pre_conv
        self.pre_norm = pre_norm
        self.pre_act = nn.ReLU()
        self.global_pool = nn.AdaptiveAvgPool3d(1)
        self.post_conv = post_conv
        self.post_act = nn.ReLU() if post_conv is not None else None

    def conv5(self, x: torch.Tensor) -> torch.Tensor:
        return self.pre_act(self.pre_norm(self.pre_conv(x)))

    def pool(self, features: torch.Tensor) -> torch.Tensor:
        x = self.global_pool(features)
        if self.post_conv is not None:
            x = self.post_act(self.post_conv(x))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv5(x))


class X3DHead(nn.Module):
    """``pool`` (conv5 + GAP [+ fc1]) -> dropout -> ``proj`` (fc2)."""

    def __init__(self, pool: ProjectedPool, proj: nn.Linear, dropout_rate: float) -> None:
        super().__init__()
        self.pool = pool
        self.dropout = nn.Dropout(dropout_rate)
        self.proj = proj

    def classify(self, features: torch.Tensor) -> torch.Tensor:
        """Logits (B, classes) from conv5 features (B, C, T, H, W)."""
        return self.proj(self.dropout(self.pool.pool(features)).flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.pool.conv5(x))


class X3D(nn.Module):
    """``blocks = [stem, stage 1..N, head]``.

    ``features(x)`` returns the conv5 map (the EPAM-Net attention point), ``head.classify`` the logits.
    """

    def __init__(self, blocks: Sequence[nn.Module]) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    @property
    def head(self) -> X3DHead:
        return self.blocks[-1]  # type: ignore[return-value]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks[:-1]:
            x = block(x)
        return self.head.pool.conv5(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head.classify(self.features(x))


# --------------------------------------------------------------------------- builders
def _bn(channels: int) -> nn.BatchNorm3d:
    return nn.BatchNorm3d(channels, eps=1e-5, momentum=0.1)


def create_x3d_stem(*, in_channels: int, out_channels: int, spatial_stride: int = 2,
                    temporal_kernel: int = 5) -> Stem:
    """X3D stem.

    ::

        conv_t  1x3x3, stride 1xSxS      (spatial; pytorchvideo's name)
           |
        conv_xy Tx1x1 depthwise          (temporal; Identity when temporal_kernel == 1)
           |
        norm (BN) -> ReLU

    X3D-M: 3 -> 24, S = 2, T = 5.  Pose-X3D: 17 -> 24, S = 1, T = 5.  X-ShiftNet: T = 1.
    """
    conv_t = nn.Conv3d(in_channels, out_channels, (1, 3, 3), stride=(1, spatial_stride, spatial_stride),
                       padding=(0, 1, 1), bias=False)
    if temporal_kernel > 1:
        conv_xy: nn.Module = nn.Conv3d(out_channels, out_channels, (temporal_kernel, 1, 1),
                                       padding=(temporal_kernel // 2, 0, 0), groups=out_channels, bias=False)
    else:
        conv_xy = nn.Identity()
    return Stem(StemConv(conv_t, conv_xy), _bn(out_channels))


def create_x3d_bottleneck(*, dim_in: int, dim_inner: int, dim_out: int, spatial_stride: int = 1,
                          se_ratio: float = 0.0625, swish: bool = True, temporal_kernel: int = 3,
                          shift_fraction: float = 0.0) -> Bottleneck:
    """X3D bottleneck (residual branch).

    ::

        [TemporalShift]                  (X-ShiftNet only)
        conv_a 1x1x1 dim_in -> dim_inner, norm_a, ReLU
        conv_b Tx3x3 depthwise, stride 1xSxS, norm_b.0 (BN)
        norm_b.1 Squeeze-Excitation      (Identity when se_ratio == 0)
        act_b Swish                      (Identity when swish is False)
        conv_c 1x1x1 dim_inner -> dim_out, norm_c
    """
    k = temporal_kernel
    conv_b = nn.Conv3d(dim_inner, dim_inner, (k, 3, 3), stride=(1, spatial_stride, spatial_stride),
                       padding=(k // 2, 1, 1), groups=dim_inner, bias=False)
    se = SqueezeExcitation(dim_inner, round_width(dim_inner, se_ratio)) if se_ratio > 0 else nn.Identity()
    return Bottleneck(
        shift=TemporalShift(shift_fraction) if shift_fraction > 0 else None,
        conv_a=nn.Conv3d(dim_in, dim_inner, 1, bias=False), norm_a=_bn(dim_inner),
        conv_b=conv_b, norm_b=nn.Sequential(_bn(dim_inner), se),
        act_b=Swish() if swish else nn.Identity(),
        conv_c=nn.Conv3d(dim_inner, dim_out, 1, bias=False), norm_c=_bn(dim_out),
    )


def create_x3d_res_block(*, dim_in: int, dim_inner: int, dim_out: int, spatial_stride: int = 1,
                         shortcut_norm: str = "when_channels_change", **bottleneck) -> ResBlock:
    """Residual block.

    ::

        x ---------------------------------> shortcut: identity, or branch1_conv 1x1x1 stride 1xSxS
        |                                              [+ branch1_norm]
        +-> branch2 (create_x3d_bottleneck) --> (+) --> ReLU

    ``shortcut_norm``: "when_channels_change" (pytorchvideo) or "always" (mmaction/PYSKL) decides
    whether a strided shortcut with equal channels gets a BN.
    """
    if shortcut_norm not in ("when_channels_change", "always"):
        raise ValueError(f"unknown shortcut_norm {shortcut_norm!r}")
    conv = norm = None
    if dim_in != dim_out or spatial_stride != 1:
        conv = nn.Conv3d(dim_in, dim_out, 1, stride=(1, spatial_stride, spatial_stride), bias=False)
        if dim_in != dim_out or shortcut_norm == "always":
            norm = _bn(dim_out)
    branch2 = create_x3d_bottleneck(dim_in=dim_in, dim_inner=dim_inner, dim_out=dim_out,
                                    spatial_stride=spatial_stride, **bottleneck)
    return ResBlock(conv, norm, branch2)


def create_x3d_stage(*, depth: int, dim_in: int, dim_inner: int, dim_out: int, spatial_stride: int = 2,
                     se_ratio: float = 0.0625, shortcut_norm: str = "when_channels_change", **bottleneck) -> ResStage:
    """``depth`` residual blocks; block 0 strides and changes width; SE on even blocks only.

    ::

        res_blocks.0 (dim_in -> dim_out, stride S, SE)
        res_blocks.1 (dim_out -> dim_out)
        res_blocks.2 (SE) ...
    """
    blocks = [
        create_x3d_res_block(
            dim_in=dim_in if j == 0 else dim_out, dim_inner=dim_inner, dim_out=dim_out,
            spatial_stride=spatial_stride if j == 0 else 1, shortcut_norm=shortcut_norm,
            se_ratio=se_ratio if j % 2 == 0 else 0.0, **bottleneck)
        for j in range(depth)
    ]
    return ResStage(blocks)


def create_x3d_head(*, dim_in: int, conv5_dim: int, fc1_dim: Optional[int], num_classes: int,
                    dropout_rate: float = 0.5) -> X3DHead:
    """X3D head.

    ::

        pool.pre_conv 1x1x1 dim_in -> conv5_dim, pool.pre_norm, ReLU     (conv5: attention point)
        global average pool over T, H, W
        pool.post_conv 1x1x1 conv5_dim -> fc1_dim, ReLU                  (fc1; skipped if fc1_dim is None)
        dropout -> proj Linear -> num_classes                            (fc2)
    """
    post = nn.Conv3d(conv5_dim, fc1_dim, 1, bias=False) if fc1_dim else None
    pool = ProjectedPool(nn.Conv3d(dim_in, conv5_dim, 1, bias=False), _bn(conv5_dim), post)
    return X3DHead(pool, nn.Linear(fc1_dim or conv5_dim, num_classes), dropout_rate)


def create_x3d(*, num_classes: int = 400, in_channels: int = 3, stem_dim: int = 24, stem_stride: int = 2,
               depths: Sequence[int] = (3, 5, 11, 7), inner_dims: Sequence[int] = (54, 108, 216, 432),
               out_dims: Sequence[int] = (24, 48, 96, 192), conv5_dim: int = 432, fc1_dim: Optional[int] = 2048,
               se_ratio: float = 0.0625, swish: bool = True, temporal_kernel: int = 3,
               stem_temporal_kernel: int = 5, shift_fraction: float = 0.0,
               shortcut_norm: str = "when_channels_change", dropout_rate: float = 0.5) -> X3D:
    """X3D network; the defaults build X3D-M exactly as pytorchvideo's ``create_x3d`` (16x224x224).

    ::

        input  3 x 16 x 224 x 224
        blocks.0  stem 1x3x3 s2 + 5x1x1 dw            24 x 16 x 112 x 112
        blocks.1  3 blocks  [1x1 54, 3x3x3 dw, 1x1 24]  24 x 16 x 56 x 56
        blocks.2  5 blocks  [108 ... 48]                48 x 16 x 28 x 28
        blocks.3  11 blocks [216 ... 96]                96 x 16 x 14 x 14
        blocks.4  7 blocks  [432 ... 192]              192 x 16 x 7 x 7
        blocks.5  conv5 1x1 432 -> GAP -> fc1 2048 -> fc2 num_classes

    Every stage strides 2 spatially; SE (ratio 1/16) on even blocks; Swish after conv_b.
    Parameters: 3,794,274 for 400 classes, 3,220,554 for 120.
    """
    if not (len(depths) == len(inner_dims) == len(out_dims)):
        raise ValueError("depths, inner_dims and out_dims must have the same length")
    blocks: List[nn.Module] = [create_x3d_stem(in_channels=in_channels, out_channels=stem_dim,
                                               spatial_stride=stem_stride, temporal_kernel=stem_temporal_kernel)]
    dim_in = stem_dim
    for depth, inner, out in zip(depths, inner_dims, out_dims):
        blocks.append(create_x3d_stage(depth=depth, dim_in=dim_in, dim_inner=inner, dim_out=out, spatial_stride=2,
                                       se_ratio=se_ratio, swish=swish, temporal_kernel=temporal_kernel,
                                       shift_fraction=shift_fraction, shortcut_norm=shortcut_norm))
        dim_in = out
    blocks.append(create_x3d_head(dim_in=dim_in, conv5_dim=conv5_dim, fc1_dim=fc1_dim, num_classes=num_classes,
                                  dropout_rate=dropout_rate))
    return X3D(blocks)
