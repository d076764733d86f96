"""TFLite operators in PyTorch, on NCHW tensors, with TFLite's exact semantics.

Layout: 4-D activations are kept NCHW (PyTorch's convolution layout); an operator whose TFLite
meaning depends on NHWC (RESHAPE, CONCATENATION's axis, DEPTH_TO_SPACE's channel order, PAD's
paddings) maps it explicitly. "SAME" padding is TFLite's: total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0),
``total // 2`` before and the rest after (asymmetric where odd, unlike PyTorch's ``padding=``).
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F

#: NHWC axis -> NCHW axis for 4-D tensors
NHWC_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1}


def activate(x: torch.Tensor, name: str) -> torch.Tensor:
    """A fused activation, in place (``x`` is always a fresh result of the operator)."""
    if name == "NONE":
        return x
    if name == "RELU":
        return F.relu_(x)
    if name == "RELU6":
        return F.hardtanh_(x, 0.0, 6.0)
    if name == "RELU_N1_TO_1":
        return F.hardtanh_(x, -1.0, 1.0)
    if name == "TANH":
        return torch.tanh(x)
    raise ValueError(f"unsupported fused activation {name}")


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> Tuple[int, int]:
    """TFLite/TensorFlow "SAME" padding of one spatial axis: (before, after)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def pad_same(x: torch.Tensor, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int] = (1, 1),
             value: float = 0.0) -> torch.Tensor:
    top, bottom = same_padding(x.shape[2], kernel[0], stride[0], dilation[0])
    left, right = same_padding(x.shape[3], kernel[1], stride[1], dilation[1])
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


def conv2d(x, weight, bias, padding: str, stride, dilation, activation: str, groups: int = 1) -> torch.Tensor:
    """CONV_2D / DEPTHWISE_CONV_2D (weights already OIHW)."""
    pads = (0, 0)
    if padding == "SAME":
        top, bottom = same_padding(x.shape[2], weight.shape[2], stride[0], dilation[0])
        left, right = same_padding(x.shape[3], weight.shape[3], stride[1], dilation[1])
        if top == bottom and left == right:  # symmetric: the convolution pads (no copy)
            pads = (top, left)
        else:
            x = F.pad(x, (left, right, top, bottom))
    return activate(F.conv2d(x, weight, bias, tuple(stride), pads, tuple(dilation), groups), activation)


def max_pool2d(x, padding: str, kernel, stride, activation: str) -> torch.Tensor:
    if padding == "SAME":
        x = pad_same(x, kernel, stride, value=float("-inf"))
    return activate(F.max_pool2d(x, tuple(kernel), tuple(stride)), activation)


def _source_index(out_size: int, in_size: int, align_corners: bool, half_pixel: bool, device) -> Tuple:
    """TFLite's bilinear source coordinates along one axis: (lower index, upper index, weight of upper)."""
    if align_corners and out_size > 1:
        scale = (in_size - 1) / (out_size - 1)
    else:
        scale = in_size / out_size
    pos = torch.arange(out_size, dtype=torch.float64, device=device)
    src = (pos + 0.5) * scale - 0.5 if half_pixel else pos * scale
    low = torch.floor(src).clamp(min=0)
    frac = src - torch.floor(src)
    if half_pixel:
        frac = torch.where(src < 0, torch.zeros_like(frac), frac)
    lo = low.long().clamp(max=in_size - 1)
    hi = (torch.floor(src).long() + 1).clamp(min=0, max=in_size - 1)
    return lo, hi, frac


def resize_bilinear(x: torch.Tensor, size: Sequence[int], align_corners: bool, half_pixel: bool) -> torch.Tensor:
    """RESIZE_BILINEAR with TFLite's ``align_corners`` / ``half_pixel_centers`` (reference kernel)."""
    out_h, out_w = int(size[0]), int(size[1])
    if half_pixel and not align_corners:  # the same sampling as PyTorch's align_corners=False
        return F.interpolate(x, size=(out_h, out_w), mode="bilinear", align_corners=False)
    ylo, yhi, fy = _source_index(out_h, x.shape[2], align_corners, half_pixel, x.device)
    xlo, xhi, fx = _source_index(out_w, x.shape[3], align_corners, half_pixel, x.device)
    fy = fy.to(x.dtype)[None, None, :, None]
    fx = fx.to(x.dtype)[None, None, None, :]
    top = x[:, :, ylo]
    bottom = x[:, :, yhi]
    rows = top + (bottom - top) * fy
    left, right = rows[:, :, :, xlo], rows[:, :, :, xhi]
    return left + (right - left) * fx


def depth_to_space(x: torch.Tensor, block: int) -> torch.Tensor:
    """DEPTH_TO_SPACE (TensorFlow's DCR order: out[h*b+i, w*b+j, c] = in[h, w, (i*b+j)*C + c])."""
    n, ch, h, w = x.shape
    c = ch // (block * block)
    x = x.view(n, block, block, c, h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, c, h * block, w * block)


def to_nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def to_nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


def reshape(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """RESHAPE in NHWC order (the batch dimension is the caller's: shape[0] is replaced by it)."""
    flat = to_nhwc(x).reshape(x.shape[0], *shape[1:])
    return to_nchw(flat) if len(shape) == 4 else flat


def pad(x: torch.Tensor, paddings) -> torch.Tensor:
    """PAD with an NHWC (rank, 2) paddings array (zeros); the batch axis is never padded here."""
    p = [[int(a), int(b)] for a, b in paddings]
    if x.dim() == 4:
        (_, _), (top, bottom), (left, right), (c0, c1) = p
        return F.pad(x, (left, right, top, bottom, c0, c1))
    flat = []
    for a, b in reversed(p[1:]):
        flat += [a, b]
    return F.pad(x, flat)


def concatenate(xs: Sequence[torch.Tensor], axis: int, activation: str) -> torch.Tensor:
    rank = xs[0].dim()
    axis = axis % rank
    if rank == 4:
        axis = NHWC_TO_NCHW_AXIS[axis]
    return activate(torch.cat(list(xs), dim=axis), activation)
