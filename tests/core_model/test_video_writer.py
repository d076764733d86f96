"""write_clip (frame-exact trimmed clips), content_key and the synthetic video generators."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.errors import VideoError
from core_model.video import VideoReader, content_key, write_clip
from core_model.video.encoding import encode_frames
from core_model.video.synthetic import PERSON_COLORS, read_barcode, write_barcode_video, write_stick_figure_video

VFR_MS = [40 if i % 4 else 100 for i in range(60)]


@pytest.mark.parametrize("vfr", [False, True])
def test_write_clip_is_frame_exact_with_timestamps(tmp_path, vfr):
    src = tmp_path / "src.mkv"
    write_barcode_video(src, frames=60, options={"bf": "2", "g": "12"}, frame_durations_ms=VFR_MS if vfr else None)
    out = tmp_path / "clip.mp4"
    assert write_clip(src, 13, 41, out) == 28
    with VideoReader(src) as source, VideoReader(out) as clip:
        assert clip.frame_count == 28 and clip.codec == "h264"
        assert [read_barcode(clip[k]) for k in range(28)] == list(range(13, 41))
        for k in range(28):  # same pictures within codec tolerance
            diff = np.abs(clip[k].astype(np.int16) - source[13 + k].astype(np.int16))
            assert diff.mean() < 4.0
        expected = source.timestamps[13:41] - source.timestamps[13]
        np.testing.assert_allclose(clip.timestamps, expected, atol=1e-3)
        assert clip.is_vfr == vfr


def test_write_clip_odd_size_and_bad_range(tmp_path):
    src = tmp_path / "odd.avi"
    rng = np.random.default_rng(0)
    frames = [np.full((51, 77, 3), 10 * i, np.uint8) + rng.integers(0, 3, (51, 77, 3), dtype=np.uint8) for i in range(12)]
    encode_frames(src, frames, codec="mjpeg")
    out = tmp_path / "clip.mp4"
    write_clip(src, 0, 12, out)
    with VideoReader(out) as clip:
        assert (clip.height, clip.width, clip.frame_count) == (50, 76, 12)
        assert abs(float(clip[5].mean()) - float(frames[5].mean())) < 3
    for start, stop in [(5, 5), (-1, 3), (0, 13)]:
        with pytest.raises(VideoError, match="outside"):
            write_clip(src, start, stop, out)


def test_content_key(tmp_path):
    a = tmp_path / "a.bin"
    data = bytearray(np.random.default_rng(1).integers(0, 256, 5 * 1024 * 1024, dtype=np.uint8).tobytes())
    a.write_bytes(bytes(data))
    b = tmp_path / "b.bin"
    b.write_bytes(bytes(data))
    assert content_key(a) == content_key(b) and len(content_key(a)) == 40
    for offset in (0, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[offset] ^= 0xFF
        b.write_bytes(bytes(changed))
        assert content_key(b) != content_key(a), offset
    b.write_bytes(bytes(data) + b"x")
    assert content_key(b) != content_key(a)
    small = tmp_path / "small.bin"
    small.write_bytes(b"abc")
    assert content_key(small) != content_key(a)
    with pytest.raises(VideoError):
        content_key(tmp_path / "missing.bin")


def test_stick_figure_video_draws_known_keypoints(tmp_path):
    path = tmp_path / "two.mp4"
    kp = write_stick_figure_video(path, people=2, frames=20, size=(320, 240))
    assert kp.shape == (2, 20, 17, 2) and kp.dtype == np.float32
    assert kp[0, :, :, 0].max() < 160 <= kp[1, :, :, 0].min(), "people must stay in separate lanes"
    assert np.abs(np.diff(kp, axis=1)).max() > 0.5, "figures must move"
    with VideoReader(path) as reader:
        assert reader.frame_count == 20 and (reader.width, reader.height) == (320, 240)
        for t in (0, 11, 19):
            frame = reader[t].astype(np.int16)
            for m in range(2):
                for joint in (0, 9, 10, 15, 16):  # nose, wrists, ankles: drawn in the person's colour
                    x, y = np.round(kp[m, t, joint]).astype(int)
                    pixel = frame[y, x]
                    assert np.abs(pixel - PERSON_COLORS[m]).max() < 60, (t, m, joint, pixel)
            assert np.abs(frame[5, 5] - 235).max() < 10  # plain background
