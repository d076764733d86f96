"""RGB-stream input: person-centric crop, resize and normalization."""
from __future__ import annotations

import numpy as np

from core_model.preprocess.crop import Box, crop_frame
from core_model.preprocess.normalization import DEFAULT, Normalization


def crop_resize(frame: np.ndarray, box: Box, size: int = 224) -> np.ndarray:
    """One uint8 RGB frame (H, W, 3) cropped to ``box`` (zeros outside the image) and resized to (size, size, 3).

    Bilinear (``cv2.INTER_LINEAR``, as mmcv ``imresize``). Analysis calls it as each frame is decoded, so
    only the small crops of a window are kept, not its full frames.
    """
    import cv2  # imported here so that importing core_model.preprocess stays light

    return cv2.resize(crop_frame(frame, box), (size, size), interpolation=cv2.INTER_LINEAR)


def normalize_clip(resized: np.ndarray, *, normalization: Normalization = DEFAULT, flip: bool = False) -> np.ndarray:
    """RGB-stream input (3, T, S, S) float32 from resized uint8 crops (T, S, S, 3): optional mirror, then normalize."""
    if flip:
        resized = resized[:, :, ::-1]
    # (x * scale - mean) / std as one multiply-add per channel, written straight to (3, T, S, S).
    t, size = resized.shape[0], resized.shape[1]
    out = np.empty((3, t, size, resized.shape[2]), np.float32)
    for c in range(3):
        gain = np.float32(normalization.scale / normalization.std[c])
        np.multiply(resized[..., c], gain, out=out[c])
        out[c] -= np.float32(normalization.mean[c] / normalization.std[c])
    return out


def rgb_clip(
    frames: np.ndarray,
    box: Box,
    *,
    size: int = 224,
    normalization: Normalization = DEFAULT,
    flip: bool = False,
) -> np.ndarray:
    """RGB-stream input (3, T, size, size) float32 from uint8 RGB frames (T, H, W, 3).

    Each frame is cropped to ``box`` (zeros outside the image, as PYSKL ``MMCompact``),
    resized bilinearly to ``size`` x ``size`` (``cv2.INTER_LINEAR``, as mmcv ``imresize``),
    optionally mirrored, then normalized (:func:`crop_resize` then :func:`normalize_clip`).
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    resized = np.empty((len(frames), size, size, 3), np.uint8)
    for t in range(len(frames)):
        resized[t] = crop_resize(frames[t], box, size)
    return normalize_clip(resized, normalization=normalization, flip=flip)
