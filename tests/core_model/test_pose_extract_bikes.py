"""End to end on the real bikes.mp4: parallel extraction, agreement with MediaPipe's legacy
single-person solution, tracking, caching, cancellation and the ``epam extract`` command.

bikes.mp4 is a montage of six shots (cuts at frames 30, 76, 137, 187, 242); the cyclist is the
person of the shot 76-136 (hidden behind passing cars in frames 83-102).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core_model.errors import Cancelled
from core_model.jobs import CancelToken
from core_model.pose import cached_poses, extract_poses
from core_model.pose.coco import BLAZEPOSE33_TO_COCO17

CYCLIST_SHOT = (76, 137)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory):
    path = tmp_path_factory.mktemp("pose-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EPAM_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="module")
def extracted(bikes_video, module_cache):
    """Poses of bikes.mp4 with two workers (one spawned process), plus the progress calls seen."""
    calls = []
    started = time.perf_counter()
    poses = extract_poses(bikes_video, workers=2, progress=lambda d, t: calls.append((d, t)))
    return poses, calls, time.perf_counter() - started


@pytest.fixture(scope="module")
def legacy(bikes_video):
    """The legacy single-person ``mp.solutions.pose`` on every frame: COCO-17 pixels (17,2) or None."""
    import mediapipe as mp

    from core_model.video import VideoReader

    out = []
    with VideoReader(bikes_video) as reader, mp.solutions.pose.Pose(model_complexity=1) as solution:
        for _idx, frame in reader.iter_frames():
            result = solution.process(frame)
            if result.pose_landmarks is None:
                out.append(None)
                continue
            xy = np.array([(lm.x, lm.y) for lm in result.pose_landmarks.landmark], np.float32)
            out.append(xy[BLAZEPOSE33_TO_COCO17] * [reader.width, reader.height])
    return out


def _normalized_distance(ours: np.ndarray, ours_score: np.ndarray, ref: np.ndarray, shape) -> float:
    """Median joint distance over joints inside the frame, divided by the reference box diagonal."""
    h, w = shape
    inside = (ref[:, 0] >= 0) & (ref[:, 0] < w) & (ref[:, 1] >= 0) & (ref[:, 1] < h) & (ours_score > 0)
    if inside.sum() < 3:
        return np.inf
    diag = np.linalg.norm(ref[inside].max(0) - ref[inside].min(0))
    return float(np.median(np.linalg.norm(ours[inside] - ref[inside], axis=1)) / max(diag, 1.0))


def test_landmarks_agree_with_the_legacy_solution(extracted, legacy):
    poses = extracted[0]
    distances = []
    for t, ref in enumerate(legacy):
        people = np.where(poses.present[:, t])[0]
        if ref is None or not len(people):
            continue
        distances.append(min(_normalized_distance(poses.keypoint[m, t], poses.keypoint_score[m, t], ref,
                                                  poses.img_shape) for m in people))
    distances = np.array(distances)
    assert len(distances) >= 100
    print(f"median normalized joint distance to the legacy solution: {np.median(distances):.4f} "
          f"over {len(distances)} frames")
    assert np.median(distances) < 0.05
    assert np.mean(distances < 0.1) > 0.6


#: frames 187-241 show a parked bicycle and nobody (/work/notes/shots/pose_speed/bikes_parked_bicycle_*.png); the
#: legacy solution and the Tasks PoseLandmarker report a "person" on it for some 27 frames, the landmark model's
#: presence hovering about its 0.5 threshold there: those frames are no people to find
PARKED_BICYCLE = (187, 242)


def test_people_found_in_at_least_the_frames_the_legacy_solution_finds(extracted, legacy):
    poses = extracted[0]
    people = np.ones(poses.num_frames, bool)
    people[slice(*PARKED_BICYCLE)] = False
    legacy_frames = np.array([ref is not None for ref in legacy]) & people
    ours = (poses.people_per_frame() > 0) & people
    assert ours.sum() >= legacy_frames.sum()
    assert (ours & legacy_frames).sum() >= 0.97 * legacy_frames.sum()


def _cyclist_frames(centres_per_frame) -> np.ndarray:
    """Frames of the cyclist's shot with a pose on the right half (the cyclist; the false positives on
    the taxi's windscreen while cars hide him are on the left half)."""
    lo, hi = CYCLIST_SHOT
    return np.array([any(c[0] > 350 for c in centres_per_frame[t]) for t in range(lo, hi)])


def test_cyclist_is_found_as_often_as_by_the_legacy_solution_as_one_dominant_track(extracted, legacy):
    poses = extracted[0]
    assert poses.num_frames == 250 and poses.img_shape == (272, 640) and poses.fps == 25.0
    centres = [[poses.keypoint[m, t].mean(0) for m in np.where(poses.present[:, t])[0]] for t in range(250)]
    ours = _cyclist_frames(centres)
    theirs = _cyclist_frames([[] if ref is None else [ref.mean(0)] for ref in legacy])
    assert theirs.sum() >= 35
    assert ours.sum() >= theirs.sum()
    lo, hi = CYCLIST_SHOT
    counts = poses.frames_per_track()
    longest = int(np.argmax(counts))
    assert (poses.present[longest, lo:hi] & ours).sum() >= 0.9 * ours.sum()  # he keeps one id
    assert counts[longest] > np.sort(counts)[-2]  # the longest track of the whole video
    in_shot = poses.present[:, lo:hi].sum(axis=1)
    assert in_shot[longest] >= 3 * np.delete(in_shot, longest).max(initial=0)  # dominant in his shot


def test_keypoints_are_inside_the_frame_and_absent_people_are_zeros(extracted):
    poses = extracted[0]
    kp = poses.keypoint[poses.keypoint_score > 0]
    assert (kp[:, 0] >= 0).all() and (kp[:, 0] <= 639).all() and (kp[:, 1] >= 0).all() and (kp[:, 1] <= 271).all()
    assert (poses.keypoint[~poses.present] == 0).all() and (poses.keypoint_score[~poses.present] == 0).all()


def test_progress_is_monotonic_and_complete(extracted):
    calls = extracted[1]
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (250, 250) and all(t == 250 for _, t in calls)
    from core_model.pose import worker_pool

    warm = worker_pool.shared_pool()  # the spawned worker waits, warm, for a next video; nobody else lingers
    assert {p.pid for p in multiprocessing.active_children()} <= set(warm.pids() if warm else [])


def test_result_is_cached_and_reused_per_settings(bikes_video, extracted, module_cache, monkeypatch):
    monkeypatch.setenv("EPAM_CACHE_DIR", str(module_cache))
    poses = extracted[0]
    cached = cached_poses(bikes_video)
    assert cached is not None and list((module_cache / "poses").glob("*.npz"))
    np.testing.assert_array_equal(cached.keypoint, poses.keypoint)
    started = time.perf_counter()
    again = extract_poses(bikes_video)
    assert time.perf_counter() - started < 3.0  # a re-extraction takes ~10 s
    np.testing.assert_array_equal(again.keypoint_score, poses.keypoint_score)
    assert cached_poses(bikes_video, max_people=2) is None  # other settings, other cache entry


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_cancel_stops_workers_promptly(bikes_video):
    """All workers in spawned processes (as the GUI runs it): they stop within a moment of cancel."""
    token = CancelToken()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done >= 16:
            token.cancel()

    started = time.perf_counter()
    with pytest.raises(Cancelled):
        extract_poses(bikes_video, workers=2, progress=progress, cancel=token, use_cache=False,
                      local_worker=False)
    assert time.perf_counter() - started < 20
    assert max(seen) < 120
    from core_model.pose import worker_pool

    # workers that all dropped the job within a moment are kept warm for the next one (idle); nobody else lingers
    warm = worker_pool.shared_pool()
    assert {p.pid for p in multiprocessing.active_children()} <= set(warm.pids() if warm else [])
    if warm is not None and sys.platform.startswith("linux"):  # and they are idle: they work no more
        before = {pid: _cpu_seconds(pid) for pid in warm.pids()}
        time.sleep(1.0)
        assert all(_cpu_seconds(pid) - spent < 0.3 for pid, spent in before.items())
    assert cached_poses(bikes_video) is None


def test_cli_extract_writes_pose_file_and_json_summary(bikes_video, tmp_path, capsys):
    from core_model.cli import main
    from core_model.pose.format import Poses
    from core_model.video import write_clip

    clip = tmp_path / "cyclist.mp4"
    assert write_clip(bikes_video, 100, 124, clip) == 24
    out = tmp_path / "out" / "cyclist.poses.npz"
    assert main(["extract", str(clip), "-o", str(out), "--workers", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["frames"] == 24 and summary["tracks"] >= 1 and summary["frames_per_second"] > 0
    assert summary["people_per_frame"].get("1", 0) >= 20 and summary["cached"] is False
    poses = Poses.load(out)
    assert poses.num_frames == 24 and poses.people_per_frame().max() >= 1
    assert main(["extract", str(tmp_path / "missing.mp4")]) == 1
    assert "error" in capsys.readouterr().err



def test_range_border_inside_the_cyclist_shot_keeps_his_track(bikes_video, tmp_path):
    """Two chunks split a clip mid-shot: the first continues past its border with tracking history,
    and tracking in the parent links the cyclist across the border into one track."""
    import multiprocessing as mp

    from core_model.pose.extractor import create_extractor
    from core_model.pose.parallel import _run_one_range
    from core_model.pose.scheduling import RangeTable
    from core_model.pose.tracking import track_frames
    from core_model.video import VideoReader, write_clip

    clip = tmp_path / "cyclist.mp4"
    write_clip(bikes_video, 104, 137, clip)
    table = RangeTable(mp.get_context("spawn"), 33, chunk_frames=16)
    first, second = table.take(), table.take()
    assert table.ranges() == [(0, 16), (16, 33)]
    base, continued = {}, {}

    def emit(batch, _advanced, continuation):
        for idx, kp, sc in batch:
            (continued if continuation else base)[idx] = (kp, sc)

    with VideoReader(clip) as reader:
        for slot in (second, first):  # the later range first: order must not matter
            with create_extractor("mediapipe", max_people=4) as extractor:
                _run_one_range(reader, reader.timestamps, extractor, table, slot, table.start(slot), emit,
                               lambda: False, overlap=10)
        timestamps, shape, fps = reader.timestamps, (reader.height, reader.width), reader.fps
    assert sorted(base) == list(range(33)) and sorted(continued) == list(range(16, 26))
    base.update(continued)
    poses = track_frames([base[i] for i in range(33)], timestamps, shape, fps)
    longest = int(np.argmax(poses.frames_per_track()))
    assert poses.present[longest].all()
