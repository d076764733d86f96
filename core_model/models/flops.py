"""Parameter and FLOP counts for each part of EPAM-Net, and of any registered model, one clip.

FLOPs follow the convention of mmcv's ``get_model_complexity_info`` (the tool of the mmaction-based
official code, hence the paper's Table 4): one multiply-add per convolution / linear weight use
(+1 per output for a bias), 2 per element for an affine BatchNorm, 1 per element for ReLU and for
pooling; sigmoid, Swish and element-wise products are not counted.  Pure convolution/linear
multiply-adds (the fvcore convention) are about 5 % lower; :func:`conv_macs` gives those.

Counting runs forward hooks on a copy of the model on the ``meta`` device: nothing is computed,
so a full-size clip takes well under a second. :func:`clip_costs` counts any registered model through
``forward_inputs`` with inputs of every kind its registry entry lists; recurrent layers (LSTM, GRU) count
their gate multiply-adds. Matrix products outside layers (e.g. a graph convolution's adjacency) are in
:func:`conv_macs`' figure, not in the mmcv-style one.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .attention import align_space, align_time
from .epamnet import EPAMNet

RGB_SHAPE = (3, 16, 224, 224)
POSE_SHAPE = (17, 48, 56, 56)
_POOLS = (nn.AdaptiveAvgPool3d, nn.AvgPool3d, nn.MaxPool3d, nn.AdaptiveMaxPool3d)


@dataclass(frozen=True)
class PartCost:
    params: int
    gflops: float  # giga FLOPs (mmcv convention) for one clip


def count_params(module: Optional[nn.Module]) -> int:
    return 0 if module is None else sum(p.numel() for p in module.parameters())


def _module_flops(module: nn.Module, inputs: Tuple[torch.Tensor, ...], output: torch.Tensor) -> int:
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return output.numel() * (module.weight[0].numel() + (1 if module.bias is not None else 0))
    if isinstance(module, nn.Linear):
        return inputs[0].numel() * module.out_features + (output.numel() if module.bias is not None else 0)
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return inputs[0].numel() * (2 if module.affine else 1)
    if isinstance(module, (nn.ReLU,) + _POOLS):
        return inputs[0].numel()
    if isinstance(module, (nn.LSTM, nn.GRU)):
        return _recurrent_flops(module, inputs[0])
    return 0


def _recurrent_flops(module, x: torch.Tensor) -> int:
    """Gate multiply-adds (+ biases) of an LSTM (4 gates) or GRU (3 gates) over the whole sequence."""
    gates = 4 if isinstance(module, nn.LSTM) else 3
    steps = x.shape[1] if module.batch_first else x.shape[0]
    batch = x.shape[0] if module.batch_first else (x.shape[1] if x.dim() == 3 else 1)
    dirs = 2 if module.bidirectional else 1
    total = 0
    for layer in range(module.num_layers):
        width = module.input_size if layer == 0 else module.hidden_size * dirs
        total += steps * batch * dirs * gates * module.hidden_size * (width + module.hidden_size + 2)
    return total


def count_flops(module: nn.Module, run: Callable[[], object]) -> int:
    """FLOPs (mmcv convention) of the modules inside ``module`` while ``run()`` executes."""
    total = [0]

    def hook(mod, inputs, output):
        total[0] += _module_flops(mod, inputs, output)

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in handles:
            h.remove()
    return total[0]


def conv_macs(run: Callable[[], object]) -> int:
    """Multiply-adds of convolutions and matrix products only (fvcore convention)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        run()
    return counter.get_total_flops() // 2


def model_costs(model: EPAMNet, *, rgb_shape: Tuple[int, ...] = RGB_SHAPE,
                pose_shape: Tuple[int, ...] = POSE_SHAPE) -> Dict[str, PartCost]:
    """``{"rgb", "pose", "attention", "total"}`` -> :class:`PartCost` for one clip of the given shapes."""
    meta = copy.deepcopy(model).to("meta").eval()
    rgb = torch.empty((1, *rgb_shape), device="meta")
    heatmaps = torch.empty((1, *pose_shape), device="meta")
    with torch.no_grad():
        f_r = meta.rgb.features(rgb)
        f_s = meta.pose.features(heatmaps)
    flops = {"rgb": count_flops(meta.rgb, lambda: meta.rgb(rgb)),
             "pose": count_flops(meta.pose, lambda: meta.pose(heatmaps)), "attention": 0}
    if meta.attention is not None:
        aligned = align_space(align_time(f_s, f_r.shape[2]), tuple(f_r.shape[-2:]))
        flops["attention"] = count_flops(meta.attention, lambda: meta.attention(aligned))
    parts = {
        "rgb": PartCost(count_params(model.rgb), flops["rgb"] / 1e9),
        "pose": PartCost(count_params(model.pose), flops["pose"] / 1e9),
        "attention": PartCost(count_params(model.attention), flops["attention"] / 1e9),
    }
    parts["total"] = PartCost(count_params(model), sum(flops.values()) / 1e9)
    return parts


def costs_as_dict(costs: Dict[str, PartCost]) -> Dict[str, dict]:
    """JSON form: ``{"rgb": {"params": int, "gflops": float}, ...}``."""
    return {name: asdict(cost) for name, cost in costs.items()}


def clip_inputs(model: nn.Module, sizes=None, *, device="meta") -> Dict[str, torch.Tensor]:
    """Inputs of one clip (batch 1) of every kind ``model``'s registry entry lists, at its input sizes
    (:class:`~core_model.preprocess.kinds.InputSizes`, default: the model's config, else the paper's)."""
    from ..preprocess.kinds import InputSizes
    from .registry import get_model_spec, model_name_of

    s = sizes if sizes is not None else InputSizes.of(getattr(model, "config", {}), None)
    shapes = {"rgb": (3, s.rgb_frames, s.rgb_size, s.rgb_size),
              "heatmaps": (17, s.pose_frames, s.heatmap_size, s.heatmap_size),
              "keypoints": (s.keypoint_frames, s.people, 17, 3),
              "part_crops": (3, 3, s.rgb_frames, s.part_size, s.part_size),
              "flow": (2, s.rgb_frames, s.rgb_size, s.rgb_size),
              "hand_crops": (s.rgb_frames, 4, 3, s.part_size, s.part_size)}
    return {kind: torch.zeros((1, *shapes[kind]), device=device)
            for kind in get_model_spec(model_name_of(model)).inputs}


def clip_costs(model: nn.Module, sizes=None) -> Dict[str, Any]:
    """``{"params", "gflops" (mmcv convention), "gmacs" (convolutions and matrix products), "parts": {name:
    params}}`` of any registered model for one clip (``sizes``: see :func:`clip_inputs`)."""
    try:
        meta = copy.deepcopy(model).to("meta").eval()
        inputs = clip_inputs(meta, sizes)
        flops = count_flops(meta, lambda: meta.forward_inputs(inputs))
        macs = conv_macs(lambda: meta.forward_inputs(inputs))
    except (RuntimeError, NotImplementedError):  # an operation without a meta kernel: count on zeros
        real = copy.deepcopy(model).cpu().eval()
        inputs = clip_inputs(real, sizes, device="cpu")
        flops = count_flops(real, lambda: real.forward_inputs(inputs))
        macs = conv_macs(lambda: real.forward_inputs(inputs))
    parts = {name: count_params(child) for name, child in model.named_children()}
    return {"params": count_params(model), "gflops": flops / 1e9, "gmacs": macs / 1e9, "parts": parts}
