"""Preprocessing: sampling, person-centric crop, pseudo-heatmaps, RGB normalization."""
from core_model.preprocess.crop import compact_box, crop_with_padding, keypoints_to_box
from core_model.preprocess.heatmaps import heatmap_volume
from core_model.preprocess.inputs import WindowInputs, build_inputs
from core_model.preprocess.normalization import DEFAULT, IMAGENET_0_255, PYTORCHVIDEO_X3D, Normalization
from core_model.preprocess.rgb import rgb_clip
from core_model.preprocess.sampling import POSE_CLIP_LEN, RGB_CLIP_LEN, rgb_from_pose, uniform_sample

__all__ = [
    "DEFAULT", "IMAGENET_0_255", "PYTORCHVIDEO_X3D", "Normalization", "POSE_CLIP_LEN", "RGB_CLIP_LEN",
    "WindowInputs", "build_inputs", "compact_box", "crop_with_padding", "heatmap_volume",
    "keypoints_to_box", "rgb_clip", "rgb_from_pose", "uniform_sample",
]
