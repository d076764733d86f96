"""Pose extraction is a function of the video and the settings: not of the worker count or machine load."""
from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

from core_model.pose.parallel import extract_frame_detections
from core_model.pose.scheduling import chunk_length, plan_chunks


def test_chunks_depend_on_the_video_only():
    keys = [0, 30, 76, 137, 187, 242]
    # 80 -> key 76; 156: no key within 16 frames; 236 -> key 242 leaves a short tail, which joins
    assert plan_chunks(250, 80, keys) == [(0, 76), (76, 156), (156, 250)]
    assert plan_chunks(250, 80) == [(0, 80), (80, 160), (160, 250)]
    assert plan_chunks(0, 80) == []
    assert plan_chunks(33, 16) == [(0, 16), (16, 33)]
    assert chunk_length(250) == 120 and chunk_length(90000) == 2813
    assert plan_chunks(250) == [(0, 120), (120, 250)]  # the demo video: two workers share it
    chunks = plan_chunks(90000, key_frames=np.arange(0, 90000, 250))
    assert chunks[0][0] == 0 and chunks[-1][1] == 90000 and all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))


def _burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10000))


def _same(a, b) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and np.array_equal(x[0], y[0])
                                      and np.array_equal(x[1], y[1])) for x, y in zip(a, b))


@pytest.mark.slow
def test_one_and_two_workers_and_a_busy_machine_give_the_same_poses(bikes_video):
    one, info = extract_frame_detections(str(bikes_video), options={"max_people": 4}, workers=1, chunk_frames=80)
    two, _ = extract_frame_detections(str(bikes_video), options={"max_people": 4}, workers=2, chunk_frames=80,
                                      local_worker=False)
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    burners = [ctx.Process(target=_burn, args=(stop,), daemon=True) for _ in range(2)]
    for b in burners:
        b.start()
    try:
        busy, _ = extract_frame_detections(str(bikes_video), options={"max_people": 4}, workers=2,
                                           chunk_frames=80)
    finally:
        stop.set()
        for b in burners:
            b.join(5)
    assert len(one) == info.frame_count == 250
    assert sum(len(f[0]) for f in one if f is not None) > 100  # people are found (the cyclist: 137 frames)
    assert _same(one, two)
    assert _same(one, busy)
