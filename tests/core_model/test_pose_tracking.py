"""Tracking identities across frames, and the shared range table used by parallel extraction."""
from __future__ import annotations

import multiprocessing as mp

import numpy as np

from core_model.pose.scheduling import RangeTable
from core_model.pose.tracking import PoseTracker, dedupe, track_frames


def _person(cx, cy, h=100.0):
    """A crude upright COCO-17 pose centred at (cx, cy), ``h`` pixels tall."""
    offsets = np.array([[0, -0.45], [-0.03, -0.48], [0.03, -0.48], [-0.06, -0.46], [0.06, -0.46],
                        [-0.12, -0.3], [0.12, -0.3], [-0.16, -0.1], [0.16, -0.1], [-0.18, 0.05], [0.18, 0.05],
                        [-0.08, 0.05], [0.08, 0.05], [-0.08, 0.28], [0.08, 0.28], [-0.08, 0.5], [0.08, 0.5]])
    return (np.array([cx, cy]) + offsets * h).astype(np.float32), np.full(17, 0.9, np.float32)


def _frame(people):
    if not people:
        return np.zeros((0, 17, 2), np.float32), np.zeros((0, 17), np.float32)
    return np.stack([p[0] for p in people]), np.stack([p[1] for p in people])


def test_two_walkers_keep_their_ids_through_a_gap_and_detection_order_swaps():
    frames = []
    for t in range(40):
        a, b = _person(100 + 3 * t, 200), _person(500 - 3 * t, 220, h=120)
        people = [b, a] if t % 2 else [a, b]  # detection order changes every frame
        if 15 <= t < 22:
            people = [b]  # person a unseen for 7 frames
        frames.append(_frame(people))
    poses = track_frames(frames, np.arange(40) / 25.0, (400, 640), 25.0)
    assert poses.num_people == 2
    assert poses.frames_per_track().tolist() == [33, 40]
    first = poses.keypoint[0, :, 0, 0]  # nose x of the first track, only ever person a
    seen = poses.present[0]
    np.testing.assert_allclose(first[seen], 100 + 3 * np.arange(40)[seen] + 0.0, atol=1e-3)


def test_a_person_far_away_after_a_long_gap_gets_a_new_id():
    tracker = PoseTracker(max_gap=10)
    kp, sc = _frame([_person(100, 100)])
    assert tracker.update(0, kp, sc).tolist() == [0]
    assert tracker.update(1, kp + 2, sc).tolist() == [0]
    assert tracker.update(30, kp + 2, sc).tolist() == [1]  # gap longer than max_gap
    far, _ = _frame([_person(500, 100)])
    assert tracker.update(31, far, sc).tolist() == [2]  # too far to be the same person


def test_dedupe_drops_near_copies_only():
    a, sa = _person(100, 100)
    b, sb = _person(300, 100)
    kp = np.stack([a, a + 1.5, b])
    sc = np.stack([sa, sa * 0.9, sb])
    assert dedupe(kp, sc).tolist() == [0, 2]


def test_range_table_hands_out_fixed_chunks_once_each():
    ctx = mp.get_context("spawn")
    table = RangeTable(ctx, 250, chunk_frames=80, key_frames=[0, 30, 76, 137, 187, 242])
    assert len(table) == 3
    first, second = table.take(), table.take()
    assert (first, second) == (0, 1) and table.ranges() == [(0, 76), (76, 156)]
    assert table.start(second) == 76 and table.advance(first, 75) and not table.advance(first, 76)
    assert table.finish(first) == 76
    assert table.take() == 2 and table.take() is None
    assert table.ranges() == [(0, 76), (76, 156), (156, 250)]
