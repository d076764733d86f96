"""Two tracks that swapped people where the people met (each track going on with the other's body) are swapped back
when each one's colours after the meeting are the other's before."""
from __future__ import annotations

from core_model.pose.crossings import swap_back

from .test_pose_reid import BLUE, GREEN, RED
from .test_pose_tracking import _person


def _walker(frames, x0, speed, look, y=300, h=100):
    return [(t, *_person(x0 + speed * t, y, h), look) for t in frames]


def _crossing():
    """Red walks right from x=100, blue left from x=500 (a little higher and smaller: further back); they meet at
    frame 40 (x=300)."""
    red = _walker(range(80), 100, 5, RED)
    blue = _walker(range(80), 500, -5, BLUE, y=290, h=80)
    return red, blue


def _looks(entries):
    return {id(e[3]) for e in entries}


def test_tracks_that_swapped_people_where_they_met_are_swapped_back():
    red, blue = _crossing()
    swapped = {0: red[:41] + blue[41:], 1: blue[:41] + red[41:]}  # frame 41: each track took the other's body
    out = swap_back(swapped)
    assert [e[0] for e in out[0]] == list(range(80)) and [e[0] for e in out[1]] == list(range(80))
    assert _looks(out[0]) == {id(RED)} and _looks(out[1]) == {id(BLUE)}


def test_tracks_that_kept_their_people_or_never_met_are_left_alone(monkeypatch):
    red, blue = _crossing()
    kept = {0: red, 1: blue}
    assert swap_back(kept) == kept
    far_blue = _walker(range(80), 500, -5, BLUE, y=500, h=80)  # a swap of colours, but they never meet
    apart = {0: red[:41] + far_blue[41:], 1: far_blue[:41] + red[41:]}
    assert swap_back(apart) == apart
    from core_model.pose import crossings

    monkeypatch.setattr(crossings, "SWAP_MARGIN", None)
    swapped = {0: red[:41] + blue[41:], 1: blue[:41] + red[41:]}
    assert swap_back(swapped) == swapped
