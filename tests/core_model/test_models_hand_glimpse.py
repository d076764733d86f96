"""hand-glimpse (Baradel, Wolf, Mille 001): joint path, pose tensor, glimpse crops, attention, losses, training."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from torch.nn import functional as F

from core_model.errors import ConfigError
from core_model.models.checkpoints import load_checkpoint, save_checkpoint
from core_model.models.hand_glimpse import TINY_CONFIG, HandGlimpse, pose_tensor
from core_model.models.products import check_normalised
from core_model.models.registry import BUILTIN_MODULES, build_model, get_model_spec
from core_model.pose.coco import COCO17_FLIP_INDEX
from core_model.preprocess import hands
from core_model.preprocess.keypoints import keypoint_sequence
from core_model.preprocess.normalization import DEFAULT
from core_model.video.synthetic import draw_stick_figures, stick_figure_keypoints

T, TK, S = 4, 8, 32  # RGB steps, keypoint frames, glimpse side of the tiny tests


def _tiny(num_classes=3, **config) -> HandGlimpse:
    torch.manual_seed(0)
    return build_model("hand-glimpse", num_classes=num_classes, class_names=[f"c{i}" for i in range(num_classes)],
                       **{**TINY_CONFIG, "rgb_frames": T, "part_size": S, **config})


def _inputs(batch=2, seed=1, people=2):
    g = torch.Generator().manual_seed(seed)
    kp = torch.rand((batch, TK, people, 17, 3), generator=g)
    return {"keypoints": kp, "hand_crops": torch.randn((batch, T, 4, 3, S, S), generator=g)}


def test_registered_with_its_inputs_products_and_paper_sizes():
    assert "core_model.models.hand_glimpse" in BUILTIN_MODULES
    spec = get_model_spec("hand-glimpse")
    assert spec.inputs == ("keypoints", "hand_crops")
    assert {p.name: (p.value_range, p.axis, p.frame) for p in spec.products} == {
        "hand_weights": ("softmax", 1, "hands"), "temporal_weights": ("softmax", 0, "none")}
    model = build_model("hand-glimpse", num_classes=60)  # the paper's sizes
    convs = [m for m in model.pose.convs if isinstance(m, torch.nn.Conv2d)]
    assert [tuple(c.weight.shape[2:]) for c in convs] == [(8, 2), (8, 2), (5, 25)]  # 8x3, 8x3, 5x75 scaled
    assert convs[-1].out_channels == 1024 and model.rgb.lstm.hidden_size == 1024
    assert model.rgb.spatial[0].out_features == 256 and model.rgb.temporal[0].out_features == 512
    assert isinstance(model.rgb.spatial[1], torch.nn.Sigmoid) and isinstance(model.rgb.temporal[1], torch.nn.Sigmoid)
    assert model.rgb.lstm.input_size == 432  # X3D-M conv5
    kp = torch.rand(1, 20, 2, 17, 3)
    with torch.no_grad():  # the pose tensor enters the convolutions scaled by input_scale (4: quarter crop sides)
        torch.testing.assert_close(model.pose.features(kp), model.pose.convs(4.0 * pose_tensor(kp)).flatten(1))
    with pytest.raises(ConfigError, match="hands of 2 people"):
        build_model("hand-glimpse", num_classes=3, people=1)


def test_joint_path_visits_every_joint_and_neighbouring_columns_are_bones():
    path = hands.JOINT_PATH
    assert set(path) == set(range(17)) and len(path) == 25
    bones = {frozenset(b) for b in hands.PATH_BONES}
    pairs = list(zip(path, path[1:] + path[:1]))  # cyclic: the last column is joined to the first
    assert all(frozenset(p) in bones for p in pairs), [p for p in pairs if frozenset(p) not in bones]
    assert path.count(7) == 2 and path.count(13) == 2  # limbs are walked out and back (double entries)
    assert [int(COCO17_FLIP_INDEX[j]) for j in path] == list(reversed(path))  # a flip reverses the path


def test_pose_tensor_channels_origin_and_missing_person():
    kp = torch.zeros(1, 5, 1, 17, 3)
    kp[..., 2] = 1.0
    kp[..., 0] = torch.arange(17.0) / 20
    kp[..., 1] = 0.5
    kp[:, :, :, :, 0] += torch.arange(5.0)[:, None, None] * 0.01  # everything moves right at 0.01 / frame
    kp[:, 2, 0, 3, 2] = 0.0  # joint 3 missing in frame 2
    x = pose_tensor(kp)
    assert x.shape == (1, 3, 5, 2 * 25 * 2)
    coords, vel, acc = x[0]
    path = list(hands.JOINT_PATH)
    hip_l, hip_r = path.index(11), path.index(12)
    torch.testing.assert_close(coords[:, 2 * hip_l], -coords[:, 2 * hip_r])  # origin at the hip centre
    assert torch.all(x[:, :, :, 50:] == 0)  # the absent second person is zeros
    ear = path.index(3)
    assert coords[2, 2 * ear] == 0 and coords[1, 2 * ear] != 0  # a missing joint is zero
    assert torch.all(vel[0] == 0) and torch.all(acc[:2] == 0)
    assert vel[2, 2 * ear] == 0 and vel[3, 2 * ear] == 0  # no velocity across the missing frame
    kp2 = kp.clone()
    kp2[:, :, :, 11, 0] += torch.arange(5.0)[:, None] * 0.02  # the left hip accelerates away
    v2 = pose_tensor(kp2)[0, 1]
    assert torch.all(v2[1:, 2 * path.index(0)] != 0)  # the hip centre moves: the nose moves relative to it


def test_output_shapes_and_normalised_attention():
    model = _tiny().eval()
    with torch.no_grad():
        out = model.forward_inputs(_inputs())
    assert set(out.logits) == {"pose", "rgb"} and out.scores.shape == (2, 3)
    torch.testing.assert_close(out.scores, torch.softmax(out.logits["pose"] + out.logits["rgb"], 1))
    assert out.products["hand_weights"].shape == (2, T, 4) and out.products["temporal_weights"].shape == (2, T)
    spec = get_model_spec("hand-glimpse")
    for name, values in out.products.items():
        assert all(check_normalised(row, spec.product(name)) for row in values.numpy()), name


def test_hands_of_an_absent_person_get_no_attention():
    model = _tiny().eval()
    x = _inputs()
    x["keypoints"][:, :, 1] = 0.0  # nobody second
    with torch.no_grad():
        weights = model.forward_inputs(x).products["hand_weights"]
    assert torch.all(weights[..., 2:] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, T))


def test_spatial_attention_is_conditioned_on_the_pose_and_the_previous_state():
    model = _tiny().eval()
    x = _inputs()
    with torch.no_grad():
        a = model.forward_inputs(x).products["hand_weights"]
        y = dict(x, keypoints=x["keypoints"].flip(1))
        b = model.forward_inputs(y).products["hand_weights"]
        z = dict(x, hand_crops=x["hand_crops"].clone())
        z["hand_crops"][:, 1:] += 3.0  # glimpses after the first step change: p_1 uses h_0 = 0, not them
        c = model.forward_inputs(z).products["hand_weights"]
    assert not torch.allclose(a, b)
    torch.testing.assert_close(a[:, 0], c[:, 0])
    assert not torch.allclose(a[:, 2:], c[:, 2:])


def test_loss_is_the_sum_of_the_per_stream_cross_entropies():
    model = _tiny().train()
    out = model.forward_inputs(_inputs())
    labels = torch.tensor([0, 2])
    expected = F.cross_entropy(out.logits["pose"], labels) + F.cross_entropy(out.logits["rgb"], labels)
    torch.testing.assert_close(model.loss(out, labels), expected)


def test_gradients_reach_every_parameter_and_the_rgb_loss_leaves_the_pose_alone():
    model = _tiny().train()
    labels = torch.tensor([0, 2])
    model.loss(model.forward_inputs(_inputs()), labels).backward()
    assert [n for n, p in model.named_parameters() if p.grad is None or not torch.any(p.grad != 0)] == []
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model.forward_inputs(_inputs()).logits["rgb"], labels).backward()
    assert all(p.grad is None for p in model.pose.parameters())  # pose first, RGB with the pose frozen
    joint = _tiny(end_to_end=True).train()
    F.cross_entropy(joint.forward_inputs(_inputs()).logits["rgb"], labels).backward()
    assert any(p.grad is not None and torch.any(p.grad != 0) for p in joint.pose.parameters())


def test_checkpoint_round_trip_gives_identical_outputs(tmp_path):
    model = _tiny().eval()
    x = _inputs(seed=4)
    path = save_checkpoint(model, tmp_path / "hg.pt", trained=True)
    back, info = load_checkpoint(path)
    assert info.config["model"] == "hand-glimpse" and back.config == model.config
    with torch.no_grad():
        a, b = model.forward_inputs(x), back.eval().forward_inputs(x)
    assert torch.equal(a.scores, b.scores)
    assert all(torch.equal(a.products[k], b.products[k]) for k in a.products)


def test_bad_inputs_are_one_sentence():
    model = _tiny().eval()
    x = _inputs()
    with pytest.raises(ConfigError, match="hand crops"):
        model.forward_inputs(dict(x, hand_crops=x["hand_crops"][:, :, :3]))
    with pytest.raises(ConfigError, match="keypoint frames"):
        model.forward_inputs(dict(x, keypoints=x["keypoints"][:, :4]))


# ------------------------------------------------------------------ glimpses from real frames
_OBJECT = (20, 160, 60)


def _clip(kp, label=None):
    images = []
    for t in range(kp.shape[1]):
        img = draw_stick_figures(kp[:, t], (160, 120))
        if label is not None and label < 2:
            x, y = kp[0, t, 9 + label]
            cv2.circle(img, (int(x), int(y)), 6, _OBJECT, -1)
        images.append(img)
    return np.stack(images)


def test_glimpse_boxes_are_centred_on_the_wrists_and_sized_by_the_person():
    kp = stick_figure_keypoints(1, 6, (160, 120))
    score = np.ones(kp.shape[:3], np.float32)
    boxes = hands.hand_boxes(kp, score, (120, 160), range(6), [0], hand_scale=0.2)
    centres = (boxes[..., :2] + boxes[..., 2:]) / 2
    np.testing.assert_allclose(centres[:, 0], kp[0, :, 9], atol=1e-3)
    np.testing.assert_allclose(centres[:, 1], kp[0, :, 10], atol=1e-3)
    height = np.median(kp[0, :, :, 1].max(1) - kp[0, :, :, 1].min(1))
    np.testing.assert_allclose(boxes[:, :2, 2] - boxes[:, :2, 0], 0.2 * height, rtol=1e-3)
    assert np.isnan(boxes[:, 2:]).all()  # nobody second
    crops = hands.crop_hands(_clip(kp, 0)[0], boxes[0], 24)
    assert crops.shape == (4, 24, 24, 3) and not crops[2:].any() and crops[0].any()
    close = lambda px: np.abs(px.astype(int) - np.array(_OBJECT)).max() < 10  # noqa: E731
    assert close(crops[0, 12, 12]) and not close(crops[1, 12, 12])  # the object held left is in glimpse 0


def test_a_flipped_training_clip_gives_mirrored_glimpses_with_the_hands_swapped():
    from core_model.preprocess.kinds import InputSizes
    from core_model.training.dataset import Augment, training_inputs

    kp = stick_figure_keypoints(2, 30, (160, 120))
    score = np.ones(kp.shape[:3], np.float32)
    frames = _clip(kp)
    sizes = InputSizes.of({"rgb_frames": T, "part_size": S, "keypoint_frames": TK, "people": 2},
                          InputSizes().sampling())
    made = {}
    for flip in (0.0, 1.0):
        rng = np.random.default_rng(7)
        made[flip], _ = training_inputs(kp, score, (120, 160), lambda idx: frames[np.asarray(idx)], 30, sizes, rng,
                                        Augment(flip=flip), ("keypoints", "hand_crops"))
    plain, flipped = made[0.0]["hand_crops"], made[1.0]["hand_crops"]
    assert plain.shape == (T, 4, 3, S, S) and np.abs(plain).sum() > 0
    np.testing.assert_array_equal(flipped, plain[:, list(hands.FLIP_SLOTS)][..., ::-1])
    kp_plain, kp_flip = made[0.0]["keypoints"], made[1.0]["keypoints"]  # the pose agrees: wrists swapped too
    np.testing.assert_allclose(kp_flip[:, :, 9, 0], 1 - kp_plain[:, :, 10, 0], atol=1e-6)


def _synthetic_set(n: int, seed: int):
    """Stick figures holding a green disc in the left hand (class 0), the right hand (1) or not at all (2)."""
    rng = np.random.default_rng(seed)
    all_kp = stick_figure_keypoints(1, 200, (160, 120))
    crops, keypoints, labels = [], [], []
    for i in range(n):
        label = i % 3
        start = int(rng.integers(0, 200 - 12))
        kp = all_kp[:, start:start + 12]
        images, score = _clip(kp, label), np.ones(kp.shape[:3], np.float32)
        rgb_frames = np.linspace(0, 11, T).round().astype(int)
        boxes = hands.hand_boxes(kp, score, (120, 160), rgb_frames, [0])
        raw = np.stack([hands.crop_hands(images[f], boxes[k], S) for k, f in enumerate(rgb_frames)])
        crops.append(hands.normalize_hands(raw, np.array([True, True, False, False]), normalization=DEFAULT))
        frames = np.linspace(0, 11, TK).round().astype(int)
        keypoints.append(keypoint_sequence(kp, score, frames, (0, 0, 160, 120), people=2))
        labels.append(label)
    return ({"hand_crops": torch.from_numpy(np.stack(crops)),
             "keypoints": torch.from_numpy(np.stack(keypoints))}, torch.tensor(labels))


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tiny tensors run faster on one thread of a shared machine
    yield
    torch.set_num_threads(threads)


def test_tiny_config_learns_a_synthetic_set_above_chance(one_thread):
    train_x, train_y = _synthetic_set(24, seed=0)
    test_x, test_y = _synthetic_set(12, seed=1)
    model = _tiny(3, dropout=0.0)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(30):
        idx = torch.randperm(len(train_y), generator=gen)[:8]
        loss = model.loss(model.forward_inputs({k: v[idx] for k, v in train_x.items()}), train_y[idx])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():  # precise BatchNorm statistics
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.reset_running_stats()
                module.momentum = None
        model.forward_inputs(train_x)
    model.eval()
    with torch.no_grad():
        out = model.forward_inputs(test_x)
    accuracy = (out.logits["rgb"].argmax(1) == test_y).float().mean().item()
    assert accuracy >= 0.66, accuracy  # held-out clips; chance is 1/3 (the class is only in the glimpses)


# ------------------------------------------------------------------ training order: pose first, then RGB
def _small_preset(name: str, folder) -> str:
    from core_model.training.presets import PRESETS_DIR

    raw = json.loads((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    raw["inputs"] = {"rgb_size": 32, "heatmap_size": 16, "rgb_frames": T, "pose_frames": 12}
    raw["models"]["hand-glimpse"].update(part_size=S, keypoint_frames=TK)
    raw["optimizer"]["precise_bn_clips"] = 0
    path = folder / f"{name}.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return str(path)


def _streams(path):
    model, _ = load_checkpoint(path)
    state = model.state_dict()
    return ({k: v for k, v in state.items() if k.startswith("pose.")},
            {k: v for k, v in state.items() if k.startswith("rgb.")})


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_the_two_presets_train_the_pose_first_then_the_rgb_stream_with_the_pose_frozen(tmp_path, one_thread):
    from core_model.cli import main
    from core_model.export import make_synthetic_set
    from core_model.training.model_setup import build_model as trainer_model
    from core_model.training.presets import load_preset

    assert load_preset("hand-glimpse-pose").freeze == "rgb" and load_preset("hand-glimpse-rgb").freeze == "pose"
    data = make_synthetic_set(tmp_path / "set", classes=2, clips_per_class=3, size=(64, 48), seconds=1.0,
                              split=0.67, seed=1)
    pose_preset, rgb_preset = _small_preset("hand-glimpse-pose", tmp_path), _small_preset("hand-glimpse-rgb", tmp_path)
    common = ["--epochs", "1", "--batch", "2", "--workers", "0", "--log-every", "0"]
    assert main(["train", str(data.path), "-o", str(tmp_path / "r1"), "--model", "hand-glimpse", "--preset",
                 pose_preset, "--tiny", *common]) == 0
    start, _ = trainer_model(load_preset(pose_preset), data.classes, model_name="hand-glimpse", tiny=True)
    start_pose = {k: v for k, v in start.state_dict().items() if k.startswith("pose.")}
    start_rgb = {k: v for k, v in start.state_dict().items() if k.startswith("rgb.")}
    pose1, rgb1 = _streams(tmp_path / "r1" / "last.pt")
    assert _same(rgb1, start_rgb) and not _same(pose1, start_pose)  # step 1: only the pose stream learned
    assert main(["train", str(data.path), "-o", str(tmp_path / "r2"), "--preset", rgb_preset, "--init",
                 str(tmp_path / "r1" / "last.pt"), *common]) == 0
    pose2, rgb2 = _streams(tmp_path / "r2" / "last.pt")
    assert _same(pose2, pose1) and not _same(rgb2, rgb1)  # step 2: the RGB stream, the pose held still
    assert main(["train", str(data.path), "-o", str(tmp_path / "r3"), "--model", "hand-glimpse", "--preset",
                 pose_preset, "--tiny", "--freeze", "pose", *common]) == 0  # --freeze overrides the preset's
    pose3, rgb3 = _streams(tmp_path / "r3" / "last.pt")
    assert _same(pose3, start_pose) and not _same(rgb3, start_rgb)


def test_the_viewers_glimpse_boxes_are_the_boxes_the_model_was_fed():
    from core_model.pose.format import Poses
    from core_model.preprocess.keypoints import keypoint_frames
    from core_model.preprocess.kinds import BUILDERS, InputSizes, WindowSource

    kp = stick_figure_keypoints(3, 20, (160, 120))
    score = np.ones(kp.shape[:3], np.float32)
    score[2] = 0.0  # the third person is never seen
    score[1, :, 10] = 0.1  # the second person's right wrist is not trusted: boxes fall back
    sizes = InputSizes.of({"rgb_frames": T, "keypoint_frames": TK, "people": 2, "hand_scale": 0.25,
                           "score_threshold": 0.3}, InputSizes().sampling())
    pose_frames, rgb_frames = np.arange(2, 14), np.array([2, 6, 10, 13])
    source = WindowSource(kp, score, (120, 160), pose_frames, rgb_frames, (0, 0, 160, 120))
    fed = BUILDERS["hand_crops"].frame_boxes(source, sizes)
    poses = Poses(kp, score, np.arange(3), np.arange(20) / 25.0, (120, 160), 25.0)
    shown = hands.glimpse_boxes(poses, rgb_frames, keypoint_frames=keypoint_frames(pose_frames, TK), people=2,
                                hand_scale=0.25, score_threshold=0.3)
    np.testing.assert_allclose(shown, fed, rtol=1e-5)
    assert np.isfinite(shown).all()
    one = hands.glimpse_boxes(poses, rgb_frames, rows=[1], hand_scale=0.25)  # a per-person analysis window
    np.testing.assert_allclose(one[:, :2], shown[:, 2:], rtol=1e-5)  # person 1 ranks second (a weak wrist)
    assert np.isnan(one[:, 2:]).all()
