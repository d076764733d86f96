"""The graph convolution of VPN's pose backbone (Das thesis 004, eq. 4.14) on the COCO-17 skeleton.

``P⁺_t = D^{-1/2} (E + I) D^{-1/2} G_t W_t``: one graph convolution per pose time step, each with its
own weight matrix ``W_t`` (the thesis's "t_p GCNs, each processing a pose from the sequence"; the
authors' code builds 16 separate ``MultiGraphCNN`` layers). ``E`` is the weighted adjacency of the
thesis: ``e_ij = α`` (5) for joints connected by a bone, ``β`` (2) for a few long-range pairs, 0 on the
diagonal and elsewhere; ``D_ii = Σ_j (E + I)_ij``.

The thesis's skeleton is Kinect-25; its long-range pairs (the authors' ``extrinsic_connections``) are
right hand–right ankle, right elbow–right knee, left elbow–left knee, left hand–left ankle, right
hand–left hand and right elbow–left elbow. :data:`COCO17_LONG_RANGE` names the same six pairs on
COCO-17 (wrists stand for the hands).
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import torch
from torch import nn

from ..pose.coco import COCO17_SKELETON, NUM_COCO_JOINTS

#: The thesis's α and β (edge weights for bones and for long-range pairs).
BONE_WEIGHT = 5.0
LONG_RANGE_WEIGHT = 2.0

#: Long-range pairs, the COCO-17 analogues of the authors' Kinect ``extrinsic_connections``.
COCO17_LONG_RANGE: Tuple[Tuple[int, int], ...] = (
    (10, 16),  # right wrist – right ankle   (Kinect 12–19: right hand – right ankle)
    (8, 14),   # right elbow – right knee    (Kinect 10–18)
    (7, 13),   # left elbow – left knee      (Kinect 6–14)
    (9, 15),   # left wrist – left ankle     (Kinect 8–15: left hand – left ankle)
    (10, 9),   # right wrist – left wrist    (Kinect 12–8: right hand – left hand)
    (8, 7),    # right elbow – left elbow    (Kinect 10–6)
)


def skeleton_adjacency(people: int = 1, *, bone_weight: float = BONE_WEIGHT,
                       long_range_weight: float = LONG_RANGE_WEIGHT,
                       bones: Sequence[Tuple[int, int]] = COCO17_SKELETON,
                       long_range: Sequence[Tuple[int, int]] = COCO17_LONG_RANGE) -> torch.Tensor:
    """The thesis's weighted adjacency ``E`` ((17·people)², symmetric, zero diagonal).

    Several people give a block-diagonal graph (one skeleton per block, no edges between people), as
    the authors' ``compute_adjacency_two_person``.
    """
    n = NUM_COCO_JOINTS
    adj = torch.zeros(n * people, n * people)
    for p in range(people):
        o = p * n
        for (i, j), w in [(e, bone_weight) for e in bones] + [(e, long_range_weight) for e in long_range]:
            adj[o + i, o + j] = adj[o + j, o + i] = w
    adj.fill_diagonal_(0.0)
    return adj


def normalized_adjacency(adj: torch.Tensor) -> torch.Tensor:
    """``D^{-1/2} (E + I) D^{-1/2}`` with ``D_ii = Σ_j (E + I)_ij`` (eq. 4.14)."""
    a = adj + torch.eye(adj.shape[0], dtype=adj.dtype)
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None, :]


class FramewiseGCN(nn.Module):
    """``t_p`` graph convolutions, one per time step, each ``Â G_t W_t + b_t`` followed by ELU.

    Input (B, t_p, J, F) joint features; output (B, t_p, J, out_dim). ``Â`` is a buffer (saved with
    the weights, so a checkpoint keeps the graph it was trained with). ELU follows the authors' code
    (``MultiGraphCNN(..., activation='elu')``); the thesis names no activation.
    """

    def __init__(self, adjacency: torch.Tensor, *, steps: int, in_dim: int, out_dim: int = 64) -> None:
        super().__init__()
        self.register_buffer("a_hat", normalized_adjacency(adjacency))
        self.weight = nn.Parameter(torch.empty(steps, in_dim, out_dim))
        self.bias = nn.Parameter(torch.zeros(steps, out_dim))
        bound = math.sqrt(6.0 / (in_dim + out_dim))  # Glorot uniform, Keras's default
        nn.init.uniform_(self.weight, -bound, bound)
        self.activation = nn.ELU()

    @property
    def steps(self) -> int:
        return int(self.weight.shape[0])

    def forward(self, g: torch.Tensor) -> torch.Tensor:
        if g.shape[1] != self.steps:
            raise ValueError(f"the pose backbone has {self.steps} graph convolutions, one per pose frame, "
                             f"but got {g.shape[1]} frames")
        mixed = torch.einsum("ij,btjf->btif", self.a_hat.to(g.dtype), g)
        out = torch.einsum("btif,tfo->btio", mixed, self.weight) + self.bias[None, :, None, :]
        return self.activation(out)
