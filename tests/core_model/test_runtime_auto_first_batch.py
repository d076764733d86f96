"""``auto``'s first batch: how many times it times each runtime, and the short run's batch kept for the
installation's first-use export only where ``epam analyze`` asks for it (the studio keeps none). ONNX Runtime on a
tiny model's graph exported once per session (tests/core_model/test_onnx_runtime.py)."""
from __future__ import annotations

import pytest
import torch

from core_model.analysis.model_setup import prepare_model
from core_model.runtime import select
from core_model.runtime.select import ModelRuntime
from tests.core_model.test_onnx_runtime import bikes_poses, graphs, small_model  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_auto_times_each_runtime_as_many_rounds_as_asked(graphs, monkeypatch):
    monkeypatch.setattr(select, "GRAPH_RUNTIMES", ("onnx",))
    exported = graphs("separable-sta")
    exported.seed()
    runtime = ModelRuntime(prepare_model(model=small_model("separable-sta")), "auto")
    runtime.timing_rounds = 5
    calls = []
    forward = runtime.torch_module.forward_inputs
    monkeypatch.setattr(runtime.torch_module, "forward_inputs", lambda inputs: calls.append(1) or forward(inputs))
    with torch.inference_mode():
        runtime(exported.first)
    assert len(calls) == 5 and set(runtime.info["timing"]) == {"torch", "onnx"}


@pytest.mark.parametrize("keep", [False, True])
def test_a_short_run_keeps_its_first_batch_only_when_asked(graphs, keep):
    exported = graphs("separable-sta")  # not seeded: no graph in this test's cache
    prepared = prepare_model(model=small_model("separable-sta"))
    prepared.keep_first_batch = keep
    runtime = ModelRuntime(prepared, "auto")
    runtime.windows = 2
    with torch.inference_mode():
        runtime(exported.first)
    assert runtime.name == "torch" and "short run" in runtime.info["reason"]
    assert (runtime.first_batch is exported.first) if keep else runtime.first_batch is None
