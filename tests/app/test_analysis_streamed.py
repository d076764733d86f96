"""The studio's Analyze of a video without poses: the poses are extracted while the model runs (streamed, as
``epam analyze`` does), with the results of the whole-video analysis, one honest progress bar (poses then
model, frames/s and time left), a cancel that stops both stages and caches nothing, and a pose error as the
one-line message. Real video (a 2.6-s piece of bikes.mp4), real MediaPipe workers, EPAM-Net's tiny config."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from .conftest import open_and_wait

CLASSES = ["wave", "walk", "sit"]


@pytest.fixture(scope="module")
def clip(bikes_video, tmp_path_factory) -> Path:
    """Frames 60-123 of bikes.mp4 (64 frames): the cyclist, a cut at frame 76, the next shot's people."""
    from app.main import prepare_qt_environment
    from core_model.video import write_clip

    path = tmp_path_factory.mktemp("streamed") / "cut.mp4"
    write_clip(bikes_video, 60, 124, path)
    prepare_qt_environment()
    return path


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """New weights of EPAM-Net's tiny config (112 px / 28 px inputs), as a cpu-quick --tiny run saves them."""
    from core_model.models import create_epam_net, save_checkpoint
    from core_model.models.registry import get_model_spec
    from core_model.preprocess.spec import InputSpec

    import torch

    torch.manual_seed(0)
    net = create_epam_net(len(CLASSES), attention_frames=8, class_names=CLASSES, **get_model_spec("epam").tiny)
    return save_checkpoint(net, tmp_path_factory.mktemp("ckpt") / "tiny.pt", CLASSES, trained=True,
                           inputs=InputSpec(112, 28, 8, 24).to_dict(), preset="cpu-quick")


def _settings(window, checkpoint):
    window.settings.device = "cpu"
    window.settings.checkpoint = str(checkpoint)
    window.settings.window, window.settings.stride, window.settings.unit = 16, 8, "frames"
    return window.settings


def _arrays(result) -> dict:
    out = {k: getattr(result, k) for k in ("window_start", "window_end", "person", "pose_frames", "rgb_frames",
                                            "boxes", "prob_fused", "prob_rgb", "prob_pose")}
    out.update({f"product {k}": v for k, v in result.products.items()})
    return out


def test_analyze_streams_the_poses_into_the_model_and_equals_the_whole_video_analysis(qtbot, window, clip,
                                                                                      checkpoint):
    from app.analysis.controller import analyzed_text, first_look
    from core_model.analysis import analyze_video

    entry = open_and_wait(qtbot, window, clip)
    settings = _settings(window, checkpoint)
    texts, units = [], []

    def seen(job):
        units.append(job.done)
        if job.id in window.job_panel._rows:
            texts.append(window.job_panel.row(job).eta.text())

    window.jobs.progressed.connect(seen)
    with qtbot.waitSignal(window.jobs.finished, timeout=120_000):
        window.actions["analyze"].trigger()
    result, poses = entry.result, entry.poses
    assert result is not None and poses is not None and entry.busy is None
    assert poses.num_frames == entry.frame_count == 64 and poses.num_people >= 2  # the cut starts new tracks
    assert "streaming" in result.summary and "fallback" not in result.summary["streaming"]  # the streamed path ran
    assert units == sorted(units) and units[-1] == 1000  # one bar, never going back
    assert any(0 < u < 850 for u in units)  # the poses' frames fill its first part (POSE_SHARE)
    assert any(t.startswith("poses ") and "frames/s" in t for t in texts), texts  # throughput while analysing
    # one message at a time: the analysis, then the first look at the poses it made (never run together)
    assert window.status.messages_ahead() == [analyzed_text(clip.name, result), first_look(clip.name, poses)]
    reference = analyze_video(clip, poses=poses, checkpoint=str(checkpoint), settings=settings.analysis_settings(),
                              use_cache=False)  # the whole-video path on the same (whole) poses
    assert result.summary["poses"]["key"] == reference.summary["poses"]["key"]
    mine, theirs = _arrays(result), _arrays(reference)
    assert mine.keys() == theirs.keys() and len(result.window_start) >= 5
    for key in theirs:
        assert (mine[key] is None and theirs[key] is None) or np.array_equal(mine[key], theirs[key]), key
    assert [s.to_dict() for s in result.segments] == [s.to_dict() for s in reference.segments]
    # the first look at the poses: Extract pose now finds them cached (the analysis stays) and says what they hold
    from core_model.pose.track_summary import summarize

    window.actions["extract"].trigger()
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=30_000)
    sentence = summarize(entry.poses).sentence()
    assert sentence.startswith(f"Found up to {summarize(poses).most_at_once} ")
    assert window.status.messages_ahead().count(first_look(clip.name, entry.poses)) == 1  # said once, not twice
    if not summarize(entry.poses).fragmented:
        assert first_look(clip.name, entry.poses) == f"Poses of {clip.name}, 64 frames: {sentence}"
    look = summarize(entry.poses)
    assert entry.result is result and window.person_list.summary.text().startswith(
        f"Found up to {look.most_at_once} {'person' if look.most_at_once == 1 else 'people'} at once, {look.tracks} "
        f"track{'s' if look.tracks != 1 else ''} over 64 frames.")


def test_cancelling_analyze_while_the_poses_are_extracted_stops_it_and_caches_nothing(qtbot, window, clip,
                                                                                       checkpoint):
    from core_model.paths import cache_dir

    entry = open_and_wait(qtbot, window, clip)
    _settings(window, checkpoint)
    first = threading.Event()
    window.jobs.progressed.connect(lambda job: first.set() if 0 < job.done < 850 else None)
    window.actions["analyze"].trigger()
    job = window.jobs.jobs[0]
    qtbot.waitUntil(first.is_set, timeout=60_000)  # poses are being extracted
    with qtbot.waitSignal(window.jobs.cancelled, timeout=30_000):
        window.job_panel.row(job).cancel.click()
    assert "Cancelled" in window.status.currentMessage()
    assert entry.result is None and entry.poses is None and entry.busy is None
    assert not any((cache_dir() / "poses").glob("*.npz"))
    assert not (cache_dir() / "analysis").exists() or not any((cache_dir() / "analysis").iterdir())


def test_a_pose_error_during_analyze_is_one_line_and_the_window_stays_usable(qtbot, window, clip, checkpoint):
    entry = open_and_wait(qtbot, window, clip)
    settings = _settings(window, checkpoint)
    settings.pose_engine, settings.pose_device = "torch", "cuda"  # this machine has no CUDA device
    with qtbot.waitSignal(window.jobs.failed, timeout=60_000) as failed:
        window.actions["analyze"].trigger()
    line = "The torch pose engine was asked for CUDA, but PyTorch sees no CUDA device here."
    assert failed.args[1] == line
    assert line in window.status.currentMessage() and "Traceback" not in window.status.currentMessage()
    assert entry.result is None and entry.busy is None and not window.jobs.jobs


def test_the_first_analysis_of_a_video_is_not_called_analysing_again(qtbot, window, barcode_video):
    entry = open_and_wait(qtbot, window, barcode_video)
    window.session.update(entry, busy="analyzing")  # Analyze pressed on a video never analysed
    qtbot.waitUntil(lambda: "analysing" in window.status.model_label.text(), timeout=5000)
    assert "again" not in window.status.model_label.text()


def test_the_first_look_at_fragmented_tracks_points_to_merge_and_split_within_the_status_line():
    """Tracks in pieces (bikes.mp4's six shots gave 13 tracks for 2 people at once in the studio): the status line
    (cut at ~95 characters in a 1280-px window) says so, and where to fix it, before it is cut."""
    from app.analysis.controller import first_look

    from .test_extraction_settings_view import _poses

    fragmented = first_look("bikes.mp4", _poses(pieces=4, people=2))
    assert fragmented == "bikes.mp4: 8 tracks, 2 people at once — People ▸ Merge / Split"
    assert len(fragmented) <= 95
    assert first_look("a.mp4", _poses()) == "Poses of a.mp4, 250 frames: Found up to 3 people at once, 3 tracks."


def test_a_streamed_pose_result_is_told_by_its_type_not_by_an_attribute(tmp_path):
    """What PosesAhead.take hands on: a PoseStream (being extracted) or whole poses (cached); whole poses that
    happen to carry a ``wait_beyond`` attribute are still whole poses."""
    from app.analysis.streamed import is_stream
    from core_model.analysis.pipeline import PosesAhead
    from core_model.pose.streaming_tracking import PoseStream

    from .test_extraction_settings_view import _poses

    whole = _poses(frames=20)
    with PosesAhead([tmp_path / "a.mp4"], lambda v, c: whole, lambda v, c, into=None: None,
                    stream=PoseStream) as ahead:
        cached, _seconds = ahead.take(tmp_path / "a.mp4")
    assert cached is whole and not is_stream(cached)
    assert is_stream(PoseStream())
    whole.wait_beyond = lambda *a, **k: None  # duck typing took this for a stream
    assert not is_stream(whole)
