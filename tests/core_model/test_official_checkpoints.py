"""The authors' EPAM-Net files: key names and shapes, strict loading, conversion, clear refusals.

``tests/data/official_epamnet_keys.json`` lists every tensor name and shape of the authors'
``RGBPoseAttentionActionRecognizer`` (three variants), taken from files their code saved; the files
here are rebuilt from it with random values, so no weights are committed.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from core_model.errors import CheckpointError
from core_model.labels import load_class_names
from core_model.models import create_epam_net, load_checkpoint, load_x3d_weights
from core_model.models.official import is_official, to_project_state
from core_model.preprocess.normalization import IMAGENET_0_255

KEYS = json.loads((Path(__file__).resolve().parents[1] / "data" / "official_epamnet_keys.json").read_text())
VARIANTS = {"x3d_sta": ("x3d", "nested"), "x3d_cbam": ("x3d", "cbam_eca"), "xshift_cbam": ("xshift", "cbam_eca")}
SMALL_RGB = (1, 3, 16, 64, 64)
SMALL_POSE = (1, 17, 48, 16, 16)


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file: 67 s with the default threads, 18 s with one, at load 5).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def official_state(variant: str, seed: int = 0) -> dict:
    """A state_dict with the authors' names and shapes (no 'module.'), random but well-scaled values."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for part in KEYS["variants"][variant]["parts"]:
        for key, shape in KEYS["parts"][part].items():
            if key.endswith("num_batches_tracked"):
                state[key] = torch.tensor(7)
            elif key.endswith("running_var"):
                state[key] = 0.5 + torch.rand(shape, generator=g)
            elif key.endswith(("running_mean", "bias")):
                state[key] = 0.1 * torch.randn(shape, generator=g)
            elif ".bn." in key:
                state[key] = 0.5 + torch.rand(shape, generator=g)
            else:
                fan_in = max(1, math.prod(shape[1:]))
                state[key] = torch.randn(shape, generator=g) * (2.0 / fan_in) ** 0.5
    return state


def save_as_trainer(state: dict, path: Path) -> Path:
    """Exactly as ddp/trainer.py saves: DDP keys, epoch, optimizer state."""
    params = [v for k, v in state.items() if "running" not in k and "num_batches" not in k]
    optimizer = torch.optim.SGD([torch.nn.Parameter(p.clone()) for p in params], lr=0.0015, momentum=0.9)
    torch.save({"epoch": 12, "model_state_dict": {f"module.{k}": v for k, v in state.items()},
                "optimizer_state_dict": optimizer.state_dict()}, path)
    return path


def _one_sentence(exc: Exception) -> str:
    text = str(exc)
    assert "\n" not in text and text.endswith(".") and ". " not in text, text
    return text


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_official_tensor_finds_its_place_and_the_model_runs(variant, tmp_path):
    meta = KEYS["variants"][variant]
    assert meta["top_level"] == ["epoch", "model_state_dict", "optimizer_state_dict"]
    state = official_state(variant)
    path = save_as_trainer(state, tmp_path / f"{variant}.pth")
    model, info = load_checkpoint(path)
    backbone, attention = VARIANTS[variant]
    classes = meta["num_classes"]
    assert (model.config["backbone"], model.config["attention"], model.num_classes) == (backbone, attention, classes)
    assert info.class_names == load_class_names(f"ntu{classes}") and info.trained
    assert model.normalization == IMAGENET_0_255 and info.normalization == IMAGENET_0_255.to_dict()
    assert info.provenance["epoch"] == 12 and not model.training
    # strict: the mapping is one to one and every value arrived unchanged
    mapped = to_project_state(state, model, path.name)
    assert len(mapped) == len(state) == len(model.state_dict())
    own = model.state_dict()
    for key, value in mapped.items():
        assert torch.equal(own[key], value), key
    assert torch.equal(own["pose.blocks.4.proj.weight"], state["pose_cls_head.fc_cls.weight"])
    with torch.no_grad():
        out = model(torch.randn(SMALL_RGB), torch.rand(SMALL_POSE))
    assert out.rgb_logits.shape == out.pose_logits.shape == (1, classes)
    assert torch.isfinite(out.rgb_logits).all() and torch.isfinite(out.pose_logits).all()
    assert out.spatial_attention.shape == (1, 16, 2, 2)


def test_project_models_have_exactly_the_official_key_count():
    for variant, (backbone, attention) in VARIANTS.items():
        expected = sum(len(KEYS["parts"][p]) for p in KEYS["variants"][variant]["parts"])
        with torch.device("meta"):
            net = create_epam_net(KEYS["variants"][variant]["num_classes"], backbone=backbone, attention=attention)
        assert len(net.state_dict()) == expected, variant


def test_mmaction_state_dict_file_with_numpy_meta_loads(tmp_path):
    state = official_state("x3d_cbam", seed=1)
    path = tmp_path / "mm.pth"
    torch.save({"state_dict": state, "meta": {"epoch": 3, "best_score": np.float64(0.91)}}, path)
    model, info = load_checkpoint(path)
    assert model.num_classes == 60 and info.provenance["file_format"] == "mmaction"
    assert torch.equal(model.attention.spatial_conv.weight, state["attention_module.spatial.conv.weight"])


def test_class_names_can_be_given_and_must_fit(tmp_path):
    path = save_as_trainer(official_state("x3d_cbam"), tmp_path / "ntu60.pth")
    names = tmp_path / "names.txt"
    names.write_text("\n".join(f"action {i}" for i in range(60)))
    model, info = load_checkpoint(path, class_names=str(names))
    assert info.class_names[1] == "action 1" == model.class_names[1]
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path, class_names="ntu120")
    assert "60 classes" in _one_sentence(err.value) and "120 names" in str(err.value)


@pytest.mark.parametrize("damage,expected", [
    (lambda s: s.pop("pose_backbone.layer2.3.conv2.bn.running_var"), "lacks 1 tensor"),
    (lambda s: s.__setitem__("pose_backbone.layer9.0.conv1.conv.weight", torch.zeros(1)), "layer9"),
    (lambda s: s.__setitem__("rgb_cls_head.fc2.bias", torch.zeros(7)), "shape (7,)"),
    (lambda s: s.__setitem__("pose_cls_head.fc_cls.weight", torch.zeros(60, 216)), "60"),
    (lambda s: [s.pop(k) for k in list(s) if k.startswith("attention_module.")], "no attention block"),
    (lambda s: s["rgb_backbone.layer3.4.conv1.bn.weight"].__setitem__(0, float("nan")), "non-finite"),
])
def test_damaged_official_files_are_refused_in_one_sentence(tmp_path, damage, expected):
    state = official_state("x3d_sta")
    damage(state)
    path = save_as_trainer(state, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    assert expected in _one_sentence(err.value)


def test_non_finite_weights_in_an_epam_studio_checkpoint_are_refused(tmp_path):
    from core_model.models import save_checkpoint

    net = create_epam_net(2, attention="cbam_eca")
    with torch.no_grad():
        net.pose.head.proj.bias[1] = float("inf")
    save_checkpoint(net, tmp_path / "inf.pt", ["a", "b"])
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(tmp_path / "inf.pt")
    assert "pose.blocks.4.proj.bias" in _one_sentence(err.value)


def test_single_stream_and_pytorchvideo_files_are_not_full_models(tmp_path):
    state = official_state("xshift_cbam")
    rgb_only = {f"module.{k}": v for k, v in state.items() if k.startswith("rgb_")}
    torch.save({"epoch": 1, "model_state_dict": rgb_only}, tmp_path / "rgb.pth")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(tmp_path / "rgb.pth")
    assert "only the RGB stream" in _one_sentence(err.value)
    torch.save({"model_state": create_epam_net(400, attention="none").rgb.state_dict()}, tmp_path / "X3D_M.pyth")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(tmp_path / "X3D_M.pyth")
    assert "pytorchvideo" in _one_sentence(err.value)


def test_per_stream_files_of_the_authors_trainer_load_into_the_matching_stream(tmp_path):
    state = official_state("xshift_cbam", seed=2)
    # PretrainedRGB: RGBActionRecognition (rgb_backbone / rgb_cls_head); PretrainedPose: PoseActionRecognition
    # (backbone / cls_head), both saved by the trainer with DDP prefixes
    rgb = {f"module.{k}": v for k, v in state.items() if k.startswith("rgb_")}
    pose = {f"module.{k.replace('pose_', '', 1)}": v for k, v in state.items() if k.startswith("pose_")}
    torch.save({"epoch": 5, "model_state_dict": rgb}, tmp_path / "rgb_best.pth")
    torch.save({"epoch": 9, "model_state_dict": pose}, tmp_path / "pose_best.pth")
    net = create_epam_net(120, backbone="xshift", attention="cbam_eca")
    for name, stream in (("rgb_best.pth", "rgb"), ("pose_best.pth", "pose")):
        report = load_x3d_weights(net, tmp_path / name, stream="auto")
        assert report.stream == stream and report.missing == [] and report.unexpected == [] and report.head_loaded
    full = save_as_trainer(state, tmp_path / "full.pth")
    reference, _ = load_checkpoint(full)
    reference_state = reference.state_dict()
    for key, value in net.state_dict().items():
        if not key.startswith("attention."):
            assert torch.equal(value, reference_state[key]), key
    with pytest.raises(CheckpointError) as err:
        load_x3d_weights(net, tmp_path / "pose_best.pth")  # the default stream is RGB
    assert "pose-stream" in _one_sentence(err.value)


def test_convert_checkpoint_writes_an_equivalent_epam_studio_checkpoint(tmp_path, capsys):
    from core_model.cli import main

    source = save_as_trainer(official_state("xshift_cbam", seed=4), tmp_path / "official.pth")
    target = tmp_path / "converted.pt"
    assert main(["convert-checkpoint", str(source), "-o", str(target), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["classes"] == 120 and summary["backbone"] == "xshift"
    raw = torch.load(target, weights_only=True)
    assert raw["format"] == "epam-studio-checkpoint" and raw["config"]["layout"] == "official"
    a, info_a = load_checkpoint(source)
    b, info_b = load_checkpoint(target)
    assert info_b.class_names == info_a.class_names and b.normalization == IMAGENET_0_255 and info_b.trained
    assert info_b.provenance["meta"]["converted_from"] == "official.pth"
    rgb, pose = torch.randn(SMALL_RGB), torch.rand(SMALL_POSE)
    with torch.no_grad():
        out_a, out_b = a(rgb, pose), b(rgb, pose)
    assert torch.equal(out_a.rgb_logits, out_b.rgb_logits) and torch.equal(out_a.pose_logits, out_b.pose_logits)
    assert main(["convert-checkpoint", str(source), "-o", str(tmp_path / "x.pt"), "--classes", "ntu60"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "120 classes" in err and "60 names" in err
    assert not (tmp_path / "x.pt").exists()


def test_analysis_accepts_the_authors_file_directly(tmp_path):
    from core_model.analysis.model_setup import prepare_model

    path = save_as_trainer(official_state("x3d_sta", seed=5), tmp_path / "epam_ntu120.pth")
    assert is_official({k[len("module."):]: v for k, v in
                        torch.load(path, weights_only=True)["model_state_dict"].items()})
    prepared = prepare_model(str(path))
    assert prepared.trained and prepared.normalization == IMAGENET_0_255
    assert len(prepared.class_names) == 120 and prepared.name == "epam_ntu120.pth"


def test_model_info_counts_an_authors_file(tmp_path, capsys):
    from core_model.cli import main

    path = save_as_trainer(official_state("xshift_cbam", seed=6), tmp_path / "xshift.pth")
    assert main(["model-info", "--checkpoint", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    expected = KEYS["params"]["xshift_cbam"]["120"]
    assert {k: info[k]["params"] for k in expected} == expected
