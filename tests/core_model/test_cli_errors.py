"""The CLI turns bad input into one sentence (exit 1, never "internal error"), worded the same everywhere."""
from __future__ import annotations

import pytest

from core_model.cli import main


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("epam: error: "), err
    assert "internal error" not in err and "Traceback" not in err
    return lines[0]


def test_binary_class_list(capsys, tmp_path, bikes_video):
    binary = tmp_path / "classes.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    code, _, err = _run(capsys, "analyze", bikes_video, "--classes", binary, "-o", tmp_path / "out")
    assert code == 1 and "not a text file" in _one_error(err)


def test_extract_output_is_a_folder_or_unwritable(capsys, tmp_path, bikes_video):
    (tmp_path / "outdir").mkdir()
    code, _, err = _run(capsys, "extract", bikes_video, "-o", tmp_path / "outdir")
    assert code == 1 and "is a folder" in _one_error(err)
    code, _, err = _run(capsys, "extract", bikes_video, "-o", "/proc/epam-nowhere/x.npz")
    assert code == 1 and "Cannot write" in _one_error(err)


def test_analyze_output_is_a_file(capsys, tmp_path, bikes_video):
    (tmp_path / "res").write_text("x")
    code, _, err = _run(capsys, "analyze", bikes_video, "-o", tmp_path / "res")
    assert code == 1 and "is a file" in _one_error(err)


def test_folders_where_files_are_wanted(capsys, tmp_path, bikes_video):
    code, _, err = _run(capsys, "extract", tmp_path)
    assert code == 1 and _one_error(err) == f"epam: error: {tmp_path} is a folder, not a video file."
    code, _, err = _run(capsys, "analyze", bikes_video, "--checkpoint", tmp_path, "-o", tmp_path / "out")
    assert code == 1 and "is a folder" in _one_error(err)


def test_missing_video_worded_alike(capsys, tmp_path):
    missing = tmp_path / "missing.mp4"
    _, _, extract_err = _run(capsys, "extract", missing)
    _, _, analyze_err = _run(capsys, "analyze", missing, "-o", tmp_path / "out")
    assert _one_error(extract_err) == _one_error(analyze_err) == f"epam: error: Video file not found: {missing}."


def test_folder_mode_reports_each_failure_once_and_no_untrained_warning_first(capsys, tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "empty.mp4").write_bytes(b"")
    (videos / "junk.avi").write_bytes(b"not a video at all" * 10)
    code, out, err = _run(capsys, "analyze", videos, "-o", tmp_path / "out")
    assert code == 1
    lines = err.splitlines()
    assert lines == ["epam: error: empty.mp4 is empty.",
                     "epam: error: junk.avi is not a video file that can be read (damaged, truncated or not a video)."]
    assert "0 analysed, 0 already done, 2 failed" in out


def test_broken_single_input_error_comes_alone(capsys, tmp_path):
    video = tmp_path / "empty.mp4"
    video.write_bytes(b"")
    code, _, err = _run(capsys, "analyze", video, "-o", tmp_path / "out")
    assert code == 1 and _one_error(err) == "epam: error: empty.mp4 is empty."
