"""Poses of many and small people: the detector on zoomed tiles, the landmark model per person ROI.

Per frame (see :mod:`.roi_graph` for the two MediaPipe calls):

1. every person followed from the previous frame gets the landmark model on its ROI (made from its
   last landmarks, as MediaPipe tracks): the cost grows with the people present, not ``max_people``;
2. on a *detection frame* the pose detector runs on the whole frame and, with ``detect="tiles"``,
   on overlapping zoomed tiles (:func:`.tiles.tile_layout`); boxes found twice (neighbouring tiles,
   tile + frame) are merged by non-maximum suppression in frame coordinates, hits on somebody already
   followed are dropped, and the rest get the landmark model on their ROI. Detection frames: the
   first frame after a reset, every ``redetect_interval`` frames, and the next frame after somebody
   was lost (at most every :data:`LOST_REDETECT_GAP` frames), so people entering or reappearing are
   found within ``redetect_interval`` frames. A pass looks only at the tiles whose pixels changed outside the
   people followed, one tile per size on each spot of change (:func:`.tiles.tile_per_spot`), except the passes
   that look everywhere (every 4th pass, less often while they find nobody new:
   :class:`.look_pacing.LookEverywhere`). Finer tiles where the room's perspective says people are small
   (:func:`.tiles.fine_tiles`) only on the passes that look at every tile: the detector keys on
   the face and rarely finds people under ~60 px even zoomed in. Those are found by the landmark model
   itself: each detection pass puts a ROI on every place of a person's size that moved outside the
   people followed since the last pass (:func:`.tiles.moving_blobs`, at most :data:`.tiles.MOVERS`);
3. a person the landmark model loses (occluded, blurred, too small for a moment) is looked for
   again around where they should be by now: the landmark model on their predicted ROI, then (people
   of :data:`DETECTABLE` pixels and more) the detector on a zoomed crop there, in each of the first
   frames and then at growing gaps (:func:`.look_pacing.lost_look_due`), for up to :data:`LOST_FRAMES`
   frames;
4. skeletons that lie on one person (two ROIs drifted onto one body, e.g. when people cross, or a half
   body fitted as a smaller person on somebody) are merged: the better one stays and the other ROI is
   dropped; at most ``max_people`` are kept (0: no limit);
5. the hips and legs of somebody behind a larger person (feet higher in the frame) that lie in that person's box
   (at least 4 of the 6 joints) are hidden by them: the landmark model draws a whole body anyway (legs onto the
   person in front), so they are returned with a low score (:func:`.body_geometry.hidden_legs_lowered`; followed
   as they were).

Everything depends on the frames since the last :meth:`reset` only (chunked extraction stays
independent of the number of workers).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import List, Optional

import numpy as np

from ..errors import ConfigError, PoseError
from . import body_geometry as _body
from .body_geometry import hidden_legs_lowered
from .detection import Detection
from .mediapipe_backend import blazepose_to_coco
from .roi_graph import PersonDetection, PoseGraph, Roi
from . import look_pacing as _pacing
from . import tiles as _tiles
from .tiles import (MIN_TILE, MOVER_ROI, MOVERS, bodies_mask, tile_per_spot, TILE_FRACTIONS, TILE_OVERLAP, TileGate, fine_tiles, iou,
                    moving_blobs, nms, overlap_of_smaller, perspective_fit, person_box, tile_layout)

MODEL_NAME = "blazepose_full_roi"
#: frames between detection passes
REDETECT_INTERVAL = 8
#: after somebody is lost, the next detection pass comes at most this many frames after the last one
LOST_REDETECT_GAP = 3
#: a detection pass looks only at the tiles whose pixels changed outside the people followed (:class:`.tiles.TileGate`),
#: except every FULL_EVERY-th pass, which looks at every tile, less often while those find nobody new
#: (:class:`.look_pacing.LookEverywhere`)
#: a detection whose ROI centre lies within this fraction of a followed person's ROI side, with a side
#: between 1/SAME_SIZE and SAME_SIZE times its side, is that person (a small person behind a large one is not)
SAME_CENTRE, SAME_SIZE = 0.12, 1.6
#: a gated pass runs the detector on one tile per size for each spot of change (:func:`.tiles.tile_per_spot`)
ONE_PER_SPOT = True
#: a lost person found again by the landmark model on its predicted ROI must have about the size it had
AGAIN_SIZE = 1.3
#: two skeletons whose boxes overlap this much (intersection over the smaller) are one person when their
#: joints are this close (in body sizes), or when one box lies inside the other (INSIDE) and their sizes
#: differ by at most SIMILAR (a small person behind a large one is somebody else)
DUPLICATE_OVERLAP, DUPLICATE_JOINTS = 0.6, 0.25
INSIDE, SIMILAR = 0.8, 1.6
#: ... or when the smaller one lies inside with its head or ankles (COCO joints) within HALF_REACH body sizes (of the
#: larger) of the larger one's: a half body (see _half_body)
HALF_REACH, HEAD, ANKLES = 0.06, (0, 1, 2, 3, 4), (15, 16)
#: a body box found in a tile may stick out of the tile by this fraction of its width (see _whole_in)
WHOLE_SLACK = 0.15
#: a person lost by the landmark model is looked for around its last ROI (the detector on a crop this
#: many ROI sides wide, at least LOCAL_MIN pixels) for up to LOST_FRAMES frames
LOCAL_CROP, LOCAL_MIN, LOST_FRAMES = 1.2, 96, 25
#: a lost person is looked for in each of the first few frames, then at growing gaps (:func:`.look_pacing.lost_look_due`);
#: the detector crop only for people at least DETECTABLE pixels tall (the detector keys on the face: smaller people
#: are found by the landmark model where they move, see :func:`.tiles.moving_blobs`)
DETECTABLE = 60.0
#: a skeleton found where something moved is somebody new only when its box overlaps no followed person's box by this
#: much (of the smaller box)
MOVER_OVERLAP = 0.5
#: the velocity of a followed person is their ROI centre's mean motion over this many frames
VELOCITY_FRAMES = 10
#: a ROI must keep at least this many joints with a score >= CONFIDENT to be followed
MIN_JOINTS, CONFIDENT = 4, 0.5
#: a skeleton fitted with its head below its hips on a ROI turned more than UPRIGHT_TURN radians (upside down) is
#: fitted again on the ROI upright, and an upright fit kept (the upside-down one is often the more confident): the
#: landmark model on a small person's upside-down crop often fits an upright body (head at the feet) and its next
#: ROI stays upside down, frame after frame (classroom seed 0: a 48-px person followed upside down for 225 frames)
UPRIGHT_TURN = np.pi / 2
MIN_DETECTION = 0.5
#: finer tiles where people are small: (feet row, body height) of the last this many people followed
#: (:func:`.tiles.fine_tiles` fits the room's perspective to them)
SIZE_SAMPLES = 256


def describe_tiled_settings(max_people: int = 4, *, detect: str = "tiles",
                            redetect_interval: int = REDETECT_INTERVAL, min_detection: float = MIN_DETECTION,
                            **_ignored) -> dict:
    """Settings that determine the output (the pose cache key); loads no model."""
    from .mediapipe_light import mediapipe_version  # (importlib.metadata: ~20 ms of a command's start-up)

    mp_version = mediapipe_version()
    from .openvino_landmarks import settings_key  # the landmark model's engine: one's poses are not the other's

    return {"backend": "mediapipe", "mediapipe": mp_version, **settings_key(), "model": MODEL_NAME, "detect": detect,
            "max_people": int(max_people), "redetect_interval": int(redetect_interval),
            "min_detection": float(min_detection), "tiles": [list(TILE_FRACTIONS), TILE_OVERLAP, MIN_TILE],
            "same": [SAME_CENTRE, SAME_SIZE], "lost": [LOCAL_CROP, LOCAL_MIN, LOST_FRAMES, AGAIN_SIZE, VELOCITY_FRAMES], "duplicate": [DUPLICATE_OVERLAP, DUPLICATE_JOINTS, INSIDE, SIMILAR], "whole_slack": WHOLE_SLACK, "core": CORE,
            "min_joints": [MIN_JOINTS, CONFIDENT], "upright": UPRIGHT_TURN, "hidden_legs": [_body.IN_FRONT, _body.LEGS_ON, _body.HIDDEN_SCORE],
            "gate": [_tiles.CHANGE_SCALE, _tiles.CHANGE_LEVEL, _tiles.CHANGE_PIXELS, _tiles.PEOPLE_MARGIN,
                     ONE_PER_SPOT, _tiles.SPOT_PIXELS, _pacing.FULL_EVERY, _pacing.FULL_MAX, _pacing.LARGE_CHANGE, _pacing.GATED_NEWCOMERS],
            "lost_rate": [_pacing.LOST_AT_ONCE, list(_pacing.LOST_GAPS), DETECTABLE], "half": [HALF_REACH, list(HEAD), list(ANKLES)],
            "movers": [_tiles.MOVER_ROI, _tiles.MOVER_TALLEST, _tiles.MOVERS, _tiles.MOVER_PIXELS, _tiles.MOVER_WIDTH,
                       _tiles.MOVER_MARGIN, MOVER_OVERLAP],
            "fine": [_tiles.FINE_BELOW, _tiles.MIN_PERSON, _tiles.FINE_SCALE, _tiles.MIN_FINE_TILE, _tiles.FIT_SAMPLES,
                     _tiles.FIT_SPREAD, SIZE_SAMPLES, _tiles.FINE_GRID]}


@dataclass
class _Lost:
    """A person the landmark model lost: where it was, and for how many more frames to look there."""

    roi: Roi
    frames_left: int
    velocity: np.ndarray
    since: int = 0
    tall: float = 0.0  # body height (pixels) when last seen

    def due(self) -> bool:
        """Whether to look for them in this frame: every frame at first, then at growing gaps."""
        return _pacing.lost_look_due(self.since)

    def predicted(self, damping: float = 1.0) -> Roi:
        """Its ROI moved on at the velocity it had (constant-velocity prediction; ``damping`` < 1 moves it less)."""
        dx, dy = self.velocity * self.since * damping
        return Roi(self.roi.cx + float(dx), self.roi.cy + float(dy), self.roi.side, self.roi.rotation)


@dataclass
class _Followed:
    """A person followed from frame to frame by the landmark model on its ROI."""

    roi: Roi
    detection: Detection
    quality: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    previous: Optional[Roi] = None  # the ROI it was followed from (None: found in this frame)
    prior_velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # before this frame

    def jump(self) -> float:
        """How far its ROI moved from where it was expected (in ROI sides; found in this frame: 1)."""
        if self.previous is None:
            return 1.0
        expected = np.array([self.previous.cx, self.previous.cy]) + self.prior_velocity
        return float(np.hypot(*(np.array([self.roi.cx, self.roi.cy]) - expected)) / max(self.roi.side, 1.0))
    centres: tuple = ()  # ROI centres of the last VELOCITY_FRAMES frames (velocity over a window: a ROI
    # sliding onto somebody passing in front for a frame or two does not make a fast walker)


class TiledPoseExtractor:
    """Implements :class:`~.extractor.PoseExtractor` with tile detection (``detect="tiles"``) or the
    whole frame only (``detect="frame"``: same ROI pipeline, no tiles; for comparisons).

    :attr:`stats` counts frames, detection passes, detector runs and landmark runs.
    """

    def __init__(self, max_people: int = 4, *, detect: str = "tiles", redetect_interval: int = REDETECT_INTERVAL,
                 min_detection: float = MIN_DETECTION, quiet: bool = True, delegate: str = "cpu", graph=None, **_ignored) -> None:
        if int(max_people) < 0:
            raise ConfigError(f"max_people must be at least 1 (0: no limit), got {max_people}.")
        if detect not in ("tiles", "frame"):
            raise ConfigError(f"Unknown detection mode {detect!r} for the tiled extractor (tiles or frame).")
        if int(redetect_interval) < 1:
            raise ConfigError(f"redetect_interval must be at least 1, got {redetect_interval}.")
        self.max_people = int(max_people)
        self._cap = self.max_people or 1 << 30  # 0: no limit
        self.detect_mode = detect
        self.redetect_interval = int(redetect_interval)
        self.min_detection = float(min_detection)
        self.note: Optional[str] = None
        self.device = "cpu"
        self.stats = {"frames": 0, "detection_passes": 0, "detector_runs": 0, "landmark_runs": 0, "tiles_skipped": 0,
                      "everywhere_passes": 0}
        self._graph = graph if graph is not None else PoseGraph(quiet=quiet)  # graph: the torch engine's
        self._closed = False
        self.reset()

    def settings(self) -> dict:
        return describe_tiled_settings(self.max_people, detect=self.detect_mode,
                                       redetect_interval=self.redetect_interval, min_detection=self.min_detection)

    def reset(self) -> None:
        """Forget everybody followed (the next frame starts like the first one)."""
        self._followed: List[_Followed] = []
        self._lost_people: List[_Lost] = []
        self._since_detection = 0
        self._first = True
        self._lost = False
        self._sizes: List[tuple] = []  # (feet row, body height) of people followed, newest last
        self._gate = TileGate()
        self._everywhere = _pacing.LookEverywhere()
        self._wanted = 0.0  # the fraction of the tiles the last gated pass looked at
        self._motion_ref = None  # (change map, people mask) of the last detection pass (see _movers)

    # -- detection ------------------------------------------------------------------------
    def _detection_due(self) -> bool:
        if self._first or self._since_detection >= self.redetect_interval:
            return True
        return (self._lost or len(self._followed) == 0) and self._since_detection >= LOST_REDETECT_GAP

    def _detect(self, frame: np.ndarray, tracked: List[_Followed]) -> List[PersonDetection]:
        """Detector hits on the whole frame (+ tiles) where something changed, merged across tiles, best first."""
        height, width = frame.shape[:2]
        areas = [(0, 0, width, height)]
        if self.detect_mode == "tiles":
            areas += tile_layout(width, height)
        every = self._everywhere.due()
        if self.detect_mode == "tiles" and every:  # the detector rarely finds people this small (see _movers)
            areas += fine_tiles(width, height, self._sizes)
        small = TileGate.change_map(frame)
        mask = TileGate.people_mask(small.shape, [person_box(f.detection.keypoint, f.detection.score) for f in tracked])
        areas_all = len(areas)
        areas = [a for a in areas if every or self._gate.wanted(a, small, mask)]
        self._wanted = 0.0 if every else len(areas) / max(areas_all, 1)
        # remembered with the people found in this pass (see _remember_looked): all the tiles wanted, looked at or
        # stood for by the one looked at on the same spot
        self._looked = (areas, small, every)
        if not every and areas and ONE_PER_SPOT:
            areas = tile_per_spot(areas, self._gate.changed(areas, small, mask))
        images = [frame[y0:y1, x0:x1] for x0, y0, x1, y1 in areas]
        offsets = [(x0, y0) for x0, y0, _, _ in areas]
        self.stats["detection_passes"] += 1
        self.stats["everywhere_passes"] += int(every)
        self.stats["detector_runs"] += len(images)
        self.stats["tiles_skipped"] += areas_all - len(areas)
        if not images:
            return []
        hits = [d for found, area in zip(self._graph.detect(images, offsets), areas) for d in found
                if d.score >= self.min_detection and _whole_in(body_core(d.box), area, width, height)]
        if not hits:
            return []
        keep = nms(np.stack([body_core(d.box) for d in hits]), [d.score for d in hits])
        return [hits[i] for i in keep]

    def _remember_looked(self, people: List[_Followed], before: List[_Followed]) -> None:
        """The tile gate remembers the tiles of this detection pass as they look now, with the people now followed;
        the pacing of the passes that look everywhere hears whether this one found somebody new."""
        areas, small, every = self._looked
        newcomers = sum(not any(p is b for b in before) for p in people)
        self._everywhere.passed(every, newcomers, self._wanted)
        mask = TileGate.people_mask(small.shape, [person_box(f.detection.keypoint, f.detection.score) for f in people])
        for area in areas:
            self._gate.looked(area, small, mask)

    def _movers(self, frame: np.ndarray, tracked: List[_Followed]) -> List[_Followed]:
        """People too small for the detector, found by the landmark model where something of a person's size moved
        outside the people followed since the last detection pass (:func:`.tiles.moving_blobs`)."""
        small = self._looked[1]
        boxes = [person_box(f.detection.keypoint, f.detection.score) for f in tracked]
        reference, self._motion_ref = self._motion_ref, (small, boxes)
        if reference is None or self.detect_mode != "tiles":
            return []
        before, then = reference
        height = frame.shape[0]
        mask = bodies_mask(small.shape, then + boxes)
        fit = perspective_fit(self._sizes, height)
        blobs = moving_blobs(small, before, mask, height, fit)[:MOVERS]
        found = self._landmark(frame, [Roi(cx, cy, MOVER_ROI * tall) for cx, cy, tall in blobs])
        out = []
        for (cx, cy, tall), person in zip(blobs, found):
            if person is None:
                continue
            box = person_box(person.detection.keypoint, person.detection.score)
            size = box[3] - box[1]
            expected = tall if fit is None else fit[0] + fit[1] * box[3]  # the room's perspective at its feet
            if 0.5 * tall <= size <= 2.0 * tall and 0.6 * expected <= size <= 1.6 * expected \
                    and abs((box[0] + box[2]) / 2 - cx) <= 0.5 * tall \
                    and abs((box[1] + box[3]) / 2 - cy) <= 0.5 * tall \
                    and not (boxes and overlap_of_smaller(box, np.stack(boxes)).max() >= MOVER_OVERLAP):
                out.append(person)
        return out

    def _new_people(self, hits: List[PersonDetection], followed: List[_Followed]) -> List[PersonDetection]:
        """Hits that are nobody followed (see :func:`same_roi`)."""
        return [h for h in hits if not any(same_roi(h.roi, f.roi) for f in followed)]

    def _look_again(self, frame: np.ndarray, tracked: List[_Followed]) -> List[_Followed]:
        """People lost recently, found again where they should be by now: first the landmark model on
        their predicted ROI, then the detector on a zoomed crop around it."""
        height, width = frame.shape[:2]
        waiting = [p for p in self._lost_people if p.due() and not any(same_roi(p.predicted(), f.roi) for f in tracked)]
        if not waiting:
            return []
        # every other frame a slower prediction: a ROI that slid onto somebody passing in front while the
        # person disappeared behind them makes the measured velocity too high
        damping = [1.0 if p.since % 2 else 0.5 for p in waiting]
        found = self._landmark(frame, [p.predicted(d) for p, d in zip(waiting, damping)])
        # the landmark model may lock onto somebody else standing there: keep what fits the prediction
        found = [f if f is not None and same_roi(p.predicted(d), f.roi, AGAIN_SIZE) else None
                 for p, f, d in zip(waiting, found, damping)]
        back = [f for f in found if f is not None]
        self._lost_people = [p for p in self._lost_people if not any(same_roi(p.predicted(), f.roi) for f in back)]
        images, offsets, owners = [], [], []
        for lost, again in zip(waiting, found):
            if again is not None or lost.tall < DETECTABLE:
                continue
            roi = lost.predicted()
            half = max(LOCAL_CROP * roi.side, LOCAL_MIN) / 2
            x0, y0 = int(max(0, roi.cx - half)), int(max(0, roi.cy - half))
            x1, y1 = int(min(width, roi.cx + half)), int(min(height, roi.cy + half))
            if x1 - x0 < 16 or y1 - y0 < 16:
                continue
            images.append(frame[y0:y1, x0:x1])
            offsets.append((x0, y0))
            owners.append(lost)
        if not images:
            return back
        self.stats["detector_runs"] += len(images)
        hits = []
        for lost, found in zip(owners, self._graph.detect(images, offsets)):
            found = [d for d in found if d.score >= self.min_detection]
            if found:  # the hit nearest to where the person was
                hits.append(min(found, key=lambda d: np.hypot(d.roi.cx - lost.roi.cx, d.roi.cy - lost.roi.cy)))
        hits = self._new_people(hits, tracked + back)
        return back + [f for f in self._landmark(frame, [h.roi for h in hits]) if f is not None]

    # -- per frame ------------------------------------------------------------------------
    def _landmark(self, frame: np.ndarray, rois: List[Roi]) -> List[Optional[_Followed]]:
        height, width = frame.shape[:2]
        self.stats["landmark_runs"] += len(rois)
        out: List[Optional[_Followed]] = []
        for roi, found in zip(rois, self._graph.landmarks(frame, rois)):
            if found is None:
                out.append(None)
                continue
            det = blazepose_to_coco(found.raw, width, height)
            confident = int((det.score >= CONFIDENT).sum())
            if confident < MIN_JOINTS:
                out.append(None)
                continue
            person = _Followed(found.roi, det, float(det.score.mean()))
            if abs(roi.rotation) > UPRIGHT_TURN and _upside_down(det):
                person = self._upright_again(frame, roi, person)
            out.append(person)
        return out

    def _upright_again(self, frame: np.ndarray, roi: Roi, person: _Followed) -> _Followed:
        """``person`` was fitted upside down on a ROI turned upside down: the landmark model on that ROI upright;
        an upright fit replaces it (see UPRIGHT_TURN)."""
        height, width = frame.shape[:2]
        self.stats["landmark_runs"] += 1
        found = self._graph.landmarks(frame, [replace(roi, rotation=0.0)])[0]
        if found is None:
            return person
        det = blazepose_to_coco(found.raw, width, height)
        if int((det.score >= CONFIDENT).sum()) < MIN_JOINTS or _upside_down(det):
            return person
        return _Followed(found.roi, det, float(det.score.mean()))

    def process(self, frame_rgb: np.ndarray, timestamp: float) -> List[Detection]:
        if self._closed:
            raise PoseError("The tiled pose extractor was used after close().")
        if frame_rgb.dtype != np.uint8 or frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
            raise PoseError(f"Frames must be RGB uint8 (H, W, 3), got {frame_rgb.dtype} {frame_rgb.shape}.")
        self.stats["frames"] += 1
        results = self._landmark(frame_rgb, [f.roi for f in self._followed])
        tracked = []
        for old, new in zip(self._followed, results):
            if new is not None:
                new.centres = (old.centres or ((old.roi.cx, old.roi.cy),))[-(VELOCITY_FRAMES - 1):] + \
                    ((new.roi.cx, new.roi.cy),)
                path = np.asarray(new.centres)
                new.velocity = (path[-1] - path[0]) / (len(path) - 1)
                new.previous, new.prior_velocity = old.roi, old.velocity
                tracked.append(new)
        lost_now = [_Lost(f.roi, LOST_FRAMES, f.velocity, 1, _tall(f)) for f, r in zip(self._followed, results)
                    if r is None]
        self._lost_people = [replace(p, frames_left=p.frames_left - 1, since=p.since + 1)
                             for p in self._lost_people if p.frames_left > 1] + lost_now
        if self._lost_people and len(tracked) < self._cap:
            tracked += self._look_again(frame_rgb, tracked)
        kept = _without_duplicates(tracked)
        # somebody whose ROI slid onto another person (hidden behind them) is lost, not gone: look for them
        hidden = [_Lost(f.previous, LOST_FRAMES, f.prior_velocity, 1, _tall(f)) for f in tracked
                  if f.previous is not None and not any(f is k for k in kept)]
        self._lost_people += hidden
        tracked = kept
        lost = bool(lost_now or hidden)
        if self._detection_due():
            self._since_detection, self._first = 0, False
            before = list(tracked)
            new = self._new_people(self._detect(frame_rgb, tracked), tracked)
            room = self._cap - len(tracked)
            if new and room > 0:
                found = [f for f in self._landmark(frame_rgb, [h.roi for h in new[: 2 * room]]) if f is not None]
                tracked = _without_duplicates(tracked + found)
            movers = self._movers(frame_rgb, tracked)  # (after the detector: the people it found are no movers)
            if movers and len(tracked) < self._cap:
                tracked = _without_duplicates(tracked + movers)
            self._lost = False
            self._remember_looked(tracked, before)
        else:
            self._since_detection += 1
            self._lost = self._lost or lost
        self._followed = tracked[: self._cap]
        for f in self._followed:
            box = person_box(f.detection.keypoint, f.detection.score)
            self._sizes.append((float(box[3]), float(box[3] - box[1])))
        del self._sizes[:-SIZE_SAMPLES]
        return hidden_legs_lowered([f.detection for f in self._followed])

    def close(self) -> None:
        self._closed = True
        self._graph.close()

    def __enter__(self) -> "TiledPoseExtractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: the detector's box is the circle around the whole body and more (about twice a person's height); the middle
#: CORE of it (this fraction of its side each way from the centre) is about the body: people standing close
#: together have overlapping circles but separate cores (non-maximum suppression and tile borders use cores)
CORE = 0.3


def _upside_down(det: Detection) -> bool:
    """Whether a skeleton's confident head joints lie below its confident hips (in the frame)."""
    head, hips = det.score[list(HEAD)] >= CONFIDENT, det.score[11:13] >= CONFIDENT
    if not head.any() or not hips.any():
        return False
    return float(det.keypoint[list(HEAD), 1][head].mean()) > float(det.keypoint[11:13, 1][hips].mean())


def _tall(person: _Followed) -> float:
    box = person_box(person.detection.keypoint, person.detection.score)
    return float(box[3] - box[1])


def body_core(box: np.ndarray) -> np.ndarray:
    """The middle of a detector box, about the person's body (see :data:`CORE`)."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = CORE * (box[2] - box[0])
    return np.array([cx - half, cy - half, cx + half, cy + half], np.float64)


def _whole_in(box: np.ndarray, area, width: int, height: int) -> bool:
    """Whether a body box found in a tile lies inside it (borders on the frame's edge do not count).

    A tile border that cuts through somebody shows the detector a part of a body (legs, a torso)
    that it may take for a small person; tiles overlap enough for anybody of up to
    :data:`~.tiles.TILE_OVERLAP` of a tile to lie whole in one tile, larger people are the
    whole-frame pass's.
    """
    x0, y0, x1, y1 = area
    slack = WHOLE_SLACK * (box[2] - box[0])
    return ((x0 == 0 or box[0] >= x0 - slack) and (y0 == 0 or box[1] >= y0 - slack)
            and (x1 == width or box[2] <= x1 + slack) and (y1 == height or box[3] <= y1 + slack))


def same_roi(a: Roi, b: Roi, size: float = SAME_SIZE) -> bool:
    """Whether two ROIs frame the same person: close centres and similar sizes (sides within ``size`` x)."""
    big = max(a.side, b.side)
    if big > size * min(a.side, b.side):
        return False
    return float(np.hypot(a.cx - b.cx, a.cy - b.cy)) <= SAME_CENTRE * big


def _half_body(a: Detection, sa: float, b: Detection, sb: float) -> bool:
    """Whether the smaller of two skeletons (one inside the other) is a half body of the larger one fitted as a whole
    smaller person: its head on the larger one's head (head to hips) or its ankles on the larger one's ankles (the
    legs). A smaller person behind a larger one stands further back: their head and feet are elsewhere."""
    from .body_geometry import joints_meet

    small, large, scale = (a, b, sb) if sa <= sb else (b, a, sa)
    return any(joints_meet(small.keypoint, small.score, large.keypoint, large.score, joints, HALF_REACH * scale)
               for joints in (HEAD, ANKLES))


def _without_duplicates(people: List[_Followed]) -> List[_Followed]:
    """People minus skeletons lying on a better one: the one whose ROI moved least from where it was expected
    wins (when two people overlap, the ROI of the one behind slides onto the one in front), then the
    better scored one, then the one followed longer."""
    if len(people) < 2:
        return people
    from .tracking import body_scale, pose_distance

    order = sorted(range(len(people)), key=lambda i: (round(people[i].jump(), 1), -round(people[i].quality, 2), i))
    boxes = [person_box(p.detection.keypoint, p.detection.score) for p in people]
    keep: List[int] = []
    for i in order:
        di = people[i].detection
        duplicate = False
        for j in keep:
            dj = people[j].detection
            if overlap_of_smaller(boxes[i], boxes[j])[0, 0] < DUPLICATE_OVERLAP:
                continue
            si, sj = body_scale(di.keypoint, di.score), body_scale(dj.keypoint, dj.score)
            inside = overlap_of_smaller(boxes[i], boxes[j])[0, 0] >= INSIDE and (
                max(si, sj) <= SIMILAR * min(si, sj) or _half_body(di, si, dj, sj))
            if inside or pose_distance(di.keypoint, di.score, dj.keypoint, dj.score) <= DUPLICATE_JOINTS * min(si, sj) \
                    or iou(boxes[i], boxes[j])[0, 0] > 0.7:
                duplicate = True
                break
        if not duplicate:
            keep.append(i)
    return [people[i] for i in sorted(keep)]
