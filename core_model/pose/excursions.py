"""Crowd tracking, last stage: a track's short excursion onto somebody else given to that person's track.

Where two people overlap and one skeleton is found for both, the tracker may move a track from the person it
follows onto the other for a few frames (a person behind showing their head above the one in front, two people
crossing): the track's box jumps there and back, and the other person's track is missing over those frames. Colours
cannot tell (the detection is in both people's colours); geometry can: the run is far from the track's own person on
both sides (:data:`EXCURSION_JUMP`), who goes on where the run left them, and close to where the other track was seen
just before and after (:data:`EXCURSION_FIT`). Where no track misses the run, it is cut out of the track
(:data:`EXCURSION_CUT`): a body this far away and back within a few frames is not the track's person (people walk at
most a few hundredths of their height per frame), and the last stitching joins the run to a person it continues or
leaves it out as too short.

:func:`drop_blips` takes out what is too short to tell whose it is: one to :data:`BLIP_MAX` detections of a track
whose torso lies off the track's path, where a person cannot be (the fit was on somebody overlapping for a frame or
two, mostly a person hidden behind the track's own); the track goes on without them. So are the first or last few
detections of a track that lie off the path of the ones after or before them (a track begun on somebody overlapping
its person).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

#: a run of at most EXCURSION_MAX entries is an excursion when the track's box centre jumps into it and out of it by
#: at least EXCURSION_JUMP of the larger box's height (with at most EXCURSION_GAP frames between the entries), while
#: the entries before and after it lie within EXCURSION_JUMP of each other (the track's own person goes on)
EXCURSION_MAX, EXCURSION_JUMP, EXCURSION_GAP = 8, 0.3, 8
#: it goes to a track missing over the run, seen within EXCURSION_SEEN frames before and after it, whose nearest
#: boxes on both sides lie within EXCURSION_FIT of the run's first and last boxes (of the larger height)
EXCURSION_FIT, EXCURSION_SEEN = 0.25, 15
#: an excursion no track misses is cut out as a tracklet of its own (joined by the last stitching to a person it
#: continues, else left out as too short)
EXCURSION_CUT = True

#: a run of at most BLIP_MAX entries is a blip when its torso centre (the confident shoulders and hips) lies further
#: than BLIP of the height off the straight line between the entries just before and after it (at most BLIP_GAP
#: frames apart, their torsos within BLIP of each other: the person stood or walked on). A walking person's torso
#: follows that line to a few hundredths of their height; None: no blips dropped. Measured on 23 classroom captures:
#: 11 with fewer ids per person (seeds 3, 4, 5, 7, 10, 13, 15, 17, 20, 21, 1 to 2 ids each), none with more, recall
#: at most 0.001 lower; with the box centre instead of the torso, recall up to 0.014 lower (legs hidden move a box)
BLIP, BLIP_MAX, BLIP_GAP = 0.10, 3, 6
#: COCO shoulders and hips
TORSO = (5, 6, 11, 12)
#: ... and one to BLIP_MAX entries at a track's start or end that lie off the path of the entries after (before) them
#: (:func:`_end_blips`: a new person's first fit is often on whoever overlaps them). Measured on the same captures,
#: after the blips between: 6 more with fewer ids per person (seeds 8, 10, 12, 18, 20 and 9), none with more
END_BLIPS = True

Entry = tuple  # (frame, keypoint (V,2), score (V,), look or None)


def _apart(a: np.ndarray, b: np.ndarray) -> float:
    """Distance of the centres of boxes ``a`` and ``b`` over the larger one's height."""
    from .tracklets import _centre

    return float(np.hypot(*(_centre(a) - _centre(b)))) / max(a[3] - a[1], b[3] - b[1], 1.0)


def _excursions(track) -> List[Tuple[int, int]]:
    """Index ranges ``[i, j)`` of ``track``'s entries that are excursions (see :data:`EXCURSION_MAX`)."""
    frames, boxes = track.frames, track.boxes
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    heights = boxes[:, 3] - boxes[:, 1]
    moved = np.hypot(*(centres[1:] - centres[:-1]).T) / np.maximum(np.maximum(heights[1:], heights[:-1]), 1.0)
    jumps = (np.flatnonzero((np.diff(frames) <= EXCURSION_GAP) & (moved >= EXCURSION_JUMP)) + 1).tolist()
    found = []
    for i, j in zip(jumps, jumps[1:]):
        if j - i <= EXCURSION_MAX and frames[j] - frames[i - 1] <= 2 * EXCURSION_GAP + EXCURSION_MAX \
                and _apart(boxes[i - 1], boxes[j]) < EXCURSION_JUMP:
            found.append((i, j))
    return found


def _fit(other, lo: int, hi: int, first: np.ndarray, last: np.ndarray) -> Optional[float]:
    """How far track ``other`` is from a run (frames ``lo..hi``, first and last boxes given): ``None`` unless it is
    missing over the run and seen close to it on both sides (:data:`EXCURSION_SEEN`)."""
    inside = np.searchsorted(other.frames, [lo, hi + 1])
    before, after = int(inside[0]) - 1, int(inside[1])
    if inside[1] > inside[0] or before < 0 or after >= len(other.frames):
        return None
    if lo - other.frames[before] > EXCURSION_SEEN or other.frames[after] - hi > EXCURSION_SEEN:
        return None
    sides = (_apart(other.boxes[before], first), _apart(other.boxes[after], last))
    return max(sides) if max(sides) <= EXCURSION_FIT else None


def return_excursions(per_track: Dict[int, List[Entry]]) -> Dict[int, List[Entry]]:
    """``per_track`` (``{id: [(frame, keypoint, score, look), ...]}``, frames increasing) with every excursion moved
    to the track that fits it best (see the module docstring; each track gives or takes a frame once), and with
    :data:`EXCURSION_CUT` those nobody fits made tracks of their own (new ids after the largest). Ids kept."""
    from .rehome import move_runs
    from .tracklets import _Track

    tracks = {tid: _Track(entries) for tid, entries in per_track.items() if entries}
    moves, unfitted = [], []
    for ta, a in tracks.items():
        for i, j in _excursions(a):
            lo, hi = int(a.frames[i]), int(a.frames[j - 1])
            fits = [(cost, tb) for tb, b in tracks.items() if tb != ta
                    for cost in [_fit(b, lo, hi, a.boxes[i], a.boxes[j - 1])] if cost is not None]
            if fits:
                cost, tb = min(fits)
                moves.append((cost, ta, tb, i, j))
            else:
                unfitted.append((ta, {int(f) for f in a.frames[i:j]}))
    moved = move_runs(tracks, sorted(moves))
    if not EXCURSION_CUT:
        return moved
    next_id = max(moved, default=-1) + 1
    for ta, frames in unfitted:
        kept = {int(e[0]) for e in moved.get(ta, ())}
        if not frames <= kept:
            continue  # a frame of it was moved or taken
        moved[next_id] = [e for e in moved[ta] if int(e[0]) in frames]
        moved[ta] = [e for e in moved[ta] if int(e[0]) not in frames]
        next_id += 1
    return moved


def _torso_centres(entries: List[Entry], boxes: np.ndarray) -> np.ndarray:
    """Per entry, the mean of its confident (score >= 0.3) shoulders and hips; the box centre with fewer than two."""
    out = (boxes[:, :2] + boxes[:, 2:]) / 2
    for k, e in enumerate(entries):
        ok = e[2][list(TORSO)] >= 0.3
        if ok.sum() >= 2:
            out[k] = e[1][list(TORSO)][ok].mean(axis=0)
    return out


def _blips(frames: np.ndarray, centres: np.ndarray, heights: np.ndarray) -> List[Tuple[int, int]]:
    """Index ranges ``[i, j)`` of the entries that are blips (see :data:`BLIP`), shortest first, not overlapping."""
    found, end = [], 0
    for i in range(1, len(frames) - 1):
        if i < end:
            continue
        for j in range(i + 1, min(i + BLIP_MAX, len(frames) - 1) + 1):
            lo, hi = frames[i - 1], frames[j]
            if hi - lo > BLIP_GAP:
                break
            tall = max(heights[i - 1], heights[j], 1.0)
            if np.hypot(*(centres[j] - centres[i - 1])) / tall >= BLIP:
                continue
            path = centres[i - 1] + ((frames[i:j] - lo) / (hi - lo))[:, None] * (centres[j] - centres[i - 1])
            off = np.hypot(*(centres[i:j] - path).T) / np.maximum(heights[i:j], tall)
            if off.min() > BLIP:
                found.append((i, j))
                end = j
                break
    return found


def _end_blips(frames: np.ndarray, centres: np.ndarray, heights: np.ndarray) -> List[Tuple[int, int]]:
    """The first (last) one to :data:`BLIP_MAX` entries of a track (as many as fit), within :data:`BLIP_GAP` frames of
    the next (previous) one, when they lie further than :data:`BLIP` of the height off the path of the
    :data:`BLIP_MAX` entries after (before) them carried back (on) at their speed: a track that began (ended) on
    somebody overlapping its person for a frame or two."""
    n = len(frames)
    found = []
    for run, ref, far in ((lambda k: range(k), lambda k: k, lambda k: k + BLIP_MAX),
                          (lambda k: range(n - k, n), lambda k: n - k - 1, lambda k: n - k - 1 - BLIP_MAX)):
        for k in range(min(BLIP_MAX, n - BLIP_MAX - 1), 0, -1):  # the longest such run
            idx, r, f = np.array(list(run(k))), ref(k), far(k)
            if np.abs(frames[idx] - frames[r]).max() > BLIP_GAP:
                continue
            speed = (centres[f] - centres[r]) / (frames[f] - frames[r])
            path = centres[r] + (frames[idx] - frames[r])[:, None] * speed
            off = np.hypot(*(centres[idx] - path).T) / np.maximum(np.maximum(heights[idx], heights[r]), 1.0)
            if off.min() > BLIP:
                found.append((int(idx.min()), int(idx.max()) + 1))
                break
    return found


def drop_blips(per_track: Dict[int, List[Entry]]) -> Dict[int, List[Entry]]:
    """``per_track`` (``{id: [(frame, keypoint, score, look), ...]}``, frames increasing) without the blips of each
    track (see :data:`BLIP`); ids kept."""
    from .tiles import person_box

    if BLIP is None:
        return per_track
    out = {}
    for tid, entries in per_track.items():
        if len(entries) < 3:
            out[tid] = entries
            continue
        frames = np.array([e[0] for e in entries], np.int64)
        boxes = np.stack([person_box(e[1], e[2]) for e in entries])
        centres, heights = _torso_centres(entries, boxes), boxes[:, 3] - boxes[:, 1]
        runs = _blips(frames, centres, heights)
        if END_BLIPS:
            runs += _end_blips(frames, centres, heights)
        gone = {k for i, j in runs for k in range(i, j)}
        out[tid] = [e for k, e in enumerate(entries) if k not in gone]
    return out
