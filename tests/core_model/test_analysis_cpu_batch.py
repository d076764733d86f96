"""On a CPU the automatic batch is two windows where PyTorch has two threads or more: its 3-D convolutions of one
window keep the second thread mostly idle (EPAM-Net's inference copy on 2 quiet cores: 0.44 s per window at batch 1,
0.23 s at batch 2; cold ``epam analyze`` of the 10-s montage 8.4 -> 7.9 s, peak memory +30-50 MB). One thread: one
window (two are slower per window). A GPU: 16; an asked batch size wins."""
from __future__ import annotations

import pytest
import torch

from core_model.analysis.settings import AnalysisSettings


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def test_the_automatic_cpu_batch_follows_pytorchs_threads(threads):
    threads(2)
    assert AnalysisSettings().batch_for("cpu") == 2
    threads(4)
    assert AnalysisSettings().batch_for("cpu") == 2
    threads(1)
    assert AnalysisSettings().batch_for("cpu") == 1
    assert AnalysisSettings().batch_for("cuda") == 16
    assert AnalysisSettings(batch_size=3).batch_for("cpu") == 3
