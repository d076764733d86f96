"""A cached result (keyed by content) written for a video describes that video, not the copy it was made for."""
from __future__ import annotations

import json
import shutil

import numpy as np

from core_model.analysis import AnalysisSettings, analyze_video
from core_model.analysis.model_setup import prepare_model
from core_model.analysis.runner import cached_result
from core_model.pose.format import Poses
from core_model.video.synthetic import write_stick_figure_video


def test_a_cached_result_names_the_video_it_was_asked_for(tmp_path):
    first = tmp_path / "first.mp4"
    keypoints = write_stick_figure_video(first, people=1, frames=40, size=(160, 120))
    second = tmp_path / "second.mp4"
    shutil.copy(first, second)
    poses = Poses(keypoints, np.ones(keypoints.shape[:3], np.float32), [0], np.arange(40) / 25.0, (120, 160), 25.0,
                  {"source": "first.mp4"})
    settings = AnalysisSettings(window=40, stride=40, unit="frames", batch_size=1)
    model = prepare_model(None, "ntu60", seed=0)
    analyze_video(first, poses=poses, model=model, settings=settings, out_dir=tmp_path / "res" / "first")
    first.unlink()  # the copy the cache entry was made for is gone
    result = analyze_video(second, poses=poses, model=model, settings=settings, out_dir=tmp_path / "res" / "second")
    assert result.summary["cache"]["hit"] is True
    written = json.loads((tmp_path / "res" / "second" / "summary.json").read_text())
    for summary in (result.summary, written):
        assert summary["video"]["path"] == str(second.resolve()) and summary["video"]["name"] == "second.mp4"
        assert summary["poses"]["source"]["source"] == "second.mp4"
    looked_up = cached_result(second, model=model, settings=settings, poses=poses)
    assert looked_up.summary["video"]["name"] == "second.mp4"
