"""VPN (Das thesis 004, §4.5, eqs. 4.14–4.21) on X3D: graph, shapes, normalisation, losses, variants, files."""
from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from core_model.errors import ConfigError
from core_model.models.gcn import COCO17_LONG_RANGE, FramewiseGCN, normalized_adjacency, skeleton_adjacency
from core_model.models.registry import build_model, get_model_spec, model_names
from core_model.models.vpn import EMBED_EPS, VPN, create_vpn
from core_model.pose.coco import COCO17_SKELETON
from tests.core_model.pose_attention_helpers import (checkpoint_round_trip, default_size_outputs,
                                                     normalised_tiny_outputs, params_without_grad, quick_preset_outputs,
                                                     random_inputs, spread_scores, tiny_model, train_and_score)

NAME = "vpn"


def tiny(**overrides) -> VPN:
    return tiny_model(NAME, **overrides)


def on_sphere(x: torch.Tensor) -> torch.Tensor:
    """Eq. 4.19: ``x / sqrt(Σ x² + ε)``."""
    return x / torch.sqrt((x ** 2).sum(1, keepdim=True) + EMBED_EPS)


def rebuilt(model: VPN, **overrides) -> VPN:
    config = {**model.config, **overrides}
    config.pop("model")
    clone = create_vpn(**config)
    clone.load_state_dict(model.state_dict())
    return clone.eval()


# --------------------------------------------------------------------------- the graph (eq. 4.14)
def test_adjacency_weights_bones_5_long_range_pairs_2():
    adj = skeleton_adjacency()
    assert adj.shape == (17, 17) and torch.equal(adj, adj.T) and torch.all(adj.diagonal() == 0)
    for i, j in COCO17_SKELETON:
        assert adj[i, j] == 5.0
    for i, j in COCO17_LONG_RANGE:
        assert adj[i, j] == 2.0
    assert int((adj > 0).sum()) == 2 * (len(COCO17_SKELETON) + len(COCO17_LONG_RANGE))
    two = skeleton_adjacency(2)
    assert torch.equal(two[:17, :17], adj) and torch.equal(two[17:, 17:], adj) and not two[:17, 17:].any()


def test_normalised_adjacency_is_d_half_e_plus_i_d_half():
    adj = skeleton_adjacency()
    a = adj + torch.eye(17)
    d = a.sum(1)
    norm = normalized_adjacency(adj)
    i, j = 10, 8  # right wrist – right elbow
    assert torch.isclose(norm[i, j], a[i, j] / torch.sqrt(d[i] * d[j]))
    assert torch.isclose(norm[i, i], 1 / d[i])


def test_every_pose_frame_has_its_own_gcn_weights():
    torch.manual_seed(0)
    gcn = FramewiseGCN(skeleton_adjacency(), steps=3, in_dim=3, out_dim=8)
    pose = torch.rand(1, 1, 17, 3).expand(1, 3, 17, 3)  # the same pose three times
    out = gcn(pose)
    assert out.shape == (1, 3, 17, 8)
    assert not torch.allclose(out[0, 0], out[0, 1])
    manual = F.elu(normalized_adjacency(skeleton_adjacency()) @ pose[0, 1] @ gcn.weight[1] + gcn.bias[1])
    assert torch.allclose(out[0, 1], manual, atol=1e-6)


# --------------------------------------------------------------------------- the model
def test_registered_with_its_inputs_products_and_defaults():
    assert NAME in model_names()
    spec = get_model_spec(NAME)
    assert spec.inputs == ("rgb", "keypoints")
    assert spec.defaults["variant"] == "paper" and spec.defaults["rgb_size"] == 224
    assert {p.name for p in spec.products} == {"spatial_attention", "temporal_attention", "spatiotemporal_attention"}
    assert spec.product("temporal_attention").axis == 0
    assert spec.product("spatiotemporal_attention").kind == "grid_time"
    assert spec.tiny and not set(spec.tiny) & {"rgb_frames", "rgb_size", "keypoint_frames"}


def test_default_sizes_give_7x7_16_and_16x7x7():
    model, out = default_size_outputs(NAME)
    assert out.products["spatiotemporal_attention"].shape == (1, 16, 7, 7)
    assert model.pose.gcn.weight.shape == (20, 3, 64)  # t_p GCNs projecting the joints to 64-d
    convs = [m.out_channels for m in model.pose.convs if isinstance(m, torch.nn.Conv2d)]
    assert convs == [64, 64, 128]


def test_tiny_shapes_products_normalised_and_coupled():
    out = normalised_tiny_outputs(tiny(), NAME)
    a_s, a_t, a_st = (out.products[k] for k in ("spatial_attention", "temporal_attention", "spatiotemporal_attention"))
    assert a_st.shape == (3, 4, 2, 2)
    assert torch.allclose(a_st, a_s[:, None] * a_t[:, :, None, None])  # eq. 4.16
    assert torch.allclose(a_st.sum(1), a_s, atol=1e-6)


def test_the_features_are_g_plus_a_st_times_g():
    model = tiny()
    spread_scores(model)
    model.eval()
    inputs = random_inputs(2)
    with torch.no_grad():
        out = model.forward_inputs(inputs)
        g = model.rgb.features(inputs["rgb"])
        a_st = out.products["spatiotemporal_attention"]
        expected = model.rgb.head.classify(g + a_st[:, None] * g)
    assert torch.allclose(out.logits["rgb"], expected, atol=1e-5)


def test_paper_loss_is_eq_4_20_with_the_hypersphere_embedding_of_eq_4_18():
    model = tiny()
    spread_scores(model)
    model.eval()
    inputs, labels = random_inputs(2), torch.tensor([2, 1])
    with torch.no_grad():
        out = model.forward_inputs(inputs)
        g = model.rgb.features(inputs["rgb"])
        z1 = model.spatial(model.pose(inputs["keypoints"]))
        g_e, p_e = model.t_v(g.sum(2).flatten(1)), model.t_p(z1)
        l_e = ((on_sphere(g_e) - on_sphere(p_e)) ** 2).sum(1).mean()
        a_s, a_t = out.products["spatial_attention"], out.products["temporal_attention"]
        l_a = ((a_s ** 2).sum((1, 2)) + ((1 - a_t) ** 2).sum(1)).mean()
        ce = F.cross_entropy(out.logits["rgb"], labels)
        assert torch.allclose(out.aux_losses["embedding"], 0.2 * l_e, atol=1e-5)
        assert torch.allclose(out.aux_losses["attention_regularizer"], 1e-5 * l_a)
        assert torch.allclose(model.loss(out, labels), 0.8 * ce + 0.2 * l_e + 1e-5 * l_a, atol=1e-5)
        assert float(l_e) > 0
        # λ1 (CE vs embedding trade-off) and λ2 move the loss by exactly their terms
        other = rebuilt(model, ce_weight=0.5, embedding_weight=0.5, lambda_attention=1.0)
        out_other = other.forward_inputs(inputs)
        assert torch.allclose(other.loss(out_other, labels), 0.5 * ce + 0.5 * l_e + l_a, atol=1e-5)


def test_code_variant_zero_heads_l1_embedding_and_999_01_weights():
    model = tiny(variant="code").eval()
    assert model.config["ce_weight"] == 99.9 and model.config["embedding_weight"] == 0.1
    assert not model.spatial.score.weight.any() and not model.temporal.score.weight.any()
    inputs, labels = random_inputs(2), torch.tensor([0, 1])
    with torch.no_grad():
        out = model.forward_inputs(inputs)
        assert torch.equal(out.products["temporal_attention"], torch.full((2, 4), 0.25))
        assert torch.equal(out.products["spatial_attention"], torch.full((2, 2, 2), 0.5))
        spread_scores(model)
        out = model.forward_inputs(inputs)
        g = model.rgb.features(inputs["rgb"])
        g_e = model.t_v(g.sum(2).flatten(1))
        p_e = model.t_p(model.spatial(model.pose(inputs["keypoints"])))
        diff = on_sphere(g_e) - on_sphere(p_e)
        assert torch.allclose(out.aux_losses["embedding"], 0.1 * diff.abs().sum(1).pow(2).mean(), atol=1e-4)
        ce = F.cross_entropy(out.logits["rgb"], labels)
        assert torch.allclose(model.loss(out, labels), 99.9 * ce + sum(out.aux_losses.values()))
        paper = rebuilt(model, variant="paper", ce_weight=99.9, embedding_weight=0.1)
        assert not torch.allclose(paper.forward_inputs(inputs).aux_losses["embedding"], out.aux_losses["embedding"])


def test_gradients_reach_every_parameter():
    model = tiny().train()
    out = model.forward_inputs(random_inputs(2))
    model.loss(out, torch.tensor([1, 0])).backward()
    assert params_without_grad(model) == []


def test_code_variant_gradients_reach_every_parameter_after_one_step():
    """Exactly-zero score layers block the pose backbone's gradient until they have moved once."""
    model = tiny(variant="code").train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs, labels = random_inputs(2), torch.tensor([1, 0])
    model.loss(model.forward_inputs(inputs), labels).backward()
    assert "pose.gcn.weight" in params_without_grad(model)
    opt.step()
    opt.zero_grad()
    model.loss(model.forward_inputs(inputs), labels).backward()
    assert params_without_grad(model) == []


@pytest.mark.parametrize("variant", ["paper", "code"])
def test_checkpoint_round_trip_gives_identical_outputs(tmp_path, variant):
    model = tiny(variant=variant)
    spread_scores(model)
    model.eval()
    before, after, loaded, info = checkpoint_round_trip(model, tmp_path / "vpn.pt", random_inputs(2, seed=4))
    assert isinstance(loaded, VPN) and info.config["model"] == NAME and loaded.config["variant"] == variant
    assert torch.equal(before.aux_losses["embedding"], after.aux_losses["embedding"])


def test_a_tiny_model_learns_the_synthetic_set():
    accuracy = train_and_score(tiny())
    assert accuracy >= 0.75, accuracy  # chance is 1/3


def test_wrong_inputs_and_configs_are_one_sentence():
    model = tiny().eval()
    with pytest.raises(ConfigError, match=r"needs keypoints of shape \(B, 8, 1, 17, 3\)"):
        model.forward_inputs(random_inputs(1, keypoint_frames=6))
    with pytest.raises(ConfigError, match="Unknown VPN variant 'keras': choose one of paper, code"):
        build_model(NAME, num_classes=2, variant="keras")
    with pytest.raises(ConfigError, match="at least 4 keypoint frames"):
        build_model(NAME, num_classes=2, keypoint_frames=3)


def test_the_projects_input_builders_feed_it_at_the_quick_presets_sizes():
    """112 px, 8 RGB frames (a 4x4 map), 24 keypoint frames: the sizes cpu-quick gives through model_config."""
    out = quick_preset_outputs(NAME)
    assert out.products["spatiotemporal_attention"].shape == (1, 8, 4, 4)
    assert torch.isfinite(out.aux_losses["embedding"])
