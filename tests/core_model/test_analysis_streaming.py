"""The model on a video's windows whose poses are final while the same video's poses are still extracted.

Real pose workers report "final up to frame F" (a prefix that never changes afterwards), the default tracker
tracks it frame by frame into the very poses ``track_frames`` makes of the whole video, and the analysis of a
growing :class:`PoseStream` gives the results of the whole poses, windows analysed before the poses were done.
Cancelling or a pose error mid-way leaves no result cached and raises one readable error."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core_model.analysis import AnalysisSettings, analyze_video
from core_model.analysis.windows import WindowJob, plan_windows, window_bounds
from core_model.errors import Cancelled, PoseError
from core_model.jobs import CancelToken
from core_model.pose.final_frames import FinalFrames
from core_model.pose.parallel import VideoInfo, extract_frame_detections
from core_model.pose.streaming_tracking import PoseStream
from core_model.pose.tracking import track_frames
from tests.core_model.test_model_family import tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")
OPTIONS = {"max_people": 0, "delegate": "cpu"}


class RecordingStream(PoseStream):
    """A PoseStream that keeps every published prefix (copies) and the detections list."""

    def __init__(self) -> None:
        super().__init__(max_gap_seconds=1.0)
        self.published, self.frames, self.info = [], None, None

    def update(self, frames, upto, info) -> None:
        self.frames, self.info = frames, info
        self.published.append((upto, [None if f is None else (f[0].copy(), f[1].copy()) for f in frames[:upto]]))
        super().update(frames, upto, info)


def _same_frames(a, b) -> bool:
    return len(a) == len(b) and all((x is None and y is None) or (x is not None and y is not None and np.array_equal(
        x[0], y[0]) and np.array_equal(x[1], y[1])) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def clip(bikes_video, tmp_path_factory):
    """Frames 60-123 of bikes.mp4 (2.6 s): the cyclist, a cut at frame 76, the next shot's people."""
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    path = tmp_path_factory.mktemp("stream") / "cut.mp4"
    with VideoReader(bikes_video) as reader:
        encode_frames(path, [frame for _i, frame in reader.iter_frames(60, 124)], fps=25.0)
    return path


@pytest.fixture(scope="module")
def extracted(clip):
    """The clip's poses extracted through a stream by ``extract_poses`` (spawned workers, two chunks of 32
    frames): ``(stream, poses, detections, info)``."""
    from core_model.pose import extract_poses, scheduling

    stream = RecordingStream()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scheduling, "MIN_CHUNK_FRAMES", 32)  # the workers get the chunks planned here
        poses = extract_poses(clip, workers=2, local_worker=False, use_cache=False, detect="full", stream=stream)
    return stream, poses, stream.frames, stream.info


def test_workers_publish_a_growing_final_prefix_that_never_changes(extracted):
    stream, _poses, frames, info = extracted
    ups = [upto for upto, _ in stream.published]
    assert ups == sorted(ups) and ups[-1] == info.frame_count == 64
    assert any(0 < upto < 64 for upto in ups)  # frames were final before the end
    for upto, prefix in stream.published:
        assert _same_frames(prefix, frames[:upto])  # what was final stayed as it was
    assert sum(f is not None and len(f[0]) > 0 for f in frames) >= 40


def test_tracking_the_prefix_as_it_comes_gives_the_whole_video_tracking(extracted, tmp_path):
    stream, streamed, frames, info = extracted
    meta = dict(streamed.meta)
    whole = track_frames(frames, info.timestamps, info.img_shape, info.fps, max_gap_seconds=1.0, meta=meta)
    assert len(stream.published) >= 3 and meta["detect"] == "full"
    assert whole.num_people >= 2  # the cut starts new tracks
    assert streamed.keypoint.tobytes() == whole.keypoint.tobytes()
    assert streamed.keypoint_score.tobytes() == whole.keypoint_score.tobytes()
    assert streamed.keypoint.shape == whole.keypoint.shape and streamed.keypoint.dtype == whole.keypoint.dtype
    np.testing.assert_array_equal(streamed.track_ids, whole.track_ids)
    assert streamed.meta == whole.meta and streamed.img_shape == whole.img_shape
    streamed.save(tmp_path / "streamed.npz")  # the pose file (and cache) written: the same content
    whole.save(tmp_path / "whole.npz")
    with np.load(tmp_path / "streamed.npz") as a, np.load(tmp_path / "whole.npz") as b:
        assert a.files == b.files and all(np.array_equal(a[k], b[k]) and a[k].dtype == b[k].dtype for k in a.files)


def test_final_frames_wait_for_the_previous_chunks_continuation():
    final = FinalFrames([(0, 10), (10, 20), (20, 30)])
    final.own_frame(7)
    assert final.frontier() == 8
    final.own_frame(9)
    final.own_frame(15)  # chunk 1's first frames may still be replaced by chunk 0's continuation
    assert final.frontier() == 10
    final.chunk_done(0)
    assert final.frontier() == 16
    final.chunk_done(2)  # chunk 2 done before chunk 1: still waits for chunk 1
    assert final.frontier() == 16
    final.chunk_done(1)
    assert final.frontier() == 30


def _feed(stream: PoseStream, frames, info, until: int, go_on: threading.Event, poses=None) -> threading.Thread:
    """Feed ``frames`` into ``stream`` 8 at a time up to ``until``; the rest once ``go_on`` is set."""
    def run() -> None:
        for upto in range(8, until + 1, 8):
            stream.update(frames, upto, info)
        go_on.wait(60)
        stream.update(frames, info.frame_count, info)
        stream.finish(poses if poses is not None else stream.tracker.poses({"source": "cut.mp4"}), 1.0)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _rows(result) -> dict:
    out = {k: getattr(result, k) for k in ("window_start", "window_end", "person", "pose_frames", "rgb_frames",
                                            "boxes", "prob_fused", "prob_rgb", "prob_pose")}
    out.update({f"product {k}": v for k, v in result.products.items()})
    return out


@pytest.mark.parametrize("per_person, hold_bytes", [(False, None), (True, 1)])
def test_the_streamed_analysis_equals_the_whole_video_analysis(extracted, clip, per_person, hold_bytes, monkeypatch):
    """Per person, no decoded frame may be held for a later window: those windows are waited for instead."""
    from core_model.analysis import streaming

    if hold_bytes is not None:
        monkeypatch.setattr(streaming, "HOLD_BYTES", hold_bytes)
    _stream, _poses, frames, info = extracted
    whole = track_frames(frames, info.timestamps, info.img_shape, info.fps, max_gap_seconds=1.0,
                         meta={"source": "cut.mp4"})
    settings = AnalysisSettings.from_lengths("16", "8", per_person=per_person, runtime="torch")
    model = tiny_model("epam").eval()
    reference = analyze_video(clip, poses=whole, model=model, settings=settings, use_cache=False)
    stream, go_on, done = PoseStream(), threading.Event(), []

    def progress(units, total):
        if units > 0:
            done.append(units)
            go_on.set()  # a window was analysed before the poses were done: now finish them

    feeder = _feed(stream, frames, info, 48, go_on)
    result = analyze_video(clip, poses=stream, model=model, settings=settings, use_cache=False, progress=progress)
    feeder.join(5)
    assert result.summary["streaming"]["windows_before_poses_done"] >= 1
    assert "fallback" not in result.summary["streaming"]
    assert result.summary["poses"]["key"] == reference.summary["poses"]["key"]  # the same poses
    assert result.summary["runtime"] == reference.summary["runtime"]
    mine, theirs = _rows(result), _rows(reference)
    assert mine.keys() == theirs.keys() and len(result.window_start) >= 5
    for key in theirs:
        assert (mine[key] is None and theirs[key] is None) or np.array_equal(mine[key], theirs[key]), key
    assert [s.to_dict() if hasattr(s, "to_dict") else s for s in result.segments] == \
        [s.to_dict() if hasattr(s, "to_dict") else s for s in reference.segments]


def test_windows_are_decided_only_when_the_frames_to_come_cannot_change_them(extracted):
    """Each window decided early is the one plan_windows makes of the whole poses, whatever the prefix."""
    from core_model.analysis.streaming import decide

    _stream, _poses, frames, info = extracted
    whole = track_frames(frames, info.timestamps, info.img_shape, info.fps, max_gap_seconds=1.0)
    bounds = window_bounds(64, 16, 4)
    for per_person in (False, True):
        for max_gap in (0, 6, 25):
            planned = plan_windows(bounds, whole.keypoint_score, whole.track_ids, per_person=per_person,
                                   min_presence=0.5, max_gap=max_gap)
            stream, decided = PoseStream(), 0
            for upto in range(1, 64):
                stream.update(frames, upto, info)
                snap = stream.snapshot()
                for s, e in bounds:
                    rows = decide(snap, int(s), int(e), per_person=per_person, min_presence=0.5, max_gap=max_gap)
                    if rows is None:
                        continue
                    decided += 1
                    expected = [j for j in planned if (j.start, j.end) == (s, e)]
                    got = [WindowJob(int(s), int(e)) if r < 0 else WindowJob(int(s), int(e), r, r) for r in rows]
                    assert got == expected, (upto, s, e, per_person, max_gap)
            assert decided > 0


def test_cancelling_mid_way_stops_the_analysis_and_caches_nothing(extracted, clip, tmp_path, monkeypatch):
    from core_model.paths import cache_dir

    _stream, _poses, frames, info = extracted
    cancel, stream, go_on = CancelToken(), PoseStream(), threading.Event()

    def progress(units, total):
        if units > 0:
            cancel.cancel()

    feeder = _feed(stream, frames, info, 48, go_on)
    with pytest.raises(Cancelled):
        analyze_video(clip, poses=stream, model=tiny_model("epam").eval(), cancel=cancel, progress=progress,
                      settings=AnalysisSettings.from_lengths("16", "8", runtime="torch"))
    go_on.set()
    feeder.join(5)
    assert not (cache_dir() / "analysis").exists() or not any((cache_dir() / "analysis").iterdir())


def test_a_pose_error_mid_way_is_raised_as_it_was(extracted, clip):
    _stream, _poses, frames, info = extracted
    stream = PoseStream()
    for upto in (8, 16, 24, 32):
        stream.update(frames, upto, info)
    message = "A pose worker failed: RuntimeError: graph broke."
    threading.Timer(0.3, lambda: stream.fail(PoseError(message))).start()
    started = time.perf_counter()
    with pytest.raises(PoseError) as caught:
        analyze_video(clip, poses=stream, model=tiny_model("epam").eval(), use_cache=False,
                      settings=AnalysisSettings.from_lengths("16", "8", runtime="torch"))
    assert str(caught.value) == message and time.perf_counter() - started < 30


def test_a_stream_is_handed_on_before_its_poses_are_done(tmp_path):
    from core_model.analysis.pipeline import PosesAhead

    info = VideoInfo(20, 25.0, np.arange(20) / 25.0, (100, 100))
    frames = [(np.full((1, 17, 2), 50.0, np.float32), np.ones((1, 17), np.float32))] * 20
    release = threading.Event()

    def extract(video, cancel, into):
        into.update(frames, 10, info)
        release.wait(10)
        into.update(frames, 20, info)
        return into.tracker.poses()

    with PosesAhead([tmp_path / "a.mp4"], lambda v, c: None, extract, stream=PoseStream) as ahead:
        stream, seconds = ahead.take(tmp_path / "a.mp4")
        assert isinstance(stream, PoseStream) and seconds is None and not stream.done
        assert stream.wait_beyond(0).tracked >= 10
        release.set()
        poses = stream.result()
    assert poses.num_frames == 20 and poses.num_people == 1 and stream.seconds is not None


def test_closing_the_producer_mid_way_stops_the_workers_and_caches_no_poses(bikes_video, extracted, monkeypatch,
                                                                           tmp_path):
    from core_model.analysis.pipeline import poses_ahead
    from core_model.paths import cache_dir
    from core_model.pose import scheduling
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    longer = tmp_path / "longer.mp4"  # eight chunks: the first ones are final long before the last (a quiet
    with VideoReader(bikes_video) as reader:  # machine ran the two chunks of ``clip`` before the first look)
        encode_frames(longer, [frame for _i, frame in reader.iter_frames(0, 250)], fps=25.0)
    monkeypatch.setattr(scheduling, "MIN_CHUNK_FRAMES", 32)  # two workers, as ``extracted``: still warm
    settings = AnalysisSettings(pose_engine="mediapipe")
    with poses_ahead([longer], settings) as ahead:
        stream, _seconds = ahead.take(longer)
        snap = stream.wait_beyond(0, timeout=60)
        assert 0 < snap.tracked < 250 and not snap.done  # some frames final, the extraction still going on
    with pytest.raises(Cancelled):
        stream.result()
    assert not any((cache_dir() / "poses").glob("*.npz"))


#: the rest of the poses come this long after the forward began to wait for them (no wall-clock bound on a loaded
#: machine: the forward may reach its wait late; it waited at least this long once it did)
HOLD_S = 0.5


class WaitedStream(PoseStream):
    """A PoseStream that says when its whole poses are waited for (``result``) before they are done."""

    def __init__(self) -> None:
        super().__init__()
        self.waited_on = threading.Event()

    def result(self, *args, **kwargs):
        if not self.done:
            self.waited_on.set()
        return super().result(*args, **kwargs)


def _release_after_a_wait(stream: WaitedStream, go_on: threading.Event, hold: float) -> None:
    stream.waited_on.wait(300)
    time.sleep(hold)
    go_on.set()


def test_with_every_core_in_torch_the_forward_waits_for_the_poses_and_the_inputs_are_built_meanwhile(extracted, clip):
    import os

    import torch

    _stream, _poses, frames, info = extracted
    whole = track_frames(frames, info.timestamps, info.img_shape, info.fps, max_gap_seconds=1.0,
                         meta={"source": "cut.mp4"})
    # 2 windows (2-thread forwards are slow on a loaded machine), one per batch (with 2 threads the default batch
    # is 2: the first would wait for both windows, i.e. for the whole poses, before any wait of the forward's own)
    settings = AnalysisSettings.from_lengths("32", "32", runtime="torch", batch_size=1)
    model = tiny_model("epam").eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)  # no core left beside the pose worker
    try:
        reference = analyze_video(clip, poses=whole, model=model, settings=settings, use_cache=False)
        stream, go_on = WaitedStream(), threading.Event()
        threading.Thread(target=_release_after_a_wait, args=(stream, go_on, HOLD_S), daemon=True).start()
        feeder = _feed(stream, frames, info, 40, go_on)  # window [0, 32) decided before the poses are done
        result = analyze_video(clip, poses=stream, model=model, settings=settings, use_cache=False)
        feeder.join(5)
    finally:
        torch.set_num_threads(threads)
    info_ = result.summary["streaming"]
    assert info_["forward_beside_poses"] is False and info_["windows_before_poses_done"] == 0
    assert info_["forward_waited_for_poses"] >= HOLD_S - 0.05  # held there until the rest of the poses came
    assert np.array_equal(result.prob_fused, reference.prob_fused)
    assert all(np.array_equal(result.products[k], reference.products[k]) for k in reference.products)
