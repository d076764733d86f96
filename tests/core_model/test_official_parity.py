"""Outputs equal the authors' code on their own files (public API: load_checkpoint, eval forward).

The reference is made by ``../shared/official-reference/make_reference.sh`` (the authors' model code
with mmcv, random weights and BN statistics, saved as their trainer saves); it lives outside the
repository ($OFFICIAL_REF, default /tmp/official-ref).  Without it these tests are skipped and say
so; ``benchmarks/official_parity.py`` prints the same figures.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from core_model.models import load_checkpoint

REF = Path(os.environ.get("OFFICIAL_REF", "/tmp/official-ref"))
VARIANTS = {"x3d_sta": ("x3d", "nested"), "x3d_cbam": ("x3d", "cbam_eca"), "xshift_cbam": ("xshift", "cbam_eca")}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (REF / "io.npz").is_file(),
                                 reason=f"no reference outputs in {REF}: run make_reference.sh")]


@pytest.fixture(scope="module")
def io():
    data = np.load(REF / "io.npz")
    return {k: data[k] for k in data.files}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_outputs_equal_the_authors_code(io, variant):
    model, info = load_checkpoint(REF / f"official_{variant}.pth")
    assert (model.config["backbone"], model.config["attention"]) == VARIANTS[variant]
    assert model.num_classes == int(io[f"{variant}/num_classes"]) == len(info.class_names)
    rgb, heatmaps = torch.from_numpy(io["rgb"]), torch.from_numpy(io["heatmaps"])
    with torch.no_grad():
        out = model(rgb, heatmaps)
        unguided = model.rgb(rgb)
    attention = out.spatial_attention[:, None] * out.temporal_attention[:, None, :, None, None]
    expected = {name: torch.from_numpy(io[f"{variant}/{name}"])
                for name in ("rgb_logits", "pose_logits", "attention", "rgb_unguided_logits")}
    assert expected["rgb_logits"].abs().max() > 0.5  # the reference is not trivially small
    assert (out.rgb_logits - expected["rgb_logits"]).abs().max() < 1e-4
    assert (out.pose_logits - expected["pose_logits"]).abs().max() < 1e-4
    assert (attention - expected["attention"]).abs().max() < 1e-5
    assert (unguided - expected["rgb_unguided_logits"]).abs().max() < 1e-4
