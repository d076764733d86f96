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
