"""Shared fixtures: an isolated cache folder and the real demo video."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own cache folder so cached results never leak between tests."""
    monkeypatch.setenv("EPAM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # no background graph export after a short `epam analyze` (the installation's first use, once per cache: here
    # every test has its own); tests/core_model/test_runtime_first_use.py turns it on
    monkeypatch.setenv("EPAM_FIRST_USE_EXPORT", "0")


@pytest.fixture(scope="session")
def bikes_video() -> Path:
    """bikes.mp4 (640x272, 25 fps, 250 frames, one cyclist) placed by scripts/bootstrap.sh."""
    from core_model.paths import demo_video

    path = demo_video()
    if not path.exists():
        pytest.fail(f"{path} is missing: run `bash scripts/bootstrap.sh` first")
    return path
