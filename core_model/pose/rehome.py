"""Crowd tracking, last stage: runs of a track in somebody else's colours given back to that person's track.

Where two people overlap and only one skeleton is found, the tracker may continue the visible person's track on
the other one for a few frames (a hidden person stepping out while the one in front is lost, two people crossing),
or keep a track on the second person after the first has gone. Colours tell them apart where motion cannot: over
such a run the detections look like another track's person, and that person's track is missing there.

:func:`rehome_runs` looks, in every track ``a``, for runs of detections (:data:`REHOME_MIN` or more, frames at
most 2 apart) whose colours are far from ``a``'s (median over the whole track, :func:`.reid.median_look`) and
near those of another track ``b`` (:data:`REHOME_NEAR`, :data:`REHOME_MARGIN` nearer than ``a``'s) that has no
detection over the run and is seen within :data:`.tracklets.MERGE_GAP` frames before and/or after it, in reach
(the run's first box continues ``b``'s last one before, its last box ``b``'s first one after, as in
:func:`.tracklets.merge_fragments`). Such a run is moved to ``b``; best colour gain first, each move once.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from .appearance import PART_BINS
from .reid import median_look

#: a detection is in another person's colours when its distance to that person's is at most REHOME_NEAR and at
#: least REHOME_MARGIN less than its distance to its own track's
REHOME_NEAR, REHOME_MARGIN = 0.5, 0.2
#: a run must have this many such detections (a single frame's colours may be anybody's: a turn, shade)
REHOME_MIN = 3
#: a run is given only to a track of at least this many detections (a short track's median colours are those of a
#: moment: a person fitted half hidden looks like the same person's own half-hidden run)
REHOME_INTO = 20

Entry = tuple  # (frame, keypoint (V,2), score (V,), look or None)


def _distances(looks: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Hellinger distances (:func:`.appearance.distance`) of ``looks (n, SIZE)`` (NaN rows: unknown) to ``ref``."""
    bc = np.sqrt(np.clip(looks, 0, None) * np.clip(ref, 0, None)[None])
    parts = np.stack([bc[:, :PART_BINS].sum(axis=1), bc[:, PART_BINS:].sum(axis=1)], axis=1)
    return np.sqrt(np.clip(1.0 - parts, 0.0, None)).mean(axis=1)


def _looks(entries: List[Entry], size: int) -> np.ndarray:
    out = np.full((len(entries), size), np.nan)
    for i, e in enumerate(entries):
        if e[3] is not None:
            out[i] = e[3]
    return out


def _runs(flag: np.ndarray, frames: np.ndarray) -> List[Tuple[int, int]]:
    """Index ranges ``[i, j)`` of flagged entries following each other within 2 frames (unknown ones between)."""
    runs, start = [], None
    for i in range(len(flag)):
        if start is not None and (not flag[i] or frames[i] - frames[i - 1] > 2):
            runs.append((start, i))
            start = None
        if flag[i] and start is None:
            start = i
    if start is not None:
        runs.append((start, len(flag)))
    return runs


def _fits(b, lo_frame: int, hi_frame: int, first_box: np.ndarray, last_box: np.ndarray) -> Optional[float]:
    """How well a run (frames ``lo_frame..hi_frame``, first and last boxes given) fills a gap of track ``b``:
    ``None`` when ``b`` is seen over it, not near it in time, or out of reach on a side where it is seen."""
    from .tracklets import MERGE_GAP, _touches

    inside = np.searchsorted(b.frames, [lo_frame, hi_frame + 1])
    if inside[1] > inside[0]:
        return None
    before, after = int(inside[0]) - 1, int(inside[0])
    sides = []
    if before >= 0 and lo_frame - b.frames[before] <= MERGE_GAP:
        sides.append(_touches(b, before, first_box, int(lo_frame - b.frames[before]), False))
    if after < len(b.frames) and b.frames[after] - hi_frame <= MERGE_GAP:
        sides.append(_touches(b, after, last_box, int(b.frames[after] - hi_frame), True))
    if not sides or any(s is None for s in sides):
        return None
    return float(np.mean(sides))


def _candidates(tracks: dict, looks: dict, medians: dict) -> List[Tuple[float, int, int, int, int]]:
    """``(-colour gain, a, b, i, j)``: runs ``[i, j)`` of track ``a``'s entries to move to track ``b``."""
    found = []
    for ta, a in tracks.items():
        if medians[ta] is None:
            continue
        own = _distances(looks[ta], medians[ta])
        for tb, b in tracks.items():
            if tb == ta or medians[tb] is None or len(b.frames) < REHOME_INTO:
                continue
            other = _distances(looks[ta], medians[tb])
            flag = (other <= REHOME_NEAR) & (other + REHOME_MARGIN <= own)  # NaN (unknown): False
            flag &= ~np.isin(a.frames, b.frames)
            for i, j in _runs(flag, a.frames):
                if j - i < REHOME_MIN:
                    continue
                if _fits(b, int(a.frames[i]), int(a.frames[j - 1]), a.boxes[i], a.boxes[j - 1]) is None:
                    continue
                found.append((-float(np.mean(own[i:j] - other[i:j])), ta, tb, i, j))
    return sorted(found)


def _prepared(per_track: Dict[int, List[Entry]]):
    """``(tracks, looks, medians)`` by track id for the repairs below, or None (fewer than two tracks, no colours)."""
    from .tracklets import _Track

    tracks = {tid: _Track(entries) for tid, entries in per_track.items() if entries}
    sizes = [len(e[3]) for entries in per_track.values() for e in entries if e[3] is not None]
    if len(tracks) < 2 or not sizes:
        return None
    looks = {tid: _looks(t.entries, sizes[0]) for tid, t in tracks.items()}
    medians = {tid: median_look([e[3] for e in t.entries], REHOME_MIN) for tid, t in tracks.items()}
    return tracks, looks, medians


def rehome_runs(per_track: Dict[int, List[Entry]]) -> Dict[int, List[Entry]]:
    """``per_track`` (``{id: [(frame, keypoint, score, look), ...]}``, frames increasing) with runs of a track in
    another track's person's colours moved to that track (see the module docstring); ids kept."""
    prepared = _prepared(per_track)
    if prepared is None:
        return per_track
    tracks, looks, medians = prepared
    return move_runs(tracks, _candidates(tracks, looks, medians))


def move_runs(tracks: dict, moves) -> Dict[int, List[Entry]]:
    """The entries of ``tracks`` (:class:`.tracklets._Track` by id) with, for each ``(key, a, b, i, j)`` of ``moves``
    (sorted, best first), track ``a``'s entries ``[i, j)`` moved to track ``b``; a frame of a track is given or taken
    once (a later move touching it is skipped). Tracks left empty are dropped."""
    moved: Dict[int, List[Entry]] = {tid: list(t.entries) for tid, t in tracks.items()}
    taken: Dict[int, set] = {tid: set() for tid in tracks}  # frames given or received
    for _key, ta, tb, i, j in moves:
        run = tracks[ta].entries[i:j]
        frames = {int(e[0]) for e in run}
        if frames & taken[ta] or frames & taken[tb]:
            continue
        taken[ta] |= frames
        taken[tb] |= frames
        moved[ta] = [e for e in moved[ta] if int(e[0]) not in frames]
        moved[tb] = sorted(moved[tb] + run, key=lambda e: e[0])
    return {tid: entries for tid, entries in moved.items() if entries}


def _mutual_runs(a, b, look_a, look_b, med_a, med_b) -> List[Tuple[float, np.ndarray]]:
    """``(colour gain, frames)``: runs (:data:`REHOME_MIN` or more frames) where tracks ``a`` and ``b`` are both
    seen, each in the other's colours (see :data:`REHOME_NEAR`, :data:`REHOME_MARGIN`)."""
    common, ia, ib = np.intersect1d(a.frames, b.frames, return_indices=True)
    if len(common) < REHOME_MIN:
        return []
    a_own, a_other = _distances(look_a[ia], med_a), _distances(look_a[ia], med_b)
    b_own, b_other = _distances(look_b[ib], med_b), _distances(look_b[ib], med_a)
    a_is_b = (a_other <= REHOME_NEAR) & (a_other + REHOME_MARGIN <= a_own)
    b_is_a = (b_other <= REHOME_NEAR) & (b_other + REHOME_MARGIN <= b_own)
    flag = (a_is_b & (b_other <= b_own)) | (b_is_a & (a_other <= a_own))
    gain = (a_own - a_other) + (b_own - b_other)
    return [(float(np.mean(gain[i:j])), common[i:j]) for i, j in _runs(flag, common) if j - i >= REHOME_MIN]


def swap_runs(per_track: Dict[int, List[Entry]]) -> Dict[int, List[Entry]]:
    """``per_track`` with the entries of two tracks exchanged over runs where both are seen and each is in the
    other's colours (two people crossing or overlapping whose ids the tracker exchanged for a while, both found
    all along); best colour gain first, each frame of a track exchanged once. Ids kept."""
    prepared = _prepared(per_track)
    if prepared is None:
        return per_track
    tracks, looks, medians = prepared
    found = []
    for ta in tracks:
        for tb in tracks:
            if ta < tb and medians[ta] is not None and medians[tb] is not None:
                for gain, frames in _mutual_runs(tracks[ta], tracks[tb], looks[ta], looks[tb], medians[ta],
                                                 medians[tb]):
                    found.append((-gain, ta, tb, frames))
    by_frame = {tid: {int(e[0]): e for e in t.entries} for tid, t in tracks.items()}
    taken: Dict[int, set] = {tid: set() for tid in tracks}
    for _gain, ta, tb, frames in sorted(found, key=lambda f: f[:3]):
        frames = {int(f) for f in frames}
        if frames & taken[ta] or frames & taken[tb]:
            continue
        taken[ta] |= frames
        taken[tb] |= frames
        for f in frames:
            by_frame[ta][f], by_frame[tb][f] = by_frame[tb][f], by_frame[ta][f]
    return {tid: [entries[f] for f in sorted(entries)] for tid, entries in by_frame.items()}
