"""X-ShiftNet (the later EPAM-Net version): X3D shapes, temporal convolutions replaced by a
Temporal Shift Module in front of 2D (1xkxk) convolutions.

Matches the authors' ``X3DTemporalShift`` (RGB, ``fold_div=8``: 1/8 of the channels shifted each way)
and ``X3DTemporalShiftPose`` ("poseX3dTShiftSE": SE blocks, Swish, ``fold_div=4``: 1/4 each way).
"""
from __future__ import annotations

from typing import Optional

from .pose_x3d import create_pose_x3d
from .x3d import X3D, create_x3d

#: RGB channels shifted in total (half forward, half backward in time): 1/8 + 1/8, as in TSM.
DEFAULT_SHIFT_FRACTION = 0.25
#: Pose channels shifted in total: 1/4 + 1/4 (the authors' pose stream, ``fold_div=4``).
DEFAULT_POSE_SHIFT_FRACTION = 0.5


def create_xshift_rgb(*, num_classes: int, shift_fraction: float = DEFAULT_SHIFT_FRACTION,
                      fc1_dim: Optional[int] = None, shortcut_norm: str = "always",
                      dropout_rate: float = 0.5) -> X3D:
    """RGB X-ShiftNet: X3D-M with ``conv_b`` 1x3x3 depthwise and no stem temporal conv.

    ::

        stem 1x3x3 s2 -> BN -> ReLU (no 5x1x1)
        each residual branch: TemporalShift(+-1 frame) -> 1x1 -> 1x3x3 dw (+SE) -> Swish -> 1x1
        conv5 432 -> GAP -> dropout -> fc num_classes        (the authors' I3DHead)

    ``fc1_dim=2048`` gives the X3D head (GAP -> fc1 2048 -> fc2) of checkpoints saved before the
    authors' layout was matched.
    """
    return create_x3d(num_classes=num_classes, temporal_kernel=1, stem_temporal_kernel=1, fc1_dim=fc1_dim,
                      shift_fraction=shift_fraction, shortcut_norm=shortcut_norm, dropout_rate=dropout_rate)


def create_xshift_pose(*, num_classes: int, in_channels: int = 17,
                       shift_fraction: float = DEFAULT_POSE_SHIFT_FRACTION, se: bool = True,
                       dropout_rate: float = 0.5) -> X3D:
    """Pose X-ShiftNet: Pose-X3D shapes (216 x 48 x 7 x 7 features) with shifts instead of temporal convs.

    ::

        stem 1x3x3 s1 -> BN -> ReLU (no 5x1x1)
        each residual branch: TemporalShift -> 1x1 -> 1x3x3 dw (+SE on even blocks) -> Swish -> 1x1
        conv5 216 -> GAP -> dropout -> fc num_classes

    ``se=False`` drops SE and Swish (checkpoints saved before the authors' layout was matched).
    """
    return create_pose_x3d(num_classes=num_classes, in_channels=in_channels, temporal_kernel=1,
                           stem_temporal_kernel=1, shift_fraction=shift_fraction, se=se,
                           dropout_rate=dropout_rate)
