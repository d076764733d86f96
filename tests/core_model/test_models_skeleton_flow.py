"""skeleton-flow (seed 003): Res-TCN + BJCN, joint informativeness (eq. 2), AT-1/AT-2 masks F = (1 + M) ∘ Y
after every convolution of the X3D motion stream (eqs. 3–5), late fusion, the L1 term, configs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from core_model.errors import ConfigError
from core_model.models import load_checkpoint, save_checkpoint
from core_model.models.products import check_normalised
from core_model.models.registry import build_named, get_model_spec
from core_model.models.skeleton_flow import (SkeletonFlow, boost_mask, boost_points, create_skeleton_flow,
                                             informativeness, joints_at, layer_side)
from core_model.preprocess.spec import InputSpec

TINY = InputSpec(rgb_size=32, heatmap_size=16, rgb_frames=4, pose_frames=12)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one intra-op thread (on a shared, loaded CPU two threads made each step ~100x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny(seed: int = 0, classes: int = 3, **overrides) -> SkeletonFlow:
    torch.manual_seed(seed)
    return build_named("skeleton-flow", num_classes=classes, class_names=[f"c{k}" for k in range(classes)],
                       inputs=TINY, tiny=True, **overrides)


def inputs(model, batch: int = 2, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    c = model.config
    return {"flow": torch.randn((batch, 2, c["rgb_frames"], c["rgb_size"], c["rgb_size"]), generator=g),
            "rgb": torch.randn((batch, 3, c["rgb_frames"], c["rgb_size"], c["rgb_size"]), generator=g),
            "keypoints": torch.rand((batch, c["keypoint_frames"], c["people"], 17, 3), generator=g)}


def one_joint(x: float, y: float, joint: int = 0, frames: int = 1) -> torch.Tensor:
    kp = torch.zeros((1, frames, 1, 17, 3))
    kp[0, :, 0, joint] = torch.tensor([x, y, 1.0])
    return kp


# --------------------------------------------------------------------------- shapes, products, losses
def test_outputs_and_products_have_their_shapes_and_ranges():
    model = tiny().eval()
    spec = get_model_spec("skeleton-flow")
    with torch.no_grad():
        out = model.forward_inputs(inputs(model))
    assert list(out.logits) == ["late_fusion"] and out.logits["late_fusion"].shape == (2, 3)
    assert torch.allclose(out.scores.sum(1), torch.ones(2))
    info, boost = out.products["joint_informativeness"], out.products["boost_attention"]
    assert info.shape == (2, 17) and boost.shape == (2, 4, layer_side(32, 1), layer_side(32, 1)) == (2, 4, 8, 8)
    for row in info.numpy():
        assert check_normalised(row, spec.product("joint_informativeness"))
        assert row.min() == 0.0 and row.max() == pytest.approx(1.0)  # linearly scaled to [0, 1]
    for row in boost.numpy():
        assert check_normalised(row, spec.product("boost_attention"))


def test_informativeness_is_eq_2_over_bjcn_layers_1_to_4():
    model = tiny().eval()
    batch = inputs(model)
    with torch.no_grad():
        out = model.forward_inputs(batch)
        _, activations = model.bjcn(model._rows(batch["keypoints"]))
    assert len(activations) == 4 and all(a.shape[2] == 17 * 3 for a in activations)  # one column per row
    raw = sum(a.sum(dim=1) for a in activations).reshape(2, 17, 3).sum(-1)  # Σ filters, layers, joint k's rows
    expected = (raw - raw.min(1, keepdim=True).values) / (raw.max(1, keepdim=True).values -
                                                          raw.min(1, keepdim=True).values)
    torch.testing.assert_close(out.products["joint_informativeness"], expected)
    torch.testing.assert_close(informativeness(activations, 1), expected)


def test_the_loss_is_cross_entropy_plus_the_l1_term():
    model = tiny().train()
    out = model.forward_inputs(inputs(model))
    labels = torch.tensor([0, 2])
    l1 = sum(m.weight.abs().sum() for m in model.modules() if isinstance(m, nn.Conv1d))
    assert model.config["l1"] == 1e-4
    torch.testing.assert_close(out.aux_losses["l1"], 1e-4 * l1)
    ce = nn.functional.cross_entropy(out.logits["late_fusion"], labels)
    torch.testing.assert_close(model.loss(out, labels), ce + 1e-4 * l1)


@pytest.mark.parametrize("overrides", [{"attention": "at1"}, {"attention": "none"},
                                       {"motion_input": "rgb", "attention": "at2"}])
def test_every_config_trains_every_parameter_and_round_trips(overrides, tmp_path):
    model = tiny(**overrides).train()
    batch = inputs(model)
    model.loss(model.forward_inputs(batch), torch.tensor([1, 0])).backward()
    assert [n for n, p in model.named_parameters() if p.grad is None] == []
    model.eval()
    path = save_checkpoint(model, tmp_path / "m.pt", trained=True)
    back, info = load_checkpoint(path)
    assert back.config == model.config and info.config["model"] == "skeleton-flow"
    with torch.no_grad():
        a, b = model.forward_inputs(batch), back.forward_inputs(batch)
    assert torch.equal(a.scores, b.scores) and torch.equal(a.products["boost_attention"],
                                                           b.products["boost_attention"])


def test_rgb_motion_input_uses_the_rgb_clip_with_three_channels():
    model = tiny(motion_input="rgb").eval()
    assert model.motion.blocks[0].conv.conv_t.in_channels == 3
    assert tiny().motion.blocks[0].conv.conv_t.in_channels == 2  # flow: X3D with 2 input channels
    batch = inputs(model)
    with torch.no_grad():
        a = model.forward_inputs(batch).scores
        batch["flow"] = torch.zeros_like(batch["flow"])
        assert torch.equal(model.forward_inputs(batch).scores, a)  # flow is not read
        batch["rgb"] = batch["rgb"] + 1
        assert not torch.equal(model.forward_inputs(batch).scores, a)


def test_bad_configs_and_inputs_are_one_sentence():
    with pytest.raises(ConfigError, match="Unknown attention 'at3'"):
        create_skeleton_flow(3, attention="at3")
    with pytest.raises(ConfigError, match="Unknown motion input 'depth'"):
        create_skeleton_flow(3, motion_input="depth")
    model = tiny().eval()
    batch = inputs(model)
    batch["keypoints"] = batch["keypoints"][:, :3]
    with pytest.raises(ConfigError, match="needs keypoints of shape"):
        model.forward_inputs(batch)


# --------------------------------------------------------------------------- masks
def test_at1_discs_sit_on_the_joints_rescaled_to_each_layer():
    kp = one_joint(0.5, 0.25)
    m = boost_mask(kp, (1, 20, 20), "at1")[0, 0]  # r = ⌊0.05·20⌋ = 1 around cell (x 10, y 5)
    assert set(map(tuple, torch.nonzero(m).tolist())) == {(5, 10), (4, 10), (6, 10), (5, 9), (5, 11)}
    m = boost_mask(kp, (1, 60, 60), "at1")[0, 0]  # r = 3 around (30, 15): 29 cells of the disc
    ys, xs = torch.nonzero(m, as_tuple=True)
    assert int(m.sum()) == 29 and ((xs - 30) ** 2 + (ys - 15) ** 2 <= 9).all()
    m = boost_mask(kp, (1, 7, 7), "at1")[0, 0]  # r = 0: the joint's cell only
    assert torch.nonzero(m).tolist() == [[1, 3]]
    absent = kp.clone()
    absent[..., 2] = 0
    assert boost_mask(absent, (1, 20, 20), "at1").sum() == 0  # an undetected joint boosts nothing
    assert boost_mask(kp, (1, 20, 20), "none").sum() == 0


def test_joints_are_interpolated_across_time():
    kp = torch.zeros((1, 2, 1, 17, 3))
    kp[0, 0, 0, 0] = torch.tensor([0.2, 0.5, 1.0])
    kp[0, 1, 0, 0] = torch.tensor([0.6, 0.5, 1.0])
    torch.testing.assert_close(joints_at(kp, 3)[0, :, 0, 0], torch.tensor([0.2, 0.4, 0.6]))
    m = boost_mask(kp, (3, 10, 10), "at1")[0]  # r = 0: one cell per step
    assert [torch.nonzero(m[t]).tolist() for t in range(3)] == [[[5, 2]], [[5, 4]], [[5, 6]]]


def test_at2_values_are_one_plus_score_averaged_where_discs_overlap():
    kp = torch.zeros((1, 1, 1, 17, 3))
    kp[0, 0, 0, 9] = torch.tensor([0.30, 0.5, 1.0])  # left wrist
    kp[0, 0, 0, 10] = torch.tensor([0.40, 0.5, 1.0])  # right wrist, 2 cells to the right on a 20 x 20 map
    scores = torch.zeros((1, 17))
    scores[0, 9], scores[0, 10] = 0.2, 1.0
    m = boost_mask(kp, (1, 20, 20), "at2", scores)[0, 0]
    assert m[10, 5] == pytest.approx(1.2) and m[10, 8] == pytest.approx(2.0)  # one disc each
    assert m[10, 7] == pytest.approx(1.6)  # both discs: the mean of 1.2 and 2.0
    np.testing.assert_allclose(np.unique(m.numpy()), [0.0, 1.2, 1.6, 2.0], rtol=1e-6)


def test_every_convolution_of_the_motion_stream_is_boosted():
    """F = (1 + M) ∘ Y after the stem's spatial convolution, after a bottleneck's conv_b + BN and after
    conv5 + BN: compare with the same layers computed without the mask."""
    model = tiny(attention="at1").eval()
    batch = inputs(model, batch=1)
    batch["keypoints"][..., 2] = 1.0
    block = model.motion.blocks[2].res_blocks[0].branch2
    layers = {"stem": model.motion.blocks[0].conv.conv_t, "conv_b": block.norm_b[0],
              "conv5": model.motion.head.pool.pre_norm}
    assert set(map(id, layers.values())) <= set(map(id, boost_points(model.motion)))
    assert len(boost_points(model.motion)) == sum(
        1 for name, m in model.motion.named_modules() if isinstance(m, nn.Conv3d) and ".block." not in name)
    seen = {}
    for name, layer in layers.items():
        layer.register_forward_hook(lambda mod, inp, out, name=name: seen.__setitem__(name, (inp[0], out)))
    with torch.no_grad():
        model.forward_inputs(batch)
        for name, layer in layers.items():
            x, out = seen[name]
            raw = layer._conv_forward(x, layer.weight, layer.bias) if isinstance(layer, nn.Conv3d) else \
                nn.functional.batch_norm(x, layer.running_mean, layer.running_var, layer.weight, layer.bias)
            mask = boost_mask(batch["keypoints"], tuple(raw.shape[2:]), "at1")
            assert mask.sum() > 0, name
            torch.testing.assert_close(out, raw * (1 + mask[:, None]), msg=name)


@pytest.mark.parametrize("attention", ["at1", "at2"])
def test_the_bn_folded_inference_copy_computes_the_same(attention):
    """Analysis runs a copy with every BatchNorm folded into its convolution: the masks stay where they were."""
    from core_model.models.inference import fuse_for_inference

    model = tiny(attention=attention).eval()
    with torch.no_grad():  # BN statistics that are not the identity, so folding changes the modules' outputs
        for m in model.modules():
            if isinstance(m, nn.BatchNorm3d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.bias.uniform_(-0.5, 0.5)
    batch = inputs(model)
    folded = fuse_for_inference(model)
    with torch.no_grad():
        a, b = model.forward_inputs(batch), folded.forward_inputs(batch)
        plain = tiny(attention="none").eval()
        plain.load_state_dict(model.state_dict())
        c = plain.forward_inputs(batch)
    torch.testing.assert_close(b.scores, a.scores, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(c.scores, a.scores, atol=1e-4)  # and the masks do change the scores


def test_a_flipped_clip_gives_mirrored_masks():
    kp = torch.zeros((1, 2, 1, 17, 3))
    kp[0, :, 0, 9] = torch.tensor([0.23, 0.4, 1.0])  # left wrist
    kp[0, :, 0, 10] = torch.tensor([0.61, 0.7, 1.0])  # right wrist
    from core_model.pose.coco import COCO17_FLIP_INDEX

    flipped = kp[:, :, :, COCO17_FLIP_INDEX.tolist()].clone()  # as the keypoints builder flips
    flipped[..., 0] = torch.where(flipped[..., 2] > 0, 1 - flipped[..., 0], flipped[..., 0])
    scores = torch.linspace(0, 1, 17)[None]
    for side in (20, 40):
        a = boost_mask(kp, (2, side, side), "at1")
        assert torch.equal(boost_mask(flipped, (2, side, side), "at1"), a.flip(-1))
        b = boost_mask(kp, (2, side, side), "at2", scores)
        swapped = scores[:, COCO17_FLIP_INDEX.tolist()]  # the mirrored skeleton's joint k is the original's flip(k)
        torch.testing.assert_close(boost_mask(flipped, (2, side, side), "at2", swapped), b.flip(-1))


# --------------------------------------------------------------------------- learning
def test_tiny_config_learns_a_synthetic_set_above_chance():
    """Three classes told apart by the flow direction around the wrists and the wrists' motion."""
    torch.manual_seed(0)
    model = tiny(seed=0, classes=3, dropout_rate=0.0)
    c = model.config
    g = torch.Generator().manual_seed(1)

    def make(n):
        labels = torch.arange(n) % 3
        flow = 0.3 * torch.randn((n, 2, c["rgb_frames"], 32, 32), generator=g)
        direction = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])[labels]
        flow[:, :, :, 8:24, 8:24] += direction[:, :, None, None, None]
        kp = torch.rand((n, c["keypoint_frames"], 1, 17, 3), generator=g) * 0.1 + 0.45
        kp[..., 2] = 1.0
        t = torch.linspace(0, 0.3, c["keypoint_frames"])
        kp[:, :, 0, 9:11, 0] += (direction[:, 0, None] * t)[..., None]
        kp[:, :, 0, 9:11, 1] += (direction[:, 1, None] * t)[..., None]
        return {"flow": flow, "keypoints": kp, "rgb": torch.zeros((n, 3, c["rgb_frames"], 32, 32))}, labels

    train, train_labels = make(24)
    test, test_labels = make(24)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(40):
        optimizer.zero_grad()
        model.loss(model.forward_inputs(train), train_labels).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = float((model.forward_inputs(test).scores.argmax(1) == test_labels).float().mean())
    assert accuracy > 0.55  # chance is 1/3 (seeds 0-2 give 0.71-0.92)
