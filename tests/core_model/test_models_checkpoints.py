"""Checkpoint round trip, clear errors on bad files, no code execution on load."""
from __future__ import annotations

import os
import pickle

import pytest
import torch

from core_model.errors import CheckpointError, ConfigError
from core_model.models import FORMAT_VERSION, create_epam_net, load_checkpoint, save_checkpoint
from core_model.preprocess.normalization import IMAGENET_0_255

NAMES = ["wave", "clap", "sit down"]


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file: 16 s with the default threads, 9 s with one, at load 5).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(1)
    model = create_epam_net(3, backbone="xshift", attention="cbam_eca", normalization=IMAGENET_0_255)
    with torch.no_grad():  # make BN statistics non-trivial so the round trip really tests buffers
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.fixture(scope="module")
def saved(net, tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "model.pt"
    save_checkpoint(net, path, NAMES, epochs=3, dataset="demo", trained=True)
    return path


def _one_sentence(exc: Exception) -> str:
    text = str(exc)
    assert "\n" not in text and text.endswith(".") and text.count(". ") == 0, text
    return text


def test_round_trip_gives_identical_outputs_and_metadata(net, saved):
    model, info = load_checkpoint(saved)
    assert model.config == net.config and not model.training
    assert info.class_names == NAMES == model.class_names
    assert info.normalization == IMAGENET_0_255.to_dict() and model.normalization == IMAGENET_0_255
    assert info.format_version == FORMAT_VERSION and info["trained"] is True
    assert info.provenance["meta"] == {"epochs": 3, "dataset": "demo"}
    assert info.provenance["torch_version"] == torch.__version__ and info.provenance["created"]
    rgb, pose = torch.randn(1, 3, 8, 64, 64), torch.rand(1, 17, 24, 16, 16)
    with torch.no_grad():
        a, b = net(rgb, pose), model(rgb, pose)
    for name in ("rgb_logits", "pose_logits", "scores", "spatial_attention", "temporal_attention"):
        assert torch.equal(getattr(a, name), getattr(b, name))


def test_write_is_atomic_and_leaves_no_temporary_file(net, tmp_path):
    path = tmp_path / "sub" / "m.pt"
    save_checkpoint(net, path, NAMES)
    save_checkpoint(net, path, NAMES)  # overwrite in place
    assert sorted(os.listdir(path.parent)) == ["m.pt"]
    assert load_checkpoint(path)[1].trained is False


def test_class_names_must_match_the_head(net, tmp_path):
    with pytest.raises(ConfigError):
        save_checkpoint(net, tmp_path / "x.pt", ["only one"])


def test_expected_class_count_mismatch_is_a_clear_error(saved):
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(saved, expect_classes=120)
    assert "3 classes" in _one_sentence(err.value)


def test_names_head_mismatch_inside_the_file_is_detected(saved, tmp_path):
    payload = torch.load(saved, weights_only=True)
    payload["class_names"] = payload["class_names"][:2]
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(tmp_path / "bad.pt")
    _one_sentence(err.value)


def test_newer_format_version_is_refused(saved, tmp_path):
    payload = torch.load(saved, weights_only=True)
    payload["format_version"] = FORMAT_VERSION + 1
    torch.save(payload, tmp_path / "new.pt")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(tmp_path / "new.pt")
    assert "newer" in _one_sentence(err.value)


@pytest.mark.parametrize("content", [b"", os.urandom(4096), b"PK\x03\x04 not really a zip"])
def test_garbage_files_give_one_clear_sentence(tmp_path, content):
    path = tmp_path / "garbage.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    assert "not an EPAM Studio checkpoint" in _one_sentence(err.value)


def test_missing_file_and_foreign_torch_file(tmp_path):
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(tmp_path / "nope.pt")
    assert "does not exist" in _one_sentence(err.value)
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "other.pt")


def test_weights_that_do_not_fit_are_refused(saved, tmp_path):
    payload = torch.load(saved, weights_only=True)
    payload["state_dict"].pop(next(iter(payload["state_dict"])))
    torch.save(payload, tmp_path / "partial.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "partial.pt")


class _Exploit:
    """Unpickling this would create a file: a stand-in for arbitrary code execution."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_loading_never_executes_code(tmp_path):
    marker = tmp_path / "pwned"
    for name, save in (("zip.pt", lambda p: torch.save({"format": _Exploit(str(marker))}, p)),
                       ("raw.pkl", lambda p: p.write_bytes(pickle.dumps(_Exploit(str(marker)))))):
        path = tmp_path / name
        save(path)
        with pytest.raises(CheckpointError):
            load_checkpoint(path)
        assert not marker.exists()
