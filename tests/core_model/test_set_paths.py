"""A fine-tuning set may only use its own files: manifest rows and links that leave the set are refused."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from core_model.cli import main as cli_main
from core_model.export import ExportError, load_set, make_synthetic_set
from core_model.training import load_training_data


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_synthetic_set(tmp_path_factory.mktemp("set") / "small", classes=2, clips_per_class=3,
                              size=(64, 48), seconds=0.4, seed=1)


@pytest.fixture
def copy(pristine, tmp_path):
    """A fresh copy of the set, and a file outside it (what a hostile manifest would reach)."""
    target = tmp_path / "sets" / "small"
    shutil.copytree(pristine.path, target)
    outside = tmp_path / "x"
    outside.mkdir()
    row = load_set(target).rows[0]
    shutil.copy(target / "poses" / f"{row.clip}.npz", outside / "stolen.npz")
    shutil.copy(target / "clips" / f"{row.clip}.mp4", outside / "stolen.mp4")
    return target, outside


def _rewrite_clip(target, index: int, clip: str) -> None:
    path = target / "manifest.json"
    rows = json.loads(path.read_text())
    rows[index]["clip"] = clip
    path.write_text(json.dumps(rows))


def _refused(target, capsys, row_number: int):
    with pytest.raises(ExportError) as err:
        load_set(target)
    text = str(err.value)
    assert "\n" not in text and "outside the set" in text and f"row {row_number}" in text, text
    with pytest.raises(ExportError):
        load_training_data(target)
    assert cli_main(["train", str(target), "-o", str(target.parent / "run")]) == 1
    printed = capsys.readouterr().err.strip()
    assert len(printed.splitlines()) == 1 and "outside the set" in printed, printed
    assert not (target.parent / "run" / "last.pt").exists()
    return text


@pytest.mark.parametrize("make_clip", [
    lambda outside: "../../../x/stolen",  # relative, up and out (clips/../../../x is the folder beside "sets")
    lambda outside: str(outside / "stolen"),  # absolute
])
def test_manifest_path_leaving_the_set_is_refused(copy, capsys, make_clip):
    target, outside = copy
    _rewrite_clip(target, 1, make_clip(outside))
    text = _refused(target, capsys, 2)
    assert "stolen" in text


def test_symlink_escaping_the_set_is_refused(copy, capsys):
    target, outside = copy
    row = load_set(target).rows[2]
    pose = target / "poses" / f"{row.clip}.npz"
    pose.unlink()
    os.symlink(outside / "stolen.npz", pose)
    _refused(target, capsys, 3)


def test_linked_folder_escaping_the_set_is_refused(copy, capsys):
    target, outside = copy
    shutil.rmtree(target / "clips")
    clips = outside / "clips"
    clips.mkdir()
    rows = json.loads((target / "manifest.json").read_text())
    for row in rows:
        shutil.copy(outside / "stolen.mp4", clips / f"{row['clip']}.mp4")
    os.symlink(clips, target / "clips")
    _refused(target, capsys, 1)


def test_links_inside_the_set_are_fine(copy):
    target, _ = copy
    row = load_set(target).rows[0]
    pose = target / "poses" / f"{row.clip}.npz"
    kept = target / "poses" / "kept.bin"
    pose.rename(kept)
    os.symlink("kept.bin", pose)
    assert len(load_set(target).rows) == 6
