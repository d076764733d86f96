"""Harder composited crowd videos ("classrooms"): many people 40-150 px tall, pillars that hide them for 1-3 s,
people who leave the frame and come back, people of different clothing colours crossing each other.

Built on :mod:`.crowd` (the real cyclist of ``bikes.mp4`` cut out and pasted): each person here walks back and
forth along a horizontal lane of the room (feet lower in the frame = nearer = taller, 40 px at the back, 150 px
at the front), wears their own colours (the cut-out's clothes tinted, the head left as it is), and some walk out
of the frame at a side and come back some seconds later. Pillars stand on the floor: people behind them (feet
higher in the frame) are hidden while they pass. :func:`make_classroom_video` writes the video and returns a
:class:`~.crowd.CrowdTruth` (boxes, visible fractions, crossings found from the geometry), which
:func:`~.crowd.score_poses` and :func:`identity_figures` measure poses against.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .crowd import CrowdScore, CrowdTruth, Cutout, Walker, _background, _paste, cut_source_people, joint_visibility,\
    render_crowd

MIN_HEIGHT, MAX_HEIGHT = 40.0, 150.0


@dataclass
class Lane:
    """One person: body ``height``, the body box's top ``y``, waypoints ``(frame, x)`` of the box's left edge
    (linear in between; before the first and after the last the person is away), hue turn and saturation."""

    height: float
    y: float
    waypoints: List[Tuple[int, float]]
    hue: int
    saturation: float
    phase: int

    def x_at(self, frame: int) -> Optional[float]:
        frames = [f for f, _ in self.waypoints]
        if frame < frames[0] or frame > frames[-1]:
            return None
        return float(np.interp(frame, frames, [x for _, x in self.waypoints]))

    def facing_left(self, frame: int) -> bool:
        a, b = self.x_at(max(frame - 1, self.waypoints[0][0])), self.x_at(min(frame + 1, self.waypoints[-1][0]))
        return a is not None and b is not None and b < a


@dataclass
class Pillar:
    """A pillar in front of the back of the room: ``x0..x1`` wide, from the top of the frame down to ``floor``."""

    x0: int
    x1: int
    floor: int


def _height_at_feet(feet: float, top: float, bottom: float) -> float:
    return MIN_HEIGHT + (MAX_HEIGHT - MIN_HEIGHT) * (feet - top) / max(bottom - top, 1.0)


def _walker_path(rng, h: float, width: int, frames: int) -> List[Tuple[int, float]]:
    """Back and forth over part of the width at 0.6-2.4 % of the body height per frame."""
    w = 0.55 * h
    span = rng.uniform(0.3, 0.7) * width
    left = rng.uniform(0, width - span - w)
    speed = rng.uniform(0.003, 0.012) * h * 2.0
    x, direction, f = rng.uniform(left, left + span), int(rng.choice([-1, 1])), 0
    points = [(0, x)]
    while f < frames - 1:
        target = left + span if direction > 0 else left
        f += max(int(abs(target - x) / speed), 1)
        x = target
        points.append((f, x))
        direction = -direction
    return points


def _leaver_path(rng, h: float, width: int, frames: int) -> List[Tuple[int, float]]:
    """Walks out at a side of the frame at 20-45 % of the video, stays away 2-4 s, comes back in and walks on."""
    w = 0.55 * h
    speed = rng.uniform(0.008, 0.016) * h * 2.0
    out_at = int(rng.uniform(0.2, 0.45) * frames)
    away = int(rng.uniform(50, 100))
    right = bool(rng.integers(0, 2))
    edge = width + 5.0 if right else -w - 5.0
    inward = -1.0 if right else 1.0
    start = float(np.clip(edge + inward * speed * out_at, 0, width - w))
    out_at = max(int(abs(edge - start) / speed), 1)
    back = out_at + away
    walk = frames - back + 200
    return [(0, start), (out_at, edge), (back, edge), (back + walk, edge + inward * min(speed * walk, 0.8 * width))]


def classroom_layout(people: int, size: Tuple[int, int], frames: int, seed: int,
                     leavers: int = 3, pillars: int = 2) -> Tuple[List[Lane], List[Pillar]]:
    """``people`` lanes and ``pillars`` pillars for a ``size`` frame of ``frames`` frames (deterministic per seed).

    Heights are spread evenly over 40-150 px (a third of the people under 75 px); each person walks back and
    forth over part of the width at 0.6-2.4 % of their height per frame; ``leavers`` of them walk out at a
    side at 20-45 % of the video and come back 2-4 s later; pillars stand where the back half of the people walk,
    each wide enough to hide a passing person for about 1-3 s.
    """
    width, height = size
    rng = np.random.default_rng(seed)
    top_feet, bottom_feet = 0.30 * height, height - 4.0
    heights = np.linspace(MIN_HEIGHT, MAX_HEIGHT, people) * rng.uniform(0.97, 1.03, people)
    heights = np.clip(heights, MIN_HEIGHT, MAX_HEIGHT)
    order = rng.permutation(people)
    lanes: List[Lane] = []
    leaving = set(int(i) for i in rng.choice(people, size=min(leavers, people), replace=False))
    for k in range(people):
        h = float(heights[k])
        feet = top_feet + (h - MIN_HEIGHT) / (MAX_HEIGHT - MIN_HEIGHT) * (bottom_feet - top_feet)
        look = dict(hue=int(order[k] * 180 / people), saturation=rng.uniform(0.8, 1.6), phase=int(rng.integers(0, 30)))
        if k in leaving:
            points = _leaver_path(rng, h, width, frames)
        else:
            points = _walker_path(rng, h, width, frames)
        lanes.append(Lane(h, feet - h, points, **look))
    pillar_list = []
    for j in range(pillars):
        floor = int(top_feet + (0.35 + 0.3 * j) * (bottom_feet - top_feet))
        pw = int(rng.uniform(45, 70))
        x0 = int((j + 0.5) / pillars * width + rng.uniform(-0.1, 0.1) * width)
        pillar_list.append(Pillar(x0, x0 + pw, floor))
    return lanes, pillar_list


def _recolour(cut: Cutout, hue: int, saturation: float) -> np.ndarray:
    """The cut-out in its own clothes: the dark clothes below the head (the cyclist's black jersey and shorts)
    dyed a colour of this ``hue``; skin, face, hair and everything else keep their natural colours (the person
    detector is easily put off by unnatural skin or a recoloured body)."""
    neck = int(cut.body[1] + 0.2 * (cut.body[3] - cut.body[1]))
    out = cut.patch.astype(np.float32)
    colour = cv2.cvtColor(np.array([[[hue, int(np.clip(150 * saturation, 80, 255)), 170]]], np.uint8),
                          cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)
    brightness = out[neck:].max(axis=-1, keepdims=True)
    weight = 0.6 * np.clip((100.0 - brightness) / 60.0, 0.0, 1.0)  # dark pixels only
    out[neck:] = (1.0 - weight) * out[neck:] + weight * colour * (0.4 + brightness / 170.0)
    return np.clip(out, 0, 255).astype(np.uint8)


def render_classroom(cutouts: Sequence[Cutout], lanes: Sequence[Lane], pillars: Sequence[Pillar],
                     size: Tuple[int, int], frames: int, seed: int = 0, joints: Optional[list] = None):
    """Yield ``(frame, boxes (P,4), visible (P,))`` per frame (boxes of people away are where they would be); with a
    list ``joints``, append ``(joints (P,17,2), joint_visible (P,17))`` to it per frame (pillars hide joints too)."""
    width, height = size
    background = _background(size, seed)
    n = len(cutouts)
    coloured = [[Cutout(_recolour(c, lane.hue, lane.saturation), c.alpha, c.body, c.joints) for c in cutouts]
                for lane in lanes]
    for f in range(frames):
        frame = background.copy()
        owner = np.full((height, width), -1, np.int32)
        boxes = np.zeros((len(lanes), 4))
        areas = np.ones(len(lanes))
        points = np.full((len(lanes), 17, 2), np.nan)
        items = [(lane.y + lane.height, 0, i) for i, lane in enumerate(lanes)] + \
                [(p.floor, 1, j) for j, p in enumerate(pillars)]
        depth = {}  # what owns a pixel (person i, pillar j as -2 - j) -> when it was drawn
        for d, (_feet, kind, i) in enumerate(sorted(items)):
            depth[-2 - i if kind == 1 else i] = d
            if kind == 1:
                p = pillars[i]
                cv2.rectangle(frame, (p.x0, 0), (p.x1 - 1, p.floor), (120, 110, 100), -1)
                cv2.rectangle(frame, (p.x0 + 4, 0), (p.x0 + 9, p.floor), (150, 140, 128), -1)
                owner[: p.floor + 1, p.x0:p.x1] = -2 - i
                continue
            lane = lanes[i]
            x = lane.x_at(f)
            k = (lane.phase + f) % (2 * n - 2) if n > 1 else 0
            cut = coloured[i][k if k < n else 2 * n - 2 - k]
            if x is None:
                boxes[i] = [-1e4, -1e4, -1e4 + 1, -1e4 + 1]
                continue
            walker = Walker(lane.height, (x, lane.y), (x, lane.y), mirror=lane.facing_left(f), phase=0)
            boxes[i], areas[i] = _paste(frame, owner, cut, walker, 0.0, i, points[i])
        visible = np.array([(owner == i).sum() for i in range(len(lanes))]) / np.maximum(areas, 1)
        if joints is not None:
            joints.append((points, joint_visibility(points, owner, depth, [depth[i] for i in range(len(lanes))])))
        yield frame, boxes, visible


def find_crossings(boxes: np.ndarray, visible: np.ndarray) -> List[Tuple[int, int, int]]:
    """``(a, b, frame)`` for each time two people's bodies pass over each other (centres within a quarter of the
    smaller one's width, both in the frame), one entry per passing."""
    T, P = boxes.shape[:2]
    cx = (boxes[..., 0] + boxes[..., 2]) / 2
    w = boxes[..., 2] - boxes[..., 0]
    vy = (boxes[..., 1] + boxes[..., 3]) / 2
    out = []
    for a in range(P):
        for b in range(a + 1, P):
            close = (np.abs(cx[:, a] - cx[:, b]) < 0.25 * np.minimum(w[:, a], w[:, b])) & \
                (np.abs(vy[:, a] - vy[:, b]) < 0.5 * np.minimum(boxes[:, a, 3] - boxes[:, a, 1],
                                                              boxes[:, b, 3] - boxes[:, b, 1])) & \
                (np.maximum(visible[:, a], visible[:, b]) > 0.3)
            t = 0
            while t < T:
                if close[t]:
                    end = t
                    while end + 1 < T and close[end + 1]:
                        end += 1
                    out.append((a, b, (t + end) // 2))
                    t = end + 1
                else:
                    t += 1
    return sorted(out, key=lambda c: c[2])


def occlusion_runs(visible: np.ndarray, hidden: float = 0.3) -> List[int]:
    """Lengths (frames) of the runs where a person in the frame is hidden (visible fraction under ``hidden``,
    seen before and after): by pillars or people in front; leaving the frame is not counted here."""
    runs = []
    for p in range(visible.shape[1]):
        v = visible[:, p]
        t = 0
        while t < len(v):
            if v[t] < hidden and t > 0 and v[t - 1] >= hidden:
                end = t
                while end < len(v) and v[end] < hidden:
                    end += 1
                if end < len(v):
                    runs.append(end - t)
                t = end
            else:
                t += 1
    return runs


def make_classroom_video(path, source_video, *, people: int = 14, frames: int = 400,
                         size: Tuple[int, int] = (768, 576), fps: float = 25.0, seed: int = 0,
                         cutouts: Optional[List[Cutout]] = None, leavers: int = 3, pillars: int = 2) -> CrowdTruth:
    """Write a classroom video to ``path`` (H.264) and return its truth (``walkers`` holds one Walker per person
    with its height; the lanes are in ``truth.lanes``)."""
    from .encoding import encode_frames

    cutouts = cutouts if cutouts is not None else cut_source_people(source_video)
    lanes, pillar_list = classroom_layout(people, size, frames, seed, leavers=leavers, pillars=pillars)
    boxes, visible, images, joints = [], [], [], []
    for frame, b, v in render_classroom(cutouts, lanes, pillar_list, size, frames, seed, joints):
        images.append(frame)
        boxes.append(b)
        visible.append(v)
    encode_frames(path, images, fps=fps, options={"crf": "18"})
    boxes, visible = np.array(boxes), np.array(visible)
    walkers = [Walker(lane.height, (0.0, lane.y), (0.0, lane.y), False, lane.phase) for lane in lanes]
    truth = CrowdTruth(boxes, visible, walkers, size, fps, find_crossings(boxes, visible),
                       np.array([j for j, _ in joints]), np.array([v for _, v in joints]))
    truth.lanes, truth.pillars = lanes, pillar_list  # type: ignore[attr-defined]
    return truth


def add_joints(truth: CrowdTruth, cutouts: Sequence[Cutout]) -> CrowdTruth:
    """``truth`` (of a classroom or crowd video, e.g. one saved before truths had joints) with its people's joints,
    rendered again (without encoding) from its layout and ``cutouts`` (those it was made with: ``cut_source_people``
    is deterministic); the boxes rendered must agree with the truth's (else ValueError)."""
    joints: list = []
    size, frames = truth.size, truth.num_frames
    if getattr(truth, "lanes", None) is not None:
        rendered = render_classroom(cutouts, truth.lanes, truth.pillars, size, frames, 0, joints)  # type: ignore
    else:
        rendered = render_crowd(cutouts, truth.walkers, size, frames, 0, joints)
    boxes = np.array([b for _frame, b, _v in rendered])
    if boxes.shape != truth.boxes.shape or not np.allclose(boxes, truth.boxes, atol=0.5):
        raise ValueError("The truth's people are not where these cut-outs put them.")
    truth.joints, truth.joint_visible = np.array([j for j, _ in joints]), np.array([v for _, v in joints])
    return truth


@dataclass
class IdentityFigures:
    """Identity figures of tracked poses against the truth (see :func:`identity_figures`)."""

    ids_per_person: float  # mean over people of the tracks matched to them
    worst_person: int  # the most tracks matched to one person
    switches: int  # times a person's matched track changes to another track (MOT ID switches)
    crossings: int
    crossing_switches: int  # crossings after which either person is matched to a track the other had before
    shared_tracks: int  # tracks matched to more than one person for at least MIN_SHARE frames each


MIN_SHARE = 5


def identity_figures(truth: CrowdTruth, score: CrowdScore, window: int = 12) -> IdentityFigures:
    """Ids per person, MOT-style identity switches and switches at crossings from a :func:`~.crowd.score_poses`."""
    rows = score.rows
    P = rows.shape[1]
    per_person, switches = [], 0
    owners: dict = {}
    for p in range(P):
        seq = [int(r) for r in rows[:, p] if r >= 0]
        per_person.append(len(set(seq)))
        switches += sum(1 for a, b in zip(seq, seq[1:]) if a != b)
        for r in set(seq):
            if seq.count(r) >= MIN_SHARE:
                owners.setdefault(r, set()).add(p)
    crossing_switches = 0
    T = rows.shape[0]
    for a, b, meet in truth.crossings:
        before = range(max(0, meet - window), max(0, meet - window // 2))
        after = range(min(T, meet + window // 2), min(T, meet + window))
        a0, a1, b0, b1 = (score.rows_of(a, before), score.rows_of(a, after), score.rows_of(b, before),
                          score.rows_of(b, after))
        crossing_switches += bool((a1 & b0) or (b1 & a0))
    return IdentityFigures(float(np.mean(per_person)) if per_person else 0.0, max(per_person, default=0), switches,
                           len(truth.crossings), crossing_switches, sum(1 for v in owners.values() if len(v) > 1))
