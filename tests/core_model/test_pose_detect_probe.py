"""``detect="auto"``: the extraction does not wait for the detection probe (it runs ``full`` while the probe
decides on another core) and gives the poses of the mode the probe picks, as when the probe ran first."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from core_model.pose import auto_detect, extract_poses
from core_model.pose.roi_tracking import RoiPoseExtractor

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cyclist_clip(bikes_video, tmp_path_factory):
    from core_model.video import write_clip

    path = tmp_path_factory.mktemp("probe") / "cyclist.mp4"
    assert write_clip(bikes_video, 100, 124, path) == 24
    return path


@pytest.fixture(scope="module")
def small_crowd(bikes_video, tmp_path_factory):
    """A 16-frame crowd of small people: the probe picks ``tiles``."""
    from core_model.video.crowd import make_crowd_video

    path = tmp_path_factory.mktemp("probe-crowd") / "crowd.mp4"
    make_crowd_video(path, bikes_video, people=6, frames=16, seed=1)
    return path


def _watch(monkeypatch, probe_waits_for_a_pose: bool) -> dict:
    """Record when the real probe and the real whole-frame extractor (the default: :mod:`.roi_tracking`) run; the
    probe may first wait for the first pose (else ``pose_before_probe`` says whether a pose was made before it
    started)."""
    seen = {"first_pose": threading.Event(), "pose_before_probe": None, "probes": []}
    real_probe, real_process = auto_detect.choose_detect, RoiPoseExtractor.process

    def probe(path, **kwargs):
        if probe_waits_for_a_pose:
            seen["pose_before_probe"] = seen["first_pose"].wait(60)
        else:
            seen["pose_before_probe"] = seen["first_pose"].is_set()
        mode = real_probe(path, **kwargs)
        seen["probes"].append(mode)
        return mode

    def process(self, frame, timestamp):
        out = real_process(self, frame, timestamp)
        seen["first_pose"].set()
        return out

    monkeypatch.setattr(auto_detect, "choose_detect", probe)
    monkeypatch.setattr(RoiPoseExtractor, "process", process)
    return seen


def test_extraction_does_not_wait_for_the_detection_probe(cyclist_clip, monkeypatch, tmp_path):
    monkeypatch.setenv("EPAM_CACHE_DIR", str(tmp_path))
    seen = _watch(monkeypatch, probe_waits_for_a_pose=True)
    calls = []
    poses = extract_poses(cyclist_clip, workers=1, use_cache=False, progress=lambda d, t: calls.append((d, t)))
    assert seen["pose_before_probe"] is True  # poses came while the probe had not decided yet
    assert seen["probes"] == ["full"] and poses.meta["detect"] == "full"
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (24, 24)
    full = extract_poses(cyclist_clip, workers=1, use_cache=False, detect="full")
    np.testing.assert_array_equal(poses.keypoint, full.keypoint)
    np.testing.assert_array_equal(poses.keypoint_score, full.keypoint_score)


def test_a_video_the_probe_sends_to_tiles_gets_the_tiles_poses(small_crowd, monkeypatch, tmp_path):
    monkeypatch.setenv("EPAM_CACHE_DIR", str(tmp_path))
    seen = _watch(monkeypatch, probe_waits_for_a_pose=False)
    calls = []
    poses = extract_poses(small_crowd, workers=1, use_cache=False, max_people=30,
                          progress=lambda d, t: calls.append((d, t)))
    assert seen["probes"] == ["tiles"] and poses.meta["detect"] == "tiles"
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (16, 16)  # never below what the stopped full run showed
    tiles = extract_poses(small_crowd, workers=1, use_cache=False, max_people=30, detect="tiles")
    np.testing.assert_array_equal(poses.keypoint, tiles.keypoint)
    np.testing.assert_array_equal(poses.keypoint_score, tiles.keypoint_score)
