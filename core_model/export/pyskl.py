"""The PYSKL / MMAction2 skeleton pickle of a set."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from ..fileio import atomic_path
from ..pose.format import NUM_JOINTS, Poses


def annotation(clip: str, label_index: int, poses: Poses, original_shape: Sequence[int]) -> dict:
    """One PYSKL annotation: ``keypoint (M,T,17,2) float32``, ``keypoint_score (M,T,17) float32``.

    A clip in which nobody was seen gets one all-zero person (PYSKL expects M >= 1).
    """
    kp, score = poses.keypoint, poses.keypoint_score
    if kp.shape[0] == 0:
        kp = np.zeros((1, poses.num_frames, NUM_JOINTS, 2), np.float32)
        score = np.zeros((1, poses.num_frames, NUM_JOINTS), np.float32)
    return {
        "frame_dir": clip,
        "label": int(label_index),
        "img_shape": (int(poses.img_shape[0]), int(poses.img_shape[1])),
        "original_shape": (int(original_shape[0]), int(original_shape[1])),
        "total_frames": int(poses.num_frames),
        "keypoint": np.ascontiguousarray(kp, np.float32),
        "keypoint_score": np.ascontiguousarray(score, np.float32),
    }


def write_pickle(path: Path, annotations: List[dict], split: Dict[str, List[str]]) -> None:
    """``{'split': {'train': [...], 'val': [...]}, 'annotations': [...]}``, written atomically."""
    data = {"split": {k: list(v) for k, v in split.items()}, "annotations": annotations}
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        pickle.dump(data, fh, protocol=4)
