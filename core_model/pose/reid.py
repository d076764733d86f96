"""Crowd-mode tracking: motion and appearance together, one best assignment per frame, re-identification.

Per frame (:func:`crowd_update`, called by :meth:`.tracking.PoseTracker.update` in crowd mode):

1. tracks seen within ``max_gap`` frames are matched to detections on a combined cost: the motion cost of
   :class:`~.tracking.PoseTracker` (distance to the constant-velocity prediction, in body sizes, gated) plus
   :data:`APPEARANCE_WEIGHT` x the Hellinger distance of their colour histograms (:mod:`.appearance`). A pair
   whose colours differ by more than :data:`APPEARANCE_GATE` is refused when the track was unseen for more
   than 2 frames (somebody else now stands where a hidden person was); a person seen a frame or two ago is
   continued by motion unless the detection stands clear of others in colours plainly not theirs
   (:data:`CLEAR_GATE`: somebody else stepped into their place): histograms of small people jump with a turn,
   a swinging arm, shade. The assignment minimises the summed cost (:func:`assign`,
   the Hungarian method), not first-come greedy. Tracks seen in the last 2 frames choose first, the others
   share what is left (a person hidden for a few frames never takes the body of the one in front of them), and
   a track may stay unmatched at the cost of its own limit (:func:`assign`'s ``unmatched``): it does not take a
   detection when that would push another track onto a worse one (a piece of somebody, a person emerging);
2. detections still without a track are compared with tracks not matched in this frame, unseen for up to
   ``reid_gap`` frames (people hidden behind a pillar for seconds, or who left the frame and came back):
   same colours (:data:`REID_GATE`), about the same size (perspective: a person comes back on their own
   floor lane) and within reach of where they were (:func:`reachable`). A hidden person's id is never
   given to somebody else: their colours must match;
3. the rest start new tracks. A track learns its colours only from detections standing clear of others.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from .appearance import distance
from .body_geometry import body_scale, centre as _centre
from .tiles import overlap_of_smaller, person_box

#: weight of the appearance distance (0-1) added to the motion cost (in body sizes)
APPEARANCE_WEIGHT = 0.5
#: colours further apart than this are another person (tracks unseen for more than 2 frames)
APPEARANCE_GATE = 0.45
#: a track seen a frame or two ago is refused a detection standing clear of others only when their colours differ
#: by more than this (measured on the classroom videos: one person's colours from one frame to the next differ
#: by more than 0.45 in 0.2 % of the frames, two people's by 0.7 or more in half the pairs)
CLEAR_GATE = 0.7
#: re-identification: the colours must be this close
REID_GATE = 0.3
#: re-identification reach: this many body sizes from where the person was last seen, plus REID_SPEED per frame
REID_RADIUS, REID_SPEED = 1.5, 0.04
#: re-identification: body sizes within this factor
REID_SIZE = 1.5
#: a detection whose box overlaps another's by less than this (of the smaller) stands clear of others
CLEAR = 0.15
_INF = 1e9
#: tracks seen in the last 2 frames choose first, but a recent track may not take a detection that a waiting track
#: (unseen for longer) fits better, at a cost of at most YIELD_FIT (None: never). Measured on 23 classroom captures:
#: seed 11 1.43 -> 1.29 ids per person, no other change (0.6: seed 12 too, but a duplicate on seed 9; 0.2: no change)
YIELD_FIT = 0.4


def assign(cost: np.ndarray, unmatched: Optional[np.ndarray] = None) -> List[Tuple[int, int]]:
    """Row-column pairs of minimum total cost (entries >= 1e9 are forbidden and never returned).

    The Hungarian method with potentials (O(n^2 m)), on the matrix padded so that every row may stay unmatched,
    at the cost ``unmatched[row]`` (default: more than any pair, i.e. as many rows matched as can be). A finite
    cost of staying unmatched lets a row give up a detection when taking it would push others onto worse ones
    (a person hidden for a few frames does not take the body of the one in front, pushing that one's track onto
    a piece of somebody else).
    """
    cost = np.asarray(cost, np.float64)
    n, m = cost.shape
    if n == 0 or m == 0:
        return []
    big = float(np.nanmax(np.where(cost < _INF, cost, 0.0))) * 2 + 10.0
    full = np.full((n, m + n), _INF)
    full[:, :m] = np.where(cost < _INF, cost, _INF)
    full[np.arange(n), m + np.arange(n)] = big if unmatched is None else np.asarray(unmatched, np.float64)
    rows, cols = full.shape
    u, v = np.zeros(rows + 1), np.zeros(cols + 1)
    p, way = np.zeros(cols + 1, np.int64), np.zeros(cols + 1, np.int64)
    for i in range(1, rows + 1):
        p[0], j0 = i, 0
        minv, used = np.full(cols + 1, np.inf), np.zeros(cols + 1, bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            cur = full[i0 - 1] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            candidates = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(candidates)) + 1
            delta = candidates[j1 - 1]
            u[p[used]] += delta
            v[used] -= delta
            minv[~used] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    pairs = [(int(p[j]) - 1, j - 1) for j in range(1, m + 1) if p[j] > 0]
    return sorted((r, c) for r, c in pairs if cost[r, c] < _INF)


def _clear(keypoints: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Whether each detection stands clear of the others (boxes overlapping less than :data:`CLEAR`)."""
    n = len(keypoints)
    if n < 2:
        return np.ones(n, bool)
    boxes = np.stack([person_box(k, s) for k, s in zip(keypoints, scores)])
    overlap = overlap_of_smaller(boxes, boxes)
    np.fill_diagonal(overlap, 0.0)
    return overlap.max(axis=1) < CLEAR


def reachable(track, frame: int, keypoint: np.ndarray, score: np.ndarray, scale: float) -> Optional[float]:
    """How far (body sizes) a detection is from where ``track`` was last seen, or moved on to at its velocity
    (the nearer), when within reach after the gap and of about the track's size; else ``None``."""

    size = body_scale(keypoint, score, 1.0)
    if max(size, scale) > REID_SIZE * min(size, scale):
        return None
    gap = frame - track.last_frame
    centre = _centre(keypoint, score)
    last = _centre(track.keypoint, track.score)
    moved = last + track.velocity * min(gap, 50)
    d = min(np.hypot(*(centre - last)), np.hypot(*(centre - moved))) / scale
    return float(d) if d <= REID_RADIUS + REID_SPEED * gap else None


def motion_costs(tracker, tracks, frame: int, keypoints: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``(tracks, detections)``: the crowd motion cost of :meth:`.tracking.PoseTracker._motion_cost` for every pair
    at once (``_INF`` where over the limit): the distance to the prediction (or, after more than 2 frames unseen,
    to where last seen), the left/right-swapped pose's to the prediction, plus the gap penalty."""
    from .coco import COCO17_FLIP_INDEX
    from .pose_matrix import pose_distances

    cost = np.full((len(tracks), len(keypoints)), _INF)
    if not len(tracks) or not len(keypoints):
        return cost
    gaps = np.array([frame - t.last_frame for t in tracks], np.float64)
    last = np.stack([t.keypoint for t in tracks])
    track_scores = np.stack([t.score for t in tracks])
    predicted = np.stack([t.predict(frame) for t in tracks])
    scales = np.array([body_scale(t.keypoint, t.score, tracker.min_scale) for t in tracks])[:, None]
    found = pose_distances(predicted, track_scores, keypoints, scores) / scales
    long_gap = gaps > 2
    if long_gap.any():
        found[long_gap] = np.minimum(found[long_gap], pose_distances(last[long_gap], track_scores[long_gap],
                                                                     keypoints, scores) / scales[long_gap])
    if tracker.crowd and keypoints.shape[1] == len(COCO17_FLIP_INDEX):
        flipped = pose_distances(predicted, track_scores, keypoints[:, COCO17_FLIP_INDEX],
                                 scores[:, COCO17_FLIP_INDEX]) / scales
        found = np.minimum(found, flipped)
    penalty = np.array([tracker._limit(int(g)) - tracker._threshold(int(g)) for g in gaps])[:, None]
    limits = np.array([tracker._limit(int(g)) for g in gaps])[:, None]
    found = found + penalty
    return np.where(found <= limits, found, _INF)


def _match_active(tracker, active, frame, keypoints, scores, looks, clear) -> List[Tuple[int, int]]:
    cost = motion_costs(tracker, active, frame, keypoints, scores)
    for ti, track in enumerate(active):
        gap = frame - track.last_frame
        for di in np.flatnonzero(cost[ti] < _INF):
            colours = distance(track.appearance, looks[di])
            if colours is not None:
                if colours > (APPEARANCE_GATE if gap > 2 else CLEAR_GATE if clear[di] else _INF):
                    cost[ti, di] = _INF
                    continue
                cost[ti, di] += APPEARANCE_WEIGHT * colours
    # a track that stays unmatched costs its own limit plus the colours gate: a pair is worth taking alone, but
    # not when it pushes another track onto a worse detection
    miss = np.array([tracker._limit(frame - t.last_frame) + APPEARANCE_WEIGHT * APPEARANCE_GATE for t in active])
    recent = np.array([frame - t.last_frame <= 2 for t in active], bool)
    first = cost
    if YIELD_FIT is not None and recent.any() and (~recent).any():
        # a detection that a waiting track fits where it was is not taken by a recent track that fits it worse: a
        # person behind somebody seen again, while the one in front is not found
        waiting = cost[~recent].min(axis=0)
        first = cost.copy()
        first[recent] = np.where((cost[recent] > waiting[None]) & (waiting[None] <= YIELD_FIT), _INF, cost[recent])
    pairs = [(int(ti), di) for ti, di in _assign_among(first, miss, np.flatnonzero(recent), ())]
    taken = {di for _, di in pairs}
    pairs += [(int(ti), di) for ti, di in _assign_among(cost, miss, np.flatnonzero(~recent), taken)]
    return sorted(pairs)


def _assign_among(cost: np.ndarray, miss: np.ndarray, rows: np.ndarray, taken) -> List[Tuple[int, int]]:
    """:func:`assign` on ``rows`` of ``cost``, columns in ``taken`` left out; pairs in the full matrix's indices."""
    if not len(rows):
        return []
    part = cost[rows].copy()
    part[:, sorted(taken)] = _INF
    return [(int(rows[r]), c) for r, c in assign(part, miss[rows])]


def _reidentify(tracker, waiting, frame, keypoints, scores, looks, free) -> List[Tuple[int, int]]:

    cost = np.full((len(waiting), len(free)), _INF)
    for ti, track in enumerate(waiting):
        scale = body_scale(track.keypoint, track.score, tracker.min_scale)
        for j, di in enumerate(free):
            colours = distance(track.appearance, looks[di])
            if colours is None or colours > REID_GATE:
                continue
            far = reachable(track, frame, keypoints[di], scores[di], scale)
            if far is not None:
                cost[ti, j] = colours + 0.05 * far
    return [(ti, free[j]) for ti, j in assign(cost)]


def crowd_update(tracker, frame: int, keypoints: np.ndarray, scores: np.ndarray,
                 appearances: Optional[Sequence[Optional[np.ndarray]]]) -> np.ndarray:
    """Track ids for the detections of ``frame`` (see the module docstring)."""
    n = len(keypoints)
    looks = list(appearances) if appearances is not None else [None] * n
    tracker._tracks = [t for t in tracker._tracks if frame - t.last_frame <= tracker.reid_gap]
    active = [t for t in tracker._tracks if frame - t.last_frame <= tracker.max_gap]
    clear = _clear(keypoints, scores)
    ids = np.full(n, -1, dtype=np.int64)
    matched = set()
    for ti, di in _match_active(tracker, active, frame, keypoints, scores, looks, clear):
        track = active[ti]
        track.update(frame, keypoints[di], scores[di])
        ids[di] = track.track_id
        matched.add(id(track))
        if clear[di]:
            track.learn(looks[di])
    free = [di for di in range(n) if ids[di] < 0 and looks[di] is not None]
    waiting = [t for t in tracker._tracks if id(t) not in matched and t.appearance is not None
               and t.last_frame < frame]
    if free and waiting:
        for ti, di in _reidentify(tracker, waiting, frame, keypoints, scores, looks, free):
            track = waiting[ti]
            track.update(frame, keypoints[di], scores[di])
            track.velocity = np.zeros(2, np.float32)
            ids[di] = track.track_id
            if clear[di]:
                track.learn(looks[di])
    for di in range(n):
        if ids[di] < 0:
            ids[di] = tracker._new_track(frame, keypoints[di], scores[di])
            tracker._tracks[-1].learn(looks[di])
    return ids


# -- tracklets stitched after the whole video is tracked -------------------------------------------------------

#: stitching: a tracklet's colours are the median of the colours of its detections (a person emerging from behind
#: somebody starts a new track with the mixed colours of both; over the tracklet their own colours win)
STITCH_GATE = 0.3
#: stitching reach: body sizes from where the first tracklet ended (or moved on to), plus STITCH_SPEED per frame
STITCH_RADIUS, STITCH_SPEED = 1.5, 0.05


def tracklet_summary(entries) -> dict:
    """What stitching needs to know of a tracklet: ``entries`` = ``[(frame, keypoint, score, look), ...]``."""
    frames = [e[0] for e in entries]
    looks = [e[3] for e in entries if e[3] is not None]
    scales = [body_scale(e[1], e[2], 1.0) for e in entries]
    centres = [_centre(e[1], e[2]) for e in entries]
    tail = min(len(entries), 10)
    span = max(frames[-1] - frames[-tail], 1)
    look = None
    if looks:
        look = np.median(np.stack(looks), axis=0)
        half = len(look) // 2
        look[:half] /= max(look[:half].sum(), 1e-9)
        look[half:] /= max(look[half:].sum(), 1e-9)
    return {"start": frames[0], "end": frames[-1], "first": centres[0], "last": centres[-1],
            "velocity": (centres[-1] - centres[-tail]) / span if tail > 1 else np.zeros(2),
            "scale": float(np.median(scales)), "look": look}


def stitch_cost(a: dict, b: dict, max_gap: int, colours: bool = True) -> Optional[float]:
    """The cost of ``b`` continuing ``a`` (``a`` ends before ``b`` starts), ``None`` when they cannot be one person
    (``colours=False``: by time, size and reach alone)."""
    gap = b["start"] - a["end"]
    if gap <= 0 or gap > max_gap:
        return None
    apart = distance(a["look"], b["look"]) if colours else 0.0
    if apart is None or apart > STITCH_GATE:
        return None
    scale = a["scale"]
    if max(scale, b["scale"]) > REID_SIZE * min(scale, b["scale"]):
        return None
    moved = a["last"] + a["velocity"] * min(gap, 50)
    far = min(np.hypot(*(b["first"] - a["last"])), np.hypot(*(b["first"] - moved))) / max(scale, 1.0)
    if far > STITCH_RADIUS + STITCH_SPEED * gap:
        return None
    return apart + 0.05 * far


#: a track is cut where the median colours of the SPLIT_WINDOW detections before and after differ by more than
#: SPLIT_GATE (two people who crossed swapped ids there: the pieces are stitched to their owners afterwards; where
#: no owner fits better the pieces are joined again, see :data:`.tracklet_groups.SOFT_GATE`). Measured on the
#: classroom videos (seeds 0-7, 8-14 people): gates 0.35-0.45 give the same tracks; windows of 10 and 12 one to two
#: more ids on seeds 4-6, one fewer on seed 0
SPLIT_WINDOW, SPLIT_GATE = 8, 0.4
#: ... or by more than SPLIT_GAP_GATE where the track was continued after more than 2 frames unseen (a weaker link:
#: a person partly hidden by somebody of other colours matched the gate of a single detection there)
SPLIT_GAP_GATE = 0.45
#: ... or by more than SPLIT_JUMP_GATE where the body's box also jumped by more than SPLIT_JUMP of its size from one
#: frame to the next (within SPLIT_NEAR entries of the cut: the fit slid from a person going behind somebody onto
#: the one in front of them), with at least SPLIT_JUMP_SIDES entries on either side (a short run in other colours
#: is left to merging and giving runs back); None: never. Measured on the classroom videos (seeds 0-4, two captures,
#: and the crowd video): seed 4 one id fewer (1.50 -> 1.43 by joints), no other change; with 0.55 and no jump,
#: or with fewer entries on a side, seeds 0 and 2 got more ids
SPLIT_JUMP_GATE, SPLIT_JUMP, SPLIT_NEAR, SPLIT_JUMP_SIDES = 0.5, 0.1, 3, 24


def median_look(looks, at_least: int = 1) -> Optional[np.ndarray]:
    """The per-bin median of the colour descriptors given (``None`` ones skipped), each half renormalised;
    ``None`` with fewer than ``at_least`` of them."""
    looks = [x for x in looks if x is not None]
    if not looks or len(looks) < at_least:
        return None
    look = np.median(np.stack(looks), axis=0)
    half = len(look) // 2
    look[:half] /= max(look[:half].sum(), 1e-9)
    look[half:] /= max(look[half:].sum(), 1e-9)
    return look


def _jump_near(entries: list, i: int) -> Optional[int]:
    """The entry (within :data:`SPLIT_NEAR` of entry ``i``) where the box of the confident joints jumped by the most,
    more than :data:`SPLIT_JUMP` of its size since the entry before (at most 2 frames before); ``None`` if none."""
    best = None
    for k in range(max(i - SPLIT_NEAR, 1), min(i + SPLIT_NEAR + 1, len(entries))):
        (f0, k0, s0, _), (f1, k1, s1, _) = entries[k - 1], entries[k]
        if f1 - f0 > 2:
            continue
        b0, b1 = person_box(k0, s0), person_box(k1, s1)
        size = max(float(np.hypot(b0[2] - b0[0], b0[3] - b0[1])), float(np.hypot(b1[2] - b1[0], b1[3] - b1[1])), 8.0)
        jump = float(np.hypot(*((b1[:2] + b1[2:]) - (b0[:2] + b0[2:])) / 2)) / (size * (f1 - f0))
        if jump > SPLIT_JUMP and (best is None or jump > best[0]):
            best = (jump, k)
    return best[1] if best else None


def split_at_colour_changes(entries: list) -> List[list]:
    """A tracklet's ``[(frame, keypoint, score, look), ...]`` cut where its colours change for good (see
    :data:`SPLIT_GATE`); one piece when they do not."""
    found = []
    for i in range(SPLIT_WINDOW, len(entries) - SPLIT_WINDOW + 1):
        d = distance(median_look([e[3] for e in entries[i - SPLIT_WINDOW:i]], SPLIT_WINDOW // 2),
                     median_look([e[3] for e in entries[i:i + SPLIT_WINDOW]], SPLIT_WINDOW // 2))
        found.append((d if d is not None else 0.0, i))
    after_gap = [(d, i) for d, i in found if entries[i][0] - entries[i - 1][0] > 2 and d > SPLIT_GAP_GATE]
    if after_gap:  # a track continued after frames unseen, in other colours: somebody else took it there
        where = max(after_gap)[1]
        return split_at_colour_changes(entries[:where]) + split_at_colour_changes(entries[where:])
    jumped = [(d, _jump_near(entries, i)) for d, i in found if SPLIT_JUMP_GATE is not None
              and d > SPLIT_JUMP_GATE and min(i, len(entries) - i) >= SPLIT_JUMP_SIDES]
    jumped = [(d, k) for d, k in jumped if k is not None]
    if jumped:  # colours changed where the body jumped: the fit slid onto somebody else there
        where = max(jumped, key=lambda x: (x[0], -x[1]))[1]
        return split_at_colour_changes(entries[:where]) + split_at_colour_changes(entries[where:])
    best = max((d for d, _ in found), default=0.0)
    if best <= SPLIT_GATE:
        return [entries]
    top = [i for d, i in found if d >= best - 1e-6]  # medians change over a plateau: cut in its middle
    where = _refined_cut(entries, top[len(top) // 2])
    return split_at_colour_changes(entries[:where]) + split_at_colour_changes(entries[where:])


def _refined_cut(entries: list, where: int) -> int:
    """The cut near entry ``where`` (within :data:`SPLIT_WINDOW`) that best parts the detections nearer the colours
    of the window before it from those nearer the window after (the windows' medians change over a plateau
    wherever a short run in other colours lies inside them; its own edges are where the detections change)."""
    lo, hi = max(where - SPLIT_WINDOW, 0), min(where + SPLIT_WINDOW, len(entries))
    before = median_look([e[3] for e in entries[lo:where]])
    after = median_look([e[3] for e in entries[where:hi]])
    if before is None or after is None:
        return where
    leans = [(distance(after, e[3]) - distance(before, e[3])) if e[3] is not None else 0.0
             for e in entries[lo:hi]]  # > 0: nearer the colours before
    gains = np.concatenate([[0.0], np.cumsum(leans)])  # gains[k - lo]: cut at k
    cuts = [k for k in range(max(lo, 1), min(hi, len(entries) - 1) + 1)]
    return max(cuts, key=lambda k: (round(float(gains[k - lo]), 9), -abs(k - where)))
