"""A short real training run on a small synthetic set: it learns, writes what it promises, analyzes a video."""
import json

import cv2
import numpy as np
import pytest
import torch

from core_model.analysis import AnalysisSettings, analyze_video
from core_model.export import make_synthetic_set
from core_model.models import load_checkpoint
from core_model.pose.format import Poses
from core_model.preprocess.spec import InputSpec
from core_model.training import TrainOptions, train

#: A tiny input (tests only): 4 RGB frames of 64 px, 12 heatmap frames of 16 px; the run trains EPAM-Net's tiny
#: config (TrainOptions.tiny: the same streams, attention and heads, fewer and narrower X3D blocks), which learns
#: this set as the full network did (seeds 0-2 reach 12/12) in a sixth of the time.
TINY = {"rgb_size": 64, "heatmap_size": 16, "rgb_frames": 4, "pose_frames": 12}


def tiny_preset(folder, epochs=8, lr=0.05, batch=8):
    path = folder / "tiny.json"
    path.write_text(json.dumps({
        "name": "tiny", "description": "tests", "inputs": TINY, "default_phase": "joint",
        "optimizer": {"warmup_epochs": 1, "stream_lr": {"rgb": 0.2}, "precise_bn_clips": 16},
        "phases": {p: {"epochs": epochs, "batch": batch, "lr": lr} for p in ("rgb", "pose", "joint")}}))
    return str(path)


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """3 classes that differ in motion (wave, clap, lift), 16 clips each, 64x48 px, 1 s."""
    return make_synthetic_set(tmp_path_factory.mktemp("set") / "three", classes=3, clips_per_class=16,
                              size=(64, 48), seconds=1.0, split=0.75, seed=3)


@pytest.fixture(scope="module")
def run(tiny_set, tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    events = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared CPU: spinning OpenMP threads would oversubscribe it
    try:
        result = train(TrainOptions(str(tiny_set.path), str(folder / "out"), preset=tiny_preset(folder), workers=0,
                                    log_every=0, tiny=True), emit=events.append)
    finally:
        torch.set_num_threads(threads)
    return result, events


@pytest.mark.slow
def test_short_run_learns(run, tiny_set):
    result, _ = run
    best = max(e["val"]["acc_fused"] for e in result.history)
    assert len(tiny_set.val) == 12
    # chance is 1/3: 8 or more of 12 right by chance has probability 0.02; the first epoch is at chance
    assert best >= 0.6, [e["val"]["acc_fused"] for e in result.history]
    assert best > result.history[0]["val"]["acc_fused"]


@pytest.mark.slow
def test_outputs_and_progress_lines(run, tiny_set):
    result, events = run
    out = result.out_dir
    assert not result.stopped and result.last == out / "last.pt" and result.best == out / "best.pt"
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("epoch") == 8
    assert {"batch", "checkpoint"} <= set(kinds)
    batch = next(e for e in events if e["event"] == "batch")
    assert {"phase", "epoch", "epochs", "step", "steps", "loss", "loss_rgb", "loss_pose", "lr", "clips_per_s"} <= set(batch)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["classes"] == tiny_set.classes and metrics["inputs"] == TINY
    for entry in metrics["epochs"]:
        assert {"acc_rgb", "acc_pose", "acc_fused", "loss", "loss_rgb", "loss_pose"} <= set(entry["val"])
        assert {"lr", "seconds", "train"} <= set(entry)
    png = cv2.imread(str(out / "confusion.png"))
    assert png is not None and png.shape[0] > 100
    # the best checkpoint is the epoch with the best fused validation accuracy
    best_epoch = metrics["best"]["joint"]["epoch"]
    assert metrics["epochs"][best_epoch - 1]["val"]["acc_fused"] == max(e["val"]["acc_fused"] for e in metrics["epochs"])


@pytest.mark.slow
def test_checkpoint_loads_and_analyzes_a_video(run, tiny_set, tmp_path):
    result, _ = run
    model, info = load_checkpoint(result.best)
    assert info.trained and info.class_names == tiny_set.classes
    meta = info.provenance["meta"]
    assert meta["inputs"] == TINY and meta["preset"] == "tiny" and meta["dataset"]["name"] == "three"
    assert meta["epochs"] == 8 and meta["phase"] == "joint"
    row = tiny_set.val[0]
    video, poses = tiny_set.clip_path(row), Poses.load(tiny_set.pose_path(row))
    analysis = analyze_video(video, checkpoint=result.best, poses=poses, out_dir=tmp_path / "r", use_cache=False,
                             settings=AnalysisSettings(window=25, stride=25, unit="frames"))
    spec = InputSpec(**TINY)
    assert analysis.trained and analysis.class_names == tiny_set.classes
    assert analysis.rgb_frames.shape[1] == spec.rgb_frames and analysis.pose_frames.shape[1] == spec.pose_frames
    assert analysis.spatial_attention.shape[1] == spec.rgb_frames
    assert np.allclose(analysis.prob_fused.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_init_fine_tunes_a_checkpoint_with_a_new_head(run, tiny_set):
    from core_model.training.model_setup import build_model
    from core_model.training.presets import load_preset

    result, _ = run
    source, _ = load_checkpoint(result.best)
    names = list(tiny_set.classes) + ["extra"]
    model, notes = build_model(load_preset("cpu-quick"), names, init=str(result.best))
    assert notes["init"]["heads_replaced"] and model.num_classes == 4 and model.class_names == names
    assert model.config["attention_frames"] == TINY["rgb_frames"]  # the checkpoint's architecture is kept
    ours, theirs = model.state_dict(), source.state_dict()
    same = [k for k in theirs if ours[k].shape == theirs[k].shape]
    assert all(torch.equal(ours[k], theirs[k]) for k in same)
    assert len(theirs) - len(same) == 4  # the two classifiers' weight and bias
