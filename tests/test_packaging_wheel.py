"""The wheel and sdist: built with ``python -m build``, installed into a fresh virtual environment next to the
already-installed torch, and run from outside the checkout (``epam``, ``epam-studio``, shipped resources)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import core_model

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "core_model", "app", "resources")
RESOURCE_FILES = ("labels/label_map_ntu60.txt", "labels/label_map_ntu120.txt", "styles/dark.qss", "icons/app.svg",
                  "presets/cpu-quick.json", "presets/paper.json")


def _run(cmd, cwd, env, timeout=300) -> subprocess.CompletedProcess:
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{cmd} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, dist folder): the wheel built from a copy of the checkout, installed into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:  # a copy, so the build never writes into the shared checkout
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp / "dist", src], cwd=tmp, env=env)

    venv = tmp / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv], cwd=tmp, env=env)
    import torch

    shared = Path(torch.__file__).resolve().parents[1]  # the site-packages that holds torch, PySide6, mediapipe
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "epam-shared-deps.pth").write_text(f"{shared}\n")
    wheel = next((tmp / "dist").glob("epam_studio-*.whl"))
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-index", "--no-deps",
          "--no-build-isolation", "--ignore-installed", "-q", wheel], cwd=tmp, env=env)
    return venv, tmp / "dist"


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", EPAM_CACHE_DIR=str(tmp_path / "cache"),
               EPAM_STUDIO_SETTINGS=str(tmp_path / "studio.ini"), XDG_DATA_HOME=str(tmp_path / "data"))
    return env


@pytest.mark.slow
def test_wheel_and_sdist_hold_the_resources(installed):
    _venv, dist = installed
    (wheel,) = dist.glob(f"epam_studio-{core_model.__version__}-py3-none-any.whl")
    (sdist,) = dist.glob(f"epam_studio-{core_model.__version__}.tar.gz")
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in RESOURCE_FILES:
        assert f"core_model/resources/{rel}" in names, rel
    assert "app/main.py" in names and "core_model/cli.py" in names
    assert not any(n.startswith(("tests/", "data/", "resources/")) for n in names)
    entry_points = zipfile.ZipFile(wheel).read(f"epam_studio-{core_model.__version__}.dist-info/entry_points.txt")
    assert b"epam = core_model.cli:main" in entry_points and b"epam-studio = app.main:main" in entry_points
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    assert all(members[f"core_model/resources/{rel}"].isfile() for rel in RESOURCE_FILES)


@pytest.mark.slow
def test_installed_commands_run_from_outside_the_checkout(installed, tmp_path, bikes_video):
    venv, _dist = installed
    env, bin_dir = _env(tmp_path), venv / "bin"
    site = next(venv.glob("lib/python3*/site-packages")).resolve()
    probe = ("import json, core_model, app.main; from core_model.paths import RESOURCES; "
             "from core_model.training.presets import preset_names; from core_model.labels import load_class_names; "
             "from app.shell.resources import style_sheet; "
             "print(json.dumps({'core': core_model.__file__, 'app': app.main.__file__, 'res': str(RESOURCES), "
             "'link': RESOURCES.is_symlink(), 'presets': preset_names(), 'ntu60': len(load_class_names('ntu60')), "
             "'style': len(style_sheet('dark'))}))")
    info = json.loads(_run([bin_dir / "python", "-c", probe], cwd=tmp_path, env=env).stdout)
    for key in ("core", "app", "res"):
        assert Path(info[key]).resolve().is_relative_to(site), (key, info[key])  # the install, not the checkout
    assert not info["link"] and {"cpu-quick", "paper"} <= set(info["presets"])
    assert info["ntu60"] == 60 and info["style"] > 100

    for command in ("epam", "epam-studio"):
        out = _run([bin_dir / command, "--version"], cwd=tmp_path, env=env)
        assert out.stdout.strip() == f"epam-studio {core_model.__version__}"
    sizes = json.loads(_run([bin_dir / "epam", "model-info", "--json"], cwd=tmp_path, env=env).stdout)
    assert sizes["total"]["params"] > 1_000_000 and sizes["attention"]["params"] > 0

    shot = tmp_path / "shot.png"
    _run([bin_dir / "epam-studio", bikes_video, "--frame", "30", "--screenshot", shot, "--size", "1000x700"],
         cwd=tmp_path, env=env)
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1000 and image.height() >= 700
    colours = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(colours) > 50  # a real window with the video frame, not a blank picture
