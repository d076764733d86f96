"""core_model.device helpers and the ``epam model-info`` command."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core_model import device as dev
from core_model.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_resolve_device_choices(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    assert dev.resolve_device("auto") == torch.device("cpu")
    assert dev.resolve_device("CPU") == torch.device("cpu")
    for name in ("cuda", "mps", "tpu"):
        with pytest.raises(ConfigError):
            dev.resolve_device(name)
    monkeypatch.setattr(dev, "_mps_available", lambda: True)
    assert dev.resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dev.resolve_device("auto") == torch.device("cuda")


def test_autocast_is_a_no_op_on_cpu():
    with dev.autocast_context(torch.device("cpu")):
        y = torch.ones(2, 2) @ torch.ones(2, 2)
    assert y.dtype == torch.float32 and not torch.is_autocast_enabled()


def test_model_info_json_in_process(capsys):
    from core_model.cli import main

    assert main(["model-info", "--classes", "60", "--attention", "cbam_eca", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {"rgb", "pose", "attention", "total"}
    assert all(set(v) == {"params", "gflops"} for v in info.values())
    assert info["pose"]["params"] == 543_762 and info["attention"]["params"] == 107
    assert isinstance(info["total"]["params"], int) and isinstance(info["rgb"]["gflops"], float)


def test_model_info_table_and_bad_classes(capsys):
    from core_model.cli import main

    assert main(["model-info", "--backbone", "xshift"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [l for l in lines if l.strip().startswith(("RGB", "Pose", "Attention", "Total"))]
    assert len(rows) == 4 and len({len(r) for r in rows}) == 1  # aligned columns
    assert main(["model-info", "--classes", "0"]) == 1
    assert "--classes" in capsys.readouterr().err


def test_model_info_cli_subprocess_matches_paper():
    out = subprocess.run([sys.executable, "-m", "core_model.cli", "model-info", "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True).stdout
    info = json.loads(out)
    assert info["rgb"]["params"] == 3_220_602  # the authors' X3D-M (BN on every strided shortcut)
    assert info["rgb"]["gflops"] == pytest.approx(4.97, rel=0.05)
    assert info["pose"]["gflops"] == pytest.approx(4.03, rel=0.05)
    assert info["total"]["params"] == pytest.approx(3.76e6, rel=0.01)
    assert info["total"]["gflops"] == pytest.approx(9.0, rel=0.05)
