"""Clip writing for sets (VFR, B-frames, crops, odd sizes), splits and the balance report."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.errors import Cancelled, VideoError
from core_model.export.balance import balance, balance_text
from core_model.export.errors import ExportError
from core_model.export.layout import SetRow
from core_model.export.splits import assign_splits, group_key
from core_model.jobs import CancelToken
from core_model.video import VideoReader
from core_model.video.clips import even_box, write_reader_clip
from core_model.video.encoding import encode_frames
from core_model.video.synthetic import read_barcode, write_barcode_video

VFR_MS = [40 if i % 4 else 100 for i in range(60)]


@pytest.mark.parametrize("vfr", [False, True])
def test_lossless_clip_equals_source_frames_and_timing(tmp_path, vfr):
    src = tmp_path / "src.mkv"
    write_barcode_video(src, frames=60, size=(192, 128), options={"bf": "2", "g": "12"},
                        frame_durations_ms=VFR_MS if vfr else None)
    out = tmp_path / "clip.mp4"
    with VideoReader(src) as reader:
        assert write_reader_clip(reader, 13, 41, out, crf=0) == 28
        with VideoReader(out) as clip:
            assert clip.frame_count == 28 and clip.codec == "h264" and clip.is_vfr == vfr
            assert [read_barcode(clip[k]) for k in range(28)] == list(range(13, 41))
            for k in range(28):
                np.testing.assert_array_equal(clip[k], reader[13 + k])
            np.testing.assert_allclose(clip.timestamps, reader.timestamps[13:41] - reader.timestamps[13], atol=1e-6)


def test_cropped_clip_and_odd_source(tmp_path):
    src = tmp_path / "src.mp4"
    write_barcode_video(src, frames=20, size=(192, 128))
    box = even_box((31.4, 17.9, 150.2, 101.0), 192, 128)
    assert box == (30, 16, 150, 100)
    with VideoReader(src) as reader:
        write_reader_clip(reader, 2, 12, tmp_path / "crop.mp4", box=box, crf=0)
        with VideoReader(tmp_path / "crop.mp4") as clip:
            assert (clip.width, clip.height, clip.frame_count) == (120, 84, 10)
            np.testing.assert_array_equal(clip[4], reader[6][16:100, 30:150])
    odd = tmp_path / "odd.avi"  # MJPEG, full-range 4:2:0 and an odd size: the RGB path
    rng = np.random.default_rng(0)
    frames = [np.full((51, 77, 3), 10 * i, np.uint8) + rng.integers(0, 3, (51, 77, 3), dtype=np.uint8)
              for i in range(12)]
    encode_frames(odd, frames, codec="mjpeg")
    with VideoReader(odd) as reader:
        write_reader_clip(reader, 0, 12, tmp_path / "odd.mp4")
        with pytest.raises(VideoError, match="outside"):
            write_reader_clip(reader, 5, 13, tmp_path / "bad.mp4")
    with VideoReader(tmp_path / "odd.mp4") as clip:
        assert (clip.height, clip.width, clip.frame_count) == (50, 76, 12)
        assert abs(float(clip[5].mean()) - float(frames[5].mean())) < 3


def test_clip_writing_can_be_cancelled(tmp_path):
    src = tmp_path / "src.mp4"
    write_barcode_video(src, frames=40)
    token = CancelToken()
    token.cancel()
    with VideoReader(src) as reader, pytest.raises(Cancelled):
        write_reader_clip(reader, 0, 40, tmp_path / "clip.mp4", cancel=token)


def test_group_splits_never_leak_and_follow_the_ratio():
    rng = np.random.default_rng(0)
    for trial in range(30):
        n = int(rng.integers(5, 200))
        videos = [f"v{int(v)}" for v in rng.integers(0, int(rng.integers(2, 30)), n)]
        people = rng.integers(-1, 3, n)
        labels = rng.integers(0, 4, n)
        for split_by in ("video", "person", "random"):
            groups = [group_key(split_by, v, p, i) for i, (v, p) in enumerate(zip(videos, people))]
            ratio = float(rng.uniform(0.5, 0.9))
            splits = assign_splits(groups, labels, ratio=ratio, seed=trial)
            assert splits == assign_splits(groups, labels, ratio=ratio, seed=trial)  # deterministic
            train = {g for g, s in zip(groups, splits) if s == "train"}
            val = {g for g, s in zip(groups, splits) if s == "val"}
            assert not train & val
            if len(set(groups)) >= 8:
                assert val and train
    assert assign_splits(["a", "b"], [0, 0], ratio=1.0) == ["train", "train"]
    with pytest.raises(ExportError, match="train share"):
        assign_splits(["a"], [0], ratio=0.0)


def _row(label_index, split, seconds):
    return SetRow(clip=f"c{label_index}{split}{seconds}", split=split, video="v", video_key="k", start_frame=0,
                  end_frame=10, frames=10, start_time=1.0, end_time=1.0 + seconds, person=-1, label="x",
                  label_index=label_index, source="user", author="", confidence=None)


def test_balance_report():
    rows = [_row(0, "train", 2.0)] * 10 + [_row(0, "val", 1.5), _row(1, "train", 3.0)]
    report = balance(rows, ["a", "b", "c"])
    a, b, c = report["classes"]
    assert (a["train_clips"], a["train_seconds"], a["val_clips"], a["val_seconds"]) == (10, 20.0, 1, 1.5)
    assert (b["train_clips"], c["train_clips"]) == (1, 0)
    assert report["total"] == {"train_clips": 11, "train_seconds": 23.0, "val_clips": 1, "val_seconds": 1.5}
    text = balance_text(report)
    assert "No training clips for: c." in text and "unbalanced: 1 to 10" in text
    assert text.splitlines()[0].split() == ["label", "train", "clips", "train", "s", "val", "clips", "val", "s"]


@pytest.mark.parametrize("degrees", [90, 180, -90])
def test_rotated_source_gives_upright_clips(tmp_path, degrees):
    """A phone video stored sideways with a display rotation: clips (and crops) are upright like the reader's frames."""
    import av

    path = tmp_path / "sideways.mp4"
    out = av.open(str(path), "w")
    stream = out.add_stream("libx264", rate=25, options={"qp": "0"})
    stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
    stream.set_display_rotation(degrees)
    rng = np.random.default_rng(1)
    for i in range(8):
        stored = np.zeros((64, 96, 3), np.uint8)
        stored[:16, :16] = 255
        stored[20:40, 30 + i:60 + i] = rng.integers(0, 255, 3, dtype=np.uint8)
        for packet in stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    with VideoReader(path) as reader:
        box = even_box((4, 6, reader.width - 2, reader.height - 4), reader.width, reader.height)
        write_reader_clip(reader, 1, 7, tmp_path / "clip.mp4", box=box, crf=0)
        with VideoReader(tmp_path / "clip.mp4") as clip:
            assert (clip.width, clip.height) == (box[2] - box[0], box[3] - box[1])
            for k in range(6):
                np.testing.assert_array_equal(clip[k], reader[1 + k][box[1]:box[3], box[0]:box[2]])


def test_many_clips_in_few_decoding_passes(tmp_path, monkeypatch):
    """Overlapping clips share one decode (at most MAX_OPEN_ENCODERS open); far-apart clips seek; all exact."""
    from core_model.video import clips as clips_module

    src = tmp_path / "src.mp4"
    write_barcode_video(src, frames=150, size=(192, 128), options={"bf": "2", "g": "12"})
    spans = [(0, 30), (2, 40), (5, 20), (5, 25), (6, 60), (7, 9), (100, 110), (140, 150)]
    jobs = [clips_module.ClipJob(a, b, tmp_path / f"c{k}.mp4", None if k % 2 else (16, 16, 96, 112))
            for k, (a, b) in enumerate(spans)]
    decoded = []
    real = clips_module._source_frames

    def counting(reader, start, stop):
        for item in real(reader, start, stop):
            decoded.append(item[0])
            yield item

    monkeypatch.setattr(clips_module, "_source_frames", counting)
    finished = []
    with VideoReader(src) as reader:
        clips_module.write_reader_clips(reader, jobs, crf=0, done=lambda job, n: finished.append((job.start, n)))
        assert sorted(finished) == sorted((a, b - a) for a, b in spans)
        assert len(decoded) < sum(b - a for a, b in spans)  # shared decoding
        assert 100 not in decoded[:70] and 75 not in decoded  # the far clips were reached by seeking
        for job in jobs:
            x0, y0, x1, y1 = job.box or (0, 0, 192, 128)
            with VideoReader(job.out_path) as clip:
                assert clip.frame_count == job.stop - job.start
                if job.box is None:  # whole pictures keep their bar code: the right frames
                    assert [read_barcode(clip[k]) for k in (0, clip.frame_count - 1)] == [job.start, job.stop - 1]
                for k in range(0, clip.frame_count, 3):
                    np.testing.assert_array_equal(clip[k], reader[job.start + k][y0:y1, x0:x1])
