"""Pose-X3D: the X3D-S variant for pseudo-heatmap volumes (paper Table 2, official ``X3DPose``)."""
from __future__ import annotations

from .x3d import X3D, create_x3d

#: Pose-X3D stage layout: the first X3D-S stage removed (official ``num_stages=3, stage_blocks=(5, 11, 7)``).
POSE_DEPTHS = (5, 11, 7)
POSE_INNER_DIMS = (54, 108, 216)
POSE_OUT_DIMS = (24, 48, 96)
POSE_FEATURE_DIM = 216


def create_pose_x3d(*, num_classes: int, in_channels: int = 17, temporal_kernel: int = 3,
                    stem_temporal_kernel: int = 5, shift_fraction: float = 0.0, se: bool = False,
                    dropout_rate: float = 0.5) -> X3D:
    """Pose-X3D, following the official code (PYSKL ``X3D`` with ``se_ratio=None, use_swish=False``).

    ::

        input 17 x 48 x 56 x 56 (heatmaps)
        blocks.0  stem 1x3x3 stride 1 + 5x1x1 dw       24 x 48 x 56 x 56
        blocks.1  5 blocks  [1x1 54, 3x3x3 dw, 1x1 24]  24 x 48 x 28 x 28
        blocks.2  11 blocks [108 ... 48]                48 x 48 x 14 x 14
        blocks.3  7 blocks  [216 ... 96]                96 x 48 x 7 x 7
        blocks.4  conv5 1x1 96 -> 216 (features 216 x 48 x 7 x 7) -> GAP -> dropout -> FC num_classes

    No SE, no Swish; every strided shortcut has a BN (mmaction/PYSKL layout).  ``se=True`` adds SE
    (ratio 1/16, even blocks) and Swish: the authors' "poseX3dSE" (586,180 parameters with 60 classes).
    Parameters: 543,762 with 60 classes (the paper's 543.76k), 556,782 with 120.
    """
    return create_x3d(
        num_classes=num_classes, in_channels=in_channels, stem_dim=24, stem_stride=1,
        depths=POSE_DEPTHS, inner_dims=POSE_INNER_DIMS, out_dims=POSE_OUT_DIMS,
        conv5_dim=POSE_FEATURE_DIM, fc1_dim=None, se_ratio=0.0625 if se else 0.0, swish=se,
        temporal_kernel=temporal_kernel, stem_temporal_kernel=stem_temporal_kernel,
        shift_fraction=shift_fraction, shortcut_norm="always", dropout_rate=dropout_rate,
    )
