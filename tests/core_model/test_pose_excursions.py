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


def _walker(frames, h=100.0, *, behind=(), legs_hidden=()):
    """Red walking right 2 px a frame; on ``behind`` frames the skeleton is on a smaller person 25 px higher (hidden
    behind red, 70 px), on ``legs_hidden`` frames red's knees and ankles are not seen (the box shrinks, the torso
    stays)."""
    out = []
    for t in frames:
        if t in behind:
            kp, sc = _person(200 + 2 * t, 275, 70)
        else:
            kp, sc = _person(200 + 2 * t, 300, h)
            if t in legs_hidden:
                sc = sc.copy()
                sc[13:] = 0.0
        out.append((t, kp, sc, RED))
    return out


def test_a_blip_off_the_tracks_path_is_dropped():
    """Two frames of red's track on the person behind red (torso 0.25 heights off red's path) are left out; the
    track keeps every other frame and its id."""
    from core_model.pose.excursions import drop_blips

    out = drop_blips({3: _walker(range(30), behind={12, 13})})
    assert list(out) == [3]
    assert _frames_of(out, 3) == [t for t in range(30) if t not in (12, 13)]


def test_hidden_legs_and_walking_on_are_no_blips(monkeypatch):
    """A fit whose legs are hidden for two frames moves its box, not its torso: nothing is dropped. Nor when red
    really moves on (the torso after the run is where it went), nor with BLIP None."""
    from core_model.pose import excursions

    legs = {0: _walker(range(30), legs_hidden={12, 13})}
    assert excursions.drop_blips(legs) == legs
    moves_on = {0: _walker(range(14)) + [(t, *_person(200 + 2 * t, 275, 100), RED) for t in range(14, 30)]}
    assert excursions.drop_blips(moves_on) == moves_on
    monkeypatch.setattr(excursions, "BLIP", None)
    blip = {0: _walker(range(30), behind={12, 13})}
    assert excursions.drop_blips(blip) == blip


def test_a_track_begun_or_ended_on_the_person_behind_loses_those_frames(monkeypatch):
    """A track whose first two (last two) frames are on the person behind red, then (before that) red walking: those
    frames are left out; a track begun and ended on red keeps all; without END_BLIPS nothing is dropped."""
    from core_model.pose import excursions

    begun = {0: _walker(range(20), behind={0, 1})}
    assert _frames_of(excursions.drop_blips(begun), 0) == list(range(2, 20))
    ended = {0: _walker(range(20), behind={18, 19})}
    assert _frames_of(excursions.drop_blips(ended), 0) == list(range(18))
    plain = {0: _walker(range(20))}
    assert excursions.drop_blips(plain) == plain
    monkeypatch.setattr(excursions, "END_BLIPS", False)
    assert excursions.drop_blips(begun) == begun
