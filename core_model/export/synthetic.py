"""Synthetic fine-tuning sets: articulated figures with exact COCO-17 poses, in the exported-set layout.

Some classes differ only in motion (wave, clap, squat, ...); others share one motion and differ only
in the object held in the right hand (``lift_red_ball`` vs ``lift_blue_cube`` ...): their pose
streams have the same distribution, so only the RGB stream (and the fused score) can tell them apart.
Figures vary in position, scale, speed, phase, clothing colours and background texture.
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from ..jobs import CancelToken, ProgressFn, check_cancel, report
from ..pose.format import Poses
from ..video.encoding import encode_frames
from .builder import SetBuilder
from .errors import ExportError
from .figures import CATALOG, MOTION_NAMES, R_ELBOW, R_WRIST, body_keypoints, idle
from .folder import atomic_folder
from .layout import SetRow

DEFAULT_SIZE = (160, 120)
HEAD_RADIUS = 0.075
OBJECT_RADIUS = 0.065
_SH = 4  # cv2 sub-pixel bits
_ONE = 1 << _SH


def class_names(k: int) -> list:
    """The first ``k`` synthetic classes (at most ``len(CATALOG)``)."""
    if not 2 <= k <= len(CATALOG):
        raise ExportError(f"A synthetic set has between 2 and {len(CATALOG)} classes, got {k}.")
    return [name for name, _, _ in CATALOG[:k]]


def appearance_groups(names: Sequence[str]) -> list:
    """Groups (of two or more) of the given classes that share a motion and differ only in the held object."""
    by_motion = {}
    for name, motion, obj in CATALOG:
        if name in names and obj is not None:
            by_motion.setdefault(MOTION_NAMES[motion], []).append(name)
    return [g for g in by_motion.values() if len(g) > 1]


# --------------------------------------------------------------------------------------- drawing
def _muted(rng) -> Tuple[int, int, int]:
    base = rng.uniform(40, 200)
    return tuple(int(np.clip(base + rng.uniform(-45, 45), 0, 255)) for _ in range(3))


def _background(rng, w: int, h: int) -> np.ndarray:
    coarse = rng.uniform(-1, 1, (max(2, h // 12), max(2, w // 12), 1)).astype(np.float32)
    coarse = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
    base = np.array([rng.uniform(90, 230) for _ in range(3)], np.float32)
    tint = np.array([rng.uniform(-30, 30) for _ in range(3)], np.float32)
    img = base + coarse * tint * 1.5 + rng.normal(0, 5, (h, w, 1)).astype(np.float32)
    floor = int(h * rng.uniform(0.7, 0.9))
    img[floor:] *= rng.uniform(0.65, 0.85)
    return np.clip(img, 0, 255).astype(np.uint8)


def _pt(p) -> Tuple[int, int]:
    return int(round(p[0] * _ONE)), int(round(p[1] * _ONE))


def _line(img, a, b, color, thick) -> None:
    cv2.line(img, _pt(a), _pt(b), color, thick, cv2.LINE_AA, shift=_SH)


def _disc(img, c, r, color) -> None:
    cv2.circle(img, _pt(c), max(1, int(r * _ONE)), color, -1, cv2.LINE_AA, shift=_SH)


def draw_figure(img: np.ndarray, kp: np.ndarray, scale: float, look: dict, obj=None) -> None:
    """Draw one figure from its (17, 2) pixel keypoints; ``obj`` = (shape, colour) held in the right hand."""
    limb = max(2, int(round(0.055 * scale)))
    arm = max(2, int(round(0.045 * scale)))
    for hip, knee, ankle in ((11, 13, 15), (12, 14, 16)):
        _line(img, kp[hip], kp[knee], look["trousers"], limb)
        _line(img, kp[knee], kp[ankle], look["trousers"], limb)
        _disc(img, kp[ankle] + [0, 0.01 * scale], 0.035 * scale, look["shoes"])
    torso = np.array([_pt(kp[i]) for i in (5, 6, 12, 11)], np.int32)
    cv2.fillConvexPoly(img, torso, look["shirt"], cv2.LINE_AA, shift=_SH)
    for sh, el, wr in ((5, 7, 9), (6, 8, 10)):
        _line(img, kp[sh], kp[el], look["shirt"], arm)
        _line(img, kp[el], kp[wr], look["skin"], arm)
        _disc(img, kp[wr], 0.03 * scale, look["skin"])
    neck = (kp[5] + kp[6]) / 2
    _line(img, neck, kp[0], look["skin"], arm)
    _disc(img, kp[0] - [0, 0.02 * scale], HEAD_RADIUS * scale, look["skin"])
    _disc(img, kp[0] - [0, 0.06 * scale], 0.05 * scale, look["hair"])
    if scale >= 60:
        for eye in (1, 2):
            _disc(img, kp[eye], 0.012 * scale, (30, 30, 30))
    if obj is not None:
        shape, color = obj
        direction = kp[R_WRIST] - kp[R_ELBOW]
        norm = float(np.hypot(*direction)) or 1.0
        centre = kp[R_WRIST] + direction / norm * 0.045 * scale
        r = OBJECT_RADIUS * scale
        if shape == "ball":
            _disc(img, centre, r, color)
        else:
            angle = math.atan2(direction[1], direction[0])
            c, s = math.cos(angle), math.sin(angle)
            corners = np.array([[-r, -r], [r, -r], [r, r], [-r, r]]) * 0.9
            rotated = corners @ np.array([[c, s], [-s, c]]) + centre
            cv2.fillConvexPoly(img, np.array([_pt(p) for p in rotated], np.int32), color, cv2.LINE_AA, shift=_SH)


# --------------------------------------------------------------------------------------- one clip
def _extent(body: np.ndarray, with_object: bool) -> Tuple[float, float, float, float]:
    pad = HEAD_RADIUS + 0.03
    x0, y0 = body[..., 0].min() - pad, body[..., 1].min() - pad - 0.03
    x1, y1 = body[..., 0].max() + pad, body[..., 1].max() + pad
    if with_object:
        wrist = body[:, R_WRIST]
        r = OBJECT_RADIUS * 1.5 + 0.05
        x0, x1 = min(x0, wrist[:, 0].min() - r), max(x1, wrist[:, 0].max() + r)
        y0, y1 = min(y0, wrist[:, 1].min() - r), max(y1, wrist[:, 1].max() + r)
    return x0, y0, x1, y1


def render_clip(path: Path, class_index: int, rng: np.random.Generator, *, size=DEFAULT_SIZE, people: int = 1,
                frames: int = 50, fps: float = 25.0) -> Tuple[np.ndarray, int]:
    """Render one clip of class ``class_index`` to ``path``; returns (keypoints (M,T,17,2), actor's row in lanes).

    The actor performs the class; with two people the other one stands idle in the other lane.
    """
    w, h = size
    _, motion, obj = CATALOG[class_index]
    actor_lane = int(rng.integers(people))
    lane_w = w / people
    keypoints = np.zeros((people, frames, 17, 2), np.float32)
    scales, looks = [], []
    for lane in range(people):
        is_actor = lane == actor_lane
        body = body_keypoints(motion if is_actor else idle, frames, fps, freq=rng.uniform(0.65, 1.25),
                              phase=rng.uniform(0, 2 * np.pi))
        x0, y0, x1, y1 = _extent(body, is_actor and obj is not None)
        fit = min(0.94 * h / (y1 - y0), 0.94 * lane_w / (x1 - x0))
        scale = fit * rng.uniform(0.62, 1.0)
        lo_x, hi_x = lane * lane_w - x0 * scale + 1, (lane + 1) * lane_w - x1 * scale - 1
        lo_y, hi_y = -y0 * scale + 1, h - y1 * scale - 1
        start = np.array([rng.uniform(lo_x, max(lo_x, hi_x)), rng.uniform(lo_y, max(lo_y, hi_y))])
        end = np.array([rng.uniform(lo_x, max(lo_x, hi_x)), start[1]])
        end = start + (end - start) * 0.3  # a slow drift
        shift = start + (end - start) * np.linspace(0, 1, frames)[:, None]
        keypoints[lane] = body * scale + shift[:, None, :]
        scales.append(scale)
        looks.append({"shirt": _muted(rng), "trousers": _muted(rng),
                      "shoes": tuple(int(v) for v in rng.uniform(10, 70, 3)),
                      "skin": tuple(int(v) for v in np.array([225, 180, 150]) * rng.uniform(0.55, 1.05)),
                      "hair": tuple(int(v) for v in rng.uniform(10, 120, 3))})
    background = _background(rng, w, h)

    def frames_iter():
        for t in range(frames):
            img = background.copy()
            for lane in range(people):
                draw_figure(img, keypoints[lane, t], scales[lane], looks[lane],
                            obj if lane == actor_lane else None)
            yield img

    encode_frames(path, frames_iter(), fps=fps, codec="libx264",
                  options={"crf": "18", "preset": "veryfast"}, container_options={"movflags": "+faststart"})
    return keypoints, actor_lane


def _clip_key(source: dict, clip: str) -> str:
    """A synthetic clip's video key: a hash of what made it (the generator's settings and the clip's name), not
    of the encoded bytes: libx264 once wrote two byte-different files from the same frames (decoded pixels 9
    levels apart), which changed a seeded set's keys and so its splits."""
    made = {k: source[k] for k in ("seed", "size", "people", "fps", "frames", "motions")}
    return hashlib.sha1(repr(sorted(made.items())).encode() + b"|" + clip.encode()).hexdigest()


def _parse_size(size) -> Tuple[int, int]:
    w, h = (int(v) for v in size)
    if w < 64 or h < 48 or w > 4096 or h > 4096:
        raise ExportError(f"A synthetic video must be between 64x48 and 4096x4096 pixels, got {w}x{h}.")
    return w - w % 2, h - h % 2


# --------------------------------------------------------------------------------------- the set
def make_synthetic_set(
    out_dir, *, classes: int = 6, clips_per_class: int = 20, seed: int = 0, size=DEFAULT_SIZE, people: int = 1,
    seconds: float = 2.0, fps: float = 25.0, split: float = 0.8,
    progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None,
):
    """Render a synthetic set into ``out_dir`` (atomically) and return it as :class:`ExportedSet`."""
    from .reader import load_set

    names = class_names(int(classes))
    if clips_per_class < 1:
        raise ExportError(f"Clips per class must be at least 1, got {clips_per_class}.")
    if people not in (1, 2):
        raise ExportError(f"A synthetic clip has 1 or 2 people, got {people}.")
    w, h = _parse_size(size)
    frames = max(8, int(round(seconds * fps)))
    motions = {name: MOTION_NAMES[motion] for name, motion, _ in CATALOG[:len(names)]}
    source = {"kind": "synthetic", "generator": "epam synth-dataset", "seed": int(seed), "size": [w, h],
              "people": people, "fps": fps, "frames": frames, "motions": motions,
              "appearance_groups": appearance_groups(names)}
    total = len(names) * clips_per_class
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        builder = SetBuilder(tmp, names, pose_only=False, source=source)
        done = 0
        for k in range(clips_per_class):
            for c, name in enumerate(names):
                check_cancel(cancel)
                clip = f"{name}_{k:04d}"
                rng = np.random.default_rng([int(seed), c, k])
                path = builder.clip_path(clip)
                keypoints, actor = render_clip(path, c, rng, size=(w, h), people=people, frames=frames, fps=fps)
                order = [actor] + [m for m in range(people) if m != actor]  # the labeled person first
                poses = Poses(keypoints[order], np.ones(keypoints.shape[:3], np.float32), np.array(order),
                              np.arange(frames) / fps, (h, w), fps, {"label": name, "synthetic": True})
                row = SetRow(clip=clip, split="", video=path.name, video_key=_clip_key(source, clip), start_frame=0,
                             end_frame=frames, frames=frames, start_time=0.0, end_time=frames / fps,
                             person=actor, label=name, label_index=c, source="synthetic",
                             author="epam synth-dataset", confidence=1.0, segment_start_frame=0,
                             segment_end_frame=frames, width=w, height=h)
                builder.add(row, poses, (h, w))
                done += 1
                report(progress, done, total)
        builder.finish(split_by="video", ratio=split, seed=seed)
    return load_set(out_dir)
