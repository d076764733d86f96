"""Composited crowd videos with known people: the real cyclist of ``bikes.mp4`` cut out and pasted
several times, scaled to 50-150 px tall, walking on known straight paths that cross.

:func:`make_crowd_video` writes the video and returns a :class:`CrowdTruth`: per frame and person the
box of the pasted body (the cyclist's joints, transformed), the fraction of it left visible by
the people pasted in front (people lower in the frame are nearer and drawn later), and the 17 joints
themselves with whether each is seen. :func:`score_poses` scores skeletons against it by joints (OKS-like,
as pose benchmarks do) or by boxes (the score of before). Used by the crowd-pose tests and
``benchmarks/crowd_pose.py``; nothing is committed as a binary.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

#: frames of bikes.mp4 where the cyclist is fully in view (shot 76-136, not hidden by cars)
SOURCE_FRAMES = (108, 137)
#: the smallest pasted person (pixels, head to ankles); see make_crowd_video
MIN_HEIGHT = 60
#: COCO joint order mirrored: each joint's index after left and right swap
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


@dataclass
class Cutout:
    """One frame of the source person: RGB ``patch``, ``alpha`` (float 0..1) and the body box in the patch."""

    patch: np.ndarray
    alpha: np.ndarray
    body: Tuple[float, float, float, float]  # x0, y0, x1, y1 of the joints
    joints: Optional[np.ndarray] = None  # (17, 2) COCO joints in the patch (the pose extractor's), None if unknown


@dataclass
class Walker:
    """A pasted person: body height in pixels, start and end of its body box's top-left, mirrored or not."""

    height: float
    start: Tuple[float, float]
    end: Tuple[float, float]
    mirror: bool
    phase: int


@dataclass
class CrowdTruth:
    """Ground truth of a crowd video: ``boxes (T, P, 4)`` body boxes and ``visible (T, P)`` fractions; ``joints
    (T, P, 17, 2)`` the people's COCO joints and ``joint_visible (T, P, 17)`` whether each is seen (in the frame,
    not hidden by people or pillars in front); None for a truth made without them (see ``classroom.add_joints``)."""

    boxes: np.ndarray
    visible: np.ndarray
    walkers: List[Walker]
    size: Tuple[int, int]
    fps: float
    crossings: List[Tuple[int, int, int]]  # (person a, person b, frame where their paths meet)
    joints: Optional[np.ndarray] = None
    joint_visible: Optional[np.ndarray] = None

    @property
    def num_frames(self) -> int:
        return int(self.boxes.shape[0])

    @property
    def num_people(self) -> int:
        return int(self.boxes.shape[1])


def cut_source_people(video, frames: Sequence[int] = SOURCE_FRAMES) -> List[Cutout]:
    """The person of ``video`` (one clearly visible person) in frames ``[start, stop)``, cut out with a soft mask.

    The body box comes from the pose extractor (MediaPipe, one person), so any real clip with one
    person works as a source.
    """
    from ..pose.mediapipe_backend import MediaPipePoseExtractor
    from . import VideoReader

    start, stop = frames
    cutouts: List[Cutout] = []
    with VideoReader(video) as reader, MediaPipePoseExtractor(max_people=1, adaptive=False) as extractor:
        for idx, frame in reader.iter_frames(start):
            if idx >= stop:
                break
            found = extractor.process(frame, float(reader.timestamps[idx]))
            if not found:
                continue
            x0, y0, x1, y1 = found[0].box()
            w, h = x1 - x0, y1 - y0
            px0, py0 = int(max(0, x0 - 0.15 * w)), int(max(0, y0 - 0.08 * h))
            px1, py1 = int(min(reader.width, x1 + 0.15 * w)), int(min(reader.height, y1 + 0.06 * h))
            patch = frame[py0:py1, px0:px1].copy()
            ph, pw = patch.shape[:2]
            alpha = np.zeros((ph, pw), np.float32)
            cv2.ellipse(alpha, (pw // 2, ph // 2), (int(pw * 0.46), int(ph * 0.49)), 0, 0, 360, 1.0, -1)
            alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, 0.04 * pw))
            joints = found[0].keypoint.astype(np.float64) - [px0, py0]
            cutouts.append(Cutout(patch, alpha, (x0 - px0, y0 - py0, x1 - px0, y1 - py0), joints))
    if not cutouts:
        raise ValueError(f"No person found in frames {start}-{stop} of {Path(video).name}.")
    return cutouts


def default_walkers(people: int, size: Tuple[int, int], frames: int, seed: int = 0) -> Tuple[List[Walker], list]:
    """``people`` walkers in a ``size`` frame, 50-150 px tall, in pairs whose paths cross.

    Pair k walks in opposite directions through a crossing point in its own cell of a grid over the
    frame, at a frame between 35 % and 65 % of the video; the second of a pair has its feet a little
    lower (nearer: it passes in front). Heights follow the perspective of a room seen from above eye
    level: pairs higher in the frame (farther) are smaller, pair heights evenly spread over
    50-150 px from the top pair to the bottom one, each person within 10 % of that. An odd walker out walks alone.
    """
    width, height = size
    rng = np.random.default_rng(seed)
    pairs = (people + 1) // 2
    cols = int(np.ceil(np.sqrt(pairs * width / height)))
    rows = int(np.ceil(pairs / cols))
    cells = np.sort(rng.permutation(rows * cols)[:pairs])  # row by row: farther pairs first
    pair_heights = np.linspace(MIN_HEIGHT, 150, pairs) if pairs > 1 else np.array([100.0])
    walkers: List[Walker] = []
    crossings = []
    last = max(frames - 1, 1)
    for k, cell in enumerate(cells):
        r, c = divmod(int(cell), cols)
        cx = (c + 0.5 + rng.uniform(-0.15, 0.15)) * width / cols
        feet = (r + 0.5 + rng.uniform(-0.1, 0.1)) * height / rows + 60
        meet = int(round(last * rng.uniform(0.35, 0.65)))
        for j in range(2):
            i = 2 * k + j
            if i >= people:
                break
            h = float(np.clip(pair_heights[k] * rng.uniform(0.9, 1.1), MIN_HEIGHT, 150))
            w = 0.55 * h
            speed = rng.uniform(70, 140) / last * (1 if j == 0 else -1)  # 70-140 px over the video
            foot = min(feet + 8 * j, height - 4)
            y = foot - h
            x0 = cx - w / 2 - speed * meet
            x1 = x0 + speed * last
            walkers.append(Walker(h, (x0, y), (x1, y), mirror=speed < 0, phase=int(rng.integers(0, 30))))
        if 2 * k + 1 < people:
            crossings.append((2 * k, 2 * k + 1, meet))
    return walkers, crossings


def _background(size: Tuple[int, int], seed: int) -> np.ndarray:
    width, height = size
    rng = np.random.default_rng(seed + 1)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([150 + 40 * yy / height, 140 + 30 * xx / width, 120 + 20 * np.ones_like(xx)], axis=-1)
    noise = cv2.resize(rng.normal(0, 8, (height // 24, width // 24, 3)).astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
    frame = np.clip(base + noise, 0, 255).astype(np.uint8)
    for _ in range(6):  # a few flat shapes (doors, windows): structure without people
        x, y = int(rng.integers(0, width - 80)), int(rng.integers(0, height - 80))
        colour = tuple(int(c) for c in rng.integers(60, 200, 3))
        cv2.rectangle(frame, (x, y), (x + int(rng.integers(30, 90)), y + int(rng.integers(30, 90))), colour, -1)
    return frame


def _paste(frame: np.ndarray, owner: np.ndarray, cut: Cutout, walker: Walker, t: float,
           pid: int, joints: Optional[np.ndarray] = None) -> Tuple[np.ndarray, int]:
    """Paste one person; returns the body box in the frame and the person's whole area (pixels, in the frame or not).

    ``joints (17, 2)``, if given, receives the cut-out's joints moved exactly as the body box (NaN if unknown)."""
    bx0, by0, bx1, by1 = cut.body
    scale = walker.height / (by1 - by0)
    patch = cv2.resize(cut.patch, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(cut.alpha, (patch.shape[1], patch.shape[0]), interpolation=cv2.INTER_LINEAR)
    body = np.array([bx0, by0, bx1, by1], np.float64) * scale
    if walker.mirror:
        patch, alpha = patch[:, ::-1], alpha[:, ::-1]
        pw = patch.shape[1]
        body = np.array([pw - body[2], body[1], pw - body[0], body[3]])
    x = walker.start[0] + (walker.end[0] - walker.start[0]) * t
    y = walker.start[1] + (walker.end[1] - walker.start[1]) * t
    ox, oy = int(round(x - body[0])), int(round(y - body[1]))
    h, w = frame.shape[:2]
    ph, pw = patch.shape[:2]
    if joints is not None:
        joints[:] = np.nan
        if cut.joints is not None:
            joints[:] = cut.joints * scale
            if walker.mirror:  # a mirror image swaps left and right
                joints[:] = joints[FLIP]
                joints[:, 0] = pw - joints[:, 0]
            joints += [ox, oy]
    fx0, fy0, fx1, fy1 = max(ox, 0), max(oy, 0), min(ox + pw, w), min(oy + ph, h)
    if fx1 > fx0 and fy1 > fy0:
        sub = (slice(fy0 - oy, fy1 - oy), slice(fx0 - ox, fx1 - ox))
        a = alpha[sub][..., None]
        region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
        frame[fy0:fy1, fx0:fx1] = np.clip(region * (1 - a) + patch[sub].astype(np.float32) * a, 0, 255).astype(np.uint8)
        owner[fy0:fy1, fx0:fx1][alpha[sub] > 0.5] = pid
    return body + [ox, oy, ox, oy], int((alpha > 0.5).sum())


def joint_visibility(joints: np.ndarray, owner: np.ndarray, depth: dict, own_depth: Sequence[int]) -> np.ndarray:
    """``(P, 17)`` bool: joint in the frame and not hidden by anything drawn after its person (in front).

    ``owner`` holds per pixel what was drawn last there (a person's index, -1 for nothing, other negative values
    for other things in front of people: pillars), ``depth`` the drawing position of each such value and
    ``own_depth`` each person's (a joint just outside its person's mask, on the background or on people behind,
    is seen)."""
    h, w = owner.shape
    out = np.zeros(joints.shape[:2], bool)
    for p in range(joints.shape[0]):
        for j, (x, y) in enumerate(joints[p]):
            if not (0 <= x < w and 0 <= y < h):  # NaN fails too
                continue
            o = int(owner[int(y), int(x)])
            out[p, j] = o == -1 or depth.get(o, -1) <= own_depth[p]
    return out


def render_crowd(cutouts: Sequence[Cutout], walkers: Sequence[Walker], size: Tuple[int, int], frames: int,
                 seed: int = 0, joints: Optional[list] = None):
    """Yield ``(frame, boxes (P,4), visible (P,))`` for each of ``frames`` frames; with a list ``joints``, append
    ``(joints (P,17,2), joint_visible (P,17))`` to it for each frame."""
    width, height = size
    background = _background(size, seed)
    n = len(cutouts)
    for f in range(frames):
        t = f / max(frames - 1, 1)
        frame = background.copy()
        owner = np.full((height, width), -1, np.int32)
        boxes = np.zeros((len(walkers), 4))
        areas = np.zeros(len(walkers))
        points = np.full((len(walkers), 17, 2), np.nan)
        # nearer people (feet lower in the frame) are drawn later, in front
        order = sorted(range(len(walkers)), key=lambda i: (walkers[i].start[1] + walkers[i].height, i))
        for i in order:
            k = (walkers[i].phase + f) % (2 * n - 2) if n > 1 else 0
            cut = cutouts[k if k < n else 2 * n - 2 - k]  # ping-pong through the source frames
            boxes[i], areas[i] = _paste(frame, owner, cut, walkers[i], t, i, points[i])
        visible = np.array([(owner == i).sum() for i in range(len(walkers))]) / np.maximum(areas, 1)
        if joints is not None:
            depth = {i: d for d, i in enumerate(order)}
            joints.append((points, joint_visibility(points, owner, depth, [depth[i] for i in range(len(walkers))])))
        yield frame, boxes, visible  # visible: the part of each person not hidden nor out of the frame


def make_crowd_video(path, source_video, *, people: int = 8, frames: int = 48, size: Tuple[int, int] = (768, 576),
                     fps: float = 25.0, seed: int = 0, cutouts: Optional[List[Cutout]] = None) -> CrowdTruth:
    """Write a crowd video to ``path`` (H.264) and return its :class:`CrowdTruth`."""
    from .encoding import encode_frames

    cutouts = cutouts if cutouts is not None else cut_source_people(source_video)
    walkers, crossings = default_walkers(people, size, frames, seed)
    boxes, visible, images, joints = [], [], [], []
    for frame, b, v in render_crowd(cutouts, walkers, size, frames, seed, joints):
        images.append(frame)
        boxes.append(b)
        visible.append(v)
    encode_frames(path, images, fps=fps, options={"crf": "18"})
    return CrowdTruth(np.array(boxes), np.array(visible), list(walkers), size, fps, crossings,
                      np.array([j for j, _ in joints]), np.array([v for _, v in joints]))


@dataclass
class CrowdScore:
    """How poses fit a :class:`CrowdTruth`: see :func:`score_poses`."""

    recall: float
    duplicates: int
    false_positives: int
    found: np.ndarray  # (T, P) bool: person p found in frame t
    counted: np.ndarray  # (T, P) bool: person p visible enough to count in frame t
    rows: np.ndarray  # (T, P) int: the pose row matched to person p in frame t, -1 if none

    def recall_of(self, person: int) -> float:
        n = int(self.counted[:, person].sum())
        return float((self.found & self.counted)[:, person].sum() / n) if n else 1.0

    def rows_of(self, person: int, frames: range) -> set:
        """Pose rows (tracks) matched to ``person`` in ``frames``."""
        return {int(r) for r in self.rows[list(frames), person] if r >= 0}


def _lies_on(points: np.ndarray, box: np.ndarray, margin: float = 0.15) -> float:
    """Fraction of ``points`` inside ``box`` grown by ``margin`` of its size on each side."""
    w, h = box[2] - box[0], box[3] - box[1]
    x0, y0, x1, y1 = box[0] - margin * w, box[1] - margin * h, box[2] + margin * w, box[3] + margin * h
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    return float(inside.mean())


#: joint scoring: a joint is *near* its truth within NEAR body heights; similarity falls off as exp(-d^2 / 2 KAPPA^2)
NEAR, KAPPA = 0.2, 0.1
#: a skeleton lies on a person when this part of the joints they share is near (a 40-px person's skeleton has
#: wrists and ankles 10-20 px off: 13 of 17 joints within 8 px)
ENOUGH = 0.7
#: joints a skeleton and a person must have in common (confident in one, visible in the other) to be compared
MIN_SHARED = 3


def _box_pairs(truth: CrowdTruth, t: int, skeletons: list) -> Tuple[list, np.ndarray]:
    """``(cost, s, p)`` for each skeleton s lying on person p's body box (by box: see score_poses) and the
    ``(S, P)`` bool "lies on" table."""
    P = truth.boxes.shape[1]
    pairs, on = [], np.zeros((len(skeletons), P), bool)
    for s, (kp, ok) in enumerate(skeletons):
        pts = kp[ok]
        height = max(float(np.ptp(pts[:, 1])), 1.0)
        centre = (pts.min(axis=0) + pts.max(axis=0)) / 2
        for p in range(P):
            box = truth.boxes[t, p]
            body = box[3] - box[1]
            if _lies_on(pts, box) < 0.8 or not 0.5 <= height / body <= 2.0:
                continue
            on[s, p] = True
            cost = np.hypot(*(centre - [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])) / body
            pairs.append((cost + abs(np.log(height / body)) - 0.5 * truth.visible[t, p], s, p))
    return pairs, on


def joint_similarity(kp: np.ndarray, ok: np.ndarray, joints: np.ndarray, shown: np.ndarray,
                     height: float) -> Optional[float]:
    """How well skeleton ``kp (17,2)`` (confident joints ``ok``) fits a person's ``joints (17,2)`` seen where
    ``shown``: None unless they share ``MIN_SHARED`` joints and ``ENOUGH`` of those are ``NEAR`` (body heights);
    else an object keypoint similarity (COCO OKS with one spread, ``KAPPA`` body heights, for every joint) summed
    over the joints both share, divided by the joints either has (seen in the person or confident in the
    skeleton: a whole skeleton on somebody half hidden fits the one in front of them better). Left and right
    may be swapped (the better of both): whose skeleton it is matters here, not which leg is which."""
    best = None
    for order in (slice(None), FLIP):  # left and right as given or swapped, the better (a side view is ambiguous)
        kp_, ok_ = kp[order], ok[order]
        both = ok_ & shown
        if both.sum() < MIN_SHARED:
            continue
        d = np.hypot(*(kp_[both] - joints[both]).T) / max(height, 1.0)
        if (d <= NEAR).mean() >= ENOUGH:
            sim = float(np.exp(-d ** 2 / (2 * KAPPA ** 2)).sum() / (shown | ok_).sum())
            best = sim if best is None else max(best, sim)
    return best


def _joint_pairs(truth: CrowdTruth, t: int, skeletons: list) -> Tuple[list, np.ndarray]:
    """``(-similarity, s, p)`` for each skeleton s lying on person p by joints, and the "lies on" table."""
    P = truth.boxes.shape[1]
    pairs, on = [], np.zeros((len(skeletons), P), bool)
    for p in range(P):
        shown = truth.joint_visible[t, p]
        height = float(truth.boxes[t, p, 3] - truth.boxes[t, p, 1])
        for s, (kp, ok) in enumerate(skeletons):
            sim = joint_similarity(kp, ok, truth.joints[t, p], shown, height)
            if sim is not None:
                on[s, p] = True
                pairs.append((-sim, s, p))
    return pairs, on


def score_poses(truth: CrowdTruth, keypoint: np.ndarray, score: np.ndarray, *, confident: float = 0.5,
                min_joints: int = 5, min_visible: float = 0.6, by: str = "joints") -> CrowdScore:
    """Recall, duplicate skeletons and false positives of poses ``keypoint (M,T,17,2)``, ``score (M,T,17)``.

    A skeleton counts when it has ``min_joints`` joints scored ``>= confident``. ``by="joints"`` (pose-benchmark
    style, needs ``truth.joints``): it *lies on* a person when at least ``MIN_SHARED`` of its confident joints are
    joints the person shows (in the frame, not hidden by anything in front) and 70 % (``ENOUGH``) of those are
    within ``NEAR`` of the person's body height of the truth; the fit is a keypoint similarity (OKS) over the
    joints the person shows and the skeleton's confident ones (see joint_similarity). ``by="boxes"`` (the score
    of before): it lies on a person when 80 % of its confident joints are inside
    the person's body box (grown by 15 %) and its height is within a factor 2 of theirs; the fit is centre
    distance and size, in body heights. In each frame skeletons and people are matched one to one, best fit
    first; a person is found when matched. A skeleton left over that lies on a matched person is a duplicate,
    one that lies on nobody a false positive. Recall counts people at least ``min_visible`` visible.
    """
    if by not in ("joints", "boxes"):
        raise ValueError(f"score_poses by {by!r}: 'joints' or 'boxes'.")
    if by == "joints" and (truth.joints is None or truth.joint_visible is None):
        raise ValueError("This truth has no joints (classroom.add_joints renders them): score it by='boxes'.")
    pairs_of = _joint_pairs if by == "joints" else _box_pairs
    T, P = truth.boxes.shape[:2]
    found = np.zeros((T, P), bool)
    rows = np.full((T, P), -1, np.int64)
    counted = truth.visible >= min_visible
    duplicates = false_positives = 0
    for t in range(min(T, keypoint.shape[1])):
        skeletons, owners = [], []
        for m in range(keypoint.shape[0]):
            ok = score[m, t] >= confident
            if ok.sum() >= min_joints:
                skeletons.append((keypoint[m, t], ok))
                owners.append(m)
        pairs, on = pairs_of(truth, t, skeletons)
        used_s, used_p = set(), set()
        for _cost, s, p in sorted(pairs):
            if s not in used_s and p not in used_p:
                used_s.add(s)
                used_p.add(p)
                found[t, p] = True
                rows[t, p] = owners[s]
        for s in range(len(skeletons)):
            if s in used_s:
                continue
            if on[s].any():
                duplicates += 1
            else:
                false_positives += 1
    n = int(counted.sum())
    recall = float((found & counted).sum() / n) if n else 1.0
    return CrowdScore(recall, duplicates, false_positives, found, counted, rows)
