"""A pickle the weights-only loader refuses is reported as refused (and why), not as "damaged"."""
from __future__ import annotations

import pickle

import pytest
import torch

from core_model.errors import CheckpointError, EpamError
from core_model.models import load_checkpoint


class _Exploit:
    """Unpickling this would create a file: a stand-in for code a hostile file runs."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _one_sentence(err: BaseException) -> str:
    text = str(err)
    assert "\n" not in text and text.endswith(".") and "Traceback" not in text
    return text


def test_refused_checkpoint_says_refused_and_why(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    torch.save({"format": _Exploit(str(marker))}, path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    text = _one_sentence(err.value)
    assert "refused" in text and "damaged" not in text and "open" in text and "model.pt" in text, text
    assert not marker.exists()


def test_refused_raw_pickle_says_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "raw.pt"
    path.write_bytes(pickle.dumps(_Exploit(str(marker))))
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    text = _one_sentence(err.value)
    assert "refused" in text and "damaged" not in text, text
    assert not marker.exists()


def test_damaged_checkpoint_still_says_damaged(tmp_path):
    path = tmp_path / "cut.pt"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    assert "damaged" in _one_sentence(err.value) and "refused" not in str(err.value)


def test_refused_training_state_says_refused(tmp_path):
    from core_model.training import TrainOptions, train

    marker = tmp_path / "pwned"
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"format": "epam-train-state", "options": _Exploit(str(marker))}, run / "train_state.pt")
    with pytest.raises(EpamError) as err:
        train(TrainOptions(str(tmp_path / "nothing"), str(run), resume=True))
    text = _one_sentence(err.value)
    assert "refused" in text and "damaged" not in text and "train_state.pt" in text, text
    assert not marker.exists()
