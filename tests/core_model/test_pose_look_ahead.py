"""One frame ahead: the MediaPipe extractor fed through ``look_ahead`` runs its IMAGE-mode landmarker on the
next frame in a helper thread (frames where nobody is tracked, discovery passes), and its poses equal those of
the same extractor fed frame by frame.

bikes.mp4's frames 130-176: the end of the cyclist's shot, then a street where the landmarker finds nobody on
most frames (a pedestrian now and then).
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

from core_model.pose.extractor import create_extractor
from core_model.pose.parallel import pack

FIRST, STOP = 130, 176
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shot(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        return [(idx, frame) for idx, frame in reader.iter_frames(FIRST, STOP)], np.asarray(reader.timestamps)


def _poses(shot, max_people: int, ahead: bool):
    """Packed poses of every frame and the extractor's stats; with ``ahead``: the helper threads seen running."""
    frames, timestamps = shot
    helpers = set()
    with create_extractor("mediapipe", whole_frame="tasks", max_people=max_people) as extractor:
        source = extractor.look_ahead(iter(frames), timestamps) if ahead else frames
        out = []
        for idx, frame in source:
            out.append(pack(extractor.process(frame, float(timestamps[idx]))))
            helpers |= {t.name for t in threading.enumerate() if t.name.startswith("epam-pose-ahead")}
        return out, dict(extractor.stats), helpers


@pytest.mark.parametrize("max_people", [0, 1])
def test_poses_a_frame_ahead_equal_frame_by_frame(shot, max_people):
    alone, stats_alone, _ = _poses(shot, max_people, ahead=False)
    ahead, stats, helpers = _poses(shot, max_people, ahead=True)
    print(max_people, stats_alone, stats)
    assert len(ahead) == len(alone) == STOP - FIRST
    for (k1, s1), (k2, s2) in zip(alone, ahead):
        assert np.array_equal(k1, k2) and np.array_equal(s1, s2)
    assert helpers  # the next frame's work ran in the helper thread
    # frames where nobody was tracked were answered by the pass run ahead, without the tracker
    assert stats["ahead_empty"] >= 8 and stats["ahead_used"] >= stats["ahead_empty"]
    assert stats["discoveries"] == stats_alone["discoveries"]  # the same decisions
