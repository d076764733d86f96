"""Body-part crops for P-I3D (Das thesis, 004 §4.3.1): left hand, right hand and full body, per frame.

The thesis crops the three parts from the 2D projection of each frame's skeleton: the full body from the joints'
bounding box grown by an excess margin (eq. 4.3), the hands around the hand joints. It does not give the hand
crop's size; here (COCO-17 2D joints, no hand joints):

- **full body**: the tight box of the frame's joints scored at least ``score_threshold``, grown by
  ``body_padding`` around its centre and made square (eq. 4.3 with the margin relative to the person);
- **hands**: centred on the COCO wrist (9 = the person's left, 10 = right) pushed along the forearm toward the hand,
  ``centre = wrist + hand_extend * (wrist - elbow)`` (the wrist alone when the elbow is not good), square with side
  ``hand_scale`` times the window's median body height (constant over the window, so a hand is not rescaled from
  frame to frame);
- **fallbacks**: a wrist scored below ``score_threshold`` takes the last good hand centre of the window, else the
  body box centre; a frame without good joints takes the last good body box, else the next one, else the whole
  frame (a square around its centre).

Pixels outside the frame are zeros (as :func:`~core_model.preprocess.crop.crop_with_padding`); each crop is one
bilinear ``cv2.warpAffine`` straight from the full frame, then normalised as the RGB stream
(:func:`~core_model.preprocess.rgb.normalize_clip`). Boxes are ``x0, y0, x1, y1`` in frame pixels (floats,
``x1``/``y1`` exclusive); a viewer gets them from :func:`part_boxes` with the poses, no frames needed.
"""
from __future__ import annotations

import warnings
from typing import Sequence, Tuple

import numpy as np

from core_model.pose.format import Poses
from core_model.preprocess.normalization import DEFAULT, Normalization
from core_model.preprocess.rgb import normalize_clip

#: the parts, in the order of the ``P`` axis of ``part_crops`` and of the ``part_weights`` product
PART_NAMES = ("left_hand", "right_hand", "full_body")
#: COCO-17 (elbow, wrist) of the person's left and right arm
ARMS = ((7, 9), (8, 10))

SCORE_THRESHOLD = 0.3
HAND_SCALE = 0.3
HAND_EXTEND = 0.3
BODY_PADDING = 0.25
MIN_SIDE = 8.0  # pixels: no box is smaller than this


def _last_good(valid: np.ndarray) -> np.ndarray:
    """For each step, the index of the last step at or before it where ``valid`` holds, -1 if none."""
    idx = np.where(valid, np.arange(valid.shape[0]), -1)
    return np.maximum.accumulate(idx, axis=0)


def _next_good(valid: np.ndarray) -> np.ndarray:
    """For each step, the index of the first step at or after it where ``valid`` holds, -1 if none."""
    rev = _last_good(valid[::-1])[::-1]
    return np.where(rev >= 0, valid.shape[0] - 1 - rev, -1)


def _window_joints(poses: Poses, person_index: int, frame_indices: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(frame_indices, dtype=np.int64).reshape(-1)
    if not 0 <= int(person_index) < poses.num_people:
        raise ValueError(f"person_index {person_index} is not one of the {poses.num_people} people of the poses")
    if idx.size and (idx.min() < 0 or idx.max() >= poses.num_frames):
        raise ValueError(f"frame_indices must lie in [0, {poses.num_frames}), got {idx.min()}..{idx.max()}")
    return poses.keypoint[int(person_index), idx].astype(np.float64), poses.keypoint_score[int(person_index), idx]


def _body_boxes(kp: np.ndarray, good: np.ndarray, img_shape: Tuple[int, int],
                padding: float) -> Tuple[np.ndarray, np.ndarray]:
    """Square body boxes as (cx, cy, side) per frame (T, 3) and the tight heights (T,) (NaN where no joint)."""
    h, w = img_shape
    x = np.where(good, kp[..., 0], np.nan)
    y = np.where(good, kp[..., 1], np.nan)
    valid = good.any(axis=1)
    with warnings.catch_warnings():  # frames without good joints are all-NaN slices: expected
        warnings.simplefilter("ignore", RuntimeWarning)
        x0, x1 = np.nanmin(x, axis=1), np.nanmax(x, axis=1)
        y0, y1 = np.nanmin(y, axis=1), np.nanmax(y, axis=1)
    side = np.maximum(np.maximum(x1 - x0, y1 - y0) * (1.0 + padding), MIN_SIDE)
    boxes = np.stack([(x0 + x1) / 2, (y0 + y1) / 2, side], axis=1)
    last, nxt = _last_good(valid), _next_good(valid)
    source = np.where(last >= 0, last, nxt)
    whole = np.array([w / 2.0, h / 2.0, float(max(h, w, MIN_SIDE))])
    boxes = np.where((source >= 0)[:, None], boxes[np.maximum(source, 0)], whole[None])
    return boxes, np.where(valid, y1 - y0, np.nan)


def part_boxes(poses: Poses, person_index: int, frame_indices: Sequence[int], *,
               score_threshold: float = SCORE_THRESHOLD, hand_scale: float = HAND_SCALE,
               hand_extend: float = HAND_EXTEND, body_padding: float = BODY_PADDING) -> np.ndarray:
    """Part boxes (T, 3, 4) float32 ``x0, y0, x1, y1`` in frame pixels, parts in :data:`PART_NAMES` order.

    The geometry of :func:`part_crops` (see the module docstring), for a viewer that has the poses only.
    """
    kp, score = _window_joints(poses, person_index, frame_indices)
    good = score >= score_threshold
    body, heights = _body_boxes(kp, good, poses.img_shape, body_padding)
    t = kp.shape[0]
    if np.isfinite(heights).any():
        hand_side = max(float(hand_scale * np.nanmedian(heights)), MIN_SIDE)
    else:
        hand_side = max(float(hand_scale * body[0, 2] / (1.0 + body_padding)), MIN_SIDE) if t else MIN_SIDE
    out = np.empty((t, 3, 4), np.float64)
    for p, (elbow, wrist) in enumerate(ARMS):
        w_ok, e_ok = good[:, wrist], good[:, elbow]
        push = np.where(e_ok[:, None], hand_extend * (kp[:, wrist] - kp[:, elbow]), 0.0)
        centre = kp[:, wrist] + push
        last = _last_good(w_ok)
        centre = np.where((last >= 0)[:, None], centre[np.maximum(last, 0)], body[:, :2])
        out[:, p, :2] = centre - hand_side / 2
        out[:, p, 2:] = centre + hand_side / 2
    out[:, 2, :2] = body[:, :2] - body[:, 2:3] / 2
    out[:, 2, 2:] = body[:, :2] + body[:, 2:3] / 2
    return out.astype(np.float32)


def crop_boxes(frames: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Bilinear crops (P, T, size, size, 3) uint8 of ``frames`` (T, H, W, 3) for ``boxes`` (T, P, 4).

    One ``cv2.warpAffine`` per crop reads only the pixels it needs from the full frame; outside is zero.
    Output pixel ``j`` samples frame ``x0 + (j + 0.5) * side / size - 0.5`` (pixel centres, as ``cv2.resize``).
    """
    import cv2  # imported here so that importing core_model.preprocess stays light

    t, p = boxes.shape[:2]
    out = np.empty((p, t, size, size, 3), np.uint8)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    for i in range(t):
        frame = frames[i]
        for k in range(p):
            x0, y0, x1, y1 = (float(v) for v in boxes[i, k])
            ax, ay = (x1 - x0) / size, (y1 - y0) / size
            matrix = np.array([[ax, 0.0, x0 + 0.5 * ax - 0.5], [0.0, ay, y0 + 0.5 * ay - 0.5]], np.float64)
            cv2.warpAffine(frame, matrix, (size, size), dst=out[k, i], flags=flags,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return out


def part_crops(frames: np.ndarray, poses: Poses, person_index: int, frame_indices: Sequence[int], *,
               size: int = 224, normalization: Normalization = DEFAULT, flip: bool = False,
               score_threshold: float = SCORE_THRESHOLD, hand_scale: float = HAND_SCALE,
               hand_extend: float = HAND_EXTEND, body_padding: float = BODY_PADDING,
               ) -> Tuple[np.ndarray, np.ndarray]:
    """The ``part_crops`` input of one window: ``(crops (3, 3, T, size, size) float32, boxes (T, 3, 4) float32)``.

    ``frames``: the window's full uint8 RGB frames (T, H, W, 3), of the size the poses were made on;
    ``frame_indices``: the poses' frame index of each of the T frames; ``person_index``: the person's row in
    ``poses``. Crops are ``(P, C, T, H, W)`` with P in :data:`PART_NAMES` order, normalised like the RGB
    stream. ``flip`` mirrors every crop and swaps the two hands (as a pose flip swaps left and right joints);
    the boxes stay the unflipped frame geometry in :data:`PART_NAMES` order.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    if len(frames) != len(frame_indices):
        raise ValueError(f"{len(frames)} frames but {len(frame_indices)} frame indices")
    h, w = poses.img_shape
    if h > 0 and w > 0 and tuple(frames.shape[1:3]) != (h, w):
        raise ValueError(f"frames are {frames.shape[2]}x{frames.shape[1]} but the poses were made on {w}x{h} frames")
    boxes = part_boxes(poses, person_index, frame_indices, score_threshold=score_threshold,
                       hand_scale=hand_scale, hand_extend=hand_extend, body_padding=body_padding)
    resized = crop_boxes(frames, boxes, int(size))
    order = (1, 0, 2) if flip else (0, 1, 2)
    crops = np.stack([normalize_clip(resized[k], normalization=normalization, flip=flip) for k in order])
    return crops, boxes
