"""EPAM-Net architecture: paper sizes, FLOPs, shapes, attention, gradients, determinism."""
from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from core_model.errors import ConfigError
from core_model.models import (CbamEcaSTA, EPAMNet, NestedSTA, TemporalShift, align_time, create_epam_net,
                               create_pose_x3d, create_x3d, model_costs)
from core_model.preprocess.normalization import PYTORCHVIDEO_X3D

SMALL_RGB = (2, 3, 8, 64, 64)  # -> RGB features 2 x 2
SMALL_POSE = (2, 17, 24, 16, 16)  # -> pose features 2 x 2


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _open_relu(net: EPAMNet) -> EPAMNet:
    """Untrained pose features are tiny, so the nested block's ReLU is closed; open it for the test."""
    if isinstance(net.attention, NestedSTA):
        with torch.no_grad():
            net.attention.spatial_conv1.bias.fill_(1.0)
    return net


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file took 80 s at load 6 with the default threads, 14 s with one). Yields the default count for the tests that need it.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def small_net() -> EPAMNet:
    torch.manual_seed(0)
    return create_epam_net(5)


def test_paper_table4_parameters_and_flops():
    with torch.device("meta"):
        net = create_epam_net(120)
    costs = model_costs(net)
    # 3.22 M: X3D-M with a 120-class fc2 and the mmaction BN on the first shortcut (+48), as the authors'
    assert costs["rgb"].params == 3_220_602
    assert costs["rgb"].gflops == pytest.approx(4.97, rel=0.05)
    assert costs["pose"].gflops == pytest.approx(4.03, rel=0.05)
    assert costs["total"].params == pytest.approx(3.76e6, rel=0.01)
    assert costs["total"].gflops == pytest.approx(9.0, rel=0.05)
    assert costs["attention"].params == 1945 + 50 + 512  # 1x3x3 216->1, 1x7x7 1->1, two 16x16 FCs
    assert costs["total"].params == sum(costs[k].params for k in ("rgb", "pose", "attention"))


def test_pose_x3d_matches_paper_count_with_official_config():
    # 543.76k is the official Pose-X3D (no SE, no Swish) with a 60-class head (NTU-60, Table 7);
    # a 120-class head adds 60 x 217 parameters.
    with torch.device("meta"):
        assert _params(create_pose_x3d(num_classes=60)) == 543_762
        assert _params(create_pose_x3d(num_classes=120)) == 543_762 + 60 * 217


def test_x3d_m_builder_matches_pytorchvideo_size_and_layout():
    with torch.device("meta"):
        net = create_x3d(num_classes=400)
    assert _params(net) == 3_794_274
    keys = net.state_dict().keys()
    assert "blocks.0.conv.conv_t.weight" in keys and "blocks.5.pool.post_conv.weight" in keys
    assert "blocks.1.res_blocks.0.branch1_norm.weight" not in keys  # pytorchvideo: no BN on equal widths
    assert "blocks.4.res_blocks.6.branch2.norm_b.1.block.0.weight" in keys  # SE on even blocks
    assert "blocks.4.res_blocks.5.branch2.norm_b.1.block.0.weight" not in keys
    assert net.state_dict()["blocks.0.conv.conv_xy.weight"].shape == (24, 1, 5, 1, 1)


def test_cbam_eca_block_has_exactly_107_parameters():
    assert _params(CbamEcaSTA()) == 107
    with torch.device("meta"):
        assert _params(create_epam_net(7, attention="cbam_eca").attention) == 107
        assert create_epam_net(7, attention="none").attention is None


@pytest.mark.parametrize("kwargs", [dict(backbone="i3d"), dict(attention="cbam"), dict(num_classes=0),
                                    dict(class_names=["a", "b"])])
def test_bad_config_raises_config_error(kwargs):
    args = dict(num_classes=3)
    args.update(kwargs)
    with pytest.raises(ConfigError):
        create_epam_net(**args)


def test_full_size_outputs_follow_the_contract():
    torch.manual_seed(0)
    net = create_epam_net(4).eval()
    with torch.no_grad():
        out = net(torch.randn(1, 3, 16, 224, 224), torch.rand(1, 17, 48, 56, 56))
    assert out.rgb_logits.shape == out.pose_logits.shape == out.scores.shape == (1, 4)
    assert out.spatial_attention.shape == (1, 16, 7, 7)
    assert out.temporal_attention.shape == (1, 16)


@pytest.mark.parametrize("backbone,attention", [("x3d", "nested"), ("xshift", "cbam_eca"), ("xshift", "nested")])
@pytest.mark.parametrize("rgb_shape,pose_shape,grid", [
    (SMALL_RGB, SMALL_POSE, (8, 2, 2)),
    ((1, 3, 16, 96, 96), (1, 17, 48, 24, 24), (16, 3, 3)),
    ((1, 3, 24, 64, 64), (1, 17, 48, 32, 32), (24, 2, 2)),  # pose grid 4x4 resized to the RGB grid
])
def test_shapes_for_other_input_sizes(backbone, attention, rgb_shape, pose_shape, grid):
    torch.manual_seed(0)
    net = create_epam_net(6, backbone=backbone, attention=attention).eval()
    with torch.no_grad():
        out = net(torch.randn(rgb_shape), torch.rand(pose_shape))
    b = rgb_shape[0]
    assert out.rgb_logits.shape == out.pose_logits.shape == (b, 6)
    assert out.spatial_attention.shape == (b, *grid)
    assert out.temporal_attention.shape == (b, grid[0])
    for att in (out.spatial_attention, out.temporal_attention):
        assert torch.all(att > 0) and torch.all(att < 1)
    assert torch.allclose(out.scores.sum(1), torch.ones(b), atol=1e-6)


def test_scores_are_mean_of_softmaxes_and_loss_is_sum_of_ce(small_net):
    small_net.eval()
    with torch.no_grad():
        out = small_net(torch.randn(SMALL_RGB), torch.rand(SMALL_POSE))
    expected = (F.softmax(out.rgb_logits, 1) + F.softmax(out.pose_logits, 1)) / 2
    assert torch.allclose(out.scores, expected, atol=1e-6)
    labels = torch.tensor([1, 3])
    loss = small_net.loss(out, labels)
    assert loss == pytest.approx(float(F.cross_entropy(out.rgb_logits, labels)
                                       + F.cross_entropy(out.pose_logits, labels)), rel=1e-6)


def test_without_attention_rgb_logits_ignore_the_pose():
    torch.manual_seed(0)
    net = create_epam_net(3, attention="none").eval()
    rgb = torch.randn(SMALL_RGB)
    with torch.no_grad():
        a = net(rgb, torch.rand(SMALL_POSE))
        b = net(rgb, torch.rand(SMALL_POSE))
    assert a.spatial_attention is None and a.temporal_attention is None
    assert torch.equal(a.rgb_logits, b.rgb_logits)
    assert not torch.equal(a.pose_logits, b.pose_logits)


@pytest.mark.parametrize("attention", ["nested", "cbam_eca"])
def test_attention_makes_rgb_logits_depend_on_the_pose(attention):
    torch.manual_seed(0)
    net = _open_relu(create_epam_net(3, attention=attention)).eval()
    rgb = torch.randn(SMALL_RGB)
    with torch.no_grad():
        a = net(rgb, torch.rand(SMALL_POSE))
        b = net(rgb, torch.rand(SMALL_POSE))
        f_r = net.rgb.features(rgb)
        a_st = a.spatial_attention[:, None] * a.temporal_attention[:, None, :, None, None]
        guided = net.rgb.head.classify(f_r + f_r * a_st)  # the official residual re-weighting
    assert (a.spatial_attention - b.spatial_attention).abs().max() > 1e-6
    assert torch.allclose(a.rgb_logits, guided, atol=1e-6)
    assert not torch.equal(a.rgb_logits, b.rgb_logits)


@pytest.mark.parametrize("attention", ["nested", "cbam_eca"])
def test_gradients_reach_both_streams_and_the_attention(attention):
    torch.manual_seed(0)
    net = _open_relu(create_epam_net(4, attention=attention)).train()
    out = net(torch.randn(SMALL_RGB), torch.rand(SMALL_POSE))
    net.loss(out, torch.tensor([0, 2])).backward()
    for part in (net.rgb.blocks[0], net.rgb.blocks[4], net.pose.blocks[0], net.pose.blocks[3], net.attention):
        grads = [p.grad for p in part.parameters()]
        assert all(g is not None for g in grads)
        assert sum(float(g.abs().sum()) for g in grads) > 0


def test_eval_is_deterministic(small_net, one_torch_thread):
    small_net.eval()
    rgb, pose = torch.randn(SMALL_RGB), torch.rand(SMALL_POSE)
    torch.set_num_threads(one_torch_thread)  # with the machine's default threads, as an analysis runs
    try:
        with torch.no_grad():
            a, b = small_net(rgb, pose), small_net(rgb, pose)
    finally:
        torch.set_num_threads(1)
    for name in ("rgb_logits", "pose_logits", "scores", "spatial_attention", "temporal_attention"):
        assert torch.equal(getattr(a, name), getattr(b, name))


def test_config_rebuilds_the_same_architecture(small_net):
    clone = create_epam_net(**small_net.config)
    assert clone.config == small_net.config
    assert {k: v.shape for k, v in clone.state_dict().items()} == {k: v.shape for k, v in small_net.state_dict().items()}
    assert small_net.normalization == PYTORCHVIDEO_X3D


def test_temporal_alignment_takes_every_third_pose_frame_and_generalizes():
    feats = torch.arange(48.0).reshape(1, 1, 48, 1, 1)
    assert align_time(feats, 16).flatten().tolist() == list(range(0, 48, 3))
    assert align_time(feats, 8).flatten().tolist() == list(range(0, 48, 6))
    assert align_time(torch.arange(24.0).reshape(1, 1, 24, 1, 1), 16).flatten().tolist() == \
        [(k * 24) // 16 for k in range(16)]


def test_nested_attention_follows_equations_2_to_4():
    torch.manual_seed(0)
    block = NestedSTA(in_channels=4, frames=16)
    f_s = torch.randn(2, 4, 16, 5, 5)
    a_s, a_t = block(f_s)
    expected_s = torch.sigmoid(block.spatial_conv2(torch.relu(block.spatial_conv1(f_s))))
    z = expected_s.mean(dim=(1, 3, 4))
    expected_t = torch.sigmoid(torch.relu(z @ block.fc1.weight.T) @ block.fc2.weight.T)
    assert torch.allclose(a_s, expected_s) and torch.allclose(a_t, expected_t)
    a_s8, a_t8 = block(torch.randn(2, 4, 8, 5, 5))  # other clip lengths reuse the 16x16 weights
    assert a_s8.shape == (2, 1, 8, 5, 5) and a_t8.shape == (2, 8)


def test_temporal_shift_moves_a_quarter_of_channels_one_frame():
    x = torch.arange(3.0)[None, None, :, None, None].repeat(1, 8, 1, 1, 1)  # 8 channels, frames 0,1,2
    y = TemporalShift(0.25)(x)[0, :, :, 0, 0]
    assert y[0].tolist() == [1, 2, 0]  # channel 0 sees the next frame
    assert y[1].tolist() == [0, 0, 1]  # channel 1 sees the previous frame
    assert torch.equal(y[2:], x[0, 2:, :, 0, 0])


def test_xshift_has_no_temporal_convolutions():
    with torch.device("meta"):
        net = create_epam_net(10, backbone="xshift")
    kernels = {m.kernel_size[0] for m in net.modules() if isinstance(m, torch.nn.Conv3d)}
    assert kernels == {1}
    assert sum(isinstance(m, TemporalShift) for m in net.modules()) == 26 + 23


@pytest.mark.parametrize("backbone,attention", [("x3d", "nested"), ("xshift", "cbam_eca")])
def test_bn_folding_for_inference_keeps_the_outputs(backbone, attention):
    from core_model.models.inference import fuse_for_inference

    torch.manual_seed(0)
    net = create_epam_net(4, backbone=backbone, attention=attention)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    net.eval()
    fused = fuse_for_inference(net)
    assert sum(isinstance(m, torch.nn.BatchNorm3d) for m in fused.rgb.modules()) == 0
    rgb, pose = torch.randn(SMALL_RGB), torch.rand(SMALL_POSE)
    with torch.no_grad():
        a, b = net(rgb, pose), fused(rgb, pose)
    assert torch.allclose(a.rgb_logits, b.rgb_logits, atol=1e-5)
    assert torch.allclose(a.pose_logits, b.pose_logits, atol=1e-5)
    assert torch.allclose(a.spatial_attention, b.spatial_attention, atol=1e-5)
