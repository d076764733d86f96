"""A track's short excursion onto somebody else (one skeleton found for two overlapping people, fitted on the one
behind for a few frames) is given to that person's track, which is missing over it."""
from __future__ import annotations

from core_model.pose.excursions import return_excursions

from .test_pose_reid import BLUE, RED
from .test_pose_tracking import _person


def _at(frames, cx, cy, h, look):
    return [(t, *_person(cx, cy, h), look) for t in frames]


def _frames_of(per_track, tid):
    return [e[0] for e in per_track[tid]]


def _unchanged(per_track) -> bool:
    out = return_excursions(per_track)
    return {t: _frames_of(out, t) for t in out} == {t: _frames_of(per_track, t) for t in per_track}


def test_a_run_on_the_person_behind_goes_back_to_their_track():
    """Red stands in front (100 px), blue behind with their head and shoulders above red's (60 px). Over frames
    20-25 red's track has the only skeleton, on blue; blue's track is missing from 15 to 26."""
    red = _at(range(20), 300, 300, 100, RED) + _at(range(20, 26), 300, 240, 60, RED) + _at(range(26, 41), 300, 300,
                                                                                           100, RED)
    blue = _at(range(15), 300, 240, 60, BLUE) + _at(range(27, 41), 300, 240, 60, BLUE)
    out = return_excursions({0: red, 1: blue})
    assert _frames_of(out, 0) == [*range(20), *range(26, 41)]
    assert _frames_of(out, 1) == [*range(15), *range(20, 26), *range(27, 41)]


def test_a_person_who_moves_on_stays():
    """Red moving on for good (no way back) is no excursion."""
    walks_on = _at(range(20), 300, 300, 100, RED) + _at(range(20, 41), 300, 240, 100, RED)
    blue = _at(range(15), 300, 240, 60, BLUE) + _at(range(27, 41), 300, 240, 60, BLUE)
    assert _unchanged({0: walks_on, 1: blue})


def test_a_run_nobody_misses_is_cut_out_of_the_track():
    """Where the person of the run is already seen there, or their track was last seen long before, or elsewhere,
    nobody gets the run; it is cut out of red's track as a tracklet of its own (a body 0.6 heights away for six
    frames and back is not red's), and the other track is left as it was."""
    red = _at(range(20), 300, 300, 100, RED) + _at(range(20, 26), 300, 240, 60, RED) + _at(range(26, 41), 300, 300,
                                                                                           100, RED)
    seen_all_along = _at(range(41), 300, 240, 60, BLUE)
    long_gone = _at(range(3), 300, 240, 60, BLUE) + _at(range(27, 41), 300, 240, 60, BLUE)
    elsewhere = _at(range(15), 600, 240, 60, BLUE) + _at(range(27, 41), 600, 240, 60, BLUE)
    for blue in (seen_all_along, long_gone, elsewhere):
        out = return_excursions({0: red, 1: blue})
        assert sorted(out) == [0, 1, 2]
        assert _frames_of(out, 0) == [*range(20), *range(26, 41)]
        assert _frames_of(out, 1) == _frames_of({1: blue}, 1)
        assert _frames_of(out, 2) == [*range(20, 26)]
        assert all(e[1][0, 1] < 250 for e in out[2])  # the run's own skeletons


def test_without_cutting_a_run_nobody_misses_stays(monkeypatch):
    from core_model.pose import excursions

    monkeypatch.setattr(excursions, "EXCURSION_CUT", False)
    red = _at(range(20), 300, 300, 100, RED) + _at(range(20, 26), 300, 240, 60, RED) + _at(range(26, 41), 300, 300,
                                                                                           100, RED)
    assert _unchanged({0: red, 1: _at(range(41), 300, 240, 60, BLUE)})
