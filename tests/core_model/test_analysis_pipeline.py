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
    made = {v.stem: threading.Event() for v in videos}

    def log(what):
        with lock:
            events.append(what)

    def extract(video, cancel):
        log(f"pose start {video.stem}")
        poses = _poses(30 + 10 * int(video.stem[1]))
        time.sleep(0.3)  # a pose stage that takes a while
        log(f"pose end {video.stem}")
        made[video.stem].set()
        return poses

    with PosesAhead(videos, lambda v, c: None, extract, depth=1) as ahead:
        time.sleep(0.8)  # unbounded, the producer would start v2 while v0 waits in the queue
        for i, video in enumerate(videos):
            log(f"take {video.stem}")
            poses, seconds = ahead.take(video)
            assert poses.num_frames == 30 + 10 * int(video.stem[1]) and seconds >= 0.3
            log(f"model start {video.stem}")
            if i + 1 < len(videos):
                # the model stage of this video lasts until the next video's poses are made: without the
                # overlap they would never be (the test would time out here instead of passing by luck)
                assert made[videos[i + 1].stem].wait(20), f"the poses of {videos[i + 1].name} were not made ahead"
            log(f"model end {video.stem}")
    order = events.index
    # while the model works on v0, the poses of v1 are made (and of v2 during v1): the stages overlap
    assert order("pose end v1") < order("model end v0") and order("pose end v2") < order("model end v1")
    # bounded: the producer is never more than one finished video ahead of the consumer
    assert order("pose start v2") > order("take v0")
    assert ahead.waited["v1.mp4"] < 0.25  # already made: the model did not wait a pose stage (0.3 s) for v1


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
