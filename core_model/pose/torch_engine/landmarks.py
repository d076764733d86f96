"""The landmark model's post-processing, as MediaPipe's calculators do it, batched over ROIs.

TensorsToLandmarksCalculator (x, y divided by the input size; visibility and presence through the
activation the graph names), RefineLandmarksFromHeatmapCalculator (a kernel around each landmark on
the sigmoid of its heatmap: the confidence-weighted mean position replaces the landmark when the
highest confidence reaches the threshold), ThresholdingCalculator on the pose flag, and
LandmarkProjectionCalculator (ROI -> image coordinates).
"""
from __future__ import annotations

import torch

from .graph_settings import PoseSettings


def _activate(x: torch.Tensor, name: str) -> torch.Tensor:
    if name == "SIGMOID":
        return torch.sigmoid(x)
    if name == "NONE":
        return x
    raise ValueError(f"unsupported landmark activation {name}")


def decode(raw: torch.Tensor, s: PoseSettings) -> torch.Tensor:
    """(N, num_landmarks*5) -> (N, L, 4): x, y normalized in the ROI, visibility, presence."""
    n = raw.shape[0]
    v = raw.float().reshape(n, s.num_landmarks, -1)
    w, h = s.landmark_input
    return torch.stack([v[..., 0] / w, v[..., 1] / h, _activate(v[..., 3], s.landmark_activation[0]),
                        _activate(v[..., 4], s.landmark_activation[1])], -1)


def refine(lms: torch.Tensor, heatmap: torch.Tensor, kernel: int, min_confidence: float) -> torch.Tensor:
    """RefineLandmarksFromHeatmapCalculator on (N, L, 4) landmarks and (N, Hh, Wh, L) heatmaps."""
    n, count = lms.shape[:2]
    hh, hw = heatmap.shape[1], heatmap.shape[2]
    conf = torch.sigmoid(heatmap.float()).permute(0, 3, 1, 2)  # (N, L, Hh, Wh)
    col = torch.trunc(lms[..., 0] * hw).long()  # C++ float -> int conversion truncates
    row = torch.trunc(lms[..., 1] * hh).long()
    # MediaPipe's own bounds check compares the column with the heatmap height (equal sizes here)
    inside = (col >= 0) & (col < hw) & (row >= 0) & (col < hh)
    offset = (kernel - 1) // 2
    steps = torch.arange(-offset, offset + 1, device=lms.device)
    rows = row[..., None] + steps  # (N, L, K)
    cols = col[..., None] + steps
    rvalid = (rows >= 0) & (rows < hh)
    cvalid = (cols >= 0) & (cols < hw)
    flat = conf.reshape(n, count, hh * hw)
    index = rows.clamp(0, hh - 1)[..., :, None] * hw + cols.clamp(0, hw - 1)[..., None, :]  # (N, L, K, K)
    window = torch.gather(flat, 2, index.reshape(n, count, -1)).reshape(index.shape)
    window = window * (rvalid[..., :, None] & cvalid[..., None, :])
    total = window.sum((-1, -2))
    best = window.amax((-1, -2))
    wx = (window * cols[..., None, :].float()).sum((-1, -2))
    wy = (window * rows[..., :, None].float()).sum((-1, -2))
    use = inside & (best >= min_confidence) & (total > 0)
    safe = torch.where(total > 0, total, torch.ones_like(total))
    out = lms.clone()
    out[..., 0] = torch.where(use, wx / hw / safe, lms[..., 0])
    out[..., 1] = torch.where(use, wy / hh / safe, lms[..., 1])
    return out


def project(lms: torch.Tensor, rois: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """LandmarkProjectionCalculator: ROI-normalized (N, L, 4) -> image-normalized, ``rois`` (N, 4) =
    centre x, centre y, side (pixels), rotation."""
    x = lms[..., 0] - 0.5
    y = lms[..., 1] - 0.5
    cos, sin = torch.cos(rois[:, 3:4]), torch.sin(rois[:, 3:4])
    side = rois[:, 2:3]
    nx = (cos * x - sin * y) * side / width + rois[:, 0:1] / width
    ny = (sin * x + cos * y) * side / height + rois[:, 1:2] / height
    return torch.stack([nx, ny, lms[..., 2], lms[..., 3]], -1)
