"""Numerical parity of the RGB stream with pytorchvideo's X3D-M, and X3D weight loading.

Needs the dev extras ``pytorchvideo==0.1.5`` and its model-code imports (fvcore, iopath, ...);
pytorchvideo.models imports ``torchvision.ops.RoIAlign``, supplied here by ``tests/stubs``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import torch

from core_model.errors import CheckpointError
from core_model.models import create_epam_net, load_checkpoint, load_x3d_weights, save_checkpoint

STUBS = Path(__file__).resolve().parents[1] / "stubs"


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file: 29 s with the default threads, 10 s with one, at load 5).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def pytorchvideo_x3d_m():
    """pytorchvideo's X3D-M (400 classes), random weights and BN statistics, in eval mode."""
    sys.path.insert(0, str(STUBS))
    try:
        try:
            from pytorchvideo.models.x3d import create_x3d
        except ImportError as exc:  # a missing dev extra must fail loudly, not skip
            pytest.fail(f"pytorchvideo model code cannot be imported ({exc}): install the dev extras")
    finally:
        sys.path.remove(str(STUBS))
    torch.manual_seed(0)
    model = create_x3d(input_clip_length=16, input_crop_size=224, head_activation=None)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
        for m in model.modules():  # larger head weights so the logits are far from zero
            if isinstance(m, torch.nn.Linear):
                m.weight.normal_(0, 0.2)
    return model.eval()


@pytest.fixture(scope="module")
def clip_and_logits(pytorchvideo_x3d_m):
    torch.manual_seed(1)
    clip = torch.randn(1, 3, 16, 224, 224)
    with torch.no_grad():
        return clip, pytorchvideo_x3d_m(clip)


def test_pytorchvideo_reference_has_the_documented_size(pytorchvideo_x3d_m):
    assert sum(p.numel() for p in pytorchvideo_x3d_m.parameters()) == 3_794_274


def test_rgb_logits_equal_pytorchvideo_after_loading_its_checkpoint(pytorchvideo_x3d_m, clip_and_logits, tmp_path):
    clip, expected = clip_and_logits
    path = tmp_path / "X3D_M.pyth"
    torch.save({"model_state": pytorchvideo_x3d_m.state_dict()}, path)
    net = create_epam_net(400, attention="none")
    report = load_x3d_weights(net, path)
    assert report.missing == [] and report.unexpected == [] and report.skipped == [] and report.head_loaded
    net.eval()
    with torch.no_grad():
        out = net(clip, torch.rand(1, 17, 48, 56, 56))
    assert expected.abs().max() > 0.1
    assert (out.rgb_logits - expected).abs().max() < 1e-4


def _to_mmaction(state: dict) -> dict:
    """pytorchvideo keys -> mmaction / official-code keys (DESIGN section 4), the inverse of the loader."""
    parts = {"branch2.conv_a": "conv1.conv", "branch2.norm_a": "conv1.bn", "branch2.conv_b": "conv2.conv",
             "branch2.norm_b.0": "conv2.bn", "branch2.conv_c": "conv3.conv", "branch2.norm_c": "conv3.bn",
             "branch2.norm_b.1.block.0": "se_module.fc1", "branch2.norm_b.1.block.2": "se_module.fc2",
             "branch1_conv": "downsample.conv", "branch1_norm": "downsample.bn"}
    fixed = {"blocks.0.conv.conv_t": "backbone.conv1_s.conv", "blocks.0.conv.conv_xy": "backbone.conv1_t.conv",
             "blocks.0.norm": "backbone.conv1_t.bn", "blocks.5.pool.pre_conv": "backbone.conv5.conv",
             "blocks.5.pool.pre_norm": "backbone.conv5.bn", "blocks.5.proj": "cls_head.fc2"}
    out = {}
    for key, value in state.items():
        prefix, leaf = key.rsplit(".", 1)
        if prefix == "blocks.5.pool.post_conv":
            out["cls_head.fc1.weight"] = value.reshape(value.shape[0], value.shape[1])
        elif prefix in fixed:
            out[f"{fixed[prefix]}.{leaf}"] = value
        else:
            m = re.match(r"blocks\.(\d)\.res_blocks\.(\d+)\.(.+)$", prefix)
            out[f"backbone.layer{m.group(1)}.{m.group(2)}.{parts[m.group(3)]}.{leaf}"] = value
    return out


def test_mmaction_style_keys_give_the_same_logits(pytorchvideo_x3d_m, clip_and_logits, tmp_path):
    clip, expected = clip_and_logits
    mm = _to_mmaction(pytorchvideo_x3d_m.state_dict())
    path = tmp_path / "epam_official.pth"
    torch.save({"state_dict": mm, "meta": {"epoch": 1}}, path)
    net = create_epam_net(400, attention="none")
    report = load_x3d_weights(net, path)
    assert report.unexpected == [] and report.missing == []
    with torch.no_grad():
        assert (net.rgb.eval()(clip) - expected).abs().max() < 1e-4


def test_mmaction_first_shortcut_bn_switches_layout_and_survives_a_checkpoint(pytorchvideo_x3d_m, tmp_path):
    mm = _to_mmaction(pytorchvideo_x3d_m.state_dict())
    mm.update({"backbone.layer1.0.downsample.bn.weight": torch.full((24,), 2.0),
               "backbone.layer1.0.downsample.bn.bias": torch.zeros(24),
               "backbone.layer1.0.downsample.bn.running_mean": torch.zeros(24),
               "backbone.layer1.0.downsample.bn.running_var": torch.ones(24),
               "backbone.layer1.0.downsample.bn.num_batches_tracked": torch.tensor(0)})
    path = tmp_path / "mm.pth"
    torch.save({"state_dict": mm}, path)
    net = create_epam_net(400, attention="none")
    report = load_x3d_weights(net, path)
    assert report.missing == [] and "blocks.1.res_blocks.0.branch1_norm.weight" in report.loaded
    assert net.config["rgb_shortcut_norm"] == "always"
    save_checkpoint(net, tmp_path / "ckpt.pt", [str(i) for i in range(400)])
    model, _ = load_checkpoint(tmp_path / "ckpt.pt")
    assert torch.equal(model.rgb.blocks[1].res_blocks[0].branch1_norm.weight, torch.full((24,), 2.0))


def test_other_class_count_keeps_the_head_and_loads_the_backbone(pytorchvideo_x3d_m, tmp_path):
    path = tmp_path / "X3D_M.pyth"
    torch.save(pytorchvideo_x3d_m.state_dict(), path)  # bare state_dict
    net = create_epam_net(120)
    report = load_x3d_weights(net, path)
    assert sorted(report.skipped) == ["blocks.5.proj.bias", "blocks.5.proj.weight"] and not report.head_loaded
    assert torch.equal(net.rgb.blocks[0].conv.conv_t.weight, pytorchvideo_x3d_m.blocks[0].conv.conv_t.weight)


def test_foreign_weights_file_is_a_clear_error(tmp_path):
    torch.save({"fc.weight": torch.zeros(2, 2)}, tmp_path / "resnet.pth")
    (tmp_path / "junk.pyth").write_bytes(b"\x00" * 100)
    net = create_epam_net(3)
    for name in ("resnet.pth", "junk.pyth", "missing.pyth"):
        with pytest.raises(CheckpointError):
            load_x3d_weights(net, tmp_path / name)
