"""Which subject a new track probably is, from what the person looks like (no Qt).

A track's appearance is the mean of the colour histograms (:mod:`core_model.pose.appearance`, read-only use) of
its body box in up to :data:`SAMPLES` frames where it is seen best. The appearances of tracks already assigned
to subjects are kept in ``NAME.epam-data/appearance/<content key>.npz`` (one file per video, written aside and
renamed; a cache, never labels), measured when a track is assigned (or, for an older assignment, the first
time a suggestion needs it and the video and its poses are at hand).

:func:`suggest_subject` compares a track with every assigned track of the project (other videos and this one)
(up to :data:`REFERENCES` per subject) and returns the subject of the nearest, when its Hellinger distance is at
most :data:`THRESHOLD` and clearly nearer than the next subject (:data:`MARGIN`); else None. The studio gives it
a time budget, so a project whose assignments were made elsewhere (the command line) never freezes the window:
the looks not measured in time are measured at the next track that starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from ..errors import EpamError
from ..fileio import atomic_path

#: frames measured per track (spread over the frames where it is seen best)
SAMPLES = 6
#: largest Hellinger distance (0 same colours, 1 nothing in common) at which a subject is suggested
THRESHOLD = 0.35
#: the best subject must be nearer than the second best by this much
MARGIN = 0.05
MIN_SCORE = 0.3
#: assigned tracks each subject is compared through (measured ones first): a subject of 20 videos costs 3, not 20
REFERENCES = 3


@dataclass(frozen=True)
class Suggestion:
    """The subject a track looks like: ``distance`` to its nearest assigned track (0 = same colours)."""

    subject_id: int
    name: str
    color: str
    distance: float
    video_id: int  # where that nearest track is
    person: int

    @property
    def similarity(self) -> float:
        return 1.0 - self.distance


def sample_frames(poses, track: int, samples: int = SAMPLES) -> list:
    """Up to ``samples`` frames of ``track`` where most of its joints are confident, spread over its time."""
    rows = np.nonzero(np.asarray(poses.track_ids) == int(track))[0]
    if not len(rows):
        return []
    score = poses.keypoint_score[int(rows[0])]  # (T, V)
    good = (score >= MIN_SCORE).sum(axis=1)
    frames = np.nonzero(good >= max(3, int(good.max() * 0.7)))[0] if good.max() > 0 else np.zeros(0, int)
    if not len(frames):
        return []
    picks = np.linspace(0, len(frames) - 1, min(samples, len(frames))).round().astype(int)
    return sorted({int(frames[k]) for k in picks})


def track_appearance(reader, poses, track: int, samples: int = SAMPLES) -> Optional[np.ndarray]:
    """The mean appearance of ``track`` over :func:`sample_frames` (frames read with ``reader``, a
    :class:`~core_model.video.VideoReader`), or None when it is never seen well enough."""
    from ..pose.appearance import describe

    row = int(np.nonzero(np.asarray(poses.track_ids) == int(track))[0][0]) if track in set(
        int(t) for t in poses.track_ids) else None
    if row is None:
        return None
    looks = []
    for frame in sample_frames(poses, track, samples):
        if frame >= reader.frame_count:
            continue
        look = describe(reader.get_frame(frame), poses.keypoint[row, frame], poses.keypoint_score[row, frame])
        if look is not None:
            looks.append(look)
    return np.mean(looks, axis=0).astype(np.float32) if looks else None


class AppearanceCache:
    """Appearances of a project's tracks, one ``.npz`` per video in ``<data dir>/appearance/``."""

    def __init__(self, store) -> None:
        self.store = store
        self._known: Dict[int, Dict[int, np.ndarray]] = {}

    def _path(self, video_id: int) -> Path:
        return Path(self.store.data_dir) / "appearance" / f"{self.store.video(video_id).content_key}.npz"

    def video(self, video_id: int) -> Dict[int, np.ndarray]:
        """``{track: appearance}`` known for a video (read once)."""
        if video_id not in self._known:
            found: Dict[int, np.ndarray] = {}
            path = self._path(video_id)
            if path.is_file():
                try:
                    with np.load(path) as data:
                        found = {int(k[1:]): np.asarray(data[k], np.float32) for k in data.files if k[:1] == "t"}
                except (OSError, ValueError, KeyError):
                    found = {}  # a damaged cache is measured again
            self._known[video_id] = found
        return self._known[video_id]

    def forget(self, video_id: int) -> None:
        """The video's tracks changed (a merge, a split): their looks are measured again when needed."""
        self._known.pop(int(video_id), None)
        try:
            self._path(video_id).unlink(missing_ok=True)
        except (OSError, EpamError):
            pass

    def get(self, video_id: int, track: int) -> Optional[np.ndarray]:
        return self.video(video_id).get(int(track))

    def put(self, video_id: int, track: int, appearance: Optional[np.ndarray]) -> None:
        """Remember (and write) a track's appearance; None is not kept."""
        if appearance is None:
            return
        known = self.video(video_id)
        known[int(track)] = np.asarray(appearance, np.float32)
        path = self._path(video_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **{f"t{k}": v for k, v in known.items()})
        except (OSError, EpamError):
            pass  # only a cache: measured again next time

    def measure(self, video_id: int, tracks, reader=None, poses=None) -> None:
        """Measure the appearances of ``tracks`` of a video not known yet (video and poses looked up when not
        given; a video that cannot be read is left out)."""
        missing = [int(t) for t in tracks if self.get(video_id, t) is None]
        if not missing:
            return
        own = None
        try:
            if poses is None:
                poses = _project_poses(self.store, video_id)
            if reader is None:
                from ..video import VideoReader

                path = self.store.resolve_video(video_id)
                if path is None or poses is None:
                    return
                reader = own = VideoReader(path)
            if poses is None:
                return
            for track in missing:
                self.put(video_id, track, track_appearance(reader, poses, track))
        except Exception:  # noqa: BLE001 - a suggestion is a hint: an unreadable video gives none
            return
        finally:
            if own is not None:
                own.close()


def _project_poses(store, video_id: int):
    from ..export.project import find_poses
    from ..pose.format import Poses

    video = store.video(video_id)
    found = find_poses(store, video, store.resolve_video(video_id))
    if found is None or isinstance(found, Poses):
        return found
    return Poses.load(found)


def _references(store, cache: AppearanceCache, video_id: int, track: int, refs: int) -> Dict[int, list]:
    """Per subject, up to ``refs`` assigned tracks to compare with (those already measured first, then those of
    ``video_id``, then the others), never the track itself."""
    by_subject: Dict[int, list] = {}
    for (vid, person), sid in sorted(store.subject_assignments().items()):
        if (vid, person) != (int(video_id), int(track)):
            by_subject.setdefault(sid, []).append((vid, person))
    return {sid: sorted(tracks, key=lambda t: (cache.get(*t) is None, t[0] != int(video_id)))[:refs]
            for sid, tracks in by_subject.items()}


def suggest_subject(store, video_id: int, track: int, appearance: Optional[np.ndarray],
                    cache: Optional[AppearanceCache] = None, threshold: float = THRESHOLD,
                    margin: float = MARGIN, refs: int = REFERENCES,
                    budget_s: Optional[float] = None) -> Optional[Suggestion]:
    """The subject ``track`` of ``video_id`` (with ``appearance``) most probably is, or None (see the module).

    Each subject is compared through up to ``refs`` of its tracks. Tracks not measured yet are measured (their
    videos read) until ``budget_s`` seconds have passed (None: no limit); the rest wait for the next call."""
    import time

    from ..pose.appearance import distance

    if appearance is None:
        return None
    cache = cache or AppearanceCache(store)
    subjects = {s.id: s for s in store.subjects()}
    chosen = _references(store, cache, video_id, track, refs)
    missing: Dict[int, list] = {}
    for tracks in chosen.values():
        for vid, person in tracks:
            if cache.get(vid, person) is None:
                missing.setdefault(vid, []).append(person)
    started = time.perf_counter()
    for vid in sorted(missing, key=lambda v: v != int(video_id)):
        if budget_s is not None and time.perf_counter() - started > budget_s:
            break
        cache.measure(vid, missing[vid])
    best: Dict[int, tuple] = {}  # subject -> (distance, video, person)
    for sid, tracks in chosen.items():
        for vid, person in tracks:
            d = distance(appearance, cache.get(vid, person))
            if d is not None and (sid not in best or d < best[sid][0]):
                best[sid] = (d, vid, person)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: kv[1][0])
    sid, (d, vid, person) = ranked[0]
    if d > threshold or (len(ranked) > 1 and ranked[1][1][0] - d < margin):
        return None
    s = subjects[sid]
    return Suggestion(s.id, s.name, s.color, float(d), vid, person)
