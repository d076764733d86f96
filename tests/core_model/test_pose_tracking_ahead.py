"""Crowd tracking while the pose workers run (TrackingAhead): fed the final frames in pieces, it gives exactly
track_frames's poses on the whole lists; stopped (the extraction failed), its thread ends."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np

from core_model.pose.appearance import SIZE
from core_model.pose.tracking import track_frames
from core_model.pose.tracking_ahead import TrackingAhead

SETTINGS = {"max_gap_seconds": 1.0, "crowd": True, "reid_seconds": 6.0}


def _walkers(frames: int = 60, people: int = 5, seed: int = 0):
    """Detections of people walking across a 768x576 frame (some frames missing), with colour histograms."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 40, size=(17, 2)).astype(np.float32) + np.float32([0, 0])
    starts = rng.uniform([50, 100], [600, 400], size=(people, 2)).astype(np.float32)
    speeds = rng.uniform(-3, 3, size=(people, 2)).astype(np.float32)
    colours = rng.dirichlet(np.ones(SIZE), size=people).astype(np.float32)
    dets, looks = [], []
    for t in range(frames):
        here = [p for p in range(people) if (t + 7 * p) % 23 != 0]  # each one unseen now and then
        if t % 17 == 5:
            dets.append(None)
            looks.append(None)
            continue
        kp = np.stack([base * (1 + 0.2 * p) + starts[p] + speeds[p] * t for p in here]).astype(np.float32)
        sc = np.full((len(here), 17), 0.9, np.float32)
        dets.append((kp, sc))
        looks.append([colours[p] for p in here])
    info = SimpleNamespace(frame_count=frames, timestamps=np.arange(frames) / 25.0, img_shape=(576, 768), fps=25.0,
                           appearances=looks)
    return dets, info


def test_fed_in_pieces_it_gives_track_frames_poses():
    frames, info = _walkers()
    expected = track_frames(frames, info.timestamps, info.img_shape, info.fps, appearances=info.appearances,
                            **SETTINGS)
    growing = [None] * len(frames)
    looks = [None] * len(frames)
    info_now = SimpleNamespace(**{**vars(info), "appearances": looks})
    ahead = TrackingAhead(**SETTINGS)
    for upto in (5, 6, 30, 31, 59, 60):
        for t in range(upto):
            growing[t], looks[t] = frames[t], info.appearances[t]
        ahead.update(growing, upto, info_now)
    poses = ahead.poses({"detect": "tiles"})
    assert poses.meta["detect"] == "tiles" and poses.num_people == expected.num_people > 3
    assert np.array_equal(poses.keypoint, expected.keypoint)
    assert np.array_equal(poses.keypoint_score, expected.keypoint_score)


def test_stopped_midway_its_thread_ends():
    frames, info = _walkers()
    ahead = TrackingAhead(**SETTINGS)
    ahead.update(frames, 10, info)
    threads = [t for t in threading.enumerate() if t.name == "epam-tracking-ahead"]
    assert threads
    ahead.stop()
    assert not any(t.is_alive() for t in threads)
    assert TrackingAhead(**SETTINGS).poses() is None  # never fed: nothing tracked
