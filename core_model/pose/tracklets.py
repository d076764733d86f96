"""Crowd tracking, second stage: short tracks merged into the track of the person they are a piece of.

After tracking and stitching (:mod:`.reid`), a person still has extra tracks where the detector fitted them
differently for a while: a half body (only the head and torso of a person behind somebody, or the legs below a
pillar) starts its own track while the person's track waits, then dies when the whole body is fitted again; a
new track starts a few frames before the person's old one is let go (both fitted on one body at once). Stitching
joins only tracks that follow each other in time, with the same colours and size, so it refuses these.

:func:`merge_fragments` merges a shorter track ``b`` into a longer one ``a`` when ``b`` is a piece of ``a``'s
person: wherever both are present, ``b``'s box lies on ``a``'s (one body fitted twice; ``a``'s fit is kept
there), and every run of frames where only ``b`` is present joins ``a`` where ``a`` was just before and/or
is just after (within :data:`MERGE_GAP` frames): ``b``'s box lies on ``a``'s box moved on at ``a``'s speed,
grown with the gap. A run touching ``a`` on one side only is taken when ``b``'s colours agree with ``a``'s
(:data:`MERGE_COLOURS`; a part of the body too, whose colours then agree as closely as a whole body's). ``b`` may
be smaller than ``a`` (a part of the body, lying within it: :data:`MERGE_ABOVE`), not much larger. A whole body
in colours further off, up to a part's (half hidden behind somebody: mixed with their colours), must touch ``a`` on
both sides of every run, as a part must (:data:`MERGE_BOTH`). A person
walking past where somebody is hidden is not merged: their run leaves ``a``'s place on the other side.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from .appearance import distance
from .reid import median_look

#: a run of frames of the shorter track must touch the longer one within this many frames
MERGE_GAP = 25
#: where both tracks are present, the shorter one's box must lie on the longer one's by this much (of the smaller)
MERGE_ON = 0.4
#: ... except in this many frames (a stray frame of either track on somebody else; the longer one's fit is kept)
MERGE_APART = 2
#: at a run's ends: the boxes must overlap this much, the longer's box moved at its speed and grown by
#: MERGE_GROW + MERGE_GROW_PER_FRAME x gap of its height on every side
MERGE_TOUCH, MERGE_GROW, MERGE_GROW_PER_FRAME = 0.5, 0.1, 0.02
#: the shorter track's height over the longer one's: a part of the body (from a third) up to about the same size
MERGE_SIZE = (0.3, 1.4)
#: the median colours must be this close (another person stepping out where somebody is hidden has their own);
#: a part of the body (MERGE_PART of the height or less) has the colours of that part: MERGE_PART_COLOURS, and it
#: must then touch the longer track on both sides of every run of its own (or be seen on its body)
MERGE_COLOURS, MERGE_PART, MERGE_PART_COLOURS = 0.35, 0.75, 0.55
#: a part of the body lies within its body: where only the part is seen, its top may be at most this much of the
#: longer track's height above that track's top (nearest frame seen); a head above the longer one's is somebody
#: behind them (measured on the classroom videos: 0.1-0.3 give the same tracks)
MERGE_ABOVE = 0.2
#: a whole body in colours up to MERGE_PART_COLOURS is merged too when it touches the longer track on both sides
MERGE_BOTH = True

_FAR = 1 << 40
Entry = tuple  # (frame, keypoint (V,2), score (V,), look or None)


class _Track:
    """What merging needs of a track: its frames, boxes (x0, y0, x1, y1), colours and speed."""

    def __init__(self, entries: List[Entry]) -> None:
        from .tiles import person_box

        self.entries = entries
        self.frames = np.array([e[0] for e in entries], np.int64)
        self.boxes = np.stack([person_box(e[1], e[2]) for e in entries])
        self.index = {int(f): i for i, f in enumerate(self.frames)}
        self.height = float(np.median(self.boxes[:, 3] - self.boxes[:, 1]))
        self.look = median_look([e[3] for e in entries])

    def velocity_at(self, i: int, backwards: bool) -> np.ndarray:
        """Box centre speed (pixels per frame) over up to 10 entries ending (or starting) at entry ``i``."""
        j = max(i - 10, 0) if not backwards else min(i + 10, len(self.frames) - 1)
        lo, hi = min(i, j), max(i, j)
        span = self.frames[hi] - self.frames[lo]
        if span <= 0:
            return np.zeros(2)
        return (_centre(self.boxes[hi]) - _centre(self.boxes[lo])) / span


def _centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])


def _overlap_of_smaller(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(w * h / smaller) if smaller > 0 else 0.0


def _overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`_overlap_of_smaller` of boxes ``a[i]`` and ``b[i]`` (``(n, 4)`` each)."""
    w = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    smaller = np.minimum((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    return np.where(smaller > 0, inter / np.maximum(smaller, 1e-9), 0.0)


def _touches(a: _Track, i: int, box: np.ndarray, gap: int, backwards: bool) -> Optional[float]:
    """How well ``box`` (seen ``gap`` frames after, or before when ``backwards``, ``a``'s entry ``i``) continues
    ``a`` there: 1 - overlap of ``a``'s box moved on at its speed and grown (``None`` when under MERGE_TOUCH)."""
    moved = a.boxes[i].copy()
    step = a.velocity_at(i, backwards) * gap * (-1 if backwards else 1)
    moved[[0, 2]] += step[0]
    moved[[1, 3]] += step[1]
    grow = (MERGE_GROW + MERGE_GROW_PER_FRAME * gap) * max(a.height, a.boxes[i][3] - a.boxes[i][1])
    best = 0.0
    for ref in (a.boxes[i], moved):
        grown = ref + np.array([-grow, -grow, grow, grow])
        best = max(best, _overlap_of_smaller(grown, box))
    return 1.0 - best if best >= MERGE_TOUCH else None


def _runs(frames: np.ndarray) -> List[Tuple[int, int]]:
    """Index ranges ``[i, j)`` of ``frames`` (increasing) that follow each other within 2 frames."""
    if not len(frames):
        return []
    cuts = np.flatnonzero(np.diff(frames) > 2) + 1
    edges = [0, *cuts.tolist(), len(frames)]
    return list(zip(edges[:-1], edges[1:]))


def _above(a: _Track, b: _Track, alone: np.ndarray) -> bool:
    """Whether ``b``'s box sticks out above ``a``'s top (see :data:`MERGE_ABOVE`) in any of ``b``'s entries
    ``alone`` (where ``a`` is not seen), compared with ``a``'s entry nearest in time."""
    if not len(alone):
        return False
    where = np.searchsorted(a.frames, b.frames[alone])
    at, before = np.minimum(where, len(a.frames) - 1), np.maximum(where - 1, 0)
    nearest = np.where(np.abs(a.frames[at] - b.frames[alone]) < np.abs(a.frames[before] - b.frames[alone]), at, before)
    return bool((b.boxes[alone, 1] < a.boxes[nearest, 1] - MERGE_ABOVE * a.height).any())


def merge_cost(a: _Track, b: _Track) -> Optional[float]:
    """The cost of merging ``b`` into ``a`` (``None`` when ``b`` is not a piece of ``a``'s person)."""
    if not MERGE_SIZE[0] <= b.height / max(a.height, 1.0) <= MERGE_SIZE[1]:
        return None
    if b.frames[0] > a.frames[-1] + MERGE_GAP or b.frames[-1] < a.frames[0] - MERGE_GAP:
        return None
    colours = distance(a.look, b.look)
    part = b.height <= MERGE_PART * a.height
    # colours further than MERGE_COLOURS (a part, or with MERGE_BOTH a whole body half hidden: mixed with the one
    # in front) must touch the longer track on both sides of every run of its own
    loose = colours is not None and colours > MERGE_COLOURS
    if (colours is not None and colours > MERGE_PART_COLOURS) or (loose and not (part or MERGE_BOTH)):
        return None
    in_a = np.isin(b.frames, a.frames)
    if part and _above(a, b, np.flatnonzero(~in_a)):
        return None
    both = np.searchsorted(a.frames, b.frames[in_a])
    if int((_overlaps(a.boxes[both], b.boxes[in_a]) < MERGE_ON).sum()) > MERGE_APART:
        return None
    alone = np.flatnonzero(~in_a)
    costs = []
    for lo, hi in _runs(b.frames[alone]):
        first, last = int(alone[lo]), int(alone[hi - 1])
        before = np.searchsorted(a.frames, b.frames[first]) - 1
        after = np.searchsorted(a.frames, b.frames[last])
        own_before = b.frames[first - 1] if first > 0 else -_FAR  # b's own neighbours: b continues itself there
        own_after = b.frames[last + 1] if last + 1 < len(b.frames) else _FAR
        sides = []
        if before >= 0 and b.frames[first] - a.frames[before] <= MERGE_GAP and a.frames[before] >= own_before:
            sides.append(_touches(a, int(before), b.boxes[first], int(b.frames[first] - a.frames[before]), False))
        if after < len(a.frames) and a.frames[after] - b.frames[last] <= MERGE_GAP and a.frames[after] <= own_after:
            sides.append(_touches(a, int(after), b.boxes[last], int(a.frames[after] - b.frames[last]), True))
        if any(s is None for s in sides):
            return None
        if not sides:
            continue
        if len(sides) == 1 and (colours is None or loose):
            return None
        costs.append(float(np.mean(sides)))
    if not len(both) and not costs:
        return None
    return float(np.mean(costs)) if costs else 0.0


def _merged(a: _Track, b: _Track) -> _Track:
    """``a`` with ``b``'s entries where ``a`` has none."""
    extra = [e for e in b.entries if int(e[0]) not in a.index]
    return _Track(sorted(a.entries + extra, key=lambda e: e[0]))


def merge_fragments(per_track: Dict[int, List[Entry]]) -> Dict[int, List[Entry]]:
    """``per_track`` (``{id: [(frame, keypoint, score, look), ...]}``, frames increasing) with the tracks that are
    pieces of a longer one's person merged into it (see the module docstring), cheapest first; a merged track
    keeps the longer one's id."""
    tracks = {tid: _Track(entries) for tid, entries in per_track.items() if entries}
    costs: Dict[Tuple[int, int], Optional[float]] = {}
    while True:
        best = None
        for ta, a in tracks.items():
            for tb, b in tracks.items():
                if ta == tb or (len(b.frames), tb) > (len(a.frames), ta):
                    continue
                if (ta, tb) not in costs:
                    costs[ta, tb] = merge_cost(a, b)
                cost = costs[ta, tb]
                if cost is not None and (best is None or cost < best[0]):
                    best = (cost, ta, tb)
        if best is None:
            break
        _cost, ta, tb = best
        tracks[ta] = _merged(tracks[ta], tracks.pop(tb))
        costs = {k: v for k, v in costs.items() if ta not in k and tb not in k}
    return {tid: t.entries for tid, t in tracks.items()}


#: a track is cut where its body jumps by more than this many body sizes from one frame to the next (the detector
#: fitted one skeleton on two people overlapping, now on the one, now on the other); the pieces are stitched and
#: merged again with their owners
JUMP = 0.35


#: a track continued by motion after more than this many frames unseen is cut there, and stitching decides the link
#: again with both sides known whole (:func:`split_at_gaps`; measured on the classroom videos: 2 and 5 cut links
#: that stitching could not make again, 10 lowered ids per person on 2 of 5 seeds and raised it on none); None: never
GAP_CUT = 10


def split_at_gaps(entries: List[Entry], max_gap: int) -> List[List[Entry]]:
    """A track cut where it was continued after more than :data:`GAP_CUT` and at most ``max_gap`` frames unseen (the
    online tracker's motion reach: a person hidden for a moment, or somebody else who stepped into their place)."""
    if GAP_CUT is None or len(entries) < 2:
        return [entries]
    pieces, start = [], 0
    for i in range(1, len(entries)):
        if GAP_CUT < entries[i][0] - entries[i - 1][0] <= max_gap:
            pieces.append(entries[start:i])
            start = i
    return pieces + [entries[start:]]


def split_at_jumps(entries: List[Entry]) -> List[List[Entry]]:
    """A tracklet cut where the body's centre jumps (see :data:`JUMP`) between frames at most 2 apart."""
    from .body_geometry import body_scale, centre

    if JUMP is None or len(entries) < 2:
        return [entries]
    pieces, start = [], 0
    for i in range(1, len(entries)):
        (f0, k0, s0, _), (f1, k1, s1, _) = entries[i - 1], entries[i]
        if f1 - f0 > 2:
            continue
        scale = max(body_scale(k0, s0, 8.0), body_scale(k1, s1, 8.0))
        if np.hypot(*(centre(k1, s1) - centre(k0, s0))) > JUMP * scale * (f1 - f0):
            pieces.append(entries[start:i])
            start = i
    return pieces + [entries[start:]]


#: a track continued by motion after 3 to :data:`GAP_CUT` frames unseen is cut where the body is found further than
#: GAP_JUMP body sizes from where its motion led (somebody else stepped into a hidden person's place); the pieces are
#: proposed to be joined again, like a cut where the colours changed (None: never). Measured on the classroom videos,
#: seeds 0-9: seed 5 1.36 -> 1.21 and seed 6 1.43 -> 1.36 ids per person, no other change, with 0.25-0.4 alike (0.2:
#: seed 0 one id more); as a plain cut (no proposal) seeds 6 and 9 one id more each
GAP_JUMP = 0.3


def split_at_gap_jumps(entries: List[Entry]) -> List[List[Entry]]:
    """A tracklet cut where it was continued after 3 to :data:`GAP_CUT` frames unseen far from where its motion
    led (see :data:`GAP_JUMP`)."""
    from .body_geometry import body_scale, centre

    if GAP_JUMP is None or len(entries) < 2:
        return [entries]
    pieces, start = [], 0
    for i in range(1, len(entries)):
        (f0, k0, s0, _), (f1, k1, s1, _) = entries[i - 1], entries[i]
        if not 2 < f1 - f0 <= (GAP_CUT or 2):
            continue
        back = max(i - 10, start)
        step = (centre(k0, s0) - centre(*entries[back][1:3])) / max(f0 - entries[back][0], 1)
        led = centre(k0, s0) + step * (f1 - f0)
        scale = max(body_scale(k0, s0, 8.0), body_scale(k1, s1, 8.0))
        if min(np.hypot(*(centre(k1, s1) - led)), np.hypot(*(centre(k1, s1) - centre(k0, s0)))) > GAP_JUMP * scale:
            pieces.append(entries[start:i])
            start = i
    return pieces + [entries[start:]]
