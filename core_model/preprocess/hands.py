"""Inputs of the hand-glimpse model (Baradel, Wolf, Mille, seed 001 §3): the joint path and the hand crops.

**Joint path** (§3.1, fig. 2): the pose tensor's columns follow a cyclic path through the skeleton that repeats
joints, so that neighbouring columns are neighbouring joints (a limb is walked out and back). For COCO-17 (no
spine joints; the hips stand for the paper's "middle spine") the path starts at the left hip, walks the left leg
out and back, the left arm, then crosses the head (left ear, left eye, nose, right eye, right ear) to the right
shoulder, walks the right arm and the right leg and ends at the right hip, which is joined to the left hip (the
cycle closes). 25 columns visit all 17 joints; every pair of neighbouring columns, the last and the first
included, is a bone of :data:`PATH_BONES` (the project's drawing skeleton plus the official COCO ear–shoulder
links, without which the head is not joined to the body). A horizontal flip maps the path onto itself reversed.

**Hand crops** (§3.2, eq. 2): N = 4 glimpses, the two wrists of up to two people, in the order
:data:`HAND_SLOTS`. Each is a square crop centred on the wrist (``hand_extend`` = 0; > 0 pushes the centre
along the forearm toward the hand, as P-I3D's crops), of side ``hand_scale`` times the person's median body
height over the window — the geometry of :func:`core_model.preprocess.parts.part_boxes`, reused here (the paper
crops a fixed 50×50 px of full-HD NTU frames, about 1/20 of the frame height; relative to the person the crop
does not shrink when people are far). A person who is not in the window gives NaN boxes and zero crops (as the
paper's missing second skeleton). A flip mirrors every crop and swaps left and right hands of each person, as the
flipped keypoints swap the joints.

The people are the window's rows with the most joint evidence over the keypoint frames, ranked exactly as
:func:`core_model.preprocess.keypoints.keypoint_sequence` ranks them, so glimpse ``2m``/``2m+1`` belong to the
person ``m`` of the ``keypoints`` input. A viewer gets the glimpse boxes from :func:`glimpse_boxes` with the poses
and the model's config (its recorded crop geometry), no frames needed.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Optional, Sequence, Tuple

import numpy as np

from core_model.pose.coco import COCO17_SKELETON
from core_model.preprocess import parts as _parts

#: glimpse slots (the N axis of ``hand_crops`` and of the ``hand_weights`` product)
HAND_SLOTS = ("person1_left_hand", "person1_right_hand", "person2_left_hand", "person2_right_hand")
#: the slot order after a horizontal flip (each person's left and right hand swap)
FLIP_SLOTS = (1, 0, 3, 2)
MAX_PEOPLE = 2

#: bones the joint path walks: the project's drawing skeleton + the official COCO ear–shoulder links
PATH_BONES: Tuple[Tuple[int, int], ...] = tuple(COCO17_SKELETON) + ((3, 5), (4, 6))
#: the cyclic joint path over COCO-17 (see the module docstring); the last column is joined to the first
JOINT_PATH: Tuple[int, ...] = (11, 13, 15, 13, 11, 5, 7, 9, 7, 5, 3, 1, 0, 2, 4, 6, 8, 10, 8, 6, 12, 14, 16, 14, 12)
#: joints whose mean is the origin of the pose coordinates (the hip centre; the paper's middle spine)
ORIGIN_JOINTS = (11, 12)

HAND_SCALE = 0.2
HAND_EXTEND = 0.0
SCORE_THRESHOLD = _parts.SCORE_THRESHOLD


def people_rows(keypoint: np.ndarray, score: Optional[np.ndarray], frames: Sequence[int],
                people: int = MAX_PEOPLE) -> np.ndarray:
    """The rows of the ``people`` people with the most joint evidence over ``frames`` (at most ``people``; rows
    without any evidence left out), ranked as :func:`~core_model.preprocess.keypoints.keypoint_sequence` ranks
    them."""
    frames = np.asarray(frames, np.int64)
    kp = np.asarray(keypoint, np.float32)[:, frames]
    sc = np.ones(kp.shape[:3], np.float32) if score is None else np.asarray(score, np.float32)[:, frames]
    present = (sc > 0) & np.any(kp != 0, axis=-1)
    evidence = np.where(present, sc, 0).sum(axis=(1, 2))
    order = np.argsort(-evidence, kind="stable")[:people]
    return order[evidence[order] > 0]


def hand_boxes(keypoint: np.ndarray, score: Optional[np.ndarray], img_shape, frame_indices: Sequence[int],
               rows: Sequence[int], *, people: int = MAX_PEOPLE, score_threshold: float = SCORE_THRESHOLD,
               hand_scale: float = HAND_SCALE, hand_extend: float = HAND_EXTEND) -> np.ndarray:
    """Glimpse boxes (T, 2·people, 4) float32 ``x0, y0, x1, y1`` in frame pixels, slots in :data:`HAND_SLOTS`
    order; ``rows``: the people (rows of ``keypoint`` (N, T, 17, 2)); slots of absent people are NaN."""
    keypoint = np.asarray(keypoint)
    score = np.ones(keypoint.shape[:3], np.float32) if score is None else np.asarray(score)
    poses = SimpleNamespace(keypoint=keypoint, keypoint_score=score, img_shape=tuple(img_shape),
                            num_people=keypoint.shape[0], num_frames=keypoint.shape[1])
    out = np.full((len(frame_indices), 2 * people, 4), np.nan, np.float32)
    for m, row in enumerate(list(rows)[:people]):
        boxes = _parts.part_boxes(poses, int(row), frame_indices, score_threshold=score_threshold,
                                  hand_scale=hand_scale, hand_extend=hand_extend)
        out[:, 2 * m:2 * m + 2] = boxes[:, :2]  # parts' (left hand, right hand); the body box is not used
    return out


def glimpse_boxes(poses, frame_indices: Sequence[int], *, keypoint_frames: Optional[Sequence[int]] = None,
                  rows: Optional[Sequence[int]] = None, people: int = MAX_PEOPLE,
                  score_threshold: float = SCORE_THRESHOLD, hand_scale: float = HAND_SCALE,
                  hand_extend: float = HAND_EXTEND) -> np.ndarray:
    """The glimpse boxes (T, 4, 4) of ``frame_indices`` for a viewer that has the poses only (a
    :class:`~core_model.pose.format.Poses`): the people among ``rows`` (default all; a per-person analysis
    window: that person's row only) ranked over ``keypoint_frames`` (default the same frames; the model ranks
    over its keypoint frames), geometry as recorded in the model's config."""
    frames = frame_indices if keypoint_frames is None else keypoint_frames
    candidates = np.arange(poses.keypoint.shape[0]) if rows is None else np.asarray(list(rows), np.int64)
    ranked = people_rows(poses.keypoint[candidates], poses.keypoint_score[candidates], frames, people)
    rows = candidates[ranked]
    return hand_boxes(poses.keypoint, poses.keypoint_score, poses.img_shape, frame_indices, rows, people=people,
                      score_threshold=score_threshold, hand_scale=hand_scale, hand_extend=hand_extend)


def crop_hands(frame: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """(N, size, size, 3) uint8 crops of one frame (H, W, 3) for ``boxes`` (N, 4); a NaN box gives zeros."""
    boxes = np.asarray(boxes, np.float64)
    out = np.zeros((len(boxes), size, size, 3), np.uint8)
    ok = np.isfinite(boxes).all(axis=1)
    if ok.any():
        out[ok] = _parts.crop_boxes(np.asarray(frame)[None], boxes[ok][None], size)[:, 0]
    return out


def normalize_hands(crops: np.ndarray, present: np.ndarray, *, normalization, flip: bool = False) -> np.ndarray:
    """``hand_crops`` of one clip (T, N, 3, S, S) float32 from uint8 crops (T, N, S, S, 3): normalised like the
    RGB stream, absent slots (``present`` (N,) False) exactly zero; ``flip`` mirrors and swaps the hands."""
    from core_model.preprocess.rgb import normalize_clip

    order = FLIP_SLOTS if flip else tuple(range(crops.shape[1]))
    out = np.zeros((crops.shape[0], crops.shape[1], 3, crops.shape[2], crops.shape[3]), np.float32)
    for n, slot in enumerate(order):
        if present[slot]:
            out[:, n] = normalize_clip(crops[:, slot], normalization=normalization, flip=flip).transpose(1, 0, 2, 3)
    return out


# ---------------------------------------------------------------- the builder of kind "hand_crops" (kinds.py)
def _window_rows(source, sizes) -> np.ndarray:
    from core_model.preprocess.keypoints import keypoint_frames

    frames = keypoint_frames(source.pose_frames, sizes.keypoint_frames)
    return people_rows(source.keypoint, source.score, frames, MAX_PEOPLE)


def _geometry(sizes) -> dict:
    geometry = dict(sizes.part_geometry)
    return {"score_threshold": float(geometry.get("score_threshold", SCORE_THRESHOLD)),
            "hand_scale": float(geometry.get("hand_scale", HAND_SCALE)),
            "hand_extend": float(geometry.get("hand_extend", HAND_EXTEND))}


def window_hand_boxes(source, sizes) -> np.ndarray:
    """(T_rgb, 4, 4) glimpse boxes of a :class:`~core_model.preprocess.kinds.WindowSource`'s RGB frames."""
    return hand_boxes(source.keypoint, source.score, source.img_shape, source.rgb_frames,
                      _window_rows(source, sizes), **_geometry(sizes)).astype(np.float64)


def window_hand_crops(source, sizes, normalization) -> np.ndarray:
    """(T_rgb, 4, 3, S, S) ``hand_crops`` of a window from the crops :func:`crop_hands` made."""
    present = np.zeros(2 * MAX_PEOPLE, bool)
    present[:2 * len(_window_rows(source, sizes))] = True
    return normalize_hands(source.crops["hand_crops"], present, normalization=normalization, flip=source.flip)
