"""Inference copy of EPAM-Net with every BatchNorm folded into the convolution before it.

In eval mode ``BN(conv(x)) = conv'(x)`` with ``w' = w·γ/σ`` and ``b' = (b − μ)·γ/σ + β``, so the
folded copy gives the same outputs (to float rounding) without the BN passes (~1/8 of CPU time).
Pairs are found by the pytorchvideo names the X3D modules use (``conv_a``/``norm_a``, …); a
pair whose norm is not a plain BatchNorm after a plain convolution is left as it is.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

#: (convolution attribute, norm attribute) pairs applied in this order inside one module
PAIRS = (("conv_a", "norm_a"), ("conv_b", "norm_b"), ("conv_c", "norm_c"), ("branch1_conv", "branch1_norm"),
         ("pre_conv", "pre_norm"), ("conv", "norm"))
_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def _last_conv(module: nn.Module):
    """The convolution whose output a norm sees: the module itself, or the last conv of a stem pair."""
    if isinstance(module, _CONV):
        return module
    last = getattr(module, "conv_xy", None)  # X3D stem: conv_t (spatial) then conv_xy (temporal)
    return last if isinstance(last, _CONV) else None


@torch.no_grad()
def _fold(conv: nn.Module, bn: nn.Module) -> None:
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps) if bn.affine else 1.0 / torch.sqrt(bn.running_var + bn.eps)
    shift = (bn.bias if bn.affine else 0.0) - bn.running_mean * scale
    conv.weight.mul_(scale.reshape(-1, *([1] * (conv.weight.dim() - 1))))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    conv.bias = nn.Parameter(bias * scale + shift)


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """An eval-mode copy of ``model`` with conv→BN pairs fused; ``model`` itself is untouched."""
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        for conv_name, norm_name in PAIRS:
            conv = _last_conv(getattr(module, conv_name, None))
            norm = getattr(module, norm_name, None)
            if conv is None or norm is None:
                continue
            if isinstance(norm, _BN) and norm.track_running_stats:
                _fold(conv, norm)
                setattr(module, norm_name, nn.Identity())
            elif isinstance(norm, nn.Sequential) and len(norm) and isinstance(norm[0], _BN):
                _fold(conv, norm[0])  # X3D norm_b = (BN, SE): fold the BN, keep the SE
                norm[0] = nn.Identity()
    return folded
