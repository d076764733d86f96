"""A cached result (keyed by content) written for a video describes that video, not the copy it was made for."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

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


def test_cached_lookup_builds_no_network(tmp_path, monkeypatch):
    import torch

    from core_model.analysis import model_setup, runner
    from core_model.analysis.model_setup import model_key

    video = tmp_path / "v.mp4"
    keypoints = write_stick_figure_video(video, people=1, frames=20, size=(160, 120))
    poses = Poses(keypoints, np.ones(keypoints.shape[:3], np.float32), [0], np.arange(20) / 25.0, (120, 160), 25.0)
    settings = AnalysisSettings(window=20, stride=20, unit="frames", batch_size=1)
    prepared = prepare_model(None, "ntu60", seed=0)
    assert model_key(None, "ntu60", seed=0) == prepared.key
    analyze_video(video, poses=poses, model=prepared, settings=settings)

    built = []
    real = model_setup.prepare_model

    def refuse(*args, **kwargs):
        raise AssertionError("the lookup built the network")

    import core_model.models.epam_spec as models  # the registry builds EPAM-Net through this name

    create = models.create_epam_net

    def spy(*args, **kwargs):
        module = create(*args, **kwargs)
        built.append(next(module.parameters()).device.type)
        return module

    monkeypatch.setattr(runner, "prepare_model", refuse)
    monkeypatch.setattr(models, "create_epam_net", spy)
    found = cached_result(video, class_names="ntu60", settings=settings, poses=poses)
    assert found is not None and found.summary["cache_key"]
    assert built == ["meta"]  # the config only: no weights allocated or initialised
    assert real is model_setup.prepare_model and torch.get_default_device().type == "cpu"


@pytest.mark.slow
def test_one_analysis_opens_and_indexes_the_video_once(tmp_path, bikes_video, monkeypatch):
    from core_model.video import reader as reader_module
    from core_model.video import write_clip

    clip = tmp_path / "cyclist.mp4"
    write_clip(bikes_video, 100, 124, clip)
    opened = []
    original = reader_module.VideoReader.__init__

    def counting(self, path, *args, **kwargs):
        opened.append((str(path), kwargs.get("cache_frames")))
        original(self, path, *args, **kwargs)

    monkeypatch.setattr(reader_module.VideoReader, "__init__", counting)
    settings = AnalysisSettings(window=24, stride=24, unit="frames", batch_size=1, max_people=2)
    result = analyze_video(clip, model=prepare_model(None, "ntu60", seed=0), settings=settings)
    assert result.summary["poses"]["extracted_now"] is True
    # extraction reused the analysis' reader (one chunk: no worker process), which keeps 2 decoded frames, not 64
    assert opened == [(str(clip), 2)]
