"""The studio's Analyze runs the network's graph without PyTorch where ``epam analyze``'s first use made it ready
(:mod:`core_model.runtime.ready`), as the command does, with PyTorch's results within 1e-4, and does not load
PyTorch's code ahead for it. Real installation first use (a short ``epam analyze`` and its background export),
a real 0.8-s clip of bikes.mp4, EPAM-Net's tiny config."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core_model.runtime import openvino_available
from tests.core_model.test_command_startup import short_clip  # noqa: F401 (fixture)
from tests.core_model.test_runtime_ready_graph import TOLERANCE, _installed, first_use, tiny_checkpoint  # noqa: F401

from .conftest import open_and_wait

pytestmark = pytest.mark.skipif(not openvino_available(), reason="OpenVINO (openvino, onnx) is not installed")


def test_studio_analyze_runs_the_ready_graph_with_pytorchs_results(qtbot, window, short_clip, tiny_checkpoint,
                                                                   first_use, monkeypatch):
    import app.analysis.core_bridge as bridge
    from app.main import prepare_qt_environment
    from core_model.analysis import analyze_video

    prepare_qt_environment()
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # as the studio's main and ``epam`` set it
    window.settings.checkpoint = str(tiny_checkpoint)
    assert not bridge.graph_ready(window.settings)  # a fresh installation: PyTorch, its code loaded ahead
    _installed(first_use)
    assert bridge.graph_ready(window.settings)
    loaded_ahead = []
    monkeypatch.setattr(bridge, "load_model_code_ahead", lambda: loaded_ahead.append(True))

    entry = open_and_wait(qtbot, window, short_clip)
    with qtbot.waitSignal(window.jobs.finished, timeout=120_000):
        window.actions["analyze"].trigger()
    result = entry.result
    assert result is not None and not loaded_ahead
    runtime = result.summary["runtime"]
    assert runtime["name"] == "openvino" and runtime["torch_loaded"] is False

    settings = dataclasses.replace(window.settings.analysis_settings(), runtime="torch")
    reference = analyze_video(short_clip, checkpoint=str(tiny_checkpoint), settings=settings, poses=entry.poses,
                              use_cache=False)
    assert reference.summary["runtime"]["name"] == "torch"
    assert np.abs(result.prob_fused - reference.prob_fused).max() <= TOLERANCE
    assert set(result.products) == set(reference.products)
    for name, values in reference.products.items():
        assert np.abs(result.products[name] - values).max() <= TOLERANCE, name
