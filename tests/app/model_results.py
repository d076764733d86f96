"""Results folders of real analyses of the stick-figure video, one per registered model (tiny, untrained).

``analyzed_models`` (for a session fixture ``model_results``) gives: ``{model name: results folder}``; the video and its poses are the
app conftest's ``stick_video`` (poses from the drawn keypoints, so positions can be checked)."""
from __future__ import annotations

from .conftest import make_poses

CLASSES = ["wave", "walk", "sit"]


def analyze_with(name: str, video, poses, out_dir, seed: int = 0):
    """Analyse ``video`` with the tiny untrained ``name`` model (4 RGB frames of 64 px, 20-frame windows)."""
    import torch

    from core_model.analysis import AnalysisSettings, analyze_video
    from core_model.models.registry import build_named
    from core_model.preprocess.spec import InputSpec

    tiny = InputSpec(rgb_size=64, heatmap_size=16, rgb_frames=4, pose_frames=12)
    torch.manual_seed(seed)
    model = build_named(name, num_classes=len(CLASSES), class_names=CLASSES, inputs=tiny, tiny=True)
    model.input_spec = tiny
    analyze_video(video, poses=poses, model=model.eval(), settings=AnalysisSettings.from_lengths("20", "10"),
                  out_dir=out_dir, use_cache=False)
    return out_dir


_CACHE: dict = {}


def analyzed_models(stick_video, tmp_path_factory) -> dict:
    """``{model name: results folder}`` of every registered model, made once per test session."""
    from core_model.models.registry import model_names

    from app.main import prepare_qt_environment

    if not _CACHE:
        path, keypoints = stick_video
        poses = make_poses(keypoints)
        root = tmp_path_factory.mktemp("model_results")
        _CACHE.update({name: analyze_with(name, path, poses, root / name) for name in model_names()})
        prepare_qt_environment()
    return dict(_CACHE)
