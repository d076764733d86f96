"""A registered model as an ONNX graph: export it, load it into ONNX Runtime, call it like the torch module.

The graph takes the model's inputs (its registry entry's ``inputs``, batch first, the batch axis dynamic) and
returns every tensor of its :class:`~core_model.models.registry.ModelOutput` that an analysis keeps: the
logits of each stream (``logits.<stream>``), the fused ``scores`` and every attention product
(``products.<name>``). :class:`GraphLayout` records those names, so :class:`OnnxModel` rebuilds a
``ModelOutput`` (auxiliary training losses are not part of the graph). The exporter is PyTorch's
TorchScript-based ``torch.onnx.export`` (it needs the ``onnx`` package, not ``onnxscript``).
"""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..models.registry import ModelOutput
from . import split_outputs

#: the ONNX operator set of exported graphs
OPSET = 17


@dataclass(frozen=True)
class GraphLayout:
    """The graph's input kinds and output names, in order."""

    inputs: Tuple[str, ...]
    outputs: Tuple[str, ...]  # "logits.rgb", "scores", "products.spatial_attention", ...

    def to_dict(self) -> dict:
        return {"inputs": list(self.inputs), "outputs": list(self.outputs)}

    @classmethod
    def from_dict(cls, data: dict) -> "GraphLayout":
        return cls(tuple(data["inputs"]), tuple(data["outputs"]))

    def to_output(self, values: Sequence[torch.Tensor]) -> ModelOutput:
        """The :class:`ModelOutput` of the graph's output tensors (in :attr:`outputs` order)."""
        logits, scores, products = split_outputs(self.outputs, values)
        return ModelOutput(logits=logits, scores=scores, products=products)


def output_names(out: ModelOutput) -> Tuple[str, ...]:
    """The graph output names of one forward pass's output."""
    return (*(f"logits.{k}" for k in out.logits), "scores", *(f"products.{k}" for k in out.products))


def output_tensors(out: ModelOutput, names: Sequence[str]) -> List[torch.Tensor]:
    """The tensors of ``out`` named like graph outputs."""
    picked = []
    for name in names:
        group, _, key = name.partition(".")
        picked.append(out.logits[key] if group == "logits" else out.products[key] if group == "products"
                      else out.scores)
    return picked


class _Flat(nn.Module):
    """``forward(*tensors) -> tuple``: what the exporter can trace."""

    def __init__(self, module: nn.Module, kinds: Sequence[str], names: Sequence[str]) -> None:
        super().__init__()
        self.module, self.kinds, self.names = module, tuple(kinds), tuple(names)

    def forward(self, *tensors: torch.Tensor):
        out = self.module.forward_inputs(dict(zip(self.kinds, tensors)))
        return tuple(output_tensors(out, self.names))


def export_graph(module: nn.Module, inputs: Dict[str, torch.Tensor], path: Path,
                 names: Optional[Sequence[str]] = None) -> GraphLayout:
    """Write ``module`` (a registered model; a CPU copy in eval mode is traced, ``module`` is left as it is)
    as an ONNX graph to ``path``, traced with ``inputs`` (kind -> batch-first tensor). ``names``: the
    outputs (:func:`output_names` of the module's output on ``inputs``; computed when not given)."""
    traced = copy.deepcopy(module).float().cpu().eval()
    example = {k: v.detach().float().cpu().contiguous() for k, v in inputs.items()}
    if names is None:
        with torch.no_grad():
            names = output_names(traced.forward_inputs(example))
    flat = _Flat(traced, tuple(example), names).eval()  # a new module trains: eval, or tracing would flip BNs
    axes = {name: {0: "batch"} for name in (*example, *names)}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shapes read as Python numbers
        torch.onnx.export(flat, tuple(example.values()), str(path), input_names=list(example),
                          output_names=list(names), dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    return GraphLayout(tuple(example), tuple(names))


def _as_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).contiguous().numpy()


class OnnxModel:
    """An exported graph in an ONNX Runtime CPU session, called like a registered model.

    ``threads``: ONNX Runtime's intra-op threads (default: PyTorch's thread count, so both runtimes use
    the same cores).
    """

    runtime = "onnx"

    def __init__(self, path: Path, layout: GraphLayout, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads or torch.get_num_threads())
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers etc. are not the user's business
        # idle threads sleep instead of spinning: as fast on a loaded 2-core machine (3.8 s vs 4.3 s per EPAM-Net
        # clip, load 15) and they leave the cores to the pose workers running beside the model
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.layout = layout
        self.threads = options.intra_op_num_threads
        #: the inputs the graph reads (an input the outputs do not depend on is not part of it)
        self._feeds = [i.name for i in self.session.get_inputs()]

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        values = self.session.run(list(self.layout.outputs), {k: _as_numpy(inputs[k]) for k in self._feeds})
        return self.layout.to_output([torch.from_numpy(v) for v in values])

    __call__ = forward_inputs


def max_differences(reference: ModelOutput, other: ModelOutput) -> Dict[str, float]:
    """Largest absolute difference per output name (``logits.rgb``, ``scores``, ``products.*``)."""
    names = output_names(reference)
    pairs = zip(output_tensors(reference, names), output_tensors(other, names))
    return {name: float((a.detach().float().cpu() - b.detach().float().cpu()).abs().max())
            for name, (a, b) in zip(names, pairs)}
