"""Bad inputs give one clear VideoError sentence; truncated files yield what can be read."""
from __future__ import annotations

import av
import numpy as np
import pytest

from core_model.errors import VideoError
from core_model.video import VideoReader, VideoWarning
from core_model.video.synthetic import read_barcode, write_barcode_video


def _one_sentence(err: Exception) -> str:
    text = str(err)
    assert text.endswith(".") and "\n" not in text and "Traceback" not in text
    return text


def test_missing_path(tmp_path):
    with pytest.raises(VideoError, match="not found") as err:
        VideoReader(tmp_path / "nope.mp4")
    _one_sentence(err.value)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(VideoError, match="is a folder, not a video file"):
        VideoReader(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoError, match="empty") as err:
        VideoReader(path)
    _one_sentence(err.value)


def test_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are my notes, not a video\n" * 20)
    with pytest.raises(VideoError, match="not a video file that can be read") as err:
        VideoReader(path)
    _one_sentence(err.value)


def test_audio_only_file(tmp_path):
    path = tmp_path / "sound.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in list(stream.encode(frame)) + list(stream.encode()):
            out.mux(packet)
    with pytest.raises(VideoError, match="has no video stream") as err:
        VideoReader(path)
    _one_sentence(err.value)


def test_undecodable_video_stream(tmp_path):
    """A valid container whose every video packet is noise: the codec cannot decode a single frame."""
    path = tmp_path / "noise.avi"
    write_barcode_video(path, frames=8, codec="mjpeg")
    with av.open(str(path)) as container:
        spans = [(p.pos, p.size) for p in container.demux(container.streams.video[0]) if p.size]
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    for pos, size in spans:
        data[pos:pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    with pytest.raises(VideoError, match="could be decoded") as err:
        VideoReader(path)
    _one_sentence(err.value)


def test_mp4_without_index_is_reported(tmp_path):
    """An mp4 cut before its index (moov at the end) cannot be read at all: one clear sentence."""
    path = tmp_path / "cut.mp4"
    write_barcode_video(path, frames=30)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(VideoError, match="damaged, truncated or not a video"):
        VideoReader(path)


@pytest.mark.parametrize("name, kwargs", [
    ("cut.mkv", dict(options={"g": "10"})),
    ("cut.avi", dict(codec="mjpeg")),
    ("cut.mp4", dict(options={"g": "10"}, container_options={"movflags": "+faststart"})),
])
def test_truncated_file_yields_readable_frames_with_warning(tmp_path, name, kwargs):
    path = tmp_path / name
    write_barcode_video(path, frames=50, **kwargs)
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.6)])
    with pytest.warns(VideoWarning, match="truncated"):
        reader = VideoReader(path)
    with reader:
        assert 5 < reader.frame_count < 50
        assert any("truncated" in w for w in reader.warnings)
        frames = list(reader.iter_frames())
        assert [i for i, _ in frames] == list(range(reader.frame_count))
        assert [read_barcode(f) for _, f in frames] == list(range(reader.frame_count))
        last = reader.frame_count - 1
        np.testing.assert_array_equal(reader[last], frames[last][1])
        np.testing.assert_array_equal(reader[2], frames[2][1])


def test_clean_files_raise_no_warning(bikes_video, recwarn):
    with VideoReader(bikes_video) as reader:
        reader[100]
    assert reader.warnings == [] and not [w for w in recwarn if issubclass(w.category, VideoWarning)]
