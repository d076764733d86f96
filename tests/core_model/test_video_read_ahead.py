"""Decoding ahead in a thread (``VideoReader.iter_frames(ahead=N)``): the same frames, and the thread ends
with the loop, early exits and errors included."""
from __future__ import annotations

import threading

import numpy as np
import pytest


def _ahead_threads() -> int:
    return sum(t.name == "epam-decode-ahead" and t.is_alive() for t in threading.enumerate())


def test_frames_read_ahead_equal_frames_read_in_line(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        plain = list(reader.iter_frames(70, 90))
        ahead = list(reader.iter_frames(70, 90, ahead=3))
    assert [i for i, _ in ahead] == list(range(70, 90))
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(plain, ahead))
    assert _ahead_threads() == 0


def test_leaving_the_loop_early_stops_the_decoding_thread(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        for idx, _frame in reader.iter_frames(0, ahead=4):
            if idx == 5:
                break
        assert _ahead_threads() == 0
        with pytest.raises(RuntimeError):
            for idx, _frame in reader.iter_frames(0, ahead=2):
                if idx == 3:
                    raise RuntimeError("the consumer failed")
        assert _ahead_threads() == 0
