"""A checkpoint records its input sizes and analysis feeds the model inputs of exactly those sizes."""
import numpy as np
import pytest
import torch

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.analysis.model_setup import prepare_model
from core_model.errors import ConfigError
from core_model.models import create_epam_net, save_checkpoint
from core_model.pose.format import Poses
from core_model.preprocess.spec import InputSpec
from core_model.video.synthetic import write_stick_figure_video

SMALL = InputSpec(rgb_size=112, heatmap_size=28, rgb_frames=8, pose_frames=24)


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file: 11 s with the default threads, 7 s with one, at load 5).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_spec_round_trip_and_validation():
    assert InputSpec.from_dict(SMALL.to_dict()) == SMALL
    assert InputSpec.from_provenance({"meta": {"inputs": SMALL.to_dict()}}) == SMALL
    assert InputSpec.from_provenance({}) == InputSpec()  # older checkpoints: the paper's sizes
    with pytest.raises(ConfigError, match="cannot be split"):
        InputSpec(rgb_frames=16, pose_frames=20)
    with pytest.raises(ConfigError):
        InputSpec.from_dict({"rgb_size": "big"})


def test_analysis_uses_the_checkpoint_input_sizes(tmp_path):
    size = (160, 120)
    video = tmp_path / "one.mp4"
    kp = write_stick_figure_video(video, people=1, frames=60, size=size)
    poses = Poses(kp, np.ones(kp.shape[:3], np.float32), np.array([0]), np.arange(60) / 25.0, (size[1], size[0]), 25.0)
    torch.manual_seed(0)
    net = create_epam_net(3, attention_frames=SMALL.rgb_frames)
    ckpt = save_checkpoint(net, tmp_path / "small.pt", ["a", "b", "c"], trained=True, inputs=SMALL.to_dict())
    prepared = prepare_model(ckpt)
    assert prepared.inputs == SMALL

    seen = []
    hook = prepared.inference_module().register_forward_pre_hook(lambda m, args: seen.append(
        (tuple(args[0].shape[1:]), tuple(args[1].shape[1:]))))
    settings = AnalysisSettings(window=30, stride=30, unit="frames", batch_size=2)
    result = analyze_video(video, poses=poses, model=prepared, settings=settings, out_dir=tmp_path / "r",
                           use_cache=False)
    hook.remove()
    assert seen and all(s == ((3, 8, 112, 112), (17, 24, 28, 28)) for s in seen)
    assert result.pose_frames.shape == (2, 24) and result.rgb_frames.shape == (2, 8)
    assert np.array_equal(result.rgb_frames, result.pose_frames[:, ::3])
    assert result.spatial_attention.shape == (2, 8, 4, 4) and result.temporal_attention.shape == (2, 8)
    back = AnalysisResult.load(tmp_path / "r")
    assert back.spatial_attention.shape == (2, 8, 4, 4)
