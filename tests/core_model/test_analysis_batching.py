"""EPAM-Net windows run in batches: a batch of windows per forward gives the logits of one-by-one forwards;
the mixed-precision check that decides autocast on a GPU compares real outputs; the device is chosen
from what is there."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core_model.analysis import AnalysisSettings, analyze_video
from core_model.analysis.model_setup import prepare_model
from core_model.analysis.runner import _device
from core_model.runtime.select import AMP_TOLERANCE, ModelRuntime, amp_agreement
from tests.core_model.test_model_family import random_inputs, stick_video, tiny_model  # noqa: F401 (fixture)


def test_batched_windows_give_the_one_by_one_logits(stick_video):
    path, poses = stick_video  # 40 frames: windows of 20, stride 10 -> 3 windows
    results = {}
    for batch in (1, 2):
        settings = AnalysisSettings.from_lengths("20", "10", batch_size=batch, runtime="torch")
        results[batch] = analyze_video(path, poses=poses, model=tiny_model("epam").eval(), settings=settings,
                                       use_cache=False)
    one, two = results[1], results[2]
    assert one.num_windows == two.num_windows == 3  # 2 + 1: the last batch is short
    for name in ("prob_fused", "prob_rgb", "prob_pose"):
        np.testing.assert_allclose(getattr(two, name), getattr(one, name), atol=1e-6)
    for key in one.products:
        np.testing.assert_allclose(two.products[key], one.products[key], atol=1e-6)
    assert two.summary["runtime"]["name"] == "torch" and two.summary["runtime"]["precision"] == "fp32"


def test_the_mixed_precision_check_compares_real_outputs():
    model = prepare_model(model=tiny_model("epam").eval()).inference_module()
    inputs = random_inputs(model, batch=2)
    with torch.inference_mode():
        reference = model.forward_inputs(inputs)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = model.forward_inputs(inputs)
    assert amp_agreement(reference, reference) == (0.0, True)
    difference, _ = amp_agreement(reference, mixed)
    assert 0.0 < difference < AMP_TOLERANCE  # bf16 moves the fused probabilities a little
    shifted = type(reference)(logits=reference.logits, scores=reference.scores.roll(1, -1), products={})
    assert amp_agreement(reference, shifted)[1] is False  # another top class is refused, however close


def test_the_cpu_stays_fp32_and_devices_come_from_what_is_there():
    prepared = prepare_model(model=tiny_model("separable-sta").eval())  # the choice does not depend on the network
    runtime = ModelRuntime(prepared, "torch", device=_device("auto"))
    inputs = random_inputs(prepared.module, batch=1)
    with torch.inference_mode():
        runtime(inputs)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.info["device"].startswith(expected)
    if expected == "cpu":
        assert runtime.info["precision"] == "fp32" and "amp_check" not in runtime.info
    else:  # on a GPU the first batch decides autocast by the check
        assert runtime.info["amp_check"]["tolerance"] == AMP_TOLERANCE
    assert AnalysisSettings().batch_for("cuda") == 16 and AnalysisSettings().batch_for("cpu") == min(
        2, torch.get_num_threads())
    with pytest.raises(Exception, match="CUDA"):
        if not torch.cuda.is_available():
            _device("cuda")
        else:
            raise RuntimeError("CUDA is here")
