"""A remembered choice of the exported graph runs it from the first batch: no PyTorch forward first.

``auto`` times PyTorch against the graph runtime once and remembers the faster; a later run that finds the graph
runtime chosen and the graph checked by it (at this version) runs the graph at once, so a cold ``epam analyze``
of a few windows does not pay a PyTorch forward on top of the graph's load. ONNX Runtime here (OpenVINO in the
test process is left to tests/core_model/test_openvino_runtime.py)."""
from __future__ import annotations

import json

import pytest
import torch

from core_model.analysis.model_setup import prepare_model
from core_model.runtime import select
from core_model.runtime.select import ModelRuntime, cache_root
from tests.core_model.test_onnx_runtime import (TOLERANCE, bikes_poses, differences, graphs,  # noqa: F401 (fixtures)
                                                small_model)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_remembered_graph_choice_runs_the_graph_from_the_first_batch(graphs, monkeypatch):
    monkeypatch.setattr(select, "GRAPH_RUNTIMES", ("onnx",))
    exported = graphs("separable-sta")
    exported.seed()
    batch = exported.first
    with torch.inference_mode():
        timed = ModelRuntime(prepare_model(model=small_model("separable-sta")), "auto")
        reference = timed(batch)  # times both, checks the graph with ONNX Runtime, remembers the faster
        (choice,) = (cache_root() / "choices").glob("*.json")
        remembered = json.loads(choice.read_text())
        choice.write_text(json.dumps({**remembered, "name": "onnx"}))  # as where ONNX Runtime was the faster
        again = ModelRuntime(prepare_model(model=small_model("separable-sta")), "auto")
        again.windows = 2  # a short run
        calls = []
        forward = again.torch_module.forward_inputs
        monkeypatch.setattr(again.torch_module, "forward_inputs", lambda inputs: calls.append(1) or forward(inputs))
        out = again(batch)
    assert again.name == "onnx" and "earlier run" in again.info["reason"]
    assert calls == []  # PyTorch did not run
    assert max(differences(reference, out).values()) <= TOLERANCE
