"""Synthetic test videos with known content.

- Bar-code videos: every frame carries its own index as big black/white blocks that survive
  lossy compression, so a test can tell exactly which frame a decoder returned.
- Stick-figure videos: people drawn as COCO-17 skeletons moving on a plain background, with
  their ground-truth keypoints returned.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from core_model.video.encoding import encode_frames

BARCODE_BITS = 12
BARCODE_ROWS = 16  # height of the bar-code band, pixels

#: COCO-17 skeleton edges used for drawing.
COCO_EDGES = (
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
)

#: One colour (RGB) per person.
PERSON_COLORS = ((220, 40, 40), (30, 90, 220), (20, 150, 60), (200, 120, 0), (150, 40, 170), (0, 150, 160))

# Rest pose, in units of the person's height, relative to the hip centre (x right, y down).
# "Left" is the person's left, which appears on the image right for a person facing the camera.
_REST_POSE = np.array([
    [0.00, -0.42],                   # nose
    [0.03, -0.45], [-0.03, -0.45],   # eyes
    [0.06, -0.43], [-0.06, -0.43],   # ears
    [0.12, -0.30], [-0.12, -0.30],   # shoulders
    [0.17, -0.12], [-0.17, -0.12],   # elbows
    [0.20, 0.04], [-0.20, 0.04],     # wrists
    [0.08, 0.05], [-0.08, 0.05],     # hips
    [0.09, 0.27], [-0.09, 0.27],     # knees
    [0.10, 0.50], [-0.10, 0.50],     # ankles
], dtype=np.float64)


# --------------------------------------------------------------------------- bar codes
def barcode_frame(index: int, size: Tuple[int, int] = (192, 128), bits: int = BARCODE_BITS) -> np.ndarray:
    """An RGB frame whose top band encodes ``index`` in ``bits`` blocks, above a moving scene."""
    w, h = size
    if w < bits * 8 or h < BARCODE_ROWS + 16:
        raise ValueError(f"frame size {size} is too small for a {bits}-bit bar code")
    yy, xx = np.mgrid[0:h, 0:w]
    frame = np.empty((h, w, 3), np.uint8)
    # A smooth moving gradient plus a moving square: gives the encoder real motion to predict.
    frame[..., 0] = (xx * 2 + index * 3) % 256
    frame[..., 1] = (yy * 2 + index * 5) % 256
    frame[..., 2] = 128
    side = max(8, h // 5)
    x0 = (index * 4) % max(1, w - side)
    y0 = BARCODE_ROWS + 4 + (index * 2) % max(1, h - BARCODE_ROWS - side - 4)
    frame[y0:y0 + side, x0:x0 + side] = (255, 255, 0)
    block = w // bits
    frame[:BARCODE_ROWS] = 0
    for b in range(bits):
        if (index >> b) & 1:
            frame[:BARCODE_ROWS, b * block:(b + 1) * block] = 255
    return frame


def read_barcode(frame: np.ndarray, bits: int = BARCODE_BITS) -> int:
    """Decode the frame index written by :func:`barcode_frame` (robust to compression noise)."""
    block = frame.shape[1] // bits
    band = frame[3:BARCODE_ROWS - 3].astype(np.float32).mean(axis=(0, 2))
    index = 0
    for b in range(bits):
        if band[b * block + 3:(b + 1) * block - 3].mean() > 127.5:
            index |= 1 << b
    return index


def write_barcode_video(
    path: str | Path,
    *,
    frames: int = 60,
    size: Tuple[int, int] = (192, 128),
    fps: float = 25.0,
    codec: str = "libx264",
    options: Optional[dict] = None,
    frame_durations_ms: Optional[Sequence[int]] = None,
    container_options: Optional[dict] = None,
) -> int:
    """Write a bar-code video; ``frame_durations_ms`` (one per frame) makes it variable frame rate."""
    pts = None
    if frame_durations_ms is not None:
        pts = np.concatenate([[0], np.cumsum(frame_durations_ms[:frames - 1])]).astype(int)
    return encode_frames(path, (barcode_frame(i, size) for i in range(frames)), fps=fps, codec=codec,
                         options=options, pts=pts, container_options=container_options)


# --------------------------------------------------------------------------- stick figures
def stick_figure_keypoints(people: int, frames: int, size: Tuple[int, int], fps: float = 25.0) -> np.ndarray:
    """Ground-truth COCO-17 keypoints (M, T, 17, 2) in pixels for people waving and walking in lanes."""
    w, h = size
    t = np.arange(frames) / fps
    lane = w / people
    height = min(0.7 * h, 0.9 * lane)  # arms reach 0.47 height sideways: stay inside the lane
    out = np.empty((people, frames, 17, 2), np.float32)
    for m in range(people):
        phase = 1.3 * m
        pose = np.repeat(_REST_POSE[None], frames, axis=0) * height  # (T, 17, 2)
        # Arms: raise elbow and wrist sideways around the shoulder, from hanging to nearly horizontal.
        for shoulder, elbow, wrist, sign in ((5, 7, 9, 1.0), (6, 8, 10, -1.0)):
            angle = -sign * 1.3 * (0.5 - 0.5 * np.cos(2 * np.pi * 0.8 * t + phase))
            c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
            for joint in (elbow, wrist):
                rel = pose[:, joint] - pose[:, shoulder]
                pose[:, joint] = pose[:, shoulder] + np.concatenate(
                    [c * rel[:, :1] - s * rel[:, 1:], s * rel[:, :1] + c * rel[:, 1:]], axis=1)
        # Legs: swing knees and ankles forward / backward.
        swing = 0.06 * height * np.sin(2 * np.pi * 1.0 * t + phase)
        pose[:, [13, 15], 0] += swing[:, None] * np.array([1.0, 1.6])
        pose[:, [14, 16], 0] -= swing[:, None] * np.array([1.0, 1.6])
        # Walk back and forth inside the lane, with a small vertical bob.
        half_span = max(0.0, lane / 2 - 0.5 * height)
        cx = lane * (m + 0.5) + half_span * np.sin(2 * np.pi * 0.2 * t + phase)
        cy = 0.5 * h + 0.02 * h * np.sin(2 * np.pi * 2.0 * t)
        out[m] = pose + np.stack([cx, cy], axis=1)[:, None, :]
    return out


def draw_stick_figures(keypoints_t: np.ndarray, size: Tuple[int, int], background=(235, 235, 235)) -> np.ndarray:
    """Render one frame from keypoints (M, 17, 2): limbs as thick lines, head as a disc."""
    w, h = size
    img = np.empty((h, w, 3), np.uint8)
    img[:] = background
    for m, kp in enumerate(keypoints_t):
        color = PERSON_COLORS[m % len(PERSON_COLORS)]
        scale = float(np.ptp(kp[:, 1])) or 1.0
        thick = max(2, int(scale / 25))
        pts = np.round(kp * 16).astype(np.int32)  # 4-bit sub-pixel precision
        for a, b in COCO_EDGES:
            cv2.line(img, tuple(pts[a]), tuple(pts[b]), color, thick, cv2.LINE_AA, shift=4)
        cv2.circle(img, tuple(pts[0]), int(scale * 0.07 * 16), color, -1, cv2.LINE_AA, shift=4)
        for p in pts:
            cv2.circle(img, tuple(p), (thick + 1) * 16, color, -1, cv2.LINE_AA, shift=4)
    return img


def write_stick_figure_video(
    path: str | Path,
    *,
    people: int = 1,
    frames: int = 48,
    size: Tuple[int, int] = (320, 240),
    fps: float = 25.0,
    codec: str = "libx264",
) -> np.ndarray:
    """Write a video of ``people`` moving stick figures; returns their keypoints (M, T, 17, 2).

    People walk in separate vertical lanes (left to right in person order), one colour each,
    so per-person tests can tell them apart.
    """
    if people < 1 or frames < 1:
        raise ValueError("people and frames must be at least 1")
    keypoints = stick_figure_keypoints(people, frames, size, fps)
    encode_frames(path, (draw_stick_figures(keypoints[:, t], size) for t in range(frames)), fps=fps, codec=codec)
    return keypoints
