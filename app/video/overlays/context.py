"""What an overlay needs to draw one frame (Qt-free), and the lookups shared by overlays."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional, Tuple

import numpy as np

Box = Tuple[float, float, float, float]


@dataclass(frozen=True)
class FrameContext:
    """The frame shown, the data known for its video and the selected person.

    ``row`` and ``box()`` are computed once per context (every overlay asks for them).
    """

    frame: int
    image_shape: Tuple[int, int]  # (H, W)
    poses: Any = None  # core_model.pose.Poses
    result: Any = None  # core_model.analysis.AnalysisResult
    person: Optional[int] = None  # selected track id, None = everybody
    fallback_window: int = 75  # frames used for a crop box when there is no analysis

    @cached_property
    def row(self) -> Optional[int]:
        """The analysis row (window) covering this frame for the selected person, or None."""
        return window_row(self.result, self.frame, self.person)

    def people_at_frame(self) -> np.ndarray:
        """Pose slots (indices into ``poses.keypoint``) with at least one scored joint at this frame."""
        if self.poses is None or not 0 <= self.frame < self.poses.keypoint.shape[1]:
            return np.zeros(0, dtype=int)
        scores = self.poses.keypoint_score[:, self.frame]
        return np.flatnonzero(scores.max(axis=1) > 0)

    def box(self) -> Optional[Box]:
        """The person-centric crop box of the window covering this frame."""
        return self._box

    @cached_property
    def _box(self) -> Optional[Box]:
        row = self.row
        if row is not None:
            return tuple(float(v) for v in self.result.boxes[row])
        if self.result is not None and len(self.result.window_start):
            return None  # analyzed, but no window of the shown person covers this frame: nothing was cropped
        return pose_box(self.poses, self.frame, self.fallback_window, self.image_shape, self.person)


def shown_person(result: Any, person: Optional[int]) -> Optional[int]:
    """Whose analysis rows are shown (the one rule the view, the timeline and the inspector follow):
    the selected ``person`` when ``result`` has rows of them, else everybody's rows (-1) when it has
    those, else its lowest track id; None without a result (or without rows)."""
    if result is None or len(result.window_start) == 0:
        return None
    people = result.people()
    if person is not None and int(person) in people:
        return int(person)
    return -1 if -1 in people else int(people[0])


def window_row(result: Any, frame: int, person: Optional[int]) -> Optional[int]:
    """Row of ``result`` covering ``frame`` for the person :func:`shown_person` picks."""
    who = shown_person(result, person)
    if who is None:
        return None
    row = result.window_at(frame, who)
    return None if row is None else int(row)


def pose_box(poses: Any, frame: int, window: int, image_shape, person: Optional[int] = None) -> Optional[Box]:
    """Compact box of the skeletons in the ``window`` frames around ``frame`` (no analysis yet)."""
    if poses is None or poses.keypoint.shape[1] == 0:
        return None
    from core_model.preprocess.crop import compact_box  # light: numpy only

    t = poses.keypoint.shape[1]
    lo = max(0, min(frame - window // 2, t - window))
    hi = min(t, lo + window)
    kp, sc = poses.keypoint[:, lo:hi], poses.keypoint_score[:, lo:hi]
    if person is not None and person in list(poses.track_ids):
        slot = list(poses.track_ids).index(person)
        kp, sc = kp[slot:slot + 1], sc[slot:slot + 1]
    if not (sc > 0).any():
        return None
    box = compact_box(kp, tuple(image_shape), score=sc)
    return None if box is None else tuple(float(v) for v in box)


def nearest_sample(rgb_frames: np.ndarray, frame: int) -> int:
    """Index k of the sampled frame nearest to ``frame`` (ties: the earlier one)."""
    return int(np.argmin(np.abs(np.asarray(rgb_frames) - frame)))


def person_at(poses: Any, frame: int, x: float, y: float, max_distance: float) -> Optional[int]:
    """Track id of the skeleton nearest to (x, y) at ``frame`` (within ``max_distance`` px)."""
    if poses is None or not 0 <= frame < poses.keypoint.shape[1]:
        return None
    kp = poses.keypoint[:, frame]  # (M, V, 2)
    sc = poses.keypoint_score[:, frame]
    best, best_d = None, max_distance
    for m in range(kp.shape[0]):
        valid = sc[m] > 0.05
        if not valid.any():
            continue
        pts = kp[m][valid]
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        dx = max(x0 - x, 0.0, x - x1)  # distance to the skeleton's bounding box
        dy = max(y0 - y, 0.0, y - y1)
        d = float(np.hypot(dx, dy))
        if d <= best_d:
            best, best_d = int(poses.track_ids[m]), d
    return best
