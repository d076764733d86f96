"""One analysis window -> both EPAM-Net inputs (RGB clip and pose heatmap volume)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

from core_model.preprocess.crop import compact_box
from core_model.preprocess.heatmaps import heatmap_volume
from core_model.preprocess.normalization import DEFAULT, Normalization
from core_model.preprocess.rgb import normalize_clip, rgb_clip
from core_model.preprocess.sampling import POSE_CLIP_LEN, RGB_CLIP_LEN, Rng, rgb_from_pose, window_frames


@dataclass
class WindowInputs:
    """Model inputs of one window; frame indices are source-video indices."""

    rgb: np.ndarray                 # (3, 16, 224, 224) float32
    heatmaps: np.ndarray            # (17, 48, 56, 56) float32
    pose_frames: np.ndarray         # (48,) int64
    rgb_frames: np.ndarray          # (16,) int64, pose_frames[::3]
    box: Tuple[int, int, int, int]  # x0, y0, x1, y1 in source pixels


def build_inputs(
    keypoint: np.ndarray,
    score: Optional[np.ndarray],
    img_shape: Tuple[int, int],
    frames_fn: Callable[[np.ndarray], np.ndarray],
    window_start: int,
    window_end: int,
    *,
    train: bool = False,
    rng: Rng = None,
    flip: bool = False,
    normalization: Normalization = DEFAULT,
    pose_len: int = POSE_CLIP_LEN,
    rgb_len: int = RGB_CLIP_LEN,
    rgb_size: int = 224,
    heatmap_size: int = 56,
    pose_frames: Optional[np.ndarray] = None,
    box: Optional[Tuple[int, int, int, int]] = None,
    crops: Optional[np.ndarray] = None,
) -> WindowInputs:
    """Build both inputs for frames ``[window_start, window_end)`` of a video.

    ``keypoint`` (M, T, V, 2) / ``score`` (M, T, V) cover the whole video (pass one person's
    slice for a per-person window). 48 pose frames are sampled uniformly in the window
    (PYSKL test-time rule unless ``train``), the RGB frames are every third of them, the crop
    box encloses the skeletons of the sampled frames, and ``frames_fn(indices)`` returns the
    uint8 RGB frames (N, H, W, 3) at source indices, e.g. ``VideoReader.get_frames``.
    ``pose_len`` / ``rgb_len`` / ``rgb_size`` / ``heatmap_size`` follow the model's
    :class:`core_model.preprocess.spec.InputSpec` (the paper's 48 / 16 / 224 / 56 by default).
    ``pose_frames``: the window's frames when already sampled with
    :func:`~core_model.preprocess.sampling.window_frames` (analysis plans its reads with them).
    ``box``: the crop box when already known (:func:`window_box`); ``crops``: instead of
    ``frames_fn``, the RGB frames already cropped to that box and resized (``crop_resize``,
    (16, rgb_size, rgb_size, 3) uint8), as analysis makes them while decoding.
    """
    length = int(window_end) - int(window_start)
    if length < 1 or window_start < 0 or window_end > keypoint.shape[1]:
        raise ValueError(f"window [{window_start}, {window_end}) is outside the {keypoint.shape[1]} pose frames")
    if pose_frames is None:
        pose_frames, rgb_frames = window_frames(window_start, window_end, pose_len, rgb_len, train=train, rng=rng)
    else:
        pose_frames = np.asarray(pose_frames, np.int64)
        rgb_frames = rgb_from_pose(pose_frames, rgb_len)
    kp = np.asarray(keypoint)[:, pose_frames]
    sc = None if score is None else np.asarray(score)[:, pose_frames]
    if box is None:
        box = compact_box(kp, img_shape, score=sc)
    heatmaps = heatmap_volume(kp, sc, box, size=heatmap_size, flip=flip)
    if crops is not None:
        rgb = normalize_clip(np.asarray(crops), normalization=normalization, flip=flip)
    else:
        rgb = rgb_clip(np.asarray(frames_fn(rgb_frames)), box, size=rgb_size, normalization=normalization, flip=flip)
    return WindowInputs(rgb, heatmaps, pose_frames, rgb_frames, box)


def window_box(keypoint: np.ndarray, score: Optional[np.ndarray], img_shape: Tuple[int, int],
               pose_frames: np.ndarray) -> Tuple[int, int, int, int]:
    """The crop box of a window: the one :func:`build_inputs` uses, from its sampled pose frames only."""
    kp = np.asarray(keypoint)[:, pose_frames]
    sc = None if score is None else np.asarray(score)[:, pose_frames]
    return compact_box(kp, img_shape, score=sc)
