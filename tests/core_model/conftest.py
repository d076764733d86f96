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


@pytest.fixture(scope="session")
def tiny_untrained():
    """A factory: ``tiny_untrained(seed=0, class_names="ntu60", model_name=None)`` prepares the untrained network as
    ``prepare_model(None, class_names, seed=seed)`` does (seeded, named "untrained", not trained), built with the
    model's tiny config (EPAM-Net: the same two streams, attention and heads with fewer, narrower X3D blocks) for
    the default input sizes. For the tests that need a real network's outputs, not the full network's numbers
    (those check the full network against the authors' code: test_official_parity, test_models_*parity)."""
    def make(seed: int = 0, class_names="ntu60", model_name=None):
        import torch

        from core_model.analysis.model_setup import UNTRAINED, prepare_model
        from core_model.labels import load_class_names
        from core_model.models.registry import build_named

        names = load_class_names(class_names) if isinstance(class_names, str) else list(class_names)
        torch.manual_seed(seed)
        module = build_named(model_name, num_classes=len(names), class_names=names, tiny=True)
        prepared = prepare_model(model=module, class_names=names, trained=False)
        prepared.name = UNTRAINED
        prepared.info["seed"] = seed
        return prepared

    return make
