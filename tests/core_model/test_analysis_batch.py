"""Folder batches: sharding covers every video once, resume skips finished ones, failures are reported.

The end-to-end tests run the real CLI (real MediaPipe pose extraction, real EPAM-Net) on a short clip
of the demo video.
"""
import json

import numpy as np
import pytest

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.analysis.batch import analyze_folder, list_videos, output_names, shard, shard_from_env
from core_model.cli import main
from core_model.errors import ConfigError, VideoError


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it (this file: 36 s with the default threads, 19 s with one, at load 5).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_sharding_covers_every_video_once(tmp_path):
    names = [f"v{i:02d}.mp4" for i in range(11)] + ["notes.txt", "clip.MOV"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    videos = list_videos(tmp_path)
    assert [v.name for v in videos] == ["clip.MOV"] + [f"v{i:02d}.mp4" for i in range(11)]
    for world in (1, 2, 3, 5):
        seen = []
        for rank in range(world):
            report = analyze_folder(videos, tmp_path / "out", lambda v, o: seen.append(v), lambda v: None,
                                    rank=rank, world=world)
            assert [v for v, _ in report.done] == shard(videos, rank, world)
        assert sorted(seen) == sorted(videos) and len(seen) == len(videos)


def test_shard_from_env(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert shard_from_env() == (0, 1)
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert shard_from_env() == (2, 4)
    monkeypatch.setenv("RANK", "4")
    with pytest.raises(ConfigError):
        shard_from_env()


def test_output_names_are_unique(tmp_path):
    videos = [tmp_path / "a.mp4", tmp_path / "a.avi", tmp_path / "b.mp4"]
    assert list(output_names(videos).values()) == ["a_mp4", "a_avi", "b"]


def test_failures_are_reported_and_the_batch_goes_on(tmp_path):
    videos = [tmp_path / f"{n}.mp4" for n in "abc"]

    def analyze_one(video, out):
        if video.stem == "b":
            raise VideoError("b.mp4 is damaged.")

    report = analyze_folder(videos, tmp_path / "out", analyze_one, lambda v: None)
    assert [v.stem for v, _ in report.done] == ["a", "c"]
    assert report.failed == [(videos[1], "b.mp4 is damaged.")] and not report.ok


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory, bikes_video):
    """A folder with a 40-frame clip of the demo video (one cyclist) and a broken 'video'."""
    from core_model.video import write_clip

    folder = tmp_path_factory.mktemp("videos")
    write_clip(bikes_video, 100, 140, folder / "bikes_clip.mp4")
    (folder / "broken.mp4").write_bytes(b"\x00\x01 not a video" * 50)
    return folder


@pytest.mark.slow
def test_cli_folder_end_to_end_with_resume(clip_folder, tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["analyze", str(clip_folder), "--window", "40", "--classes", "ntu60", "-o", str(out), "--json"]
    assert main(argv) == 1  # the broken file fails, the clip is analysed
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert [d["video"].endswith("bikes_clip.mp4") for d in report["done"]] == [True]
    assert len(report["failed"]) == 1 and "broken.mp4" in report["failed"][0]["video"]
    assert "untrained" in captured.err and "broken.mp4" in captured.err

    result = AnalysisResult.load(out / "bikes_clip")
    assert result.model == "untrained" and len(result.class_names) == 60 and result.num_windows == 1
    assert result.summary["poses"]["extracted_now"] is True and result.summary["timings"]["pose"] > 0
    np.testing.assert_allclose(result.prob_fused.sum(axis=1), 1.0, atol=1e-5)
    x0, y0, x1, y1 = result.boxes[0]
    assert x1 - x0 < 400 and abs((x1 - x0) - (y1 - y0)) <= 1  # a square box around the cyclist, not the whole frame

    (clip_folder / "broken.mp4").unlink()
    assert main(argv) == 0  # resumes: the finished clip is skipped
    report = json.loads(capsys.readouterr().out)
    assert report["done"] == [] and len(report["skipped"]) == 1

    # the API on the same clip reuses the cached poses and the cached result
    again = analyze_video(clip_folder / "bikes_clip.mp4", class_names="ntu60",
                          settings=AnalysisSettings(window=40, stride=20, unit="frames"))
    assert again.summary["cache"]["hit"] is True


@pytest.mark.slow
def test_cli_single_video_prints_segments(clip_folder, tmp_path, capsys):
    out = tmp_path / "results"
    code = main(["analyze", str(clip_folder / "bikes_clip.mp4"), "--window", "40", "--stride", "40",
                 "--per-person", "--classes", "ntu60", "-o", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "bikes_clip.mp4: 1 window, " in text and "person" in text
    result = AnalysisResult.load(out / "bikes_clip")
    assert result.summary["mode"] == "per_person" and result.people() != [-1]


def test_cli_rejects_mixed_units_and_missing_input(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nothing.mp4")]) == 1
    assert "Video file not found" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path), "--window", "3s", "--stride", "40"]) == 1
    assert "same unit" in capsys.readouterr().err
