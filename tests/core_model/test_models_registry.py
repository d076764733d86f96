"""The model registry and self-describing attention products."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core_model.errors import ConfigError
from core_model.models.products import ProductSpec, check_normalised, relative_to_uniform
from core_model.models.registry import DEFAULT_MODEL, build_model, get_model_spec, model_name_of, model_names


def test_epam_is_registered_and_the_default():
    assert DEFAULT_MODEL == "epam" and model_names()[0] == "epam"
    spec = get_model_spec(None)
    assert spec.name == "epam" and spec.inputs == ("rgb", "heatmaps")
    assert {p.name for p in spec.products} == {"spatial_attention", "temporal_attention"}


def test_unknown_model_is_one_sentence_naming_the_choices():
    with pytest.raises(ConfigError, match="Unknown model 'nope': choose one of epam"):
        get_model_spec("nope")


def test_old_configs_are_epam():
    assert model_name_of({"num_classes": 3}) == "epam"
    assert model_name_of({"model": "vpn"}) == "vpn"


def test_epam_through_the_registry_gives_its_products_normalised():
    torch.manual_seed(0)
    model = build_model("epam", num_classes=4).eval()
    with torch.no_grad():
        out = model.forward_inputs({"rgb": torch.randn(1, 3, 16, 224, 224), "heatmaps": torch.rand(1, 17, 48, 56, 56)})
    spec = get_model_spec("epam")
    assert out.scores.shape == (1, 4) and torch.allclose(out.scores.sum(1), torch.ones(1))
    for name, values in out.products.items():
        assert check_normalised(values[0].numpy(), spec.product(name)), name
    assert out.products["spatial_attention"].shape == (1, 16, 7, 7)
    assert torch.isfinite(model.loss(out, torch.tensor([2])))


def test_product_names_and_fields_are_checked():
    with pytest.raises(ConfigError, match="must end with"):
        ProductSpec("spatial", kind="grid", value_range="sigmoid", time_base="clip", frame="crop", shape="(7, 7)")
    with pytest.raises(ConfigError, match="names its axis"):
        ProductSpec("t_attention", kind="curve", value_range="softmax", time_base="rgb_samples", frame="none",
                    shape="(T,)")
    spec = ProductSpec("t_attention", kind="curve", value_range="softmax", axis=0, time_base="rgb_samples",
                       frame="none", shape="(T,)")
    assert ProductSpec.from_dict(spec.to_dict()) == spec


def test_a_flat_softmax_reads_flat_not_strong():
    spec = ProductSpec("t_attention", kind="curve", value_range="softmax", axis=0, time_base="rgb_samples",
                       frame="none", shape="(T,)")
    flat = np.full(8, 1 / 8, dtype=np.float32)
    assert check_normalised(flat, spec)
    assert np.allclose(relative_to_uniform(flat, spec), 1.0)
    peaked = np.array([0.93] + [0.01] * 7, dtype=np.float32)
    assert relative_to_uniform(peaked, spec)[0] > 7
