"""Fixtures shared by the core tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op torch thread for a module (``pytestmark = pytest.mark.usefixtures("one_torch_thread")``):
    on a shared, loaded CPU, OpenMP threads oversubscribe it (measured per file in its module docstring or
    commit: e.g. the architecture tests 80 s with the default threads, 19 s with one, at load 5). Yields the
    default count, for a test that must run with it."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield threads
    torch.set_num_threads(threads)
