"""Pose extraction's start-up: what the first poses wait for.

- an extractor made ahead of its first chunk (``parallel.prepare``) is used as it is: the reset before a chunk
  makes no new landmarker for one that never saw a frame (~0.1 s, holding Python's lock), and its poses equal a
  new extractor's;
- one worker counts its chunks without a shared-memory lock (which starts multiprocessing's resource tracker, a
  second Python process, beside the first frames);
- ``detect="auto"``: the detection probe starts once the extraction has its first poses (its models load after
  the pose model, not beside it).

Real video (bikes.mp4's cyclist), real MediaPipe models.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from core_model.pose import extract_poses
from core_model.pose.extractor import create_extractor
from core_model.pose.parallel import _LOCAL_KEPT, extract_frame_detections, pack, prepare, release_warm

FIRST, STOP = 100, 112  # the cyclist


@pytest.fixture(scope="module")
def cyclist(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        return list(reader.iter_frames(FIRST, STOP)), np.asarray(reader.timestamps)


@pytest.fixture(scope="module")
def cyclist_clip(bikes_video, tmp_path_factory):
    from core_model.video import write_clip

    path = tmp_path_factory.mktemp("start-up") / "cyclist.mp4"
    assert write_clip(bikes_video, FIRST, FIRST + 24, path) == 24
    return path


def _poses(extractor, cyclist) -> list:
    frames, timestamps = cyclist
    return [pack(extractor.process(frame, float(timestamps[i]))) for i, frame in frames]


def test_a_reset_keeps_a_tracker_that_never_saw_a_frame(cyclist):
    with create_extractor("mediapipe", whole_frame="tasks", max_people=0) as fresh:
        expected = _poses(fresh, cyclist)
    with create_extractor("mediapipe", whole_frame="tasks", max_people=0) as extractor:
        tracker = extractor._trackers[1].landmarker
        extractor.reset()  # before its first chunk, as every chunk starts
        assert extractor._trackers[1].landmarker is tracker
        poses = _poses(extractor, cyclist)
        assert extractor.stats["landmarkers"] == 2  # the tracker and the discovery landmarker, each made once
        extractor.reset()  # after frames: a new tracker (its state must not leak into the next chunk)
        assert 1 not in extractor._trackers
        again = _poses(extractor, cyclist)
        assert extractor.stats["landmarkers"] == 3
    for (k1, s1), (k2, s2), (k3, s3) in zip(expected, poses, again):
        assert np.array_equal(k1, k2) and np.array_equal(s1, s2)
        assert np.array_equal(k1, k3) and np.array_equal(s1, s3)
    assert sum(len(k) for k, _ in poses) >= len(poses) - 1  # the cyclist


def test_the_first_chunk_uses_the_extractor_made_ahead_as_it_is(cyclist_clip):
    release_warm()
    options = {"max_people": 0, "delegate": "cpu", "whole_frame": "tasks"}
    try:
        prepare(str(cyclist_clip), backend="mediapipe", options=options, workers=1)
        frames, _info = extract_frame_detections(str(cyclist_clip), options=options, workers=1)
        (extractor,) = _LOCAL_KEPT.values()  # kept warm: the one made ahead
        assert extractor.stats["landmarkers"] == 2  # no tracker made again for the first chunk
        assert extractor.stats["frames"] == len(frames) == 24
    finally:
        release_warm()


def test_one_worker_starts_no_other_process(cyclist_clip, tmp_path):
    script = (
        "import multiprocessing.resource_tracker as rt, sys\n"
        "from core_model.pose.parallel import extract_frame_detections\n"
        f"frames, _ = extract_frame_detections({str(cyclist_clip)!r}, options={{'max_people': 1}}, workers=1)\n"
        "assert sum(len(f[0]) for f in frames) > 0\n"
        "print(rt._resource_tracker._pid, 'multiprocessing.synchronize' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["None", "False"]  # no resource tracker, no shared-memory lock


def test_the_detection_probe_starts_after_the_first_poses(cyclist_clip, monkeypatch):
    from tests.core_model.test_pose_detect_probe import _watch

    seen = _watch(monkeypatch, probe_waits_for_a_pose=False)
    try:
        poses = extract_poses(cyclist_clip, workers=1, use_cache=False)
    finally:
        release_warm()
    assert seen["probes"] == ["full"] and poses.meta["detect"] == "full"
    assert seen["pose_before_probe"] is True
    assert poses.num_frames == 24 and (poses.keypoint_score.max(axis=-1) > 0).any(axis=0).sum() >= 20  # (people, frames)


def test_the_probe_detects_on_the_whole_frame_only_where_the_tiles_find_somebody_small(cyclist):
    """The detection probe's whole-frame pass only rules the tiles' small people out: on the close-up cyclist
    (nobody small) the detector runs on the tiles alone, and the answer stays "nobody missed"."""
    from core_model.pose.auto_detect import small_people_missed
    from core_model.pose.roi_tracking import spare_detector
    from core_model.pose.tiles import tile_layout

    class Counted:
        def __init__(self, graph):
            self.graph, self.images = graph, []

        def detect(self, images, offsets):
            self.images.append(len(images))
            return self.graph.detect(images, offsets)

    frames, _timestamps = cyclist
    frame = frames[0][1]
    counted = Counted(spare_detector())
    assert small_people_missed(counted, frame) is False
    assert counted.images == [len(tile_layout(frame.shape[1], frame.shape[0]))]
