"""X-ShiftNet (the later EPAM-Net version): X3D shapes, temporal convolutions replaced by a
Temporal Shift Module in front of 2D (1xkxk) convolutions."""
from __future__ import annotations

from .pose_x3d import create_pose_x3d
from .x3d import X3D, create_x3d

#: Channels shifted in total (half forward, half backward in time): 1/8 + 1/8, as in TSM.
DEFAULT_SHIFT_FRACTION = 0.25


def create_xshift_rgb(*, num_classes: int, shift_fraction: float = DEFAULT_SHIFT_FRACTION,
                      dropout_rate: float = 0.5) -> X3D:
    """RGB X-ShiftNet: X3D-M with ``conv_b`` 1x3x3 depthwise and no stem temporal conv.

    ::

        stem 1x3x3 s2 (no 5x1x1)
        each residual branch: TemporalShift(+-1 frame) -> 1x1 -> 1x3x3 dw (+SE) -> Swish -> 1x1
        conv5 432 -> GAP -> fc1 2048 -> fc2
    """
    return create_x3d(num_classes=num_classes, temporal_kernel=1, stem_temporal_kernel=1,
                      shift_fraction=shift_fraction, dropout_rate=dropout_rate)


def create_xshift_pose(*, num_classes: int, in_channels: int = 17,
                       shift_fraction: float = DEFAULT_SHIFT_FRACTION, dropout_rate: float = 0.5) -> X3D:
    """Pose X-ShiftNet: Pose-X3D shapes (216 x 48 x 7 x 7 features) with shifts instead of temporal convs.

    ::

        stem 1x3x3 s1 (no 5x1x1)
        each residual branch: TemporalShift -> 1x1 -> 1x3x3 dw -> 1x1
        conv5 216 -> GAP -> FC
    """
    return create_pose_x3d(num_classes=num_classes, in_channels=in_channels, temporal_kernel=1,
                           stem_temporal_kernel=1, shift_fraction=shift_fraction, dropout_rate=dropout_rate)
