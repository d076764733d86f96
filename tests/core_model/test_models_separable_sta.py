"""Separable STA (Das thesis 004, §4.4, eqs. 4.10–4.13) on X3D: shapes, normalisation, loss, gradients, files."""
from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from core_model.errors import ConfigError
from core_model.models.registry import build_model, get_model_spec, model_names
from core_model.models.separable_sta import SeparableSTA, create_separable_sta
from tests.core_model.pose_attention_helpers import (checkpoint_round_trip, default_size_outputs,
                                                     normalised_tiny_outputs, params_without_grad, quick_preset_outputs,
                                                     random_inputs, spread_scores, tiny_model, train_and_score)

NAME = "separable-sta"


def tiny(**overrides) -> SeparableSTA:
    return tiny_model(NAME, **overrides)


def test_registered_with_its_inputs_products_and_defaults():
    assert NAME in model_names()
    spec = get_model_spec(NAME)
    assert spec.inputs == ("rgb", "keypoints")
    assert spec.defaults == {"rgb_frames": 16, "rgb_size": 224, "keypoint_frames": 20, "people": 1}
    spatial, temporal = spec.product("spatial_attention"), spec.product("temporal_attention")
    assert (spatial.kind, spatial.value_range, spatial.time_base) == ("grid", "sigmoid", "clip")
    assert (temporal.kind, temporal.value_range, temporal.axis, temporal.time_base) == \
        ("curve", "softmax", 0, "feature_steps")
    assert spec.tiny and not set(spec.tiny) & {"rgb_frames", "rgb_size", "keypoint_frames"}


def test_default_sizes_give_a_7x7_map_and_16_time_steps():
    model, out = default_size_outputs(NAME)
    assert out.scores.shape == (1, 5)
    assert model.config["model"] == NAME and model.num_classes == 5
    assert model.lstm.num_layers == 3 and model.lstm.hidden_size == 512  # the thesis's NTU pose backbone
    assert model.spatial.hidden.in_features == 20 * 512  # h*: every LSTM state concatenated


def test_tiny_shapes_and_products_normalised_as_eq_4_11():
    out = normalised_tiny_outputs(tiny(), NAME)
    assert out.products["spatial_attention"].shape == (3, 2, 2)
    assert out.products["temporal_attention"].shape == (3, 4)
    assert float(out.products["temporal_attention"].max()) > 0.3  # spread: not the flat 1/4


def test_attention_starts_equal_as_algorithm_2_asks():
    model = tiny().eval()
    with torch.no_grad():
        out = model.forward_inputs(random_inputs(2))
    assert torch.allclose(out.products["temporal_attention"], torch.full((2, 4), 0.25), atol=1e-3)
    assert torch.allclose(out.products["spatial_attention"], torch.full((2, 2, 2), 0.5), atol=1e-3)


def test_the_loss_is_ce_plus_the_regularisers_of_eq_4_13():
    model = tiny()
    spread_scores(model)
    model.eval()
    inputs, labels = random_inputs(2), torch.tensor([0, 2])
    with torch.no_grad():
        out = model.forward_inputs(inputs)
        alpha, beta = out.products["spatial_attention"], out.products["temporal_attention"]
        ce = F.cross_entropy(out.logits["rgb"], labels)
        assert torch.allclose(out.aux_losses["spatial_regularizer"], 1e-5 * (alpha ** 2).sum((1, 2)).mean())
        assert torch.allclose(out.aux_losses["temporal_regularizer"], 1e-5 * ((1 - beta) ** 2).sum(1).mean())
        assert torch.allclose(model.loss(out, labels), ce + sum(out.aux_losses.values()))
        assert float(sum(out.aux_losses.values())) > 0
    # λ1 and λ2 move the loss by exactly their terms
    heavy = create_separable_sta(**_without_model(model.config, lambda_spatial=1.0, lambda_temporal=2.0))
    heavy.load_state_dict(model.state_dict())
    heavy.eval()
    with torch.no_grad():
        out_heavy = heavy.forward_inputs(inputs)
        expected = ce + (alpha ** 2).sum((1, 2)).mean() + 2.0 * ((1 - beta) ** 2).sum(1).mean()
        assert torch.allclose(heavy.loss(out_heavy, labels), expected, atol=1e-5)
        assert not torch.allclose(heavy.loss(out_heavy, labels), model.loss(out, labels))


def _without_model(config: dict, **overrides) -> dict:
    config = {**config, **overrides}
    config.pop("model")
    return config


def test_gradients_reach_every_parameter():
    model = tiny().train()
    out = model.forward_inputs(random_inputs(2))
    model.loss(out, torch.tensor([1, 0])).backward()
    assert params_without_grad(model) == []


def test_checkpoint_round_trip_gives_identical_outputs(tmp_path):
    model = tiny()
    spread_scores(model)
    model.eval()
    _, _, loaded, info = checkpoint_round_trip(model, tmp_path / "sta.pt", random_inputs(2, seed=3))
    assert isinstance(loaded, SeparableSTA) and info.config["model"] == NAME


def test_a_tiny_model_learns_the_synthetic_set():
    accuracy = train_and_score(tiny())
    assert accuracy >= 0.75, accuracy  # chance is 1/3


def test_wrong_inputs_and_configs_are_one_sentence():
    model = tiny().eval()
    bad = random_inputs(1, keypoint_frames=5)
    with pytest.raises(ConfigError, match=r"needs keypoints of shape \(B, 8, 1, 17, 3\)"):
        model.forward_inputs(bad)
    with pytest.raises(ConfigError, match="built for a 4x2x2 feature map"):
        model.forward_inputs(random_inputs(1, frames=6))
    with pytest.raises(ConfigError, match="positive integer"):
        build_model(NAME, num_classes=0)
    with pytest.raises(ConfigError, match="rgb_size"):
        build_model(NAME, num_classes=2, rgb_size=16)


def test_the_projects_input_builders_feed_it_at_the_quick_presets_sizes():
    """112 px, 8 RGB frames (a 4x4 map), 24 keypoint frames: the sizes cpu-quick gives through model_config."""
    out = quick_preset_outputs(NAME)
    assert out.products["spatial_attention"].shape == (1, 4, 4)
    assert out.products["temporal_attention"].shape == (1, 8)
