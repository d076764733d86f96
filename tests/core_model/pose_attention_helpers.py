"""Shared by the tests of the pose-driven attention models (separable STA, VPN): tiny inputs, a synthetic set."""
from __future__ import annotations

import math
from typing import Tuple

import torch

from core_model.models.registry import build_model, get_model_spec

#: the tiny clip the tests feed: 4 RGB frames of 64 px (a 2x2 conv5 map), 8 keypoint frames
TINY_INPUTS = {"rgb_frames": 4, "rgb_size": 64, "keypoint_frames": 8}


def tiny_config(name: str, **overrides) -> dict:
    """The registry's tiny overrides of ``name`` plus the tiny clip sizes."""
    return {**dict(get_model_spec(name).tiny), **TINY_INPUTS, **overrides}


def random_inputs(batch: int = 2, *, frames: int = 4, size: int = 64, keypoint_frames: int = 8,
                  people: int = 1, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    return {"rgb": torch.randn(batch, 3, frames, size, size, generator=gen),
            "keypoints": torch.rand(batch, keypoint_frames, people, 17, 3, generator=gen)}


def synthetic_set(n: int, classes: int = 3, *, frames: int = 4, size: int = 64, keypoint_frames: int = 8,
                  seed: int = 0) -> Tuple[dict, torch.Tensor]:
    """Clips whose class is in both streams: the right wrist's motion and a bright square's place.

    Class k: the right wrist (COCO 10) circles with phase speed k (0 = still) around a jittered body;
    the RGB clip has a bright square in the k-th of ``classes`` horizontal bands, on noise.
    """
    gen = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % classes
    labels = labels[torch.randperm(n, generator=gen)]
    base = 0.3 + 0.4 * torch.rand(17, 2, generator=gen)
    kp = torch.zeros(n, keypoint_frames, 1, 17, 3)
    kp[..., :2] = base + 0.02 * torch.randn(n, keypoint_frames, 1, 17, 2, generator=gen)
    kp[..., 2] = 0.9
    t = torch.arange(keypoint_frames, dtype=torch.float32)
    for i, k in enumerate(labels.tolist()):
        angle = 2 * math.pi * k * t / keypoint_frames
        kp[i, :, 0, 10, 0] = 0.5 + 0.2 * torch.cos(angle)
        kp[i, :, 0, 10, 1] = 0.5 + 0.2 * torch.sin(angle)
    rgb = 0.3 * torch.randn(n, 3, frames, size, size, generator=gen)
    band = size // classes
    for i, k in enumerate(labels.tolist()):
        rgb[i, :, :, size // 4: size // 4 + band // 2, k * band: k * band + band // 2] += 2.0
    return {"rgb": rgb, "keypoints": kp}, labels


def recalibrate_batch_norm(model, inputs: dict, batch: int = 8) -> None:
    """Replace BN running statistics by their exact average over ``inputs`` (precise BN).

    A dozen Adam steps leave the running averages (momentum 0.1) far from the statistics the weights were
    fitted with, so an eval-mode model would be scored on features it never saw.
    """
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average
    model.train()
    n = len(next(iter(inputs.values())))
    with torch.no_grad():
        for start in range(0, n, batch):
            model.forward_inputs({k: v[start:start + batch] for k, v in inputs.items()})
    for norm in norms:
        norm.momentum = 0.1
    model.eval()


def train_and_score(model, steps: int = 15, classes: int = 3, seed: int = 0, lr: float = 1e-2) -> float:
    """Adam on a 24-clip synthetic set (batches of 8), eval-mode accuracy on 24 held-out clips."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tiny tensors run faster on one thread of a shared machine
    try:
        torch.manual_seed(seed)
        train_x, train_y = synthetic_set(24, classes, seed=seed)
        test_x, test_y = synthetic_set(24, classes, seed=seed + 1)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        model.train()
        for step in range(steps):
            idx = torch.arange(8 * step, 8 * step + 8) % 24
            out = model.forward_inputs({k: v[idx] for k, v in train_x.items()})
            loss = model.loss(out, train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        recalibrate_batch_norm(model, train_x)
        with torch.no_grad():
            pred = model.forward_inputs(test_x).scores.argmax(1)
        return float((pred == test_y).float().mean())
    finally:
        torch.set_num_threads(threads)


def params_without_grad(model) -> list:
    """Names of parameters whose gradient is missing or exactly zero after a backward pass."""
    return [n for n, p in model.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]


def inputs_from_builders(model, spec_inputs, *, seed: int = 0) -> dict:
    """The project's own input builders (rgb crop, keypoint sequence) for ``model``'s sizes, from random poses
    and frames of a 160x120 video; batch of one."""
    import numpy as np

    from core_model.preprocess.kinds import (InputSizes, WindowSource, build_all, builders_for, crop_frame_for,
                                             frame_boxes)

    rng = np.random.default_rng(seed)
    sizes = InputSizes.of(model.config)
    builders = builders_for(spec_inputs)
    frames = 40
    keypoint = np.stack([rng.uniform(20, 140, (frames, 17)), rng.uniform(10, 110, (frames, 17))], -1)[None]
    source = WindowSource(keypoint=keypoint.astype(np.float32), score=np.full((1, frames, 17), 0.9, np.float32),
                          img_shape=(120, 160), pose_frames=np.linspace(0, frames - 1, sizes.pose_frames).astype(int),
                          rgb_frames=np.linspace(0, frames - 1, sizes.rgb_frames).astype(int), box=(10, 0, 150, 120))
    boxes = frame_boxes(builders, source, sizes)
    for k in range(len(source.rgb_frames)):
        crop_frame_for(builders, source, sizes, boxes, rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), k)
    arrays = build_all(builders, source, sizes, model.normalization)
    return {kind: torch.from_numpy(a)[None] for kind, a in arrays.items()}


def tiny_model(name: str, **overrides):
    """``name`` at its tiny sizes for 3 classes, seeded (the same weights every call)."""
    torch.manual_seed(0)
    return build_model(name, num_classes=3, **tiny_config(name, **overrides))


def spread_scores(model) -> None:
    """Score layers start near zero (equal attention); spread them so nothing is trivially flat."""
    with torch.no_grad():
        for head in (model.spatial, model.temporal):
            head.score.weight.normal_(std=1.0)
            head.score.bias.normal_(std=1.0)


def checkpoint_round_trip(model, path, inputs: dict):
    """Save ``model`` (classes a, b, c), load it back, and check both give the same scores and products on
    ``inputs``; returns ``(before, after, loaded, info)`` for the model's own checks."""
    from core_model.models import load_checkpoint, save_checkpoint

    with torch.no_grad():
        before = model.forward_inputs(inputs)
    loaded, info = load_checkpoint(save_checkpoint(model, path, class_names=["a", "b", "c"]))
    assert loaded.config == model.config and loaded.class_names == ["a", "b", "c"]
    with torch.no_grad():
        after = loaded.forward_inputs(inputs)
    assert torch.equal(before.scores, after.scores)
    for name in before.products:
        assert torch.equal(before.products[name], after.products[name])
    return before, after, loaded, info


def quick_preset_outputs(name: str):
    """``name`` at the cpu-quick preset's sizes (112 px, 8 RGB frames, 24 keypoint frames), fed by the project's
    input builders; checks the input shapes and returns the model's outputs."""
    torch.manual_seed(0)
    spec = get_model_spec(name)
    model = build_model(name, num_classes=3, **{**spec.tiny, "rgb_frames": 8, "rgb_size": 112,
                                                "keypoint_frames": 24}).eval()
    inputs = inputs_from_builders(model, spec.inputs)
    assert inputs["keypoints"].shape == (1, 24, 1, 17, 3) and inputs["rgb"].shape == (1, 3, 8, 112, 112)
    with torch.no_grad():
        return model.forward_inputs(inputs)


def default_size_outputs(name: str):
    """``name`` with a thin X3D at its default sizes (16 RGB frames of 224 px, 20 keypoint frames) for 5 classes;
    checks the 7x7 map and 16 time steps and returns the model and its outputs on one random clip."""
    torch.manual_seed(0)
    model = build_model(name, num_classes=5, rgb_width=0.25, rgb_depth=0.2).eval()
    with torch.no_grad():
        out = model.forward_inputs(random_inputs(1, frames=16, size=224, keypoint_frames=20))
    assert out.logits["rgb"].shape == (1, 5)
    assert out.products["spatial_attention"].shape == (1, 7, 7)
    assert out.products["temporal_attention"].shape == (1, 16)
    return model, out


def normalised_tiny_outputs(model, name: str):
    """``model`` (tiny, 3 classes) with spread scores, in eval mode, on 3 random clips: checks the (3, 3) RGB
    logits, scores that sum to 1 and every product normalised as the registry says; returns the outputs."""
    from core_model.models.products import check_normalised

    spread_scores(model)
    model.eval()
    with torch.no_grad():
        out = model.forward_inputs(random_inputs(3))
    spec = get_model_spec(name)
    assert out.logits["rgb"].shape == (3, 3) and torch.allclose(out.scores.sum(1), torch.ones(3))
    for product, values in out.products.items():
        for sample in values:
            assert check_normalised(sample.numpy(), spec.product(product)), product
    return out
