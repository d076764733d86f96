"""Two exports with the same --seed are byte-identical, but for one named timestamp (``created``).

Each export runs in a fresh interpreter with its own PYTHONHASHSEED (set and dict orders that follow the hash
seed would show), two seconds apart (zip member times would show).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_export_project import make_project


def _export(project: Path, out: Path, hash_seed: str, *extra: str) -> None:
    code = "import sys; from core_model.cli import main; raise SystemExit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run([sys.executable, "-c", code, "export", str(project), "-o", str(out), "--seed", "7",
                           "--split-by", "person", *extra], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]


def _with_meta(folder: Path) -> None:
    """Pose files as ``epam extract`` writes them: several ``meta_*`` members (read back as a set of names)."""
    from core_model.pose.format import Poses

    for path in folder.glob("*.poses.npz"):
        poses = Poses.load(path)
        poses.meta.update(backend="mediapipe", model="pose_landmarker_full", tracker="iou", detector="yolo",
                          settings="stride=1", extracted="2026-01-01T00:00:00")
        poses.save(path)


def _files(root: Path):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _without_created(name: str, data: bytes, created: str) -> bytes:
    if name == "set.json":
        info = json.loads(data)
        assert info.pop("created") == created
        return json.dumps(info, sort_keys=True).encode()
    if name == "README.md":
        assert data.count(created.encode()) == 1, "the README holds the creation time once"
        return data.replace(created.encode(), b"<created>")
    return data


def _differing(a: Path, b: Path):
    names = _files(a)
    assert names == _files(b) and any(n.startswith("poses/") for n in names)
    created_a, created_b = (json.loads((root / "set.json").read_text())["created"] for root in (a, b))
    assert created_a != created_b, "the two exports were made in different seconds"
    return [n for n in names
            if _without_created(n, (a / n).read_bytes(), created_a) != _without_created(n, (b / n).read_bytes(),
                                                                                         created_b)]


@pytest.fixture(scope="module")
def two_exports(tmp_path_factory):
    """The same project exported twice with --seed 7, with and without video, other hash seeds, later seconds."""
    folder = tmp_path_factory.mktemp("determinism")
    project = make_project(folder / "proj", videos=2)
    _with_meta(folder / "proj")
    out = {}
    for extra, name in (((), "video"), (("--pose-only",), "pose-only")):
        a, b = folder / f"{name}-a", folder / f"{name}-b"
        _export(project, a, "1", *extra)
        time.sleep(2.1)  # later: any other time written into a file would differ (zip times count in 2 s)
        _export(project, b, "2", *extra)
        out[name] = (a, b)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["video", "pose-only"])
def test_seeded_export_is_byte_identical_but_for_created(two_exports, kind):
    """Clips included: libx264 reads memory it never wrote, so the export fills the heap with a fixed pattern
    while encoding (``stable_heap``); without it the second clip of a pass differed between runs."""
    assert _differing(*two_exports[kind]) == []
