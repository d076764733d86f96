"""EPAM-Net models: X3D / X-ShiftNet streams, attention blocks, checkpoints, FLOP counts."""
from .epamnet import EPAMNet, EPAMNetOutput, create_epam_net, epam_loss, fuse_scores
from .pose_x3d import create_pose_x3d
from .x3d import X3D, create_x3d
from .xshift import create_xshift_pose, create_xshift_rgb

__all__ = [
    "EPAMNet", "EPAMNetOutput", "create_epam_net", "epam_loss", "fuse_scores",
    "X3D", "create_x3d", "create_pose_x3d", "create_xshift_rgb", "create_xshift_pose",
]
