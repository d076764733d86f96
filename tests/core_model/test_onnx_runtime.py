"""ONNX Runtime as the network's runtime: every registered model's exported graph gives PyTorch's logits,
scores and attention products (within 1e-4) on windows of a real video, ``auto`` picks and remembers the
faster runtime, and an analysis records which one ran. Skipped where ONNX Runtime is not installed.

Each model's graph is exported once per session (:func:`graphs`) and reused by every test that needs it (the
OpenVINO tests, tests/core_model/test_openvino_runtime.py, too); each model is built with the smallest inputs that
keep every one of its products non-trivial."""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.analysis.inputs import StageClock, iter_window_inputs
from core_model.analysis.model_setup import PreparedModel, prepare_model
from core_model.analysis.windows import WindowJob
from core_model.errors import ConfigError
from core_model.models.registry import build_named, get_model_spec
from core_model.pose.format import Poses
from core_model.preprocess.spec import InputSpec
from core_model.runtime import onnx_available, openvino_available
from core_model.runtime.select import ModelRuntime, cache_root, check_runtime
from core_model.video import VideoReader
from core_model.video.synthetic import stick_figure_keypoints
from tests.core_model.test_model_family import CLASSES, NAMES, TINY_INPUTS, stick_video  # noqa: F401 (fixture)

pytestmark = [pytest.mark.skipif(not onnx_available(), reason="ONNX Runtime (onnxruntime, onnx) is not installed"),
              pytest.mark.usefixtures("one_torch_thread")]

TOLERANCE = 1e-4
#: four windows of 40 frames of bikes.mp4 (the first 130 of its 250 frames)
JOBS = [WindowJob(s, s + 40) for s in (0, 30, 60, 90)]
#: 32 px RGB: enough for the models whose products do not come from an X3D's last feature map
SMALL_INPUTS = InputSpec(rgb_size=32, heatmap_size=16, rgb_frames=4, pose_frames=12)
#: the X3D-attention models need 64 px RGB for a 2x2 attention grid (32 px leaves 1x1, a constant map)
INPUTS = {"epam": TINY_INPUTS, "vpn": TINY_INPUTS, "separable-sta": TINY_INPUTS}


def small_model(name: str):
    """The tiny config of ``name`` at the smallest inputs that keep every product non-trivial, in eval mode."""
    spec = INPUTS.get(name, SMALL_INPUTS)
    torch.manual_seed(0)
    model = build_named(name, num_classes=CLASSES, class_names=["a", "b", "c"], inputs=spec, tiny=True)
    model.input_spec = spec
    return model.eval()


@pytest.fixture(scope="session")
def bikes_poses(bikes_video):
    """A walking stick figure over the real bikes video (its RGB is real, the heatmaps follow the figure)."""
    with VideoReader(bikes_video) as reader:
        frames, fps, shape = reader.frame_count, float(reader.fps), (reader.height, reader.width)
        timestamps = np.asarray(reader.timestamps, np.float64)
    kp = stick_figure_keypoints(1, frames, (shape[1], shape[0]), fps)
    return Poses(kp, np.full(kp.shape[:3], 0.9, np.float32), np.array([0]), timestamps, shape, fps)


def window_batches(video, poses, prepared, groups):
    """Batches (kind -> tensor) of real windows of ``video``: ``groups`` lists the job indices of each batch."""
    kinds = get_model_spec(prepared.model_name).inputs
    with VideoReader(video) as reader:
        windows = list(iter_window_inputs(reader, poses, JOBS, prepared.normalization, StageClock(), prepared.inputs,
                                          kinds=kinds, sizes=prepared.input_sizes()))
    return [{k: torch.from_numpy(np.stack([windows[i].arrays[k] for i in group])) for k in kinds}
            for group in groups]


@dataclass
class Exported:
    """A model's graph, exported (and checked) by its runtime on the first batch of real windows."""

    prepared: PreparedModel
    runtime: ModelRuntime  # 'onnx', settled on ``first``
    first: dict  # one window
    two: dict  # two other windows
    folder: Path  # the runtime cache's graphs/ folder holding the graph and its record

    def seed(self) -> None:
        """Put the graph into this test's runtime cache (an analysis then loads it instead of exporting)."""
        shutil.copytree(self.folder, cache_root() / "graphs", dirs_exist_ok=True)


#: the graphs exported in this session, by model name (shared by every module that imports :func:`graphs`)
_EXPORTED: dict = {}


@pytest.fixture(scope="session")
def graphs(bikes_video, bikes_poses, tmp_path_factory):
    """``graphs(name) -> Exported``: each model's graph is exported once per session, into a cache folder of
    its own (the calling test's cache stays empty), and reused by every test that needs it."""
    done = _EXPORTED

    def export(name: str) -> Exported:
        if name not in done:
            cache = tmp_path_factory.mktemp(f"graph-{name}")
            previous = os.environ.get("EPAM_CACHE_DIR")
            os.environ["EPAM_CACHE_DIR"] = str(cache)
            try:
                prepared = prepare_model(model=small_model(name))
                first, two = window_batches(bikes_video, bikes_poses, prepared, [(0,), (2, 3)])
                runtime = ModelRuntime(prepared, "onnx")
                with torch.inference_mode():
                    runtime(first)  # exported now, checked against PyTorch on this batch
                done[name] = Exported(prepared, runtime, first, two, cache_root() / "graphs")
            finally:
                os.environ["EPAM_CACHE_DIR"] = previous or ""
                if previous is None:
                    del os.environ["EPAM_CACHE_DIR"]
        return done[name]

    return export


def differences(reference, other) -> dict:
    assert set(reference.logits) == set(other.logits) and set(reference.products) == set(other.products)
    pairs = {**{f"logits.{k}": (v, other.logits[k]) for k, v in reference.logits.items()},
             "scores": (reference.scores, other.scores),
             **{k: (v, other.products[k]) for k, v in reference.products.items()}}
    for name, (a, b) in pairs.items():
        assert a.shape == b.shape, name
    return {name: float((a.float() - b.float()).abs().max()) for name, (a, b) in pairs.items()}


@pytest.mark.parametrize("name", NAMES)
def test_the_onnx_graph_gives_pytorchs_logits_and_attention(name, graphs):
    exported = graphs(name)
    runtime = exported.runtime
    assert runtime.name == "onnx" and runtime.info["graph"]["exported_now"]
    assert runtime.info["graph"]["parity_max_difference"] <= TOLERANCE  # the first batch, checked at export
    with torch.inference_mode():
        # other windows, another batch size (the batch axis is dynamic)
        got = runtime(exported.two)
        diffs = differences(exported.prepared.inference_module().forward_inputs(exported.two), got)
    assert max(diffs.values()) <= TOLERANCE, diffs
    assert {p.name for p in get_model_spec(name).products} == set(got.products)
    for product, value in got.products.items():  # the small inputs still give every product a real shape
        assert value.shape[0] == 2 and all(n > 1 for n in value.shape[1:]), (product, tuple(value.shape))


def test_auto_times_both_once_and_remembers_the_choice(graphs):
    batch = graphs("separable-sta").first  # real windows (this test's own cache is empty)
    prepared = prepare_model(model=small_model("separable-sta"))
    short = ModelRuntime(prepared, "auto")
    short.windows = 2
    with torch.inference_mode():
        short(batch)
        assert short.name == "torch" and "short run" in short.info["reason"]
        assert not (cache_root() / "graphs").exists()  # nothing exported for it
        timed = ModelRuntime(prepared, "auto")
        reference = timed(batch)
        chosen = timed.name
        candidate = "openvino" if openvino_available() else "onnx"  # the preferred installed graph runtime
        assert chosen in ("torch", candidate) and set(timed.info["timing"]) == {"torch", candidate}
        assert "first batch" in timed.info["reason"] and timed.info["graph"]["exported_now"]
        (choice,) = (cache_root() / "choices").glob("*.json")
        assert json.loads(choice.read_text())["name"] == chosen
        again = ModelRuntime(prepare_model(model=small_model("separable-sta")), "auto")
        again.windows = 2  # a cached choice is used whatever the run's length
        out = again(batch)
        assert again.name == chosen and "earlier run" in again.info["reason"]
        assert max(differences(reference, out).values()) <= TOLERANCE
        assert ModelRuntime(prepared, "torch")(batch) is not None


def test_an_analysis_records_its_runtime_and_matches_pytorch(stick_video, graphs, tmp_path):
    path, poses = stick_video
    graphs("vpn").seed()  # the session's graph of this very model: loaded, not exported again
    runs = {}
    for runtime in ("torch", "onnx"):
        settings = AnalysisSettings.from_lengths("10", "10", batch_size=2, runtime=runtime)
        runs[runtime] = analyze_video(path, poses=poses, model=small_model("vpn"), settings=settings,
                                      out_dir=tmp_path / runtime, use_cache=False)
    onnx = AnalysisResult.load(tmp_path / "onnx")
    assert onnx.summary["runtime"]["name"] == "onnx" and onnx.summary["runtime"]["requested"] == "onnx"
    assert onnx.summary["runtime"]["graph"]["exported_now"] is False  # the cached graph ran
    assert runs["torch"].summary["runtime"]["name"] == "torch"
    assert onnx.num_windows == 4  # 40 frames: 2 batches of 2 windows, the graph ran both
    np.testing.assert_allclose(onnx.prob_fused, runs["torch"].prob_fused, atol=1e-5)
    for key, values in runs["torch"].products.items():
        np.testing.assert_allclose(onnx.products[key], values, atol=TOLERANCE)
    # the runtime does not change the result's identity: the cached torch result serves an onnx request
    assert AnalysisSettings(runtime="onnx").result_key() == AnalysisSettings(runtime="torch").result_key()


def test_unknown_or_impossible_runtimes_are_one_sentence():
    with pytest.raises(ConfigError, match="Unknown runtime 'tensorrt'"):
        AnalysisSettings(runtime="tensorrt")
    with pytest.raises(ConfigError, match="CPU only"):
        check_runtime("onnx", "cuda")  # refused before any work (analyze_video checks before poses)
    check_runtime("auto", "cuda")
    check_runtime("onnx", "cpu")


def test_the_cli_takes_the_runtime_flag(tmp_path, capsys):
    from core_model.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(tmp_path / "none.mp4"), "--runtime", "tensorrt"])
    assert exc.value.code == 2 and "--runtime" in capsys.readouterr().err
    from core_model.commands.analyze import _settings
    import argparse
    from core_model.commands.analyze import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert _settings(parser.parse_args([str(Path("v.mp4")), "--runtime", "onnx"])).runtime == "onnx"
