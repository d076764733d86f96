"""Crowd tracking's second stage repairs what the online tracker decided frame by frame: a track continued after a
person was unseen for a while is cut there and linked again by stitching with the whole video known, and a run of
a track in somebody else's colours goes back to that person's track."""
from __future__ import annotations

import numpy as np

from core_model.pose.appearance import distance
from core_model.pose.tracking import _stitched
from core_model.pose.tracklets import merge_fragments

from .test_pose_reid import BLUE, RED
from .test_pose_tracking import _person


def _mix(a: np.ndarray, b: np.ndarray, share: float) -> np.ndarray:
    look = (1 - share) * a + share * b
    half = len(look) // 2
    return np.concatenate([look[:half] / look[:half].sum(), look[half:] / look[half:].sum()]).astype(np.float32)


def _owner_of(joined: dict, frame: int, x: float) -> int:
    """The track id with a detection at ``frame`` centred near ``x``."""
    for tid, entries in joined.items():
        for e in entries:
            if e[0] == frame and abs(float(e[1][:, 0].mean()) - x) < 2:
                return tid
    raise AssertionError(f"nobody at x={x} in frame {frame}")


def test_a_track_continued_on_somebody_else_after_a_gap_is_linked_again_to_who_fits_best():
    """Two people in alike colours: the first leaves at frame 19; the second is hidden over frames 30-34 and the
    online tracker continued the first one's track on them at frame 35 (within its reach of one second). Cut at
    the gap, the piece is stitched to the second person's own track (just before it, where it was)."""
    first, second = _mix(BLUE, RED, 0.2), BLUE
    assert 0.15 < distance(first, second) < 0.3  # too alike for the cut at a colour change
    walk_a = {t: (150 + 3 * t, first) for t in range(20)}
    walk_b = {t: (400 + t, second) for t in list(range(30)) + list(range(35, 61))}
    per_track = {0: [(t, *_person(x, 300, 100), look) for t, (x, look) in walk_a.items()]
                 + [(t, *_person(walk_b[t][0], 300, 100), second) for t in range(35, 61)],
                 1: [(t, *_person(walk_b[t][0], 300, 100), second) for t in range(30)]}
    joined = _stitched(per_track, 150, 25)
    assert _owner_of(joined, 10, walk_b[10][0]) == _owner_of(joined, 40, walk_b[40][0])
    assert _owner_of(joined, 10, walk_a[10][0]) != _owner_of(joined, 40, walk_b[40][0])


def test_a_few_frames_of_a_track_in_another_persons_colours_go_back_to_them():
    """Red and blue walk side by side, overlapping; over frames 20-25 only blue is found and the tracker gave that
    skeleton to red's track. Blue's track, missing there, gets those frames back: every detection of a track has
    its person's colours."""
    per_track = {0: [], 1: []}
    for t in range(41):
        if 20 <= t <= 25:  # only blue is found; the tracker continued red's track on blue
            per_track[0].append((t, *_person(212 + 2 * t, 300, 100), BLUE))
            continue
        per_track[0].append((t, *_person(200 + 2 * t, 300, 100), RED))
        per_track[1].append((t, *_person(212 + 2 * t, 300, 100), BLUE))
    joined = _stitched(per_track, 150, 25)
    assert len(joined) == 2
    for entries in joined.values():
        assert len({id(e[3]) for e in entries}) == 1
    assert sorted(len(entries) for entries in joined.values()) == [35, 41]


def _upper_half(x: float, y: float, h: float):
    """A pose ``h`` pixels tall whose hips are its lowest confident joints (knees and ankles hidden)."""
    keypoint, score = _person(x, y, h)
    score[13:] = 0.05
    return keypoint, score


def test_a_part_with_its_head_above_a_tracks_head_is_somebody_behind_and_is_not_merged_into_it():
    """A person in front (120 px) is not found over frames 20-31; there the detector fits only the upper half of a
    person standing behind them (110 px, their head 30 px higher), in the colours of the one in front (who covers
    their legs). The piece touches the front person's track on both sides, but a part of a body lies within that
    body: it stays apart. The same piece with its head on the front person's head (their own upper half, legs
    hidden) is merged."""
    front = {t: (t, *_person(300 + t, 300, 120), RED) for t in range(50) if not 20 <= t < 32}
    top = 300 - 0.48 * 120  # the front person's head

    def merged(head: float) -> bool:
        piece = [(t, *_upper_half(300 + t, head + 0.48 * 110, 110), _mix(RED, BLUE, 0.3)) for t in range(20, 32)]
        out = merge_fragments({0: list(front.values()), 1: piece})
        return 1 not in out and len(out[0]) == 50

    assert merged(top)  # the front person's own upper half
    assert not merged(top - 30)  # somebody behind them


def test_a_track_that_ends_where_a_run_was_given_back_is_continued_by_its_persons_next_track():
    """Two people of somewhat alike colours (60 px) cross at frame 40: the first then goes behind something until
    frame 75, the second, unseen over frames 37-40, steps out of the first and the tracker continued the first one's
    track on them (41-70). Their run goes back to the second person's track; the first one's track then ends at
    frame 40, where the first person's next track (from 75, out of reach of the run's end) continues it."""
    first, second = BLUE, _mix(BLUE, RED, 0.5)
    assert 0.35 < distance(first, second) < 0.5  # too alike for the cut at a colour change, not for the run
    per_track = {0: [(t, *_person(180 + 3 * t, 300, 60), first) for t in range(41)]
                 + [(t, *_person(420 - 3 * t, 300, 60), second) for t in range(41, 71)],
                 1: [(t, *_person(420 - 3 * t, 300, 60), second) for t in range(37)],
                 2: [(t, *_person(180 + 3 * t, 300, 60), first) for t in range(75, 100)]}
    joined = _stitched(per_track, 150, 25)
    assert len(joined) == 2
    assert _owner_of(joined, 20, 240) == _owner_of(joined, 90, 450)
    assert _owner_of(joined, 20, 360) == _owner_of(joined, 60, 240)


def test_two_tracks_that_exchanged_people_for_a_few_frames_while_both_were_seen_get_them_back():
    """Red walks in front of blue, who is half hidden behind them; over frames 20-24 the tracker exchanged the two
    ids. Red's track then holds blue's body in blue's colours, blue's track red's body in colours mixed by the
    overlap (nearer red's than blue's): the entries go back, every entry of a track on one person."""
    half = _mix(RED, BLUE, 0.4)
    assert distance(half, RED) < distance(half, BLUE)
    red = {t: (t, *_person(300 + t, 300, 100), RED) for t in range(50)}
    blue = {t: (t, *_person(310 + t, 282, 90), BLUE) for t in range(50)}
    per_track = {0: [], 1: []}
    for t in range(50):
        if 20 <= t < 25:
            per_track[0].append(blue[t])
            per_track[1].append((t, *red[t][1:3], half))
        else:
            per_track[0].append(red[t])
            per_track[1].append(blue[t])
    joined = _stitched(per_track, 150, 25)
    assert len(joined) == 2
    for entries in joined.values():
        assert len({round(float(e[1][:, 1].mean())) for e in entries}) == 1  # one person's height in the room


def test_a_persons_upper_half_seen_after_their_track_ends_joins_it_when_the_colours_agree():
    """A person walks behind a desk at frame 40: from then on only their upper half is found, as a new track. Its
    colours agree with the person's as closely as a whole body's would: it joins their track (before, a part seen
    on one side of a track only was never merged). A part in colours only roughly alike stays apart."""
    whole = [(t, *_person(200 + 2 * t, 300, 100), BLUE) for t in range(40)]

    def merged(look) -> bool:
        half = [(t, *_upper_half(200 + 2 * t, 300, 100), look) for t in range(41, 80)]
        return len(merge_fragments({0: whole, 1: half})) == 1

    assert distance(BLUE, _mix(BLUE, RED, 0.3)) < 0.35 < distance(BLUE, _mix(BLUE, RED, 0.6)) < 0.55
    assert merged(_mix(BLUE, RED, 0.3))
    assert not merged(_mix(BLUE, RED, 0.6))


def _slide(jump: float, at: int, frames: int = 100) -> list:
    """A track on a red person walking right, whose fit slides at entry ``at`` onto somebody in front (colours 0.56
    away), the body's box jumping by ``jump`` of its size there."""
    entries = []
    for t in range(frames):
        x = 100 + t + (jump * 105 if t >= at else 0)  # _person(h=100)'s box diagonal is about 105 px
        kp, sc = _person(x, 300)
        entries.append((t, kp, sc, _mix(RED, BLUE, 0.7) if t >= at else RED))
    return entries


def test_a_track_whose_body_jumps_where_its_colours_change_is_cut_there():
    from core_model.pose.reid import split_at_colour_changes

    def cuts(entries):
        return [(p[0][0], p[-1][0]) for p in split_at_colour_changes(entries)]

    assert cuts(_slide(0.2, 50)) == [(0, 49), (50, 99)]
    # the colour change alone proposes the same cut (its pieces are joined again where nobody fits them better),
    # and so it does near the end of the track
    assert cuts(_slide(0.0, 50)) == [(0, 49), (50, 99)]
    assert cuts(_slide(0.2, 85)) == [(0, 84), (85, 99)]


def test_a_run_in_another_tracks_colours_goes_only_to_a_track_long_enough_to_know_them():
    """Blue's track has six frames (30-35) in red, where a red track is just about to start (frame 37, beside it).
    A red track of 30 detections gets them; one of 12 does not (its median colours are those of a moment: a person
    fitted half hidden looks like the same person's own half-hidden run)."""
    from core_model.pose.rehome import rehome_runs

    def moved(red_frames: int) -> bool:
        blue = [(t, *_person(200 + 2 * t, 300, 100), RED if 30 <= t <= 35 else BLUE) for t in range(60)]
        red = [(t, *_person(212 + 2 * t, 300, 100), RED) for t in range(37, 37 + red_frames)]
        out = rehome_runs({0: blue, 1: red})
        return len(out[1]) == red_frames + 6

    assert moved(30)
    assert not moved(12)


def test_a_whole_body_in_mixed_colours_filling_a_hole_of_a_track_on_both_sides_is_merged():
    """A person (100 px) walking behind somebody is fitted whole but in mixed colours (0.35-0.55 from their own)
    over frames 20-34, as a track of its own; their track is missing there and goes on where the piece left off.
    Touching the track on both sides, the piece is merged; seen after the track's end only, it is not."""
    mixed = _mix(BLUE, RED, 0.6)
    assert 0.35 < distance(BLUE, mixed) < 0.55
    track = [(t, *_person(200 + 2 * t, 300, 100), BLUE) for t in range(60) if not 20 <= t < 35]
    piece = [(t, *_person(200 + 2 * t, 300, 100), mixed) for t in range(20, 35)]
    assert len(merge_fragments({0: track, 1: piece})) == 1
    ends = [e for e in track if e[0] < 20]
    assert len(merge_fragments({0: ends, 1: piece})) == 2


def test_without_merge_both_a_whole_body_in_mixed_colours_stays_apart(monkeypatch):
    from core_model.pose import tracklets

    monkeypatch.setattr(tracklets, "MERGE_BOTH", False)
    track = [(t, *_person(200 + 2 * t, 300, 100), BLUE) for t in range(60) if not 20 <= t < 35]
    piece = [(t, *_person(200 + 2 * t, 300, 100), _mix(BLUE, RED, 0.6)) for t in range(20, 35)]
    assert len(merge_fragments({0: track, 1: piece})) == 2
