"""Pose chunks of short videos: a clip of 5 s up to two chunks' length is cut in two, so two cores work on it.

The first chunk's worker goes on into the second chunk (its continuation, ~1 s), so the cut lies before the
middle; the plan still depends on the video only (frame count and key frames), never on the workers.
benchmarks/short_split_poses.py compares the poses of clips cut in two with one chunk's.
"""
from __future__ import annotations

from core_model.pose.parallel import default_workers
from core_model.pose.scheduling import MIN_CHUNK_FRAMES, SHORT_SPLIT_FRAMES, plan_chunks


def test_a_six_second_clip_is_cut_in_two_before_its_middle():
    assert plan_chunks(150) == [(0, 60), (60, 150)]
    assert default_workers(len(plan_chunks(150)), 2) == 2  # both cores of a laptop work on it


def test_the_cut_moves_to_a_key_frame_near_it():
    assert plan_chunks(150, key_frames=[0, 55, 140]) == [(0, 55), (55, 150)]
    assert plan_chunks(150, key_frames=[0, 40, 140]) == [(0, 60), (60, 150)]  # 40 is too far from 60


def test_clips_under_five_seconds_stay_one_chunk_and_longer_videos_keep_their_chunks():
    assert SHORT_SPLIT_FRAMES == 125 and MIN_CHUNK_FRAMES == 120
    assert plan_chunks(100) == [(0, 100)]  # the 4-s close-up: one worker (cut in two it was no quicker)
    assert plan_chunks(124) == [(0, 124)]
    assert plan_chunks(125) == [(0, 50), (50, 125)]
    assert plan_chunks(239) == [(0, 96), (96, 239)]
    assert plan_chunks(240) == [(0, 120), (120, 240)]
    assert plan_chunks(250) == [(0, 120), (120, 250)]  # the demo video, as before
    assert plan_chunks(100, 80) == [(0, 100)]  # a chunk length asked for (tests): the plain rule


def test_videos_of_a_few_chunks_are_cut_into_a_power_of_two_of_equal_chunks():
    assert plan_chunks(400) == [(0, 200), (200, 400)]  # a 16-s classroom: two workers, 200 frames each
    assert [b - a for a, b in plan_chunks(700)] == [175] * 4
    assert len(plan_chunks(1000)) == 8 and len(plan_chunks(3000)) == 16
    assert plan_chunks(300) == [(0, 150), (150, 300)]  # not 120 + 120 + 60
    assert plan_chunks(299) == [(0, 120), (120, 299)]
    for n in (360, 480, 1000, 2000, 3000, 3839):  # 2 or 4 workers get as many frames each
        sizes = [b - a for a, b in plan_chunks(n)]
        assert len(sizes) & (len(sizes) - 1) == 0 and max(sizes) - min(sizes) <= len(sizes), (n, sizes)
    assert len(plan_chunks(90000)) == 32  # long videos: the plain rule
