"""Freed heap memory can be handed back to the system on glibc Linux (the app does it periodically)."""
import sys

import numpy as np
import pytest

from core_model.memory import trim_heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc-only")
def test_trim_heap_runs_after_large_frees():
    frames = [np.ones((720, 1280, 3), np.uint8) for _ in range(8)]
    assert sum(int(f[0, 0, 0]) for f in frames) == 8
    del frames
    assert trim_heap() is True
