"""A PyTorch module that runs a parsed TFLite graph (:mod:`.tflite_reader`) operator by operator.

Weights are converted once to PyTorch's layouts (CONV_2D OHWI -> OIHW, DEPTHWISE_CONV_2D 1HWC ->
C1HW) and kept as buffers, so ``.to(device, dtype)`` moves the whole network. The batch dimension
is free: TFLite's shapes say 1, any N runs in one forward.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np
import torch
from torch import nn

from ...errors import PoseError
from . import ops as O
from .tflite_reader import Model

SUPPORTED = {"CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "PAD", "RESHAPE", "DEPTH_TO_SPACE", "RESIZE_BILINEAR",
             "CONCATENATION", "MAX_POOL_2D", "LOGISTIC"}


class TFLiteNet(nn.Module):
    """``forward(x)``: x is NHWC float (N, H, W, C) as TFLite takes it; returns the graph's outputs in
    order, 4-D ones NHWC, as TFLite gives them."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        unknown = sorted({op.name for op in model.ops} - SUPPORTED)
        if unknown:
            raise PoseError(f"The pose model uses operators this engine does not run: {', '.join(unknown)}.")
        self.model = model
        self._params: Dict[int, str] = {}
        for op in model.ops:
            if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                w = model.constants[op.inputs[1]]
                w = w.transpose(0, 3, 1, 2) if op.name == "CONV_2D" else w.transpose(3, 0, 1, 2)
                self._register(op.inputs[1], w)
                if len(op.inputs) > 2 and op.inputs[2] >= 0:
                    self._register(op.inputs[2], model.constants[op.inputs[2]])
            elif op.name == "ADD":
                for t in op.inputs:
                    if t in model.constants:
                        self._register(t, self._as_nchw(model.constants[t]))

    @staticmethod
    def _as_nchw(value: np.ndarray) -> np.ndarray:
        return value.transpose(0, 3, 1, 2) if value.ndim == 4 else value

    def _register(self, tensor: int, value: np.ndarray) -> None:
        name = f"t{tensor}"
        if name not in self._buffers:
            self.register_buffer(name, torch.from_numpy(np.ascontiguousarray(value, np.float32)))
        self._params[tensor] = name

    def _const(self, tensor: int) -> torch.Tensor:
        return self._buffers[self._params[tensor]]

    def _value(self, values: Dict[int, torch.Tensor], tensor: int) -> torch.Tensor:
        if tensor in values:
            return values[tensor]
        return self._const(tensor)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        model = self.model
        values: Dict[int, torch.Tensor] = {model.inputs[0]: O.to_nchw(x)}
        for op in model.ops:
            values[op.outputs[0]] = self._run(op, values)
        return [O.to_nhwc(values[t]) for t in model.outputs]

    def _run(self, op, values) -> torch.Tensor:  # noqa: C901 - one branch per operator
        opt, ins = op.options, op.inputs
        if op.name == "CONV_2D" or op.name == "DEPTHWISE_CONV_2D":
            x = values[ins[0]]
            bias = self._const(ins[2]) if len(ins) > 2 and ins[2] >= 0 else None
            groups = x.shape[1] if op.name == "DEPTHWISE_CONV_2D" else 1
            return O.conv2d(x, self._const(ins[1]), bias, opt["padding"], opt["stride"], opt["dilation"],
                            opt["activation"], groups)
        if op.name == "ADD":
            return O.activate(torch.add(self._value(values, ins[0]), self._value(values, ins[1])), opt["activation"])
        if op.name == "PAD":
            return O.pad(values[ins[0]], self.model.constants[ins[1]])
        if op.name == "RESHAPE":
            return O.reshape(values[ins[0]], self.model.shapes[op.outputs[0]])
        if op.name == "DEPTH_TO_SPACE":
            return O.depth_to_space(values[ins[0]], opt["block_size"])
        if op.name == "RESIZE_BILINEAR":
            return O.resize_bilinear(values[ins[0]], self.model.shapes[op.outputs[0]][1:3],
                                     opt["align_corners"], opt["half_pixel_centers"])
        if op.name == "CONCATENATION":
            return O.concatenate([values[t] for t in ins], opt["axis"], opt["activation"])
        if op.name == "MAX_POOL_2D":
            return O.max_pool2d(values[ins[0]], opt["padding"], opt["filter"], opt["stride"], opt["activation"])
        if op.name == "LOGISTIC":
            return torch.sigmoid(values[ins[0]])
        raise PoseError(f"Operator {op.name} is not supported.")
