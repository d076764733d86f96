"""Body geometry of one detected pose, shared by tracking and re-identification: size, centre, distance."""
from __future__ import annotations

import numpy as np

_CONFIDENT = 0.3  # joints at or above this score drive matching


def body_scale(keypoint: np.ndarray, score: np.ndarray, min_scale: float = 8.0) -> float:
    """Diagonal of the box around the confident joints (all seen joints if too few), at least ``min_scale``."""
    ok = score >= _CONFIDENT
    if ok.sum() < 3:
        ok = score > 0 if (score > 0).sum() >= 2 else np.ones_like(score, bool)
    pts = keypoint[ok]
    return float(max(np.linalg.norm(pts.max(axis=0) - pts.min(axis=0)), min_scale))


def pose_distance(a: np.ndarray, sa: np.ndarray, b: np.ndarray, sb: np.ndarray) -> float:
    """Mean pixel distance over joints confident in both poses (all joints if fewer than 3)."""
    ok = (sa >= _CONFIDENT) & (sb >= _CONFIDENT)
    d = np.linalg.norm(a - b, axis=-1)
    return float(d[ok].mean() if ok.sum() >= 3 else d.mean())


def centre(keypoint: np.ndarray, score: np.ndarray) -> np.ndarray:
    ok = score >= _CONFIDENT
    return (keypoint[ok] if ok.any() else keypoint).mean(axis=0)


def joints_meet(a: np.ndarray, sa: np.ndarray, b: np.ndarray, sb: np.ndarray, joints, reach: float) -> bool:
    """Whether the ``joints`` (indices) confident in both poses lie within ``reach`` pixels of each other (mean;
    at least two of them)."""
    idx = [j for j in joints if sa[j] >= _CONFIDENT and sb[j] >= _CONFIDENT]
    return len(idx) >= 2 and float(np.linalg.norm(a[idx] - b[idx], axis=-1).mean()) <= reach




#: hips, knees and ankles (COCO): what a person in front hides of somebody behind them
LEGS = (11, 12, 13, 14, 15, 16)
#: somebody is in front of another when at least IN_FRONT times as tall (boxes of confident joints) with the feet lower
#: in the frame (nearer the camera); when at least LEGS_ON of the other's LEGS lie in their box, those get at most
#: HIDDEN_SCORE (fewer: the legs are seen beside them)
IN_FRONT, LEGS_ON, HIDDEN_SCORE = 1.2, 4, 0.3


def _confident_box(keypoint: np.ndarray, score: np.ndarray) -> np.ndarray:
    ok = score >= _CONFIDENT
    pts = keypoint[ok] if ok.sum() >= 2 else keypoint
    return np.concatenate([pts.min(axis=0), pts.max(axis=0)])


def hidden_legs_lowered(people: list) -> list:
    """``people`` (:class:`~.detection.Detection`) where the hips and legs of somebody behind a larger person lie in
    that person's box (at least :data:`LEGS_ON` of them), those joints scored at most :data:`HIDDEN_SCORE` (new
    objects; the others as given).

    A person half hidden behind somebody nearer gets a whole skeleton from the landmark model anyway: the hidden legs
    are drawn onto the person in front, a second skeleton on their body. Head, shoulders and arms stay as they are.
    """
    from .detection import Detection

    if len(people) < 2:
        return people
    boxes = [_confident_box(p.keypoint, p.score) for p in people]
    tall = [max(b[3] - b[1], 1.0) for b in boxes]
    legs = np.array(LEGS)
    out = list(people)
    for i, p in enumerate(people):
        x, y = p.keypoint[legs, 0], p.keypoint[legs, 1]
        hidden = np.zeros(len(legs), bool)
        for j, b in enumerate(boxes):
            if j != i and tall[j] >= IN_FRONT * tall[i] and b[3] > boxes[i][3]:
                inside = (x >= b[0]) & (x <= b[2]) & (y >= b[1]) & (y <= b[3])
                if inside.sum() >= LEGS_ON:
                    hidden |= inside
        if (hidden & (p.score[legs] > HIDDEN_SCORE)).any():
            score = p.score.copy()
            score[legs[hidden]] = np.minimum(score[legs[hidden]], HIDDEN_SCORE)
            out[i] = Detection(p.keypoint, score.astype(p.score.dtype))
    return out
