"""The GPU delegate is offered; where it cannot run, extraction falls back to the CPU with one line."""
import json

import pytest

from core_model.errors import ConfigError
from core_model.pose import extract_poses
from core_model.pose.mediapipe_backend import gpu_delegate_note


@pytest.fixture(scope="module")
def short_clip(bikes_video, tmp_path_factory):
    from core_model.video import write_clip

    clip = tmp_path_factory.mktemp("clip") / "cyclist.mp4"
    assert write_clip(bikes_video, 100, 112, clip) == 12
    return clip


def test_gpu_request_runs_or_falls_back_with_a_one_line_note(short_clip):
    poses = extract_poses(short_clip, workers=1, delegate="auto", use_cache=False)
    note = gpu_delegate_note()
    assert poses.num_frames == 12 and poses.people_per_frame().max() >= 1
    if note is None:  # a machine whose MediaPipe GPU delegate works
        assert poses.meta["delegate"] == "gpu" and "delegate_note" not in poses.meta
    else:
        assert poses.meta["delegate"] == "cpu" and poses.meta["delegate_note"] == note
        assert "\n" not in note and note.endswith("using the CPU.")


def test_unknown_delegate_is_a_clear_error(short_clip):
    with pytest.raises(ConfigError, match="Unknown delegate"):
        extract_poses(short_clip, delegate="tpu", use_cache=False)


def test_cli_delegate_flag(short_clip, tmp_path, capsys):
    from core_model.cli import main

    out = tmp_path / "p.npz"
    assert main(["extract", str(short_clip), "-o", str(out), "--workers", "1", "--delegate", "gpu", "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["frames"] == 12
    if gpu_delegate_note() is not None:
        assert summary["delegate"] == "cpu" and captured.err.count("note: ") == 1
