"""EPAM-Net matches the authors' layout; checkpoints saved before that keep loading (legacy layout)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from core_model.errors import CheckpointError
from core_model.models import (CbamEcaSTA, TemporalShift, create_epam_net, load_checkpoint, load_x3d_weights,
                               save_checkpoint)
from core_model.models.x3d import SqueezeExcitation, Swish

KEYS = json.loads((Path(__file__).resolve().parents[1] / "data" / "official_epamnet_keys.json").read_text())
SMALL_RGB = (1, 3, 16, 64, 64)
SMALL_POSE = (1, 17, 48, 16, 16)


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file: 35 s with the default threads, 10 s with one, at load 5).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _randomize_bn(model: nn.Module, seed: int = 0) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
    return model


@pytest.mark.parametrize("variant,backbone,attention", [("x3d_sta", "x3d", "nested"), ("x3d_cbam", "x3d", "cbam_eca"),
                                                        ("xshift_cbam", "xshift", "cbam_eca"),
                                                        ("xshift_sta", "xshift", "nested")])
@pytest.mark.parametrize("classes", ["60", "120"])
def test_parameter_counts_equal_the_authors_models(variant, backbone, attention, classes):
    expected = KEYS["params"][variant][classes]
    with torch.device("meta"):
        net = create_epam_net(int(classes), backbone=backbone, attention=attention)
    got = {"rgb": _params(net.rgb), "pose": _params(net.pose), "attention": _params(net.attention),
           "total": _params(net)}
    assert got == expected


def test_pose_se_variant_of_the_x3d_backbone_matches_poseX3dSE():
    expected = KEYS["params"]["x3d_poseSE_sta"]["60"]
    with torch.device("meta"):
        net = create_epam_net(60, pose_se=True)
    assert _params(net.pose) == expected["pose"] and _params(net) == expected["total"]


def test_rgb_first_shortcut_has_a_batchnorm_by_default():
    with torch.device("meta"):
        net = create_epam_net(5)
    first = net.rgb.blocks[1].res_blocks[0]
    assert isinstance(first.branch1_norm, nn.BatchNorm3d) and first.branch1_conv.out_channels == 24
    assert net.config["rgb_shortcut_norm"] == "always" and net.config["layout"] == "official"
    with torch.device("meta"):
        pyvideo = create_epam_net(5, rgb_shortcut_norm="when_channels_change")
    assert pyvideo.rgb.blocks[1].res_blocks[0].branch1_norm is None


def test_cbam_pools_max_then_mean_with_bn_momentum_001():
    torch.manual_seed(0)
    block = CbamEcaSTA().eval()
    assert block.spatial_norm.momentum == 0.01
    f_s = torch.randn(2, 8, 16, 5, 5)
    a_s, a_t = block(f_s)
    pooled = torch.cat([f_s.max(dim=1, keepdim=True)[0], f_s.mean(dim=1, keepdim=True)], dim=1)
    expected_s = torch.sigmoid(block.spatial_norm(block.spatial_conv(pooled)))
    assert torch.allclose(a_s, expected_s, atol=1e-6)
    expected_t = torch.sigmoid(block.temporal_conv(expected_s.mean(dim=(3, 4))))[:, 0]
    assert torch.allclose(a_t, expected_t, atol=1e-6)
    legacy = CbamEcaSTA(legacy=True).eval()
    legacy.load_state_dict(block.state_dict())
    assert legacy.spatial_norm.momentum == 0.1
    swapped = torch.sigmoid(block.spatial_norm(block.spatial_conv(pooled.flip(1))))
    assert torch.allclose(legacy(f_s)[0], swapped, atol=1e-6)
    assert not torch.allclose(legacy(f_s)[0], a_s, atol=1e-4)


def test_xshift_rgb_head_is_gap_then_one_fc():
    with torch.device("meta"):
        net = create_epam_net(120, backbone="xshift")
    head = net.rgb.head
    assert head.pool.post_conv is None and head.proj.in_features == 432 and head.proj.out_features == 120
    with torch.device("meta"):
        x3d = create_epam_net(120)
    assert x3d.rgb.head.pool.post_conv.out_channels == 2048  # the X3D variant keeps X3DHead's fc1


def test_xshift_pose_stream_has_se_swish_and_shifts_a_quarter_each_way():
    with torch.device("meta"):
        net = create_epam_net(60, backbone="xshift")
    pose_blocks = [b for stage in net.pose.blocks[1:4] for b in stage.res_blocks]
    assert sum(isinstance(m, SqueezeExcitation) for m in net.pose.modules()) == 3 + 6 + 4  # even blocks of 5, 11, 7
    assert all(isinstance(b.branch2.act_b, Swish) for b in pose_blocks)
    pose_shifts = {m.fraction for m in net.pose.modules() if isinstance(m, TemporalShift)}
    rgb_shifts = {m.fraction for m in net.rgb.modules() if isinstance(m, TemporalShift)}
    assert pose_shifts == {0.5} and rgb_shifts == {0.25}
    for channels in (17, 24, 48, 54, 96, 108, 216, 432):  # the authors' fold = C // fold_div channels each way
        x = torch.arange(3.0)[None, None, :, None, None].repeat(1, channels, 1, 1, 1)
        for fraction, fold_div in ((0.5, 4), (0.25, 8)):
            moved = (TemporalShift(fraction)(x)[0, :, :, 0, 0] != x[0, :, :, 0, 0]).any(dim=1)
            assert int(moved.sum()) == 2 * (channels // fold_div)


def test_shift_variant_stems_are_conv_bn_relu():
    with torch.device("meta"):
        net = create_epam_net(10, backbone="xshift")
    for stream, stride in ((net.rgb, 2), (net.pose, 1)):
        stem = stream.blocks[0]
        assert isinstance(stem.conv.conv_t, nn.Conv3d) and stem.conv.conv_t.kernel_size == (1, 3, 3)
        assert stem.conv.conv_t.stride == (1, stride, stride)
        assert isinstance(stem.conv.conv_xy, nn.Identity) and isinstance(stem.norm, nn.BatchNorm3d)


def _old_checkpoint(tmp_path, backbone, attention):
    """A checkpoint as EPAM Studio wrote it before the layout key existed."""
    torch.manual_seed(3)
    old = _randomize_bn(create_epam_net(4, backbone=backbone, attention=attention, layout="legacy",
                                        rgb_shortcut_norm="when_channels_change")).eval()
    path = tmp_path / f"old_{backbone}.pt"
    save_checkpoint(old, path, ["a", "b", "c", "d"])
    payload = torch.load(path, weights_only=True)
    for key in ("layout", "pose_se", "pose_shift_fraction"):
        del payload["config"][key]
    torch.save(payload, path)
    return old, path


@pytest.mark.parametrize("backbone,attention", [("x3d", "cbam_eca"), ("xshift", "cbam_eca")])
def test_checkpoints_saved_before_the_layout_change_still_load_and_agree(tmp_path, backbone, attention):
    old, path = _old_checkpoint(tmp_path, backbone, attention)
    assert old.rgb.blocks[1].res_blocks[0].branch1_norm is None
    if backbone == "xshift":
        assert old.rgb.head.pool.post_conv is not None and not any(
            isinstance(m, SqueezeExcitation) for m in old.pose.modules())
    model, info = load_checkpoint(path)
    assert info.config["layout"] == "legacy" and info.config["rgb_shortcut_norm"] == "when_channels_change"
    rgb, pose = torch.randn(SMALL_RGB), torch.rand(SMALL_POSE)
    with torch.no_grad():
        a, b = old(rgb, pose), model(rgb, pose)
    for name in ("rgb_logits", "pose_logits", "spatial_attention", "temporal_attention"):
        assert torch.equal(getattr(a, name), getattr(b, name))


def _mmaction_rgb_file(model_rgb, path):
    """The RGB stream's weights as an mmaction file with the BN on the first shortcut (scale 2)."""
    from core_model.models.official import BLOCK_PARTS

    inverse = {v: k for k, v in BLOCK_PARTS.items()}
    out = {}
    for key, value in model_rgb.state_dict().items():
        module, leaf = key.rsplit(".", 1)
        if module == "blocks.0.conv.conv_t":
            out[f"backbone.conv1_s.conv.{leaf}"] = value
        elif module == "blocks.0.conv.conv_xy":
            out[f"backbone.conv1_t.conv.{leaf}"] = value
        elif module == "blocks.0.norm":
            out[f"backbone.conv1_t.bn.{leaf}"] = value
        elif module.startswith("blocks.5.pool.pre_"):
            out[f"backbone.conv5.{'conv' if 'conv' in module else 'bn'}.{leaf}"] = value
        elif module == "blocks.5.pool.post_conv":
            out["cls_head.fc1.weight"] = value.flatten(1)
        elif module == "blocks.5.proj":
            out[f"cls_head.fc2.{leaf}"] = value
        else:
            _, stage, _, block, part = module.split(".", 4)
            out[f"backbone.layer{stage}.{block}.{inverse[part]}.{leaf}"] = value
    for leaf, value in (("weight", torch.full((24,), 2.0)), ("bias", torch.zeros(24)),
                        ("running_mean", torch.zeros(24)), ("running_var", torch.ones(24)),
                        ("num_batches_tracked", torch.tensor(0))):
        out[f"backbone.layer1.0.downsample.bn.{leaf}"] = value
    torch.save({"state_dict": out}, path)


def test_batchnorm_added_while_loading_follows_the_model_eval_mode(tmp_path):
    torch.manual_seed(0)
    source = _randomize_bn(create_epam_net(3, rgb_shortcut_norm="when_channels_change"))
    _mmaction_rgb_file(source.rgb, tmp_path / "rgb.pth")
    net = create_epam_net(3, rgb_shortcut_norm="when_channels_change").eval()
    report = load_x3d_weights(net, tmp_path / "rgb.pth")
    assert report.missing == [] and report.unexpected == []
    norm = net.rgb.blocks[1].res_blocks[0].branch1_norm
    assert isinstance(norm, nn.BatchNorm3d) and not norm.training
    assert net.config["rgb_shortcut_norm"] == "always"
    before = norm.running_mean.clone(), norm.running_var.clone()
    with torch.no_grad():
        net(torch.randn(SMALL_RGB), torch.rand(SMALL_POSE))
    assert torch.equal(norm.running_mean, before[0]) and torch.equal(norm.running_var, before[1])
    trained = create_epam_net(3, rgb_shortcut_norm="when_channels_change").train()
    load_x3d_weights(trained, tmp_path / "rgb.pth")
    assert trained.rgb.blocks[1].res_blocks[0].branch1_norm.training


def test_pytorchvideo_style_weights_leave_the_extra_bn_an_exact_identity(tmp_path):
    torch.manual_seed(1)
    source = _randomize_bn(create_epam_net(400, attention="none", rgb_shortcut_norm="when_channels_change")).eval()
    torch.save({"model_state": source.rgb.state_dict()}, tmp_path / "X3D_M.pyth")
    net = create_epam_net(400, attention="none")
    report = load_x3d_weights(net, tmp_path / "X3D_M.pyth")
    assert report.missing == [] and report.identity and report.head_loaded
    clip = torch.randn(SMALL_RGB)
    with torch.no_grad():
        assert torch.equal(net.rgb.eval()(clip), source.rgb(clip))


def test_pose_weights_are_refused_as_rgb_weights(tmp_path):
    torch.manual_seed(0)
    donor = create_epam_net(3)
    pose_file = tmp_path / "pose.pth"  # a PYSKL/mmaction Pose-X3D file: backbone.conv1_s has 17 input channels
    state = {"backbone.conv1_s.conv.weight": donor.pose.blocks[0].conv.conv_t.weight.detach(),
             "cls_head.fc_cls.weight": donor.pose.head.proj.weight.detach(),
             "cls_head.fc_cls.bias": donor.pose.head.proj.bias.detach()}
    torch.save({"state_dict": state}, pose_file)
    net = create_epam_net(3)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(CheckpointError) as err:
        load_x3d_weights(net, pose_file)
    assert "pose-stream weights, not RGB" in str(err.value)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    with pytest.raises(CheckpointError):
        load_x3d_weights(net.rgb, pose_file, stream="auto")  # a bare RGB X3D refuses it too
    report = load_x3d_weights(net, pose_file, stream="auto")  # the matching stream takes it
    assert report.stream == "pose" and report.head_loaded
    assert torch.equal(net.pose.head.proj.weight, donor.pose.head.proj.weight)
