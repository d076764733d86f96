"""Correcting tracks of a :class:`~.format.Poses`: merge two track ids, split a track at a frame, delete a track.

Each operation returns the new poses and a :class:`TrackChange` (the rows removed and added, with
their row positions) that :func:`apply_change` / :func:`revert_change` replay exactly, so an undo
gives back the very same arrays. Track ids are never reused for somebody else: a split gives the
later part a new id (one above the largest).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from ..errors import PoseError
from .format import Poses

#: (row index, track id, keypoint (T,V,2), keypoint_score (T,V))
Row = Tuple[int, int, np.ndarray, np.ndarray]


@dataclass
class TrackChange:
    """Rows removed (as they were, at their old positions) and added (at their new positions)."""

    removed: List[Row] = field(default_factory=list)
    added: List[Row] = field(default_factory=list)
    description: str = ""

    def inverse(self) -> "TrackChange":
        return TrackChange(self.added, self.removed, self.description)


def _row_of(poses: Poses, track_id: int) -> int:
    rows = np.nonzero(poses.track_ids == int(track_id))[0]
    if len(rows) == 0:
        known = ", ".join(str(int(t)) for t in poses.track_ids[:12])
        more = ", ..." if poses.num_people > 12 else ""
        raise PoseError(f"There is no track {track_id} in the poses (tracks: {known or 'none'}{more}).")
    return int(rows[0])


def _frames_text(frames: np.ndarray) -> str:
    return f"frame {frames[0]}" if len(frames) == 1 else f"frames {frames[0]}-{frames[-1]}"


def apply_change(poses: Poses, change: TrackChange) -> Poses:
    """``poses`` with ``change`` applied (refused when the rows to remove are not as recorded)."""
    rows = [(int(t), poses.keypoint[i], poses.keypoint_score[i]) for i, t in enumerate(poses.track_ids)]
    for index, track_id, kp, sc in sorted(change.removed, key=lambda r: -r[0]):
        if index >= len(rows) or rows[index][0] != track_id or not np.array_equal(rows[index][1], kp) \
                or not np.array_equal(rows[index][2], sc):
            raise PoseError("The poses changed since this track edit was made; it cannot be applied or undone.")
        del rows[index]
    for index, track_id, kp, sc in sorted(change.added, key=lambda r: r[0]):
        rows.insert(index, (track_id, kp, sc))
    shape = poses.keypoint.shape[1:]
    keypoint = np.stack([r[1] for r in rows]) if rows else np.zeros((0, *shape), np.float32)
    score = np.stack([r[2] for r in rows]) if rows else np.zeros((0, *shape[:2]), np.float32)
    ids = np.array([r[0] for r in rows], np.int64)
    return Poses(keypoint, score, ids, poses.timestamps.copy(), poses.img_shape, poses.fps, dict(poses.meta))


def revert_change(poses: Poses, change: TrackChange) -> Poses:
    """``poses`` with ``change`` undone."""
    return apply_change(poses, change.inverse())


def merge_tracks(poses: Poses, into: int, other: int) -> Tuple[Poses, TrackChange]:
    """Track ``other`` becomes part of track ``into`` (one person seen as two); refused where both are present."""
    if int(into) == int(other):
        raise PoseError(f"Track {into} cannot be merged with itself.")
    a, b = _row_of(poses, into), _row_of(poses, other)
    present = poses.present
    both = np.nonzero(present[a] & present[b])[0]
    if len(both):
        raise PoseError(f"Tracks {into} and {other} are both present in {_frames_text(both)}: they are two "
                        f"people there (split one of them first).")
    kp, sc = poses.keypoint[a].copy(), poses.keypoint_score[a].copy()
    kp[present[b]] = poses.keypoint[b][present[b]]
    sc[present[b]] = poses.keypoint_score[b][present[b]]
    new_index = a if a < b else a - 1
    change = TrackChange([(a, int(into), poses.keypoint[a], poses.keypoint_score[a]),
                          (b, int(other), poses.keypoint[b], poses.keypoint_score[b])],
                         [(new_index, int(into), kp, sc)], f"Merge track {other} into {into}")
    return apply_change(poses, change), change


def next_track_id(poses: Poses) -> int:
    return int(poses.track_ids.max()) + 1 if poses.num_people else 0


def split_track(poses: Poses, track_id: int, frame: int,
                new_id: Optional[int] = None) -> Tuple[Poses, TrackChange, int]:
    """Frames ``>= frame`` of track ``track_id`` become a new track (two people seen as one); returns its id."""
    row = _row_of(poses, track_id)
    frame = int(frame)
    present = np.nonzero(poses.present[row])[0]
    if not 0 < frame < poses.num_frames or not len(present) or present[0] >= frame or present[-1] < frame:
        span = _frames_text(present) if len(present) else "no frame"
        raise PoseError(f"Track {track_id} (present in {span}) cannot be split at frame {frame}: "
                        f"both parts must keep a frame.")
    new_id = next_track_id(poses) if new_id is None else int(new_id)
    if new_id in set(int(t) for t in poses.track_ids):
        raise PoseError(f"Track id {new_id} is already used.")
    kp, sc = poses.keypoint[row], poses.keypoint_score[row]
    left_kp, left_sc = kp.copy(), sc.copy()
    left_kp[frame:], left_sc[frame:] = 0, 0
    right_kp, right_sc = np.zeros_like(kp), np.zeros_like(sc)
    right_kp[frame:], right_sc[frame:] = kp[frame:], sc[frame:]
    change = TrackChange([(row, int(track_id), kp, sc)],
                         [(row, int(track_id), left_kp, left_sc), (row + 1, new_id, right_kp, right_sc)],
                         f"Split track {track_id} at frame {frame}")
    return apply_change(poses, change), change, new_id


def delete_track(poses: Poses, track_id: int) -> Tuple[Poses, TrackChange]:
    """Remove track ``track_id`` (a false detection: a bag, a poster)."""
    row = _row_of(poses, track_id)
    change = TrackChange([(row, int(track_id), poses.keypoint[row], poses.keypoint_score[row])], [],
                         f"Delete track {track_id}")
    return apply_change(poses, change), change


def track_summary(poses: Poses) -> List[dict]:
    """Per track: id, first and last frame present, frames present and seconds present (for lists)."""
    out = []
    fps = poses.fps if poses.fps > 0 else 25.0
    for row, track_id in enumerate(poses.track_ids):
        frames = np.nonzero(poses.present[row])[0]
        out.append({"track": int(track_id), "first": int(frames[0]) if len(frames) else None,
                    "last": int(frames[-1]) if len(frames) else None, "frames": int(len(frames)),
                    "seconds": round(len(frames) / fps, 2)})
    return out
