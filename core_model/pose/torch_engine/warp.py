"""MediaPipe's ImageToTensor crop (OpenCV converter) as one batched ``grid_sample`` on the device.

MediaPipe maps the corners of a rotated rectangle (``cv::boxPoints``: bottom-left, top-left,
top-right, bottom-right) onto the output's ``(0, h), (0, 0), (w, 0), (w, h)`` and warps the uint8
image with bilinear interpolation and a zero border, then scales the uint8 result to the model's
float range. Here output pixel ``(u, v)`` samples the source at
``top_left + u / w * (top_right - top_left) + v / h * (bottom_left - top_left)`` (OpenCV pixel
coordinates: integers at pixel centres = ``grid_sample(align_corners=True)``), rounded to integers
as OpenCV's uint8 warp does.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..detector_geometry import letterbox

#: OpenCV's INTER_TAB_SIZE: warps sample at 1/32 pixel positions
INTER_TAB = 32.0


def crop_affine(points: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """(2, 3) matrix: output pixel (u, v, 1) -> source pixel, from :func:`..detector_geometry.box_points`."""
    bl, tl, tr = points[0], points[1], points[2]
    return np.stack([(tr - tl) / out_w, (bl - tl) / out_h, tl], axis=1)


def letterbox_roi(width: int, height: int, out_w: int, out_h: int) -> Tuple[np.ndarray, Tuple[float, float]]:
    """The whole image padded to the output's aspect ratio: :func:`..detector_geometry.letterbox`."""
    return letterbox(width, height, out_w, out_h)


def warp(images: torch.Tensor, sizes: Sequence[Tuple[int, int]], affines: np.ndarray, out_w: int, out_h: int,
         value_range: Tuple[float, float], dtype: torch.dtype, border: str = "zero") -> torch.Tensor:
    """Crops of ``images`` (N, 3, Hmax, Wmax) float 0..255, zeros beyond each image's ``sizes[i]`` = (w, h)
    (or one image for every affine) -> NHWC (N, out_h, out_w, 3) in ``value_range``, ``dtype``.
    ``border``: ``zero`` (BORDER_ZERO) or ``replicate`` (BORDER_REPLICATE: only for images that fill
    ``images`` exactly, as the landmark crop's single frame does)."""
    n = affines.shape[0]
    device = images.device
    hmax, wmax = images.shape[2], images.shape[3]
    v, u = torch.meshgrid(torch.arange(out_h, dtype=torch.float32, device=device),
                          torch.arange(out_w, dtype=torch.float32, device=device), indexing="ij")
    uv1 = torch.stack([u, v, torch.ones_like(u)], -1).reshape(-1, 3)  # (P, 3)
    mats = torch.as_tensor(affines, dtype=torch.float32, device=device)  # (N, 2, 3)
    src = torch.einsum("pk,njk->npj", uv1, mats)  # (N, P, 2) source pixels
    src = torch.round(src * INTER_TAB) / INTER_TAB  # OpenCV's fixed-point warp: 1/32 pixel positions
    scale = torch.tensor([2.0 / max(wmax - 1, 1), 2.0 / max(hmax - 1, 1)], device=device)
    grid = (src * scale - 1.0).reshape(n, out_h, out_w, 2)
    source = images if images.shape[0] == n else images.expand(n, -1, -1, -1)
    out = F.grid_sample(source, grid, mode="bilinear", padding_mode="zeros" if border == "zero" else "border", align_corners=True)
    out = torch.round(out)  # OpenCV's uint8 warp rounds
    lo, hi = value_range
    out = out * ((hi - lo) / 255.0) + lo
    return out.permute(0, 2, 3, 1).to(dtype).contiguous()


def stack_images(crops: Sequence[np.ndarray], device) -> Tuple[torch.Tensor, list]:
    """Crops (H, W, 3) uint8 of any sizes -> (N, 3, Hmax, Wmax) float on ``device``, zero beyond each crop."""
    hmax = max(c.shape[0] for c in crops)
    wmax = max(c.shape[1] for c in crops)
    canvas = torch.zeros((len(crops), 3, hmax, wmax), dtype=torch.float32, device=device)
    for i, crop in enumerate(crops):
        canvas[i, :, : crop.shape[0], : crop.shape[1]] = _upload(crop, device).permute(2, 0, 1).float()
    return canvas, [(c.shape[1], c.shape[0]) for c in crops]


def _upload(crop: np.ndarray, device) -> torch.Tensor:
    """A (H, W, 3) uint8 array on ``device`` (uint8: a quarter of the bytes of float to move)."""
    return torch.as_tensor(np.array(crop, copy=not crop.flags.writeable or not crop.flags.c_contiguous)).to(device)


def warp_images(images: Sequence[np.ndarray], affines: np.ndarray, out_w: int, out_h: int,
                value_range: Tuple[float, float], dtype: torch.dtype, device) -> torch.Tensor:
    """:func:`warp` of each image with its own affine, images of one size stacked together (one
    ``grid_sample`` per size: tiles of one size are one call, and no image is padded to the largest)."""
    groups: dict = {}
    for i, image in enumerate(images):
        groups.setdefault(image.shape[:2], []).append(i)
    out = None
    for (h, w), members in groups.items():
        stack = torch.stack([_upload(images[i], device) for i in members]).permute(0, 3, 1, 2).float()
        part = warp(stack, [(w, h)] * len(members), affines[members], out_w, out_h, value_range, dtype)
        if len(groups) == 1:
            return part
        if out is None:
            out = torch.empty((len(images),) + tuple(part.shape[1:]), dtype=part.dtype, device=part.device)
        out[torch.as_tensor(members, device=part.device)] = part
    return out
