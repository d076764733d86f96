"""A cold ``epam analyze`` without PyTorch once the installation's first use has made the graph ready.

The first short analysis (one window: ``auto`` exports nothing during it) starts the background export
(:mod:`core_model.runtime.first_use`): the graph is exported, checked against PyTorch on that run's first batch,
timed, and the ready record kept (:mod:`core_model.runtime.ready`). The next cold run of another video loads the
graph in OpenVINO and never imports PyTorch, and its results equal PyTorch's within 1e-4. A tiny EPAM-Net
checkpoint keeps the export short; each command is a new process on a real 0.8-s clip of bikes.mp4.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from core_model.analysis import AnalysisResult
from core_model.runtime import cache_root, openvino_available
from tests.core_model.test_command_startup import _run_cli, short_clip  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not openvino_available(), reason="OpenVINO (openvino, onnx) is not installed")

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from core_model.models import save_checkpoint
    from tests.core_model.test_model_family import TINY_INPUTS
    from tests.core_model.test_onnx_runtime import small_model

    path = tmp_path_factory.mktemp("ckpt") / "tiny-epam.pt"
    save_checkpoint(small_model("epam"), path, class_names=["a", "b", "c"], inputs=TINY_INPUTS.to_dict())
    return path


def _wait_first_use(cache: Path, timeout: float = 240.0) -> str:
    deadline = time.monotonic() + timeout
    while (cache / "runtime" / "first-use.lock").exists():
        assert time.monotonic() < deadline, "the background export did not end"
        time.sleep(0.2)
    return (cache / "runtime" / "first-use.log").read_text()


def _analyze(clip, checkpoint, out, *extra, **env):
    cache = Path(env.get("EPAM_CACHE_DIR") or os.environ["EPAM_CACHE_DIR"])
    shutil.rmtree(cache / "analysis", ignore_errors=True)  # results are cached whatever the runtime
    rc, stderr, modules, _trace = _run_cli(["analyze", clip, "--checkpoint", checkpoint, "-o", out, *extra], out.parent,
                                           **env)
    assert rc == 0, stderr
    return AnalysisResult.load(out / Path(clip).stem), modules


@pytest.fixture(scope="module")
def first_use(short_clip, tiny_checkpoint, tmp_path_factory):
    """The installation's first use: one short analysis, then its background export (a cache of its own, copied
    by each test into the test's cache). Returns ``(cache, first run's results, its modules, the export's log)``."""
    cache, out = tmp_path_factory.mktemp("installation"), tmp_path_factory.mktemp("first-use")
    first, modules = _analyze(short_clip, tiny_checkpoint, out / "first", EPAM_FIRST_USE_EXPORT="1",
                              EPAM_CACHE_DIR=str(cache))
    return cache, first, modules, _wait_first_use(cache)


def _installed(first_use) -> None:
    cache = first_use[0]
    for folder in ("runtime", "poses"):
        shutil.copytree(cache / folder, cache_root().parent / folder, dirs_exist_ok=True)


def test_after_the_first_use_a_cold_analysis_runs_the_graph_without_pytorch(short_clip, tiny_checkpoint, first_use,
                                                                            tmp_path):
    _cache, first, modules, log = first_use
    assert "torch" in modules and first.summary["runtime"]["name"] == "torch"
    assert first.summary["runtime"]["torch_loaded"] is True
    assert "short run" in first.summary["runtime"]["reason"]
    report = json.loads(log[log.index("{"):])
    assert report["ready_record"] and {r["name"] for r in report["chosen"].values()} == {"openvino"}, log
    assert report["chosen"]["1"]["graph"]["parity_max_difference"] <= TOLERANCE
    assert not list((_cache / "runtime" / "first-use").iterdir())  # the first batch kept for it is gone
    _installed(first_use)

    cold, modules = _analyze(short_clip, tiny_checkpoint, tmp_path / "cold")
    assert "torch" not in modules and "openvino" in modules
    runtime = cold.summary["runtime"]
    assert runtime["name"] == "openvino" and runtime["torch_loaded"] is False and runtime["device"] == "cpu"
    assert "PyTorch not loaded" in runtime["reason"] and not runtime["graph"]["exported_now"]

    reference, modules = _analyze(short_clip, tiny_checkpoint, tmp_path / "torch", "--runtime", "torch")
    assert "torch" in modules and reference.summary["runtime"]["name"] == "torch"
    assert cold.summary["model_info"] == reference.summary["model_info"]
    assert cold.summary["request_key"] == reference.summary["request_key"]
    assert np.abs(cold.prob_fused - reference.prob_fused).max() <= TOLERANCE
    for stream, probs in reference.stream_probs.items():
        assert np.abs(cold.stream_probs[stream] - probs).max() <= TOLERANCE
    assert set(cold.products) == set(reference.products)
    for name, values in reference.products.items():
        assert np.abs(cold.products[name] - values).max() <= TOLERANCE, name
    assert [s.class_name for s in cold.segments] == [s.class_name for s in reference.segments]


def test_a_ready_record_holds_for_its_environment_and_request_only(tiny_checkpoint, first_use, monkeypatch):
    from core_model.runtime.ready import ready_model, record_path, request_identity

    _installed(first_use)
    monkeypatch.setenv("OMP_WAIT_POLICY", os.environ.get("OMP_WAIT_POLICY", "PASSIVE"))  # as the command sets it
    identity = request_identity(tiny_checkpoint, None, None, 0)
    assert record_path(identity, "auto", "auto", 0).is_file()
    assert not record_path(identity, "auto", "auto", 1).is_file()  # another --batch-size
    assert not record_path({**identity, "seed": 1}, "auto", "auto", 0).is_file()
    assert ready_model(identity, "torch", "auto", 0) is None  # PyTorch asked for
    with monkeypatch.context() as patched:
        patched.setenv("OMP_NUM_THREADS", str((os.cpu_count() or 1) + 1))  # another thread count
        assert not record_path(identity, "auto", "auto", 0).is_file()
        assert ready_model(identity, "auto", "auto", 0) is None
    assert record_path(identity, "auto", "auto", 0).is_file()
    for graph in (cache_root() / "graphs").glob("*.onnx"):
        graph.unlink()  # a graph gone: the PyTorch path, as without a record
    assert ready_model(identity, "auto", "auto", 0) is None
