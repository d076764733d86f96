"""Every registered model, through one interface: outputs per product spec, losses, gradients, checkpoints,
analysis and results folders. New models are picked up from the registry (tiny configs, tiny inputs)."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.models import load_checkpoint, save_checkpoint
from core_model.models.products import check_normalised
from core_model.models.registry import build_named, get_model_spec, model_names
from core_model.pose.format import Poses
from core_model.preprocess.kinds import InputSizes
from core_model.preprocess.spec import InputSpec

#: tests only: 4 RGB frames of 64 px, 12 pose frames, 16 px heatmaps
TINY_INPUTS = InputSpec(rgb_size=64, heatmap_size=16, rgb_frames=4, pose_frames=12)
NAMES = model_names()
CLASSES = 3


def tiny_model(name: str, seed: int = 0):
    torch.manual_seed(seed)
    model = build_named(name, num_classes=CLASSES, class_names=["a", "b", "c"], inputs=TINY_INPUTS, tiny=True)
    model.input_spec = TINY_INPUTS
    return model


def random_inputs(model, batch: int = 2, seed: int = 0) -> dict:
    """Inputs of every kind the model's spec lists, at the sizes the model was built for."""
    g = torch.Generator().manual_seed(seed)
    s = InputSizes.of(model.config, TINY_INPUTS)
    shapes = {"rgb": (3, s.rgb_frames, s.rgb_size, s.rgb_size),
              "heatmaps": (17, s.pose_frames, s.heatmap_size, s.heatmap_size),
              "part_crops": (3, 3, s.rgb_frames, s.part_size, s.part_size),
              "flow": (2, s.rgb_frames, s.rgb_size, s.rgb_size),
              "hand_crops": (s.rgb_frames, 4, 3, s.part_size, s.part_size)}
    out = {}
    for kind in get_model_spec(model.model_name).inputs:
        if kind == "keypoints":
            kp = torch.rand((batch, s.keypoint_frames, s.people, 17, 3), generator=g)
            out[kind] = kp
        else:
            out[kind] = torch.randn((batch, *shapes[kind]), generator=g)
    return out


def _rank(shape: str) -> int:
    return len([p for p in re.sub(r"[()\s]", "", shape).split(",") if p])


@pytest.mark.parametrize("name", NAMES)
def test_outputs_follow_the_product_specs(name):
    model = tiny_model(name).eval()
    spec = get_model_spec(name)
    sizes = InputSizes.of(model.config, TINY_INPUTS)
    with torch.no_grad():
        out = model.forward_inputs(random_inputs(model))
    assert model.config["num_classes"] == CLASSES and getattr(model, "model_name") == name
    assert out.scores.shape == (2, CLASSES) and torch.allclose(out.scores.sum(1), torch.ones(2), atol=1e-5)
    assert all(logits.shape == (2, CLASSES) for logits in out.logits.values()) and out.logits
    assert set(out.products) == {p.name for p in spec.products}
    for name_, values in out.products.items():
        product = spec.product(name_)
        assert values.shape[0] == 2 and values.dim() - 1 == _rank(product.shape), (name_, values.shape)
        if product.time_base == "rgb_samples":
            assert values.shape[1] == sizes.rgb_frames, name_
        for row in values.numpy():
            assert check_normalised(row, product), (name_, product.value_range)


@pytest.mark.parametrize("name", NAMES)
def test_loss_holds_the_aux_losses_and_gradients_reach_every_parameter(name):
    model = tiny_model(name).train()
    out = model.forward_inputs(random_inputs(model))
    labels = torch.tensor([0, 2])
    loss = model.loss(out, labels)
    assert loss.dim() == 0 and torch.isfinite(loss)
    if out.aux_losses:
        doubled = type(out)(out.logits, out.scores, out.products, {k: 2 * v for k, v in out.aux_losses.items()})
        extra = model.loss(doubled, labels) - loss
        assert torch.allclose(extra, sum(out.aux_losses.values()), rtol=1e-4, atol=1e-7)
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert missing == []
    assert any(float(p.grad.abs().sum()) > 0 for p in model.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_round_trip_gives_identical_outputs(name, tmp_path):
    model = tiny_model(name, seed=1).eval()
    inputs = random_inputs(model, seed=3)
    path = save_checkpoint(model, tmp_path / f"{name}.pt", trained=True)
    back, info = load_checkpoint(path)
    assert info.config["model"] == name and type(back) is type(model) and back.config == model.config
    with torch.no_grad():
        a, b = model.forward_inputs(inputs), back.forward_inputs(inputs)
    assert torch.equal(a.scores, b.scores)
    for key in a.products:
        assert torch.equal(a.products[key], b.products[key]), key


def test_a_checkpoint_of_an_unknown_model_is_one_sentence(tmp_path):
    from core_model.errors import CheckpointError

    model = tiny_model("epam")
    path = save_checkpoint(model, tmp_path / "m.pt")
    raw = torch.load(path, weights_only=True)
    raw["config"]["model"] = "no-such-model"
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match="holds a model named 'no-such-model'"):
        load_checkpoint(path)


@pytest.fixture(scope="module")
def stick_video(tmp_path_factory):
    from core_model.video.synthetic import write_stick_figure_video

    path = tmp_path_factory.mktemp("family") / "one.mp4"
    kp = write_stick_figure_video(path, people=1, frames=40, size=(160, 120))
    poses = Poses(kp, np.ones(kp.shape[:3], np.float32), np.array([0]), np.arange(40) / 25.0, (120, 160), 25.0)
    return path, poses


@pytest.mark.parametrize("name", NAMES)
def test_analysis_stores_and_describes_every_product(name, stick_video, tmp_path):
    path, poses = stick_video
    settings = AnalysisSettings.from_lengths("20", "20")
    result = analyze_video(path, poses=poses, model=tiny_model(name).eval(), settings=settings,
                           out_dir=tmp_path / "r", use_cache=False)
    spec = get_model_spec(name)
    assert result.model_name == name and result.num_windows == 2
    back = AnalysisResult.load(tmp_path / "r")
    assert back.model_name == name and back.summary["model"] == name
    assert set(back.products) == {p.name for p in spec.products} == set(back.summary["products"])
    for key, values in back.products.items():
        assert back.product_spec(key) == spec.product(key) and values.shape[0] == 2
        np.testing.assert_array_equal(values, result.products[key])
        assert all(check_normalised(row, spec.product(key)) for row in values)
    with np.load(tmp_path / "r" / "arrays.npz") as npz:
        assert set(back.products) <= set(npz.files)
    np.testing.assert_allclose(back.prob_fused.sum(1), 1.0, atol=1e-5)
    streams = back.stream_probabilities()
    assert list(streams)[0] == "fused" and set(streams) - {"fused"} == set(tiny_model(name).forward_inputs(
        random_inputs(tiny_model(name))).logits)
    from core_model.review.queue import build_queue

    assert len(build_queue(back)) >= 1  # the review queue reads any model's results (untrained: low confidence)
