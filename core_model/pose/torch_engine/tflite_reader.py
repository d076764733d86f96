"""Read a ``.tflite`` flatbuffer (the ``tflite`` package from PyPI, no TensorFlow) into plain Python.

:func:`read_model` returns a :class:`Model`: the operators in execution order (name, input and output
tensor ids, options as a dict), each tensor's NHWC shape, and the constant tensors as float32 numpy
arrays. Weight tensors stored as fp16 (``DEQUANTIZE``) and sparse (``DENSIFY``) are resolved here,
once: those operators only ever run on constants in MediaPipe's pose models.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ...errors import PoseError

#: TFLite TensorType -> numpy dtype (the types these models use)
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 9: np.int8}
#: TFLite Padding enum
PADDING = {0: "SAME", 1: "VALID"}
#: TFLite ActivationFunctionType enum
ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH"}


@dataclass
class Op:
    """One operator: its builtin name, input/output tensor ids (-1: none) and options."""

    name: str
    inputs: Tuple[int, ...]
    outputs: Tuple[int, ...]
    options: Dict[str, object] = field(default_factory=dict)


@dataclass
class Model:
    """A parsed single-subgraph model."""

    ops: List[Op]
    shapes: Dict[int, Tuple[int, ...]]
    names: Dict[int, str]
    constants: Dict[int, np.ndarray]
    inputs: Tuple[int, ...]
    outputs: Tuple[int, ...]

    def op_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for op in self.ops:
            counts[op.name] = counts.get(op.name, 0) + 1
        return counts


def _builtin_names() -> Dict[int, str]:
    from tflite.BuiltinOperator import BuiltinOperator

    return {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)}


def _options(op, name: str) -> Dict[str, object]:
    import tflite

    table = op.BuiltinOptions()
    if table is None:
        return {}
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        cls = tflite.Conv2DOptions if name == "CONV_2D" else tflite.DepthwiseConv2DOptions
        o = cls()
        o.Init(table.Bytes, table.Pos)
        out = {"padding": PADDING[o.Padding()], "stride": (o.StrideH(), o.StrideW()),
               "dilation": (o.DilationHFactor(), o.DilationWFactor()),
               "activation": ACTIVATIONS[o.FusedActivationFunction()]}
        if name == "DEPTHWISE_CONV_2D":
            out["depth_multiplier"] = o.DepthMultiplier()
        return out
    if name == "MAX_POOL_2D":
        o = tflite.Pool2DOptions()
        o.Init(table.Bytes, table.Pos)
        return {"padding": PADDING[o.Padding()], "stride": (o.StrideH(), o.StrideW()),
                "filter": (o.FilterHeight(), o.FilterWidth()), "activation": ACTIVATIONS[o.FusedActivationFunction()]}
    if name == "ADD":
        o = tflite.AddOptions()
        o.Init(table.Bytes, table.Pos)
        return {"activation": ACTIVATIONS[o.FusedActivationFunction()]}
    if name == "CONCATENATION":
        o = tflite.ConcatenationOptions()
        o.Init(table.Bytes, table.Pos)
        return {"axis": o.Axis(), "activation": ACTIVATIONS[o.FusedActivationFunction()]}
    if name == "RESIZE_BILINEAR":
        o = tflite.ResizeBilinearOptions()
        o.Init(table.Bytes, table.Pos)
        return {"align_corners": bool(o.AlignCorners()), "half_pixel_centers": bool(o.HalfPixelCenters())}
    if name == "DEPTH_TO_SPACE":
        o = tflite.DepthToSpaceOptions()
        o.Init(table.Bytes, table.Pos)
        return {"block_size": o.BlockSize()}
    return {}


def _index_vector(kind: int, table) -> np.ndarray:
    import tflite

    cls = {1: tflite.Int32Vector, 2: tflite.Uint16Vector, 3: tflite.Uint8Vector}[kind]
    vec = cls()
    vec.Init(table.Bytes, table.Pos)
    return vec.ValuesAsNumpy().astype(np.int64)


def densify(values: np.ndarray, shape: Tuple[int, ...], sparsity) -> np.ndarray:
    """TFLite's sparse-to-dense conversion (FormatConverter::SparseToDense), vectorised over the values."""
    order = [int(v) for v in sparsity.TraversalOrderAsNumpy()]
    block_map = [int(v) for v in sparsity.BlockMapAsNumpy()] if sparsity.BlockMapLength() else []
    rank = len(shape)
    levels = []
    for level in range(sparsity.DimMetadataLength()):
        meta = sparsity.DimMetadata(level)
        if meta.Format() == 0:  # DENSE
            levels.append(("dense", int(meta.DenseSize()), None, None))
        else:
            levels.append(("sparse", 0, _index_vector(meta.ArraySegmentsType(), meta.ArraySegments()),
                           _index_vector(meta.ArrayIndicesType(), meta.ArrayIndices())))
    block_size = [levels[order.index(rank + b)][1] for b in range(len(block_map))]
    paths = np.zeros((1, 0), np.int64)
    prev = np.zeros(1, np.int64)
    for kind, size, segments, indices in levels:
        if kind == "dense":
            step = np.arange(size)
            paths = np.concatenate([np.repeat(paths, size, 0), np.tile(step, len(prev))[:, None]], 1)
            prev = (np.repeat(prev, size) * size + np.tile(step, len(prev)))
        else:
            starts, ends = segments[prev], segments[prev + 1]
            counts = ends - starts
            owner = np.repeat(np.arange(len(prev)), counts)
            pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + starts[owner]
            paths = np.concatenate([paths[owner], indices[pos][:, None]], 1)
            prev = pos
    if len(paths) != values.size:
        raise PoseError(f"A sparse tensor of the pose model does not match its values ({len(paths)} vs {values.size}).")
    index = np.zeros((len(paths), rank), np.int64)
    for level in range(rank):
        index[:, order[level]] = paths[:, level]
    for level in range(rank, len(levels)):
        b = order[level] - rank
        index[:, block_map[b]] = index[:, block_map[b]] * block_size[b] + paths[:, level]
    dense = np.zeros(shape, values.dtype)
    dense[tuple(index.T)] = values.reshape(-1)
    return dense


def _buffer(model, tensor) -> Optional[np.ndarray]:
    buf = model.Buffers(tensor.Buffer())
    if buf is None or buf.DataLength() == 0:
        return None
    return buf.DataAsNumpy().view(_DTYPES[tensor.Type()]).copy()


def read_model(path: str) -> Model:
    """Parse ``path``; constants (weights, biases, shapes, paddings) come back as float32/int arrays."""
    import tflite

    if not os.path.isfile(path):
        raise PoseError(f"The pose model file {path} is missing (is mediapipe==0.10.21 installed?).")
    with open(path, "rb") as fh:
        data = fh.read()
    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)
    names = _builtin_names()
    shapes, tnames, constants, sparse = {}, {}, {}, {}
    for i in range(graph.TensorsLength()):
        t = graph.Tensors(i)
        shapes[i] = tuple(int(v) for v in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        tnames[i] = t.Name().decode("utf-8", "replace")
        value = _buffer(model, t)
        if value is None:
            continue
        if t.Sparsity() is not None:
            sparse[i] = (value, t.Sparsity())
        else:
            constants[i] = value.reshape(shapes[i])
    ops: List[Op] = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        name = names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        ins = tuple(int(v) for v in op.InputsAsNumpy())
        outs = tuple(int(v) for v in op.OutputsAsNumpy())
        if name == "DENSIFY" and ins[0] in sparse:
            values, sparsity = sparse[ins[0]]
            constants[outs[0]] = densify(values, shapes[outs[0]], sparsity)
            continue
        if name == "DEQUANTIZE" and ins[0] in constants:
            constants[outs[0]] = constants[ins[0]].astype(np.float32)
            continue
        ops.append(Op(name, ins, outs, _options(op, name)))
    return Model(ops, shapes, tnames, constants, tuple(int(v) for v in graph.InputsAsNumpy()),
                 tuple(int(v) for v in graph.OutputsAsNumpy()))
