"""Pose-driven spatial-temporal attention blocks (EPAM-Net section 3.3 and its ablation).

Each block maps pose features ``f_s`` (B, C, T_pose, H, W) to a spatial map ``A_S`` (B, 1, T, H, W)
and a temporal map ``A_T`` (B, T), both in (0, 1), for an RGB feature map with T frames and H x W
cells; EPAM-Net then re-weights the RGB features as ``f_r + f_r * A_S * A_T`` (official residual).
"""
from __future__ import annotations

from typing import Tuple

import torch
from torch import nn
from torch.nn import functional as F


def align_time(pose_features: torch.Tensor, frames: int) -> torch.Tensor:
    """Pick ``frames`` time steps of (B, C, T_pose, H, W) at indices ``floor(k * T_pose / frames)``.

    With 48 pose and 16 RGB frames these are 0, 3, ..., 45 (one of every T_pose/T_rgb, the
    frames the RGB clip was sampled from).
    """
    t_pose = pose_features.shape[2]
    if t_pose == frames:
        return pose_features
    index = (torch.arange(frames, device=pose_features.device) * t_pose) // frames
    return pose_features.index_select(2, index)


def align_space(pose_features: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """Resize (B, C, T, H, W) pose features to the RGB feature grid ``size`` (bilinear) if they differ."""
    if tuple(pose_features.shape[-2:]) == tuple(size):
        return pose_features
    b, c, t, h, w = pose_features.shape
    flat = pose_features.transpose(1, 2).reshape(b * t, c, h, w)
    flat = F.interpolate(flat, size=size, mode="bilinear", align_corners=False)
    return flat.reshape(b, t, c, *size).transpose(1, 2)


def _resize_1d(z: torch.Tensor, length: int) -> torch.Tensor:
    """Linear resampling of (B, T) to (B, length)."""
    if z.shape[1] == length:
        return z
    return F.interpolate(z[:, None], size=length, mode="linear", align_corners=True)[:, 0]


class NestedSTA(nn.Module):
    """Nesting spatial-temporal attention (paper eqs. 2-4).

    ::

        f_s (C x T x H x W)
          spatial_conv1 1x3x3 C -> 1, ReLU
          spatial_conv2 1x7x7 1 -> 1, sigmoid          -> A_S (1 x T x H x W)
          Z_t = mean_HW A_S                            (T)
          A_T = sigmoid(fc2(relu(fc1(Z))))             fc1, fc2: T x T, no bias

    The fully connected layers are sized for ``frames`` (16); another clip length resamples Z to
    ``frames`` and A_T back (linear), so the same weights serve 8 or 24 RGB frames.
    Parameters with 216 pose channels and 16 frames: 1945 + 50 + 512 = 2507.
    """

    def __init__(self, in_channels: int = 216, frames: int = 16) -> None:
        super().__init__()
        self.frames = frames
        self.spatial_conv1 = nn.Conv3d(in_channels, 1, (1, 3, 3), padding=(0, 1, 1))
        self.spatial_conv2 = nn.Conv3d(1, 1, (1, 7, 7), padding=(0, 3, 3))
        self.fc1 = nn.Linear(frames, frames, bias=False)
        self.fc2 = nn.Linear(frames, frames, bias=False)

    def forward(self, f_s: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        a_s = torch.sigmoid(self.spatial_conv2(F.relu(self.spatial_conv1(f_s))))
        t = a_s.shape[2]
        z = _resize_1d(a_s.mean(dim=(1, 3, 4)), self.frames)
        a_t = torch.sigmoid(self.fc2(F.relu(self.fc1(z))))
        return a_s, _resize_1d(a_t, t)


class CbamEcaSTA(nn.Module):
    """Ablation block (paper eqs. 6-7; the later version's 107-parameter block).

    ::

        f_s (C x T x H x W)
          [max_C ; mean_C]                             (2 x T x H x W)
          spatial_conv 1x7x7 2 -> 1 (no bias), BN (momentum 0.01), sigmoid  -> A_S (1 x T x H x W)
          Z_t = mean_HW A_S                            (T)
          A_T = sigmoid(Conv1D k=7 over time, no bias)  (ECA)

    This is the authors' ``CBAMSpatialEfficientTemporalAttention('nested')`` (``ChannelPool`` puts
    the max first).  ``legacy=True`` gives the block of checkpoints saved before that was matched:
    ``[mean_C ; max_C]`` and BN momentum 0.1.
    Parameters: 98 + 2 + 7 = 107, independent of the channel count and the clip length.
    """

    def __init__(self, kernel_size: int = 7, *, legacy: bool = False) -> None:
        super().__init__()
        self.legacy = legacy
        self.spatial_conv = nn.Conv3d(2, 1, (1, 7, 7), padding=(0, 3, 3), bias=False)
        self.spatial_norm = nn.BatchNorm3d(1, eps=1e-5, momentum=0.1 if legacy else 0.01)
        self.temporal_conv = nn.Conv1d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, f_s: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        pooled = [f_s.amax(dim=1, keepdim=True), f_s.mean(dim=1, keepdim=True)]
        if self.legacy:
            pooled.reverse()
        a_s = torch.sigmoid(self.spatial_norm(self.spatial_conv(torch.cat(pooled, dim=1))))
        z = a_s.mean(dim=(3, 4))  # (B, 1, T)
        a_t = torch.sigmoid(self.temporal_conv(z))[:, 0]
        return a_s, a_t

    def extra_repr(self) -> str:
        return "pool=[mean, max] (legacy)" if self.legacy else "pool=[max, mean]"


ATTENTION_KINDS = ("nested", "cbam_eca", "none")


def create_attention(kind: str, *, in_channels: int = 216, frames: int = 16,
                     legacy: bool = False) -> nn.Module | None:
    """The attention block named ``kind`` ("nested", "cbam_eca"), or None for "none".

    ``legacy`` selects the CBAM/ECA block of checkpoints saved before the authors' layout was matched.
    """
    if kind == "nested":
        return NestedSTA(in_channels=in_channels, frames=frames)
    if kind == "cbam_eca":
        return CbamEcaSTA(legacy=legacy)
    if kind == "none":
        return None
    raise ValueError(f"unknown attention {kind!r}")
