"""The inference copy of a prepared model: when the source is released (a command-line analysis), the model
itself is folded, with no deep copy, and gives the outputs of the unfolded model."""
from __future__ import annotations

import copy

import pytest
import torch

from core_model.analysis.model_setup import prepare_model
from tests.core_model.test_model_family import random_inputs, tiny_model


def _real_statistics(model) -> None:
    """BatchNorms that are not the identity (a fresh model's are), so folding them changes the weights."""
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=gen) * 0.6 - 0.3)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=gen) * 0.4 - 0.2)


@pytest.fixture
def one_thread():
    """One torch thread: tiny forwards, quick on a loaded machine (no OpenMP threads waiting on each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_releasing_the_source_folds_the_model_itself_with_the_same_outputs(one_thread):
    model = tiny_model("epam").eval()
    _real_statistics(model)
    reference = copy.deepcopy(model)
    prepared = prepare_model(model=model)
    prepared.release_source()
    folded = prepared.inference_module()
    assert folded is model and prepared.module is None  # folded in place: no copy of the module tree
    assert not any(isinstance(m, torch.nn.BatchNorm3d) for m in folded.modules())
    inputs = random_inputs(reference, batch=1)
    with torch.inference_mode():
        a, b = reference.forward_inputs(inputs), folded.forward_inputs(inputs)
    torch.testing.assert_close(b.scores, a.scores, rtol=1e-4, atol=1e-5)
    for name, value in a.logits.items():
        torch.testing.assert_close(b.logits[name], value, rtol=1e-4, atol=1e-5)
    for name, value in a.products.items():
        torch.testing.assert_close(b.products[name], value, rtol=1e-4, atol=1e-5)


def test_the_inference_copy_of_a_kept_source_is_a_copy():
    model = tiny_model("epam").eval()
    prepared = prepare_model(model=model)
    folded = prepared.inference_module()
    assert folded is not model and prepared.module is model
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in model.modules())  # the source is untouched
    prepared.release_source()  # an inference copy made already is kept
    assert prepared.inference_module() is folded and prepared.module is None
