"""The torch pose engine's TFLite operators against references written from TFLite's definitions (numpy)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core_model.pose.torch_engine import ops as O


def _nchw(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).permute(0, 3, 1, 2)


def _nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


def _conv_reference(x, w, stride, pad_before, pad_after):
    """NHWC convolution, weights OHWI, by loops over the padded input."""
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    xp = np.pad(x, ((0, 0), (pad_before[0], pad_after[0]), (pad_before[1], pad_after[1]), (0, 0)))
    oh, ow = math.ceil(h / stride), math.ceil(wd / stride)
    out = np.zeros((n, oh, ow, o), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride: i * stride + kh, j * stride: j * stride + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,ohwc->no", patch, w)
    return out


@pytest.mark.parametrize("size,kernel,stride", [(8, 3, 2), (7, 3, 2), (8, 5, 1), (6, 2, 2)])
def test_same_padding_is_tflites_asymmetric_one(size, kernel, stride):
    rng = np.random.default_rng(size * 10 + kernel)
    x = rng.standard_normal((2, size, size, 3)).astype(np.float32)
    w = rng.standard_normal((4, kernel, kernel, 3)).astype(np.float32)
    out_size = math.ceil(size / stride)
    total = max((out_size - 1) * stride + kernel - size, 0)
    before, after = total // 2, total - total // 2  # TFLite puts the odd pixel after
    ref = _conv_reference(x, w, stride, (before, before), (after, after))
    got = O.conv2d(_nchw(x), torch.from_numpy(w.transpose(0, 3, 1, 2).copy()), None, "SAME", (stride, stride),
                   (1, 1), "NONE")
    np.testing.assert_allclose(_nhwc(got), ref, atol=1e-4)
    assert O.same_padding(8, 3, 2) == (0, 1)  # asymmetric, where PyTorch's padding=1 would be (1, 1)


def test_fused_activations():
    x = torch.linspace(-8, 8, 33)
    assert torch.equal(O.activate(x.clone(), "RELU6"), x.clamp(0, 6))
    assert torch.equal(O.activate(x.clone(), "RELU"), x.clamp(min=0))
    assert torch.equal(O.activate(x.clone(), "RELU_N1_TO_1"), x.clamp(-1, 1))
    assert torch.equal(O.activate(x.clone(), "NONE"), x)


def _resize_reference(x, out_h, out_w, align_corners, half_pixel):
    """TFLite's reference ResizeBilinear (NHWC)."""
    n, h, w, c = x.shape

    def scale(i, o):
        return (i - 1) / (o - 1) if align_corners and o > 1 else i / o

    out = np.zeros((n, out_h, out_w, c), np.float64)
    for y in range(out_h):
        sy = (y + 0.5) * scale(h, out_h) - 0.5 if half_pixel else y * scale(h, out_h)
        y0, y1 = max(int(math.floor(sy)), 0), min(int(math.ceil(sy)), h - 1)
        for xx in range(out_w):
            sx = (xx + 0.5) * scale(w, out_w) - 0.5 if half_pixel else xx * scale(w, out_w)
            x0, x1 = max(int(math.floor(sx)), 0), min(int(math.ceil(sx)), w - 1)
            fy, fx = sy - y0, sx - x0
            out[:, y, xx] = (x[:, y0, x0] * (1 - fy) * (1 - fx) + x[:, y1, x0] * fy * (1 - fx)
                             + x[:, y0, x1] * (1 - fy) * fx + x[:, y1, x1] * fy * fx)
    return out


@pytest.mark.parametrize("align,half", [(False, True), (False, False), (True, False)])
def test_resize_bilinear_flags(align, half):
    x = np.random.default_rng(3).standard_normal((1, 5, 7, 2)).astype(np.float32)
    got = O.resize_bilinear(_nchw(x), (10, 14), align, half)
    np.testing.assert_allclose(_nhwc(got), _resize_reference(x, 10, 14, align, half), atol=1e-5)


def test_depth_to_space_uses_tensorflows_channel_order():
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 12)).astype(np.float32)  # block 2 -> 3 channels
    ref = np.zeros((2, 6, 8, 3), np.float32)
    for h in range(3):
        for w in range(4):
            for i in range(2):
                for j in range(2):
                    ref[:, h * 2 + i, w * 2 + j, :] = x[:, h, w, (i * 2 + j) * 3:(i * 2 + j + 1) * 3]
    np.testing.assert_array_equal(_nhwc(O.depth_to_space(_nchw(x), 2)), ref)


def test_reshape_and_concatenation_follow_nhwc():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    got = O.reshape(_nchw(x), (1, 12, 5))
    np.testing.assert_array_equal(got.numpy(), x.reshape(2, 12, 5))
    y = np.ones((2, 3, 4, 2), np.float32)
    cat = O.concatenate([_nchw(x), _nchw(y)], 3, "NONE")  # NHWC channel axis
    np.testing.assert_array_equal(_nhwc(cat), np.concatenate([x, y], 3))
    assert O.concatenate([got, got], -1, "NONE").shape == (2, 12, 10)


def test_pad_and_max_pool_same():
    x = np.random.default_rng(5).standard_normal((1, 5, 5, 2)).astype(np.float32)
    padded = O.pad(_nchw(x), np.array([[0, 0], [1, 2], [0, 1], [0, 3]]))
    np.testing.assert_array_equal(_nhwc(padded), np.pad(x, ((0, 0), (1, 2), (0, 1), (0, 3))))
    pooled = _nhwc(O.max_pool2d(_nchw(x), "SAME", (2, 2), (2, 2), "NONE"))
    ref = np.full((1, 3, 3, 2), -np.inf, np.float32)
    for i in range(3):
        for j in range(3):
            ref[:, i, j] = x[:, 2 * i: 2 * i + 2, 2 * j: 2 * j + 2].max((1, 2))  # SAME: the pad (-inf) is after
    np.testing.assert_array_equal(pooled, ref)
