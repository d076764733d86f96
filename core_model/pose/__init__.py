"""Pose: the ``Poses`` file format, COCO-17 layout, extraction (MediaPipe), tracking, caching, importers."""
from core_model.pose.extract import cached_poses, extract_poses
from core_model.pose.extractor import Detection, PoseExtractor, create_extractor
from core_model.pose.format import Poses
from core_model.pose.importers import load_coco_json, load_openpose_json, load_pyskl_pickle

__all__ = ["Poses", "Detection", "PoseExtractor", "create_extractor", "extract_poses", "cached_poses",
           "load_pyskl_pickle", "load_coco_json", "load_openpose_json"]
