"""Video details: display rotation applied, no false truncation warning on one frame, one stderr line per problem."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import av
import numpy as np
import pytest

from core_model.video import VideoReader, VideoWarning, write_clip
from core_model.video.encoding import encode_frames

ROOT = Path(__file__).resolve().parents[2]


def _sideways(path: Path, degrees: int, frames: int = 6, size=(64, 32)) -> np.ndarray:
    """A video stored ``size`` (w, h) with a display rotation; returns the stored first frame."""
    w, h = size
    out = av.open(str(path), "w")
    stream = out.add_stream("libx264", rate=25, options={"qp": "0"})
    stream.width, stream.height, stream.pix_fmt = w, h, "yuv444p"
    stream.set_display_rotation(degrees)
    stored = np.zeros((h, w, 3), np.uint8)
    stored[:8, :8] = 255  # a white corner: top-left as stored
    stored[-8:, :16, 1] = 200  # a green band: bottom-left as stored
    for _ in range(frames):
        for packet in stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return stored


@pytest.mark.parametrize("degrees", [90, 180, 270, -90])
def test_display_rotation_is_applied(tmp_path, degrees):
    path = tmp_path / f"rot{degrees}.mp4"
    stored = _sideways(path, degrees)
    upright = np.rot90(stored, (degrees // 90) % 4)  # the display matrix turns the picture counter-clockwise
    with VideoReader(path) as reader:
        assert (reader.height, reader.width) == upright.shape[:2]
        random_access = reader.get_frame(3)
        sequential = [f for _, f in reader.iter_frames(0, 2)]
    for frame in (random_access, *sequential):
        assert frame.shape == upright.shape
        assert np.abs(frame.astype(int) - upright.astype(int)).max() <= 12
    clip = tmp_path / "clip.mp4"
    write_clip(path, 0, 4, clip)  # exported clips are upright too (no rotation left to apply)
    with VideoReader(clip) as reader:
        assert (reader.height, reader.width) == upright.shape[:2]
        assert np.abs(reader.get_frame(0).astype(int) - upright.astype(int)).mean() < 8


def test_one_frame_video_is_not_called_truncated(tmp_path):
    path = tmp_path / "one.mp4"
    encode_frames(path, [np.full((64, 96, 3), 100, np.uint8)], fps=25)
    with warnings.catch_warnings():
        warnings.simplefilter("error", VideoWarning)
        with VideoReader(path) as reader:
            assert reader.frame_count == 1 and reader.warnings == []


def test_a_truncated_video_is_one_stderr_line(tmp_path, bikes_video):
    clip = tmp_path / "clip.mp4"
    write_clip(bikes_video, 100, 140, clip)
    data = clip.read_bytes()
    truncated = tmp_path / "trunc.mp4"
    truncated.write_bytes(data[: int(len(data) * 0.6)])
    code = ("import sys; from core_model.cli import _one_line_warnings; _one_line_warnings(); "
            "from core_model.video import VideoReader; r = VideoReader(sys.argv[1]); r.get_frame(r.frame_count - 1); "
            "list(r.iter_frames())")
    out = subprocess.run([sys.executable, "-c", code, str(truncated)], capture_output=True, text=True, timeout=60,
                         cwd=ROOT, env={**os.environ})
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("epam: warning: trunc.mp4: The file looks truncated"), lines
    assert "frames can be read" in lines[0]
