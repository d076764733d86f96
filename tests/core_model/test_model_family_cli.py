"""`epam train --model NAME --preset cpu-quick` then `epam analyze --checkpoint` with the result, for every
registered model (tiny configs: --tiny, one epoch), and the model-info listing."""
from __future__ import annotations

import json

import pytest

from core_model.cli import main
from core_model.export import make_synthetic_set
from core_model.models.registry import get_model_spec, model_names

NAMES = model_names()


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    return make_synthetic_set(tmp_path_factory.mktemp("set") / "two", classes=2, clips_per_class=3,
                              size=(64, 48), seconds=1.0, split=0.67, seed=1)


@pytest.mark.parametrize("name", NAMES)
def test_train_then_analyze_with_the_checkpoint(name, small_set, tmp_path, capsys):
    run = tmp_path / "run"
    code = main(["train", str(small_set.path), "-o", str(run), "--model", name, "--preset", "cpu-quick", "--tiny",
                 "--epochs", "1", "--batch", "2", "--workers", "0", "--log-every", "0"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert lines[0]["event"] == "start" and lines[0]["model"] == name and lines[-1]["event"] == "done"
    epoch = next(e for e in lines if e["event"] == "epoch")
    assert "acc_fused" in epoch["val"] and epoch["phase"] == "joint"
    video = next(small_set.path.rglob("*.mp4"))
    out = tmp_path / "results"
    assert main(["analyze", str(video), "--checkpoint", str(run / "last.pt"), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == name and summary["trained"] is True
    assert set(summary["products"]) == {p.name for p in get_model_spec(name).products}
    # resume refuses another model
    other = next(n for n in NAMES if n != name)
    assert main(["train", str(small_set.path), "-o", str(run), "--resume", "--model", other]) == 1
    assert "model" in capsys.readouterr().err


def test_model_info_lists_every_model_one_line_each(capsys):
    assert main(["model-info", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_model_info_of_each_model(name, capsys):
    assert main(["model-info", "--model", name, "--classes", "10", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    spec = get_model_spec(name)
    assert info["model"] == name and info["params"] > 0 and info["gflops"] > 0
    assert list(info["inputs"]) == list(spec.inputs) and set(info["products"]) == {p.name for p in spec.products}
    assert "X3D" in info["rgb_stream"]


def test_analyze_an_untrained_model_by_name(small_set, tmp_path, capsys):
    video = next(small_set.path.rglob("*.mp4"))
    assert main(["analyze", str(video), "--model", "vpn", "-o", str(tmp_path / "r"), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["model"] == "vpn" and summary["trained"] is False and summary["model_info"]["name"] == "untrained"
    assert "untrained" in captured.err
    assert main(["analyze", str(video), "--model", "nope", "-o", str(tmp_path / "r2")]) == 1
    assert "Unknown model 'nope'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n != "epam"])
def test_two_process_gloo_run_of_each_model(name, small_set, tmp_path):
    """DDP (torchrun, 2 CPU processes) trains any registered model; both ranks end with the same weights."""
    import os
    import subprocess
    import sys

    out = tmp_path / "ddp"
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m",
         "core_model.training", str(small_set.path), "-o", str(out), "--model", name, "--tiny", "--epochs", "1",
         "--batch", "2", "--workers", "0", "--device", "cpu"],
        capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ranks = json.loads((out / "metrics.json").read_text())["epochs"][-1]["ranks"]
    assert len(ranks["weight_digests"]) == 2 and ranks["agree"], ranks


def test_analyze_refuses_a_checkpoint_of_another_model(small_set, tmp_path, capsys):
    import torch

    from core_model.models import save_checkpoint
    from core_model.models.registry import build_named

    torch.manual_seed(0)
    path = save_checkpoint(build_named("vpn", num_classes=2, class_names=["a", "b"], tiny=True), tmp_path / "v.pt")
    video = next(small_set.path.rglob("*.mp4"))
    assert main(["analyze", str(video), "--checkpoint", str(path), "--model", "epam", "-o", str(tmp_path / "r")]) == 1
    assert "holds the model 'vpn', not 'epam'" in capsys.readouterr().err
