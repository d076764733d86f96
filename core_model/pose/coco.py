"""COCO-17 keypoint layout and maps from other skeletons (BlazePose-33, OpenPose BODY_25)."""
from __future__ import annotations

import numpy as np

#: COCO-17 joint names in order.
COCO17_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)
NUM_COCO_JOINTS = len(COCO17_NAMES)

#: Left/right pairs swapped by a horizontal flip.
COCO17_FLIP_PAIRS = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))

#: Joint index permutation applied by a horizontal flip.
COCO17_FLIP_INDEX = np.arange(NUM_COCO_JOINTS)
for _a, _b in COCO17_FLIP_PAIRS:
    COCO17_FLIP_INDEX[_a], COCO17_FLIP_INDEX[_b] = _b, _a
COCO17_FLIP_INDEX.setflags(write=False)

#: Bones for drawing (pairs of COCO-17 indices).
COCO17_SKELETON = (
    (0, 1), (0, 2), (1, 3), (2, 4),
    (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 11), (6, 12), (11, 12),
    (11, 13), (13, 15), (12, 14), (14, 16),
)

#: BlazePose-33 landmark index for each COCO-17 joint.
BLAZEPOSE33_TO_COCO17 = np.array([0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28], dtype=np.int64)

#: OpenPose BODY_25 index for each COCO-17 joint (BODY_25: 0 nose, 1 neck, 2-4 right arm, 5-7 left arm,
#: 8 mid-hip, 9-11 right leg, 12-14 left leg, 15/16 right/left eye, 17/18 right/left ear).
BODY25_TO_COCO17 = np.array([0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11], dtype=np.int64)

#: OpenPose COCO-18 (BODY_18) index for each COCO-17 joint (same as BODY_25 for the first 18 joints
#: except the hips and legs: 8-10 right leg, 11-13 left leg, 14/15 right/left eye, 16/17 right/left ear).
BODY18_TO_COCO17 = np.array([0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10], dtype=np.int64)


def flip_keypoints(keypoint: np.ndarray, width: float) -> np.ndarray:
    """Mirror ``(..., 17, 2)`` pixel keypoints horizontally in an image ``width`` wide (joints swapped).

    Coordinates are pixel centres (pixel ``i`` is centred on ``x = i``, as the heatmap grid and the
    MediaPipe backend's clipping to ``[0, width - 1]``), so pixel ``i`` mirrors to ``width - 1 - i``:
    the flip of a drawn pose equals the drawing with its columns reversed. (PYSKL's ``Flip`` uses
    ``width - x``, one pixel off.) Zeros mark missing joints and stay zero.
    """
    out = keypoint[..., COCO17_FLIP_INDEX, :].copy()
    out[..., 0] = np.where(out[..., 0] != 0, width - 1 - out[..., 0], 0)
    return out
