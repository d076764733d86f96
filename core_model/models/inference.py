"""Inference-only speed-up: fold every BatchNorm into the convolution before it.

In eval mode ``BN(conv(x)) = conv'(x)`` with ``w' = w * g / sqrt(v + eps)`` (per output channel) and
``b' = beta + (b - mean) * g / sqrt(v + eps)``.  The folded copy computes the same outputs (to float
rounding) with one pass over memory less per convolution; it cannot be trained or saved as a
checkpoint (its parameter names differ), so keep the original model for that, or fold the model itself
(``copy=False``) when nothing else needs it: no deep copy of the module tree (~0.3 s of a cold
``epam analyze`` on 2 cores).
"""
from __future__ import annotations

import copy as _copy
from typing import Optional, TypeVar

import torch
from torch import nn

from .x3d import Bottleneck, ProjectedPool, ResBlock, Stem

M = TypeVar("M", bound=nn.Module)


def fold_conv_bn(conv: nn.Conv3d, bn: nn.BatchNorm3d) -> nn.Conv3d:
    """A new convolution equal to ``bn(conv(x))`` with ``bn`` in eval mode (``conv`` is left as it is)."""
    return _fold_into(_copy.deepcopy(conv), bn)


@torch.no_grad()
def _fold_into(conv: nn.Conv3d, bn: nn.BatchNorm3d) -> nn.Conv3d:
    """``conv`` made equal to ``bn(conv(x))`` in place (new weight and bias tensors; nothing is initialised
    only to be overwritten, as a new convolution would be)."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    conv.weight = nn.Parameter(conv.weight * scale.reshape(-1, 1, 1, 1, 1), requires_grad=conv.weight.requires_grad)
    conv.bias = nn.Parameter(bn.bias + (bias - bn.running_mean) * scale, requires_grad=conv.weight.requires_grad)
    return conv


def _fold(conv: Optional[nn.Module], bn: Optional[nn.Module]):
    if isinstance(conv, nn.Conv3d) and isinstance(bn, nn.BatchNorm3d):
        return _fold_into(conv, bn), nn.Identity()
    return conv, bn


def fuse_for_inference(model: M, *, channels_last: bool = True, copy: bool = True) -> M:
    """An eval-mode copy of an X3D / EPAMNet with BatchNorms folded and in-place ReLUs.

    ``channels_last`` stores the 3D convolution weights as NDHWC (``torch.channels_last_3d``):
    PyTorch's CPU depthwise Conv3d, which X3D is full of, is several times faster in that layout.
    The original ``model`` is left untouched; with ``copy=False`` it is folded itself and returned (for a
    caller that drops the original: no deep copy).
    """
    fused = (_copy.deepcopy(model) if copy else model).eval()
    for module in fused.modules():
        if isinstance(module, Stem):
            if isinstance(module.conv.conv_xy, nn.Conv3d):
                module.conv.conv_xy, module.norm = _fold(module.conv.conv_xy, module.norm)
            else:
                module.conv.conv_t, module.norm = _fold(module.conv.conv_t, module.norm)
        elif isinstance(module, Bottleneck):
            module.conv_a, module.norm_a = _fold(module.conv_a, module.norm_a)
            module.conv_b, module.norm_b[0] = _fold(module.conv_b, module.norm_b[0])
            module.conv_c, module.norm_c = _fold(module.conv_c, module.norm_c)
        elif isinstance(module, ResBlock) and module.branch1_norm is not None:
            module.branch1_conv, module.branch1_norm = _fold(module.branch1_conv, module.branch1_norm)
        elif isinstance(module, ProjectedPool):
            module.pre_conv, module.pre_norm = _fold(module.pre_conv, module.pre_norm)
    for module in fused.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = True
    if channels_last:  # the 5-D (Conv3d) weights only: a model may hold 2-D convolutions too (VPN's pose GCN)
        for param in fused.parameters():
            if param.dim() == 5:
                param.data = param.data.contiguous(memory_format=torch.channels_last_3d)
    return fused
