"""Training without a validation split (``--no-val``): refused by default with the way out named; runs when asked."""
from __future__ import annotations

import json

import pytest
import torch

from core_model.cli import main as cli_main
from core_model.export import make_synthetic_set
from core_model.models import load_checkpoint
from core_model.training import DataError, TrainOptions, load_training_data, train

TINY = {"rgb_size": 64, "heatmap_size": 16, "rgb_frames": 4, "pose_frames": 12}


@pytest.fixture(scope="module")
def no_val_set(tmp_path_factory):
    """Every clip in train (a train share of 1: what one labelled video split by video gives)."""
    folder = tmp_path_factory.mktemp("noval")
    data = make_synthetic_set(folder / "set", classes=2, clips_per_class=3, size=(64, 48), seconds=0.4, seed=5,
                              split=1.0)
    assert len(data.val) == 0
    preset = folder / "tiny.json"
    preset.write_text(json.dumps({"name": "tiny", "inputs": TINY, "default_phase": "joint",
                                  "optimizer": {"precise_bn_clips": 4},
                                  "phases": {p: {"epochs": 1, "batch": 3, "lr": 0.05} for p in ("rgb", "pose", "joint")}}))
    return data, str(preset)


def test_empty_validation_is_refused_naming_no_val(no_val_set, tmp_path, capsys):
    data, preset = no_val_set
    with pytest.raises(DataError) as err:
        load_training_data(data.path)
    assert "--no-val" in str(err.value) and "by segment" in str(err.value)
    assert cli_main(["train", str(data.path), "-o", str(tmp_path / "run"), "--preset", preset]) == 1
    assert "--no-val" in capsys.readouterr().err


def test_no_val_trains_and_keeps_the_last_checkpoint(no_val_set, tmp_path):
    data, preset = no_val_set
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    events = []
    try:
        result = train(TrainOptions(str(data.path), str(tmp_path / "run"), preset=preset, workers=0, no_val=True,
                                    tiny=True),
                       emit=events.append)
    finally:
        torch.set_num_threads(threads)
    assert not result.stopped and result.last is not None and result.best is None
    assert len(result.history) == 1 and result.history[0]["val"] == {}
    assert events[0]["data"]["val_clips"] == 0 and events[0]["no_val"] is True
    assert [e for e in events if e["event"] == "epoch"][0]["best"] is False
    _, info = load_checkpoint(result.last)
    assert info.provenance["meta"]["no_val"] is True
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["options"]["no_val"] is True and metrics["best"] == {}


def test_no_val_ignores_a_validation_split_it_has(tmp_path):
    data = make_synthetic_set(tmp_path / "set", classes=2, clips_per_class=3, size=(64, 48), seconds=0.4, seed=5)
    assert len(data.val) > 0
    loaded = load_training_data(data.path, no_val=True)
    assert loaded.val == [] and len(loaded.train) == len(data.train)
