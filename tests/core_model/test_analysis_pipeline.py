"""The pose and model stages of a folder overlapped: the poses of the next video are made (a bounded queue
ahead) while the model runs on this one; errors reach the video they belong to; the analysis records
poses made ahead."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core_model.analysis import AnalysisSettings, analyze_video
from core_model.analysis.batch import analyze_folder
from core_model.analysis.pipeline import PosesAhead
from core_model.errors import PoseError
from core_model.pose.format import Poses
from core_model.video.synthetic import stick_figure_keypoints
from tests.core_model.test_model_family import stick_video, tiny_model  # noqa: F401 (fixture)


def _poses(frames: int) -> Poses:
    kp = stick_figure_keypoints(1, frames, (160, 120), 25.0)
    return Poses(kp, np.ones(kp.shape[:3], np.float32), np.array([0]), np.arange(frames) / 25.0, (120, 160), 25.0)


def test_the_next_videos_poses_are_made_while_this_one_is_analysed(tmp_path):
    videos = [tmp_path / f"v{i}.mp4" for i in range(3)]
    events = []
    lock = threading.Lock()

    def log(what):
        with lock:
            events.append((what, time.perf_counter()))

    def extract(video, cancel):
        log(f"pose start {video.stem}")
        poses = _poses(30 + 10 * int(video.stem[1]))
        time.sleep(0.3)  # a pose stage that takes a while
        log(f"pose end {video.stem}")
        return poses

    with PosesAhead(videos, lambda v, c: None, extract, depth=1) as ahead:
        for video in videos:
            poses, seconds = ahead.take(video)
            assert poses.num_frames == 30 + 10 * int(video.stem[1]) and seconds >= 0.3
            log(f"model start {video.stem}")
            time.sleep(0.4)  # the model stage of this video
            log(f"model end {video.stem}")
    at = dict(events)
    # while the model works on v0, the poses of v1 are made (and of v2 during v1): the stages overlap
    assert at["pose start v1"] < at["model end v0"] and at["pose end v1"] <= at["model end v0"] + 0.05
    assert at["pose start v2"] < at["model end v1"]
    # bounded: the producer is never more than one finished video ahead of the consumer
    assert at["pose start v2"] >= at["model start v0"]
    assert ahead.waited["v1.mp4"] < 0.1  # the model did not wait for v1's poses


def test_an_extraction_error_reaches_its_own_video_and_cached_poses_are_not_extracted(tmp_path):
    videos = [tmp_path / f"v{i}.mp4" for i in range(3)]
    extracted = []

    def find(video, cancel):
        return _poses(20) if video.stem == "v2" else None

    def extract(video, cancel):
        extracted.append(video.stem)
        if video.stem == "v0":
            raise PoseError("No person was found in v0.mp4.")
        return _poses(25)

    with PosesAhead(videos, find, extract) as ahead:
        with pytest.raises(PoseError, match="v0.mp4"):
            ahead.take(videos[0])
        assert ahead.take(videos[1])[0].num_frames == 25
        poses, seconds = ahead.take(videos[2])
        assert poses.num_frames == 20 and seconds is None  # cached: nothing was extracted
    assert extracted == ["v0", "v1"]


def test_the_folder_tells_the_plan_before_the_first_video(tmp_path):
    videos = [tmp_path / f"{name}.mp4" for name in "abc"]
    planned, seen = [], []
    report = analyze_folder(videos, tmp_path / "out", lambda v, o: seen.append((list(planned), v)),
                            lambda v: None, rank=0, world=1, on_plan=planned.extend)
    assert planned == videos and seen[0] == (videos, videos[0]) and len(report.done) == 3


def test_an_analysis_with_poses_made_ahead_says_so(stick_video):
    path, poses = stick_video
    result = analyze_video(path, poses=poses, model=tiny_model("separable-sta").eval(), use_cache=False,
                           settings=AnalysisSettings.from_lengths("20", "20", runtime="torch"), pose_seconds=1.25)
    assert result.summary["poses"]["extracted_now"] is True
    timings = result.summary["timings"]
    assert timings["pose"] == 1.25 and timings["pose_overlapped"] == 1
