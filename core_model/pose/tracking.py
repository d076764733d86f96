"""Give each detected person a stable track id across frames.

Greedy matching on a normalized joint distance: the distance between a detection and a track's
constant-velocity prediction (after a gap of more than 2 frames, or its last position if closer), averaged over joints both see confidently, divided by the track's
body size (box diagonal). A track may miss up to ``max_gap`` frames; the accepted distance grows
with the gap. Near-duplicate detections of one person in a frame are merged first.

Works on plain arrays (``keypoints (n,17,2)``, ``scores (n,17)`` per frame) so detections from
worker processes can be tracked in the parent in frame order, which also links tracks across
chunk borders.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .format import Poses
from .body_geometry import body_scale, centre as _centre, pose_distance  # noqa: F401 (API)

FrameDetections = Tuple[np.ndarray, np.ndarray]  # keypoints (n,V,2), scores (n,V)

_CONFIDENT = 0.3  # joints at or above this score drive matching


def dedupe(keypoints: np.ndarray, scores: np.ndarray, threshold: float = 0.15) -> np.ndarray:
    """Indices of detections to keep after dropping near-copies of a higher-scoring one."""
    from .pose_matrix import body_scales, pose_distances

    order = np.argsort(-scores.mean(axis=1))
    apart = pose_distances(keypoints, scores, keypoints, scores)
    limit = threshold * body_scales(keypoints, scores)
    keep: List[int] = []
    for i in order:
        if all(apart[i, j] > limit[j] for j in keep):
            keep.append(int(i))
    return np.array(sorted(keep), dtype=np.int64)


#: crowd mode: two skeletons of which one lies inside the other (this much of the smaller box) with their heads
#: this close (in the smaller one's body sizes) are one person, whatever their sizes (a half-hidden person fitted
#: twice: once whole, once from the head to the hips); a far person standing behind a near one has their head
#: elsewhere
ONE_BODY_INSIDE, ONE_BODY_HEAD = 0.8, 0.12
#: crowd mode: a smaller skeleton whose joints seen well (scored at least ONE_FACE_SEEN) lie inside a larger one's box
#: grown by ONE_FACE_GROW of its height on every side (the joints' box ends at the eyes) at ONE_BODY_INSIDE, with the
#: centres of their heads within ONE_FACE_HEAD of the larger one's body size, is the larger person fitted again
#: (e.g. a head-and-shoulders fit head down on a near person's face, its hidden body scored low sticking out above
#: the head); the head of somebody behind, this close to a near one's head, would be hidden by it
ONE_FACE_SEEN, ONE_FACE_GROW, ONE_FACE_HEAD = 0.5, 0.1, 0.06
#: ... and within ONE_UPPER_HEAD where the smaller shows only a head, shoulders and arms (no hip, knee or ankle scored
#: ONE_FACE_SEEN) and the larger is seen whole (15 joints): the near person's upper body fitted again, the head a
#: little off (measured on the classroom videos, seeds 0-9: the duplicates of seeds 4 and 9 went 1 -> 0 and 2 -> 1,
#: recall unchanged everywhere; 0.15 left none on seed 9 but gave seed 0 one id more)
ONE_UPPER_HEAD = 0.1
#: crowd mode: a skeleton at most a third of another's size (ONE_HEAD_SMALLER) whose box lies within that one's head
#: (ONE_BODY_INSIDE of it, between ONE_HEAD_ZONE[0] of its height above its top and ONE_HEAD_ZONE[1] below) is that
#: person's head fitted again as a tiny whole body; somebody small standing behind would be hidden by the head
ONE_HEAD_SMALLER, ONE_HEAD_ZONE = 3.0, (0.25, 0.3)
#: crowd mode: two skeletons of about one size (within ONE_BODY_SIZE x) whose boxes overlap this much (of the
#: smaller) lie on one body (a second fit of one person, e.g. upside down; or a person hidden behind
#: another, who is not seen enough to be fitted anyway)
ONE_BODY_OVERLAP, ONE_BODY_SIZE = 0.5, 1.6
_HEAD = slice(0, 5)  # COCO-17 nose, eyes, ears


def crowd_dedupe(keypoints: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices kept by :func:`dedupe` and then of skeletons not lying on a better one's body (see
    :data:`ONE_BODY_OVERLAP` and :data:`ONE_BODY_INSIDE`): the better is the one with more confident joints, then
    the higher mean score."""
    from .tiles import overlap_of_smaller, person_box

    keep = [int(i) for i in dedupe(keypoints, scores)]
    if len(keep) < 2 or keypoints.shape[1] != 17:
        return np.array(keep, np.int64)
    order = sorted(keep, key=lambda i: (-int((scores[i] >= 0.5).sum()), -float(scores[i].mean()), i))
    boxes = {i: person_box(keypoints[i], scores[i]) for i in keep}
    out: List[int] = []
    sizes = {i: body_scale(keypoints[i], scores[i]) for i in keep}
    for i in order:
        for j in out:
            overlap = overlap_of_smaller(boxes[i], boxes[j])[0, 0]
            if overlap == 0.0 and not _near_boxes(boxes[i], boxes[j]):
                continue  # apart: no rule below can hold
            if overlap >= ONE_BODY_OVERLAP and max(sizes[i], sizes[j]) <= ONE_BODY_SIZE * min(sizes[i], sizes[j]):
                break
            if _face_fit(keypoints, scores, (i, j) if sizes[i] <= sizes[j] else (j, i), sizes):
                break
            if overlap < ONE_BODY_INSIDE:
                continue
            head = (scores[i, _HEAD] >= _CONFIDENT) & (scores[j, _HEAD] >= _CONFIDENT)
            if head.sum() < 2:
                continue
            apart = float(np.linalg.norm(keypoints[i, _HEAD][head] - keypoints[j, _HEAD][head], axis=-1).mean())
            if apart <= ONE_BODY_HEAD * min(sizes[i], sizes[j]):
                break
        else:
            out.append(i)
    out = [i for i in out if not any(_on_head(boxes[i], boxes[j]) for j in out
                                     if sizes[j] >= ONE_HEAD_SMALLER * sizes[i])]
    return np.array(sorted(out), np.int64)


def _near_boxes(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether boxes ``a`` and ``b`` meet once each is grown by :data:`ONE_FACE_GROW` of the taller's height."""
    grow = ONE_FACE_GROW * max(a[3] - a[1], b[3] - b[1])
    return bool(min(a[2], b[2]) - max(a[0], b[0]) > -2 * grow and min(a[3], b[3]) - max(a[1], b[1]) > -2 * grow)


def _on_head(small: np.ndarray, large: np.ndarray) -> bool:
    """Whether box ``small`` lies on the head of the person of box ``large`` (see :data:`ONE_HEAD_ZONE`)."""
    height = large[3] - large[1]
    zone = (large[0], large[1] - ONE_HEAD_ZONE[0] * height, large[2], large[1] + ONE_HEAD_ZONE[1] * height)
    w = min(small[2], zone[2]) - max(small[0], zone[0])
    h = min(small[3], zone[3]) - max(small[1], zone[1])
    area = (small[2] - small[0]) * (small[3] - small[1])
    return bool(w > 0 and h > 0 and area > 0 and w * h >= ONE_BODY_INSIDE * area)


def _face_fit(keypoints: np.ndarray, scores: np.ndarray, pair: Tuple[int, int], sizes: Dict[int, float]) -> bool:
    """Whether skeleton ``pair[0]`` (the smaller) is skeleton ``pair[1]``'s person fitted again on their head (see
    :data:`ONE_FACE_SEEN`)."""
    from .tiles import overlap_of_smaller, person_box

    small, large = pair
    heads = [scores[k, _HEAD] >= _CONFIDENT for k in pair]
    if min(h.sum() for h in heads) < 2 or (scores[small] >= ONE_FACE_SEEN).sum() < 3:
        return False
    centres = [keypoints[k, _HEAD][head].mean(axis=0) for k, head in zip(pair, heads)]
    apart = float(np.linalg.norm(centres[0] - centres[1]))
    upper = bool((scores[small, 11:] < ONE_FACE_SEEN).all() and (scores[large] >= ONE_FACE_SEEN).sum() >= 15)
    if apart > (ONE_UPPER_HEAD if upper else ONE_FACE_HEAD) * sizes[large]:
        return False
    box = person_box(keypoints[large], scores[large])
    grow = ONE_FACE_GROW * (box[3] - box[1])
    grown = box + np.array([-grow, -grow, grow, grow])
    seen = person_box(keypoints[small], scores[small], ONE_FACE_SEEN)
    return overlap_of_smaller(seen, grown)[0, 0] >= ONE_BODY_INSIDE


@dataclass
class _Track:
    track_id: int
    last_frame: int
    keypoint: np.ndarray
    score: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2, np.float32))
    appearance: Optional[np.ndarray] = None  # running mean of the person's colour histogram (crowd mode)
    appearance_count: int = 0

    def predict(self, frame: int) -> np.ndarray:
        return self.keypoint + self.velocity * float(frame - self.last_frame)

    def update(self, frame: int, keypoint: np.ndarray, score: np.ndarray) -> None:
        step = max(frame - self.last_frame, 1)
        moved = (_centre(keypoint, score) - _centre(self.keypoint, self.score)) / step
        self.velocity = 0.5 * self.velocity + 0.5 * moved if step <= 2 else moved * 0.5
        self.last_frame, self.keypoint, self.score = frame, keypoint, score

    def learn(self, appearance: Optional[np.ndarray]) -> None:
        """Blend in an appearance seen unhidden (quickly at first, then slowly)."""
        if appearance is None:
            return
        if self.appearance is None:
            self.appearance, self.appearance_count = appearance.copy(), 1
            return
        rate = max(APPEARANCE_RATE, 1.0 / (self.appearance_count + 1))
        self.appearance = (1 - rate) * self.appearance + rate * appearance
        self.appearance_count += 1


class PoseTracker:
    """Online tracker: call :meth:`update` for every frame in order; it returns a track id per detection.

    ``max_gap``: frames a track may go unseen and still be continued by motion. ``max_cost``: accepted
    distance in body sizes for consecutive frames; it grows by ``gap_growth`` per missed frame (up to 2x).
    ``min_scale``: smallest body size in pixels (people cut by the frame edge look tiny).
    ``crowd`` (tile detection: many, small people): one assignment per frame that minimises the summed cost
    (:func:`assign`), motion and appearance together when :meth:`update` is given appearances, and
    re-identification by appearance of people unseen for up to ``reid_gap`` frames (see :mod:`.reid`).
    """

    def __init__(self, *, max_gap: int = 25, max_cost: float = 0.5, gap_growth: float = 0.1,
                 min_scale: float = 8.0, crowd: bool = False, reid_gap: int = 0) -> None:
        self.max_gap, self.max_cost, self.gap_growth = int(max_gap), float(max_cost), float(gap_growth)
        self.min_scale = float(min_scale)
        #: crowd mode (tiles): left/right-swapped fits of one person match, and a track seen in the previous
        #: frame is preferred over one lost for a while (people crossing: see crowd_cost)
        self.crowd = bool(crowd)
        self.reid_gap = max(int(reid_gap), self.max_gap)
        self._tracks: List[_Track] = []
        self._next_id = 0

    def _threshold(self, gap: int) -> float:
        return self.max_cost * min(1.0 + self.gap_growth * max(gap - 1, 0), 2.0)

    def _motion_cost(self, track: _Track, frame: int, keypoint: np.ndarray, score: np.ndarray) -> Optional[float]:
        """The motion cost of continuing ``track`` with a detection, ``None`` when over the limit."""
        predicted = track.predict(frame)
        scale = body_scale(track.keypoint, track.score, self.min_scale)
        gap = frame - track.last_frame
        cost = pose_distance(predicted, track.score, keypoint, score) / scale
        if gap > 2:  # a constant velocity extrapolated over a long gap may overshoot: or where last seen
            cost = min(cost, pose_distance(track.keypoint, track.score, keypoint, score) / scale)
        if self.crowd:
            cost = crowd_cost(cost, track, predicted, keypoint, score, scale, gap)
        return cost if cost <= self._limit(gap) else None

    def _limit(self, gap: int) -> float:
        """The largest motion cost accepted after ``gap`` frames (body sizes)."""
        return self._threshold(gap) + (CROWD_GAP_PENALTY * (gap - 1) if self.crowd else 0.0)

    def _new_track(self, frame: int, keypoint: np.ndarray, score: np.ndarray) -> int:
        self._tracks.append(_Track(self._next_id, frame, keypoint, score))
        self._next_id += 1
        return self._next_id - 1

    def update(self, frame: int, keypoints: np.ndarray, scores: np.ndarray,
               appearances: Optional[Sequence[Optional[np.ndarray]]] = None) -> np.ndarray:
        """Track ids ``(n,)`` for the ``n`` detections of ``frame`` (frames must increase). ``appearances``:
        one colour histogram (or ``None``) per detection (:mod:`.appearance`; crowd mode)."""
        if self.crowd:
            from .reid import crowd_update

            return crowd_update(self, frame, keypoints, scores, appearances)
        self._tracks = [t for t in self._tracks if frame - t.last_frame <= self.max_gap]
        n = len(keypoints)
        ids = np.full(n, -1, dtype=np.int64)
        pairs = []
        for ti, track in enumerate(self._tracks):
            for di in range(n):
                cost = self._motion_cost(track, frame, keypoints[di], scores[di])
                if cost is not None:
                    pairs.append((cost, ti, di))
        used_tracks, used_dets = set(), set()
        for cost, ti, di in sorted(pairs):
            if ti in used_tracks or di in used_dets:
                continue
            used_tracks.add(ti)
            used_dets.add(di)
            self._tracks[ti].update(frame, keypoints[di], scores[di])
            ids[di] = self._tracks[ti].track_id
        for di in range(n):
            if ids[di] < 0:
                ids[di] = self._new_track(frame, keypoints[di], scores[di])
        return ids


#: how fast a track's appearance follows what is seen (after the first few sightings)
APPEARANCE_RATE = 0.1


#: crowd mode: added to a match's cost per frame the track was not seen (in body sizes)
CROWD_GAP_PENALTY = 0.03


def crowd_cost(cost: float, track: "_Track", predicted: np.ndarray, keypoint: np.ndarray, score: np.ndarray,
               scale: float, gap: int) -> float:
    """The match cost in crowd mode: the smaller of the cost and that of the left/right-swapped pose (small
    people are sometimes fitted facing the other way), plus :data:`CROWD_GAP_PENALTY` per missed frame (when
    two people cross and one is hidden, the one seen just before keeps the visible body)."""
    from .coco import COCO17_FLIP_INDEX

    if keypoint.shape[0] == len(COCO17_FLIP_INDEX):
        flipped = pose_distance(predicted, track.score, keypoint[COCO17_FLIP_INDEX], score[COCO17_FLIP_INDEX])
        cost = min(cost, flipped / scale)
    return cost + CROWD_GAP_PENALTY * (gap - 1)


#: crowd mode: a track present in fewer frames than this many seconds' after stitching is dropped (a fit flickering
#: on a piece of somebody, a poster, a half-hidden body for a moment), or than a tenth of the video where that is
#: shorter (but at least MIN_PIECE_FRAMES); so is a track made only of pieces that short, unless it has twice as many
#: frames in all. Measured on 19 classroom captures (400 frames), 10 frames (0.4 s) -> 1 s: 9 of them fewer ids per
#: person, none more; recall lower by at most 0.002
MIN_TRACK_SECONDS = 1.0
MIN_PIECE_FRAMES = 10


#: crowd mode: runs of a track in another track's person's colours are given back to them, or exchanged with them
#: where both are seen (:mod:`.rehome`)
REHOME = True
#: crowd mode: a track's short excursion onto somebody whose track is missing there is given to that track
#: (:mod:`.excursions`; measured on the classroom videos, seeds 0-9: seeds 0 and 8 one id fewer each, no other change)
EXCURSIONS = True
#: crowd mode: a tracklet closely continuing another (:func:`.tracklet_groups.tight_pairs`: a person fitted smaller
#: and in mixed colours going behind somebody) is proposed as its continuation, like a cut where the colours changed
#: (measured on the classroom videos, seeds 0-9: seed 4 1.43 -> 1.29 ids per person, no other change)
TIGHT = True
#: crowd mode: a track continuing another after longer than re-identification reaches, in colours nobody else in the
#: video has, is joined to it (:func:`.tracklet_groups.join_returning`)
RETURNING = True
#: crowd mode: two tracks that swapped people where they met are swapped back first (:mod:`.crossings`; measured on 45
#: classroom captures: seed 12 1.43 -> 1.21 ids per person, no other change)
SWAPS = True


def _stitched(per_track: Dict[int, list], max_gap: int, motion_gap: int = 25,
              min_frames: int = MIN_PIECE_FRAMES) -> Dict[int, list]:
    """``per_track`` with tracks that swapped people where they met swapped back (:data:`SWAPS`) and the tracklets of
    one person joined (:func:`.tracklet_groups.stitch_tracklets`; the pieces of a track cut where its colours changed
    or where it came back off its path after a few frames unseen
    (:func:`.tracklets.split_at_gap_jumps`), and a tracklet closely continuing another (:data:`TIGHT`), are joined
    unless each fits somebody better), tracks shorter than ``min_frames`` (:data:`MIN_TRACK_SECONDS`), or made only of
    pieces that short, left out; then runs on somebody else given back (:data:`REHOME`, :data:`EXCURSIONS`), and a
    person back after a long absence in colours nobody else has joined (:data:`RETURNING`)."""
    from .reid import split_at_colour_changes
    from .tracklets import merge_fragments, split_at_gap_jumps, split_at_gaps, split_at_jumps

    if SWAPS:
        from .crossings import swap_back

        per_track = swap_back(per_track)
    pieces: Dict[int, list] = {}
    soft = set()  # (piece, next piece) of one track cut where its colours changed or it came back off its path
    for tid in sorted(per_track):
        for span in split_at_gaps(per_track[tid], motion_gap):
            for part in split_at_jumps(span):
                for j, bit in enumerate(split_at_gap_jumps(part)):
                    for k, piece in enumerate(split_at_colour_changes(bit)):
                        if k or j:
                            soft.add((len(pieces) - 1, len(pieces)))
                        pieces[len(pieces)] = piece
    longest: Dict[int, int] = {}
    joined = merge_fragments(_joined(pieces, max_gap, soft, longest, tight=TIGHT))
    # a short track made only of pieces too short to keep is a fit flickering on and off for a while (unless
    # merged into a longer track of its person)
    joined = {tid: entries for tid, entries in joined.items()
              if longest.get(tid, min_frames) >= min_frames or len(entries) >= 2 * min_frames}
    if REHOME:
        from .rehome import rehome_runs, swap_runs

        # runs given back change where tracks end: a track that had run on into somebody else's now ends where
        # its person was lost, and may be continued by a later one (stitched again)
        joined = rehome_runs(swap_runs(joined))
        if EXCURSIONS:
            from .excursions import drop_blips, return_excursions

            joined = return_excursions(drop_blips(joined))
        joined = _joined(joined, max_gap)
    joined = {tid: entries for tid, entries in joined.items() if len(entries) >= min_frames}
    if RETURNING:  # (among the tracks kept: a fit left out is nobody the returning person could be confused with)
        from .tracklet_groups import join_returning

        joined = join_returning(joined, max_gap)
    return joined


def _joined(per_track: Dict[int, list], max_gap: int, soft=frozenset(),
            longest: Optional[Dict[int, int]] = None, tight: bool = False) -> Dict[int, list]:
    """``per_track`` with the tracklets :func:`.tracklet_groups.stitch_tracklets` joins as one track (entries in
    frame order; ``soft``, ``tight``: its proposals); ``longest`` gets, per track, the number of entries of its
    longest tracklet."""
    from .tracklet_groups import stitch_tracklets

    joined: Dict[int, list] = {}
    longest = {} if longest is None else longest
    for tid, root in stitch_tracklets(per_track, max_gap, frozenset(soft), tight).items():
        joined.setdefault(root, []).extend(per_track[tid])
        longest[root] = max(longest.get(root, 0), len(per_track[tid]))
    return {tid: sorted(entries, key=lambda e: e[0]) for tid, entries in joined.items()}


def tracker_for(img_shape: Tuple[int, int], fps: float, *, max_gap_seconds: float = 1.0, crowd: bool = False,
                reid_seconds: float = 0.0) -> PoseTracker:
    """The :class:`PoseTracker` of :func:`track_frames` for a video of ``img_shape`` at ``fps``."""
    diagonal = float(np.hypot(*img_shape)) if min(img_shape) > 0 else 0.0
    rate = fps if fps > 0 else 25.0
    return PoseTracker(max_gap=max(1, int(round(max_gap_seconds * rate))),
                       min_scale=8.0 if crowd else max(8.0, 0.05 * diagonal), crowd=crowd,
                       reid_gap=int(round(reid_seconds * rate)))


def track_frames(frames: Sequence[Optional[FrameDetections]], timestamps: np.ndarray,
                 img_shape: Tuple[int, int], fps: float, *, max_gap_seconds: float = 1.0,
                 num_joints: int = 17, meta: Optional[dict] = None, crowd: bool = False,
                 appearances: Optional[Sequence[Optional[list]]] = None, reid_seconds: float = 0.0) -> Poses:
    """Track per-frame detections (``None`` or ``(keypoints, scores)`` per frame) into :class:`Poses`.

    Rows are ordered by first appearance; ``track_ids`` are 0, 1, 2, ... in that order. ``crowd``: see
    :class:`PoseTracker` (used with tile detection, where people are small and many; body sizes then
    are not floored at 5 % of the frame diagonal). ``appearances``: per frame, one colour histogram per
    detection (:func:`.appearance.frame_appearances`); ``reid_seconds``: how long a person unseen may be
    re-identified by appearance (crowd mode). In crowd mode with appearances, skeletons lying on one body are
    merged first (:func:`crowd_dedupe`), and after the whole video is tracked tracks are cut where the body jumps or
    their colours change for good and the tracklets of one person are joined (:func:`.tracklets.split_at_jumps`,
    :func:`.reid.split_at_colour_changes`, :func:`.tracklet_groups.stitch_tracklets`), then shorter tracks that are pieces
    of a longer one's person are merged into it (:func:`.tracklets.merge_fragments`).
    """
    tracker = tracker_for(img_shape, fps, max_gap_seconds=max_gap_seconds, crowd=crowd, reid_seconds=reid_seconds)
    per_track: Dict[int, list] = {}  # track id -> [(frame, keypoint, score, appearance), ...]
    for t, det in enumerate(frames):
        if det is None or len(det[0]) == 0:
            continue
        kp, sc = det
        keep = (crowd_dedupe(kp, sc) if crowd else dedupe(kp, sc)) if len(kp) > 1 else np.arange(len(kp))
        kp, sc = kp[keep], sc[keep]
        looks = appearances[t] if appearances is not None and t < len(appearances) else None
        looks = [looks[i] for i in keep] if looks is not None else None
        for i, tid in enumerate(tracker.update(t, kp, sc, looks)):
            per_track.setdefault(int(tid), []).append((t, kp[i], sc[i], looks[i] if looks is not None else None))
    if crowd and appearances is not None:  # tracklets of one person joined, now that the whole video is known
        shortest = min(int(round(MIN_TRACK_SECONDS * (fps if fps > 0 else 25.0))),
                       max(MIN_PIECE_FRAMES, len(frames) // 10))
        per_track = _stitched(per_track, tracker.reid_gap, tracker.max_gap, shortest)
    num_frames = len(frames)
    keypoint = np.zeros((len(per_track), num_frames, num_joints, 2), np.float32)
    score = np.zeros((len(per_track), num_frames, num_joints), np.float32)
    for row, tid in enumerate(sorted(per_track, key=lambda k: per_track[k][0][0])):
        for t, kp, sc, _look in per_track[tid]:
            keypoint[row, t] = kp
            score[row, t] = sc
    return Poses(keypoint, score, np.arange(len(per_track)), timestamps, img_shape, fps, dict(meta or {}))
