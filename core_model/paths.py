"""Well-known locations: cache folder, demo video, shipped resources."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _resources_dir() -> Path:
    """``core_model/resources`` (a link to the checkout's ``resources/``, real files in a wheel or bundle)."""
    packaged = Path(__file__).resolve().parent / "resources"
    return packaged if packaged.is_dir() else PROJECT_ROOT / "resources"


RESOURCES = _resources_dir()


def cache_dir() -> Path:
    """Folder for cached poses and analysis results (``EPAM_CACHE_DIR`` overrides)."""
    env = os.environ.get("EPAM_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "epam-studio"
    base.mkdir(parents=True, exist_ok=True)
    return base


def demo_video() -> Path:
    """The demo video put in place by ``scripts/bootstrap.sh`` (``EPAM_DEMO_VIDEO`` overrides)."""
    env = os.environ.get("EPAM_DEMO_VIDEO")
    return Path(env) if env else PROJECT_ROOT / "data" / "demo" / "bikes.mp4"


def label_map(name: str) -> Path:
    """Path of a shipped label map: ``ntu60`` or ``ntu120``."""
    return RESOURCES / "labels" / f"label_map_{name}.txt"
