"""VideoReader: frame-exact random access in several containers / codecs, timestamps, VFR."""
from __future__ import annotations

import random

import av
import numpy as np
import pytest

from core_model.video import VideoReader
from core_model.video import reader as reader_module
from core_model.video.synthetic import read_barcode, write_barcode_video

FRAMES = 50
VFR_DURATIONS = [40 if i % 3 else 80 for i in range(FRAMES)]  # ms: 80, 40, 40, 80, ...

CASES = {
    "mp4-h264-bframes": dict(codec="libx264", options={"bf": "3", "g": "12", "sc_threshold": "0"}),
    "mkv-h264": dict(codec="libx264", options={"bf": "2", "g": "15"}),
    "avi-mjpeg": dict(codec="mjpeg"),
    "webm-vp9": dict(codec="libvpx-vp9", options={"deadline": "realtime", "cpu-used": "8", "g": "10"}),
    "mp4-vfr": dict(codec="libx264", options={"bf": "3", "g": "10"}, frame_durations_ms=VFR_DURATIONS),
    "mkv-vfr": dict(codec="libx264", options={"g": "10"}, frame_durations_ms=VFR_DURATIONS),
}
EXTENSIONS = {"mp4": "mp4", "mkv": "mkv", "avi": "avi", "webm": "webm"}


def sequential_decode(path):
    """Ground truth: every frame of a plain PyAV decode from the start, in output order."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    out = {}
    for name, kwargs in CASES.items():
        path = folder / f"{name}.{EXTENSIONS[name.split('-')[0]]}"
        write_barcode_video(path, frames=FRAMES, **kwargs)
        out[name] = (path, sequential_decode(path))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_random_access_matches_sequential_decode_exactly(videos, name):
    path, truth = videos[name]
    assert [read_barcode(f) for f in truth] == list(range(FRAMES)), "generator or plain decode lost frames"
    with VideoReader(path) as reader:
        assert reader.frame_count == len(reader) == FRAMES
        order = list(range(FRAMES)) * 2
        random.Random(7).shuffle(order)
        for i in order:
            frame = reader[i]
            assert read_barcode(frame) == i
            np.testing.assert_array_equal(frame, truth[i], err_msg=f"{name}: frame {i}")
        assert reader[-1] is reader.get_frame(FRAMES - 1)


@pytest.mark.parametrize("name", list(CASES))
def test_iter_frames_and_get_frames_match(videos, name):
    path, truth = videos[name]
    with VideoReader(path) as reader:
        seen = [(i, f) for i, f in reader.iter_frames()]
        assert [i for i, _ in seen] == list(range(FRAMES))
        assert all(np.array_equal(f, truth[i]) for i, f in seen)
        part = list(reader.iter_frames(start=17, stop=29))
        assert [i for i, _ in part] == list(range(17, 29))
        assert all(np.array_equal(f, truth[i]) for i, f in part)
        indices = [33, 5, 5, 48, 0, 21]
        batch = reader.get_frames(indices)
        assert batch.shape == (len(indices), reader.height, reader.width, 3) and batch.dtype == np.uint8
        for k, i in enumerate(indices):
            np.testing.assert_array_equal(batch[k], truth[i])


def test_h264_case_really_has_b_frames(videos):
    path, _ = videos["mp4-h264-bframes"]
    with av.open(str(path)) as container:
        pts = [p.pts for p in container.demux(container.streams.video[0]) if p.size]
    assert pts != sorted(pts), "decode order equals presentation order: no B-frames, the test would prove nothing"


@pytest.mark.parametrize("name", ["mp4-vfr", "mkv-vfr"])
def test_variable_frame_rate_timestamps(videos, name):
    path, _ = videos[name]
    expected = np.concatenate([[0], np.cumsum(VFR_DURATIONS[:FRAMES - 1])]) / 1000.0
    with VideoReader(path) as reader:
        assert reader.is_vfr
        assert reader.timestamps.dtype == np.float64 and reader.timestamps.shape == (FRAMES,)
        np.testing.assert_allclose(reader.timestamps, expected, atol=1e-3)
        assert reader.fps == pytest.approx((FRAMES - 1) / expected[-1], rel=1e-3)
        assert reader.duration == pytest.approx(expected[-1] + 0.04, abs=2e-3)


@pytest.mark.parametrize("name", ["mp4-h264-bframes", "avi-mjpeg", "webm-vp9"])
def test_constant_frame_rate_timing(videos, name):
    path, truth = videos[name]
    with VideoReader(path) as reader:
        assert not reader.is_vfr
        assert reader.fps == pytest.approx(25.0)
        np.testing.assert_allclose(reader.timestamps, np.arange(FRAMES) / 25.0, atol=1e-3)
        assert reader.duration == pytest.approx(FRAMES / 25.0, abs=1e-3)
        assert (reader.height, reader.width) == truth[0].shape[:2] == (128, 192)


def test_stepping_forward_does_not_seek(videos, monkeypatch):
    path, truth = videos["mp4-h264-bframes"]
    starts = []
    original = reader_module._Cursor.frames_from

    def counting(self, target):
        starts.append(target)
        return original(self, target)

    monkeypatch.setattr(reader_module._Cursor, "frames_from", counting)
    with VideoReader(path) as reader:
        starts.clear()
        for i in range(20, 40):  # key frames every 12: frame 20 needs a seek, the rest follow on
            np.testing.assert_array_equal(reader[i], truth[i])
        assert starts == [20]
    with VideoReader(path) as reader:  # opening decodes frame 0; a window is then one forward pass
        starts.clear()
        batch = reader.get_frames(list(range(47, 1, -3)))  # any order: decoded sorted
        assert starts == []
        np.testing.assert_array_equal(batch[0], truth[47])


def _count_seeks(monkeypatch):
    starts = []
    original = reader_module._Cursor.frames_from

    def counting(self, target):
        starts.append(target)
        return original(self, target)

    monkeypatch.setattr(reader_module._Cursor, "frames_from", counting)
    return starts


@pytest.mark.parametrize("name", ["mp4-h264-bframes", "webm-vp9", "mp4-vfr"])
def test_stepping_backward_is_exact_and_decodes_each_run_once(videos, monkeypatch, name):
    path, truth = videos[name]
    starts = _count_seeks(monkeypatch)
    with VideoReader(path) as reader:
        keys = reader.key_frames
        starts.clear()
        for i in range(FRAMES - 1, -1, -1):
            frame = reader[i]
            assert read_barcode(frame) == i
            np.testing.assert_array_equal(frame, truth[i], err_msg=f"{name}: frame {i}")
        # one decode from each key frame (the run up to the step target is cached), not one per step
        assert len(starts) <= len(keys) + 1, (starts, keys.tolist())
        assert set(starts) <= set(keys.tolist()) | {FRAMES - 1}


def test_stepping_backward_with_a_small_cache_stays_exact(videos, monkeypatch):
    path, truth = videos["mp4-h264-bframes"]  # key frames every 12 frames
    starts = _count_seeks(monkeypatch)
    with VideoReader(path, cache_frames=5) as reader:
        starts.clear()
        for i in range(FRAMES - 1, -1, -1):
            np.testing.assert_array_equal(reader[i], truth[i], err_msg=f"frame {i}")
            assert len(reader._cache) <= 5
        assert len(starts) < FRAMES // 2  # runs of 4-5 frames per decode, not one seek per step
        # forward again after stepping back: exact, and the live decoder continues without seeking
        starts.clear()
        for i in range(10, 20):
            np.testing.assert_array_equal(reader[i], truth[i], err_msg=f"frame {i}")
        assert len(starts) <= 1


def test_key_frames_are_public_sorted_and_true_key_frames(videos):
    path, _ = videos["mp4-h264-bframes"]
    with av.open(str(path)) as container:
        truth = [i for i, f in enumerate(container.decode(container.streams.video[0])) if f.key_frame]
    with VideoReader(path) as reader:
        keys = reader.key_frames
        assert keys.dtype == np.int64 and keys.tolist() == sorted(keys.tolist())
        assert keys.tolist() == truth == [0, 12, 24, 36, 48]
        keys[0] = 99  # a copy: the reader's index is untouched
        assert reader.key_frames[0] == 0


def test_returned_frames_are_read_only_copies_of_cache(videos):
    path, truth = videos["mkv-h264"]
    with VideoReader(path) as reader:
        frame = reader[3]
        with pytest.raises(ValueError):
            frame[0, 0, 0] = 1
        assert reader.get_frames([3]).flags.writeable


def test_index_out_of_range(videos):
    path, _ = videos["avi-mjpeg"]
    with VideoReader(path) as reader:
        with pytest.raises(IndexError):
            reader[FRAMES]
        with pytest.raises(IndexError):
            reader.get_frames([0, -FRAMES - 1])


@pytest.mark.slow
def test_demo_video_random_access(bikes_video):
    truth = sequential_decode(bikes_video)
    with VideoReader(bikes_video) as reader:
        assert (reader.frame_count, reader.width, reader.height) == (250, 640, 272)
        assert reader.fps == pytest.approx(25.0) and not reader.is_vfr
        for i in np.random.default_rng(3).choice(250, 25, replace=False):
            np.testing.assert_array_equal(reader[int(i)], truth[int(i)])


@pytest.mark.parametrize("filename, codec", [
    ("stream.ts", "libx264"),      # MPEG-TS, 90 kHz clock, B-frames
    ("stream.mpg", "mpeg2video"),  # MPEG-PS
    ("packed.avi", "mpeg4"),       # MPEG-4 part 2 with B-frames in AVI
    ("raw.h264", "libx264"),       # elementary stream: packets carry no timestamps at all
])
def test_more_formats_are_frame_exact(tmp_path, filename, codec):
    path = tmp_path / filename
    write_barcode_video(path, frames=30, codec=codec, options={"g": "10", "bf": "2"})
    truth = sequential_decode(path)
    assert [read_barcode(f) for f in truth] == list(range(30))
    with VideoReader(path) as reader:
        assert reader.frame_count == 30 and reader.fps == pytest.approx(25.0)
        np.testing.assert_allclose(reader.timestamps, np.arange(30) / 25.0, atol=1e-3)
        order = list(range(30))
        random.Random(1).shuffle(order)
        for i in order:
            np.testing.assert_array_equal(reader[i], truth[i], err_msg=f"{filename}: frame {i}")


def test_shared_reader_is_safe_across_threads(videos):
    import threading

    path, truth = videos["mp4-h264-bframes"]
    errors = []
    with VideoReader(path) as reader:
        def worker(seed):
            rng = random.Random(seed)
            for _ in range(20):
                i = rng.randrange(FRAMES)
                if not np.array_equal(reader[i], truth[i]):
                    errors.append(i)

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_a_twin_reads_the_same_frames_in_another_thread_without_indexing_again(videos, monkeypatch):
    import threading

    path, truth = videos["mp4-h264-bframes"]
    with VideoReader(path) as reader:
        monkeypatch.setattr(reader_module, "demux_index", lambda *a, **k: pytest.fail("indexed again"))
        twin = reader.twin(cache_frames=2)
        assert (twin.frame_count, twin.width, twin.height, twin.fps) == \
            (reader.frame_count, reader.width, reader.height, reader.fps)
        np.testing.assert_array_equal(twin.timestamps, reader.timestamps)
        seen = {}
        order = list(range(FRAMES))
        random.Random(3).shuffle(order)
        thread = threading.Thread(target=lambda: seen.update({i: read_barcode(twin.get_frame(i)) for i in order}))
        thread.start()
        mine = [read_barcode(frame) for _, frame in reader.iter_frames()]  # sequential, at the same time
        thread.join()
        twin.close()
        assert mine == list(range(FRAMES)) and seen == {i: i for i in range(FRAMES)}
        assert len(twin._cache) <= 2 and reader.get_frame(FRAMES - 1) is not None  # the original still works
