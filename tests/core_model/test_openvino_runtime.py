"""OpenVINO as the network's runtime: every registered model's exported graph, compiled by OpenVINO, gives
PyTorch's logits, scores and attention products (within 1e-4) on windows of a real video; ``auto`` prefers it to
ONNX Runtime and remembers its choice; an analysis records it. Skipped where OpenVINO is not installed.

The graphs are the ones tests/core_model/test_onnx_runtime.py exports (once per session, :func:`graphs`): each
test seeds its own runtime cache with the model's graph, so OpenVINO's check against PyTorch runs here."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.analysis.model_setup import prepare_model
from core_model.errors import ConfigError
from core_model.models.registry import get_model_spec
from core_model.runtime import openvino_available
from core_model.runtime.select import ModelRuntime, cache_root, check_runtime
from tests.core_model.test_model_family import NAMES, stick_video  # noqa: F401 (fixture)
from tests.core_model.test_onnx_runtime import (TOLERANCE, bikes_poses, differences, graphs,  # noqa: F401 (fixtures)
                                                small_model)

pytestmark = [pytest.mark.skipif(not openvino_available(), reason="OpenVINO (openvino, onnx) is not installed"),
              pytest.mark.usefixtures("one_torch_thread")]


@pytest.mark.parametrize("name", NAMES)
def test_the_openvino_graph_gives_pytorchs_logits_and_attention(name, graphs):
    exported = graphs(name)
    exported.seed()  # the session's graph: OpenVINO has not checked it in this test's cache
    runtime = ModelRuntime(exported.prepared, "openvino")
    reference = exported.prepared.inference_module()
    with torch.inference_mode():
        first = runtime(exported.first)  # compiled and checked against PyTorch on this batch
        assert runtime.name == "openvino" and runtime.info["graph"]["runtime"] == "openvino"
        assert runtime.info["graph"]["checked_now"] and not runtime.info["graph"]["exported_now"]
        assert runtime.info["graph"]["parity_max_difference"] <= TOLERANCE
        assert max(differences(reference.forward_inputs(exported.first), first).values()) <= TOLERANCE
        got = runtime(exported.two)  # other windows, another batch size (the batch axis is dynamic)
        diffs = differences(reference.forward_inputs(exported.two), got)
    assert max(diffs.values()) <= TOLERANCE, diffs
    assert {p.name for p in get_model_spec(name).products} == set(got.products)
    for product, value in got.products.items():
        assert value.shape[0] == 2 and all(n > 1 for n in value.shape[1:]), (product, tuple(value.shape))


def test_auto_prefers_openvino_remembers_its_check_and_choice(graphs):
    exported = graphs("separable-sta")
    exported.seed()
    batch = exported.first
    with torch.inference_mode():
        timed = ModelRuntime(prepare_model(model=small_model("separable-sta")), "auto")
        reference = timed(batch)
        assert set(timed.info["timing"]) == {"torch", "openvino"} and timed.name in ("torch", "openvino")
        assert timed.info["graph"]["checked_now"]
        (record,) = (cache_root() / "graphs").glob("*.json")
        check = json.loads(record.read_text())["checks"]["openvino"]
        assert check["parity_ok"] and check["parity_max_difference"] <= TOLERANCE and check["version"]
        assert any((cache_root() / "openvino").iterdir())  # OpenVINO's compiled blob, loaded by later runs
        (choice,) = (cache_root() / "choices").glob("*.json")
        assert json.loads(choice.read_text())["name"] == timed.name
        again = ModelRuntime(prepare_model(model=small_model("separable-sta")), "openvino")
        out = again(batch)  # the recorded check is trusted: not checked again
        assert again.name == "openvino" and not again.info["graph"]["checked_now"]
        assert max(differences(reference, out).values()) <= TOLERANCE


def test_an_analysis_records_openvino_and_matches_pytorch(stick_video, graphs, tmp_path):
    path, poses = stick_video
    graphs("vpn").seed()
    runs = {}
    for runtime in ("torch", "openvino"):
        settings = AnalysisSettings.from_lengths("10", "10", batch_size=2, runtime=runtime)
        runs[runtime] = analyze_video(path, poses=poses, model=small_model("vpn"), settings=settings,
                                      out_dir=tmp_path / runtime, use_cache=False)
    saved = AnalysisResult.load(tmp_path / "openvino")
    assert saved.summary["runtime"]["name"] == "openvino" and saved.summary["runtime"]["requested"] == "openvino"
    assert saved.summary["runtime"]["graph"]["parity_max_difference"] <= TOLERANCE
    assert saved.num_windows == 4
    np.testing.assert_allclose(saved.prob_fused, runs["torch"].prob_fused, atol=1e-5)
    for key, values in runs["torch"].products.items():
        np.testing.assert_allclose(saved.products[key], values, atol=TOLERANCE)


def test_openvino_is_refused_on_a_gpu_and_taken_by_the_cli():
    with pytest.raises(ConfigError, match="OpenVINO runs the exported graph on the CPU only"):
        check_runtime("openvino", "cuda")
    check_runtime("openvino", "cpu")
    import argparse

    from core_model.commands.analyze import _settings, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert _settings(parser.parse_args(["v.mp4", "--runtime", "openvino"])).runtime == "openvino"


def test_a_graph_openvino_found_different_runs_in_pytorch_and_says_why(graphs):
    exported = graphs("hand-glimpse")
    exported.seed()
    (record_path,) = (cache_root() / "graphs").glob("*.json")
    record = json.loads(record_path.read_text())
    from core_model.runtime.select import _runtime_version

    # as if this OpenVINO version had checked the graph and found it 3e-3 away from PyTorch
    record["checks"]["openvino"] = {"parity_ok": False, "parity_max_difference": 3e-3,
                                    "version": _runtime_version("openvino")}
    record_path.write_text(json.dumps(record))
    runtime = ModelRuntime(prepare_model(model=small_model("hand-glimpse")), "openvino")
    with torch.inference_mode():
        out = runtime(exported.first)
        reference = exported.prepared.inference_module().forward_inputs(exported.first)
    assert runtime.name == "torch" and runtime.info["reason"].startswith("the OpenVINO graph differs from PyTorch")
    assert max(differences(reference, out).values()) == 0


def test_openvino_not_installed_is_one_sentence(monkeypatch):
    import core_model.runtime.select as select

    monkeypatch.setattr(select, "runtime_available", lambda name: False)
    with pytest.raises(ConfigError) as refused:
        check_runtime("openvino", "cpu")
    assert str(refused.value) == ("OpenVINO is not installed (a dependency of EPAM Studio: pip install "
                                  "'openvino>=2024.4,<2027' 'onnx>=1.16,<1.19'): use --runtime torch or auto.")
    # the hint installs what the project depends on, at its pins (a bare `pip install onnx` breaks mediapipe)
    import tomllib
    from pathlib import Path

    from core_model.runtime import REQUIREMENTS

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert set(REQUIREMENTS.values()) <= set(pyproject["project"]["dependencies"])


#: a fresh interpreter: two graphs compiled by OpenVINO and released in the order they were made (not the
#: reverse); then a signal is handled by a Python handler (CPython installs them with SA_ONSTACK, as torch's
#: DataLoader does its SIGCHLD handler). OpenVINO's CPU plugin gives the thread that creates it its own
#: alternate signal stack and, when released, puts back the one it found: with one plugin per graph, the second
#: put back the first's stack, already unmapped, and the next signal killed the process (SIGSEGV, si_code
#: SI_KERNEL: the kernel could not write the signal frame) or wrote its frame over reused memory.
_RELEASED_GRAPHS_THEN_A_SIGNAL = r"""
import ctypes, faulthandler, gc, os, signal, sys
import onnx
import torch
from onnx import TensorProto, helper
from core_model.runtime.onnx_graph import GraphLayout
from core_model.runtime.openvino_graph import OpenVinoModel

faulthandler.enable()  # as pytest does: the thread has an alternate signal stack before OpenVINO's
path = sys.argv[1]
io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n", 4]) for n in ("rgb", "scores")]
graph = helper.make_graph([helper.make_node("Relu", ["rgb"], ["scores"])], "relu", io[:1], io[1:])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
layout = GraphLayout(("rgb",), ("scores",))
models = [OpenVinoModel(path, layout, threads=1) for _ in range(2)]
for model in models:
    assert torch.equal(model({"rgb": torch.tensor([[-1.0, 0.0, 2.0, 3.0]])}).scores, torch.tensor([[0, 0, 2.0, 3.0]]))
first, second = models
del models, model
del first
gc.collect()
del second
gc.collect()

class Stack(ctypes.Structure):
    _fields_ = [("sp", ctypes.c_void_p), ("flags", ctypes.c_int), ("size", ctypes.c_size_t)]

now = Stack()
assert ctypes.CDLL(None).sigaltstack(None, ctypes.byref(now)) == 0
if not now.flags & 2:  # SS_DISABLE: none
    with open("/proc/self/maps") as maps:
        spans = [[int(a, 16) for a in line.split()[0].split("-")] for line in maps]
    mapped = any(lo <= now.sp and now.sp + now.size <= hi for lo, hi in spans)
    print("alternate signal stack", hex(now.sp), now.size, "mapped" if mapped else "NOT MAPPED", flush=True)
handled = []
signal.signal(signal.SIGUSR1, lambda *_: handled.append(True))
os.kill(os.getpid(), signal.SIGUSR1)
assert handled == [True]
print("handled", flush=True)
"""


def test_graphs_released_in_any_order_leave_signals_handled(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", _RELEASED_GRAPHS_THEN_A_SIGNAL, str(tmp_path / "relu.onnx")],
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "handled" in proc.stdout and "NOT MAPPED" not in proc.stdout, \
        (proc.returncode, proc.stdout[-1000:], proc.stderr[-2000:])
