"""Labels of a person on frames where the person's track does not exist (core_model.project.presence)."""
from __future__ import annotations

import numpy as np

from core_model.pose.format import Poses
from core_model.project import CreateSegment
from core_model.project.presence import (absent_frames, absent_labels, find_absent_labels, track_spans,
                                         video_poses)
from core_model.project.track_edits import project_poses_path

from .project_helpers import new_project


def _poses(frames: int, tracks: dict) -> Poses:
    """Poses with one row per track id, present (every joint score 0.9) on the given frame ranges."""
    ids = sorted(tracks)
    kp = np.zeros((len(ids), frames, 17, 2), np.float32)
    sc = np.zeros((len(ids), frames, 17), np.float32)
    for row, tid in enumerate(ids):
        for start, end in tracks[tid]:
            kp[row, start:end] = 50.0
            sc[row, start:end] = 0.9
    return Poses(kp, sc, np.asarray(ids, np.int64), np.arange(frames) / 25.0, (720, 1280), 25.0)


def test_spans_are_first_to_last_sighting_and_gaps_count_as_present():
    poses = _poses(3000, {0: [(0, 3000)], 3: [(1875, 2000), (2100, 2400)], 7: []})
    spans = track_spans(poses)
    assert spans == {0: (0, 3000), 3: (1875, 2400)}  # 7 never seen: no span
    assert absent_frames(spans, 3, 0, 50) == 50  # labelled at 0:00-0:02, present only from 1:15
    assert absent_frames(spans, 3, 1900, 2300) == 0  # the gap 2000-2100 is a detector's miss
    assert absent_frames(spans, 3, 2350, 2450) == 50
    assert absent_frames(spans, 7, 0, 10) == 10  # no such track
    assert absent_frames(spans, -1, 0, 3000) == 0  # everybody is never absent


def test_find_absent_labels_of_a_project_video_uses_its_pose_file(tmp_path):
    with new_project(tmp_path, frames=3000) as store:
        CreateSegment(1, 3, 0, 50, 1).apply(store)  # absent
        CreateSegment(1, 3, 1900, 2300, 2).apply(store)  # present (with a gap)
        CreateSegment(1, 0, 10, 20, 1).apply(store)  # present
        CreateSegment(1, -1, 0, 100, 3).apply(store)  # everybody
        CreateSegment(1, 9, 5, 15, 1).apply(store)  # no such track
        CreateSegment(2, 3, 0, 50, 1).apply(store)  # other video: not looked at
        assert find_absent_labels(store, 1) == []  # no poses yet: nothing to compare with
        path = project_poses_path(store, 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        _poses(3000, {0: [(0, 3000)], 3: [(1875, 2000), (2100, 2400)]}).save(path)
        assert video_poses(store, 1) is not None
        found = find_absent_labels(store, 1)
        assert [(a.person, a.start_frame, a.end_frame, a.absent_frames, a.track_span) for a in found] == [
            (3, 0, 50, 50, (1875, 2400)), (9, 5, 15, 10, None)]
        assert found[0].segment.label_id == 1 and found[0].frames == 50
        assert found[0].describe() == "person 3, frames 0-50: track 3 exists only in frames 1875-2400"
        assert found[1].describe() == "person 9, frames 5-15: the poses have no track 9"
        # the studio passes the poses it shows and the segments it checks
        mine = [s for s in store.segments(1) if s.person == 0]
        assert find_absent_labels(store, 1, poses=_poses(3000, {0: [(500, 600)]}), segments=mine)[0].absent_frames == 10
        spans = track_spans(_poses(3000, {3: [(40, 2300)]}))  # 0-50: 40 frames absent, 1900-2300: none
        assert [a.start_frame for a in absent_labels(spans, store.segments(1, person=3), min_frames=41)] == []
        assert [a.start_frame for a in absent_labels(spans, store.segments(1, person=3), min_frames=40)] == [0]
