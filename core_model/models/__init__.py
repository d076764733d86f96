"""EPAM-Net models: X3D / X-ShiftNet streams, attention blocks, checkpoints, weights, FLOP counts."""
from .attention import CbamEcaSTA, NestedSTA, align_time
from .checkpoints import FORMAT_VERSION, CheckpointInfo, default_class_names, load_checkpoint, save_checkpoint
from .epamnet import LAYOUTS, EPAMNet, EPAMNetOutput, create_epam_net, epam_loss, fuse_scores
from .flops import PartCost, model_costs
from .inference import fuse_for_inference
from .pose_x3d import create_pose_x3d
from .pretrained import WeightsReport, load_x3d_weights, mmaction_to_pytorchvideo
from .x3d import X3D, TemporalShift, create_x3d
from .xshift import create_xshift_pose, create_xshift_rgb

__all__ = [
    "EPAMNet", "EPAMNetOutput", "create_epam_net", "epam_loss", "fuse_scores",
    "X3D", "TemporalShift", "create_x3d", "create_pose_x3d", "create_xshift_rgb", "create_xshift_pose",
    "NestedSTA", "CbamEcaSTA", "align_time",
    "save_checkpoint", "load_checkpoint", "CheckpointInfo", "FORMAT_VERSION", "LAYOUTS", "default_class_names",
    "load_x3d_weights", "mmaction_to_pytorchvideo", "WeightsReport",
    "model_costs", "PartCost", "fuse_for_inference",
]
