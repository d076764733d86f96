"""Labels of a person on frames where the person's track does not exist.

A track exists from the first to the last frame it was seen (a joint with a score > 0); the short
gaps inside that lifetime are a detector's misses, not absence. A label of a person (``person >= 0``)
with frames outside the track's lifetime, or of a track id the poses do not have at all, is *absent*:
such labels are allowed (the import report and the studio warn about them, they never refuse).
The "everybody" lane (person -1) is never absent.

Used by the label import report (:mod:`.io`) and by the studio's warning; the functions take plain
segments (anything with ``person``, ``start_frame``, ``end_frame``) so both can pass their own rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from ..pose.format import Poses
from .records import EVERYBODY

#: track id -> ``(first, end)``: frames ``[first, end)`` from the first to the last sighting
Spans = Dict[int, Tuple[int, int]]


@dataclass(frozen=True)
class AbsentLabel:
    """A label of ``person`` over frames ``[start_frame, end_frame)``, ``absent_frames`` of them outside the
    track's lifetime (``track_span`` is ``None`` when the poses have no such track). ``segment`` is the
    object that was checked (a :class:`~.records.SegmentRecord`, an import row …)."""

    segment: object
    person: int
    start_frame: int
    end_frame: int
    absent_frames: int
    track_span: Optional[Tuple[int, int]]

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame

    def describe(self) -> str:
        """One phrase, e.g. ``person 3, frames 0-50: track 3 exists only in frames 1875-2400``."""
        where = f"person {self.person}, frames {self.start_frame}-{self.end_frame}"
        if self.track_span is None:
            return f"{where}: the poses have no track {self.person}"
        first, end = self.track_span
        return f"{where}: track {self.person} exists only in frames {first}-{end}"


def track_spans(poses: Poses) -> Spans:
    """Each track's lifetime ``[first, end)`` in frames (tracks never seen are left out)."""
    present = poses.present
    spans: Spans = {}
    for row, track in enumerate(poses.track_ids.tolist()):
        seen = np.flatnonzero(present[row])
        if seen.size:
            first, end = int(seen[0]), int(seen[-1]) + 1
            old = spans.get(int(track))  # one id on two rows (should not happen): their union
            spans[int(track)] = (min(first, old[0]), max(end, old[1])) if old else (first, end)
    return spans


def absent_frames(spans: Spans, person: int, start: int, end: int) -> int:
    """How many of frames ``[start, end)`` of ``person`` lie outside the track's lifetime (0 for everybody)."""
    if person == EVERYBODY or end <= start:
        return 0
    span = spans.get(int(person))
    if span is None:
        return end - start
    inside = max(0, min(end, span[1]) - max(start, span[0]))
    return (end - start) - inside


def absent_labels(spans: Spans, segments: Iterable, *, min_frames: int = 1) -> List[AbsentLabel]:
    """The segments with at least ``min_frames`` frames outside their person's track lifetime, in the given
    order. ``segments``: objects with ``person``, ``start_frame`` and ``end_frame`` attributes."""
    found = []
    for seg in segments:
        person, start, end = int(seg.person), int(seg.start_frame), int(seg.end_frame)
        count = absent_frames(spans, person, start, end)
        if count >= max(1, min_frames):
            found.append(AbsentLabel(seg, person, start, end, count, spans.get(person)))
    return found


def video_poses(store, video_id: int) -> Optional[Poses]:
    """The poses of a project video as exports see them (the project's own corrected file first), or
    ``None`` when the video has none. Never extracts."""
    from ..export.project import find_poses

    video = store.video(video_id)
    try:
        found = find_poses(store, video, store.resolve_video(video_id))
    except Exception:  # noqa: BLE001 - a missing or unreadable video: no poses to compare with
        return None
    if found is None or isinstance(found, Poses):
        return found
    return Poses.load(Path(found))


def video_track_spans(store, video_id: int, poses: Union[Poses, None] = None) -> Optional[Spans]:
    """:func:`track_spans` of ``poses`` or of the project video's poses; ``None`` when it has none."""
    poses = video_poses(store, video_id) if poses is None else poses
    return None if poses is None else track_spans(poses)


def find_absent_labels(store, video_id: int, *, poses: Optional[Poses] = None, segments: Optional[Iterable] = None,
                       min_frames: int = 1) -> List[AbsentLabel]:
    """Labels of a project video on frames where their person's track does not exist.

    ``poses``: what the caller shows (default: the video's poses found as exports find them);
    ``segments``: the labels to check (default: all of the video's segments in the project).
    Returns ``[]`` when the video has no poses (nothing to compare with).
    """
    spans = video_track_spans(store, video_id, poses)
    if spans is None:
        return []
    if segments is None:
        segments = store.segments(video_id)
    return absent_labels(spans, segments, min_frames=min_frames)
