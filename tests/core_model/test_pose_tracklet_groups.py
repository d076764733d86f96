"""Joining a person's tracklets once the whole video is known: groups of tracklets that are never seen at once,
joined cheapest first (a tracklet can join between two of a person's own), and the pieces of a track cut where its
colours changed joined again unless each fits somebody better."""
from __future__ import annotations

import numpy as np

from core_model.pose.appearance import distance
from core_model.pose.reid import split_at_colour_changes
from core_model.pose.tracklet_groups import join_returning, stitch_tracklets
from core_model.pose.tracking import _stitched

from .test_pose_reid import BLUE, GREEN, RED
from .test_pose_track_repair import _mix
from .test_pose_tracking import _person


def _walk(frames, x0: float, speed: float, look, y: float = 300, h: float = 100) -> list:
    return [(t, *_person(x0 + speed * t, y, h), look) for t in frames]


def test_a_tracklet_seen_between_two_of_a_person_joins_them():
    """Blue is seen over frames 0-29, for a moment at 45-54 half hidden (mixed colours), and from 70 on. The first
    and last tracklets fit each other best; chaining tracklets one after the other linked those two and left the
    moment alone (a third id). As groups, the moment joins between them: one id."""
    mixed = _mix(BLUE, RED, 0.25)
    assert distance(BLUE, mixed) < 0.3  # within the stitching gate, but further than blue from blue
    per_track = {0: _walk(range(30), 100, 2, BLUE), 1: _walk(range(45, 55), 100, 2, mixed),
                 2: _walk(range(70, 100), 100, 2, BLUE), 3: _walk(range(100), 600, -1, GREEN)}
    root = stitch_tracklets(per_track, 150)
    assert root[0] == root[1] == root[2] != root[3]


def test_a_tracklet_seen_while_a_group_is_seen_never_joins_it():
    per_track = {0: _walk(range(60), 100, 2, BLUE), 1: _walk(range(20, 40), 400, 0, BLUE)}
    root = stitch_tracklets(per_track, 150)
    assert root[0] != root[1]  # two people in alike colours at once


def test_a_short_run_in_other_colours_is_cut_at_its_own_edges():
    """A red person's track with six frames of somebody in blue inside: the windows' medians change over a wider
    span than the run; the cuts fall on the run's own first and last frames."""
    entries = [(t, *_person(200 + 2 * t, 300, 100), BLUE if 20 <= t <= 25 else RED) for t in range(41)]
    pieces = split_at_colour_changes(entries)
    assert [(p[0][0], p[-1][0]) for p in pieces] == [(0, 19), (20, 25), (26, 40)]


def test_a_track_whose_colours_change_with_nobody_to_fit_better_stays_one():
    """A person turns at frame 40 and their colours change (0.45: a cut is proposed there); no other track fits
    either piece better, so the two pieces are joined again."""
    turned = _mix(RED, BLUE, 0.6)
    assert 0.4 < distance(RED, turned) < 0.65
    entries = _walk(range(40), 100, 2, RED) + _walk(range(40, 90), 100, 2, turned)
    assert len(split_at_colour_changes(entries)) == 2
    joined = _stitched({0: entries, 1: _walk(range(90), 600, -2, GREEN)}, 150, 25)
    assert sorted(len(e) for e in joined.values()) == [90, 90]


def test_a_person_taken_over_by_another_after_a_turn_goes_back_to_them():
    """Red is lost at frame 40 behind blue's path; the online track went on with blue (colours 0.45 apart: under the
    gate that cut tracks for good before). Blue's own track ends at 39 just there: the piece in blue joins it."""
    lookalike = _mix(BLUE, RED, 0.1)
    red = _walk(range(40), 100, 2, RED)
    taken = _walk(range(40, 90), 180, 2, lookalike)  # blue, walking on from where it was at 39
    blue = _walk(range(40), 100, 2, lookalike, y=310)  # blue walking beside red, a little lower
    joined = _stitched({0: red + taken, 1: blue}, 150, 25)
    for entries in joined.values():
        colours = {id(e[3]) for e in entries}
        assert len(colours) == 1  # each track one person's colours
    assert sorted(len(e) for e in joined.values()) == [40, 90]


def test_a_short_track_in_short_pieces_is_dropped_but_a_person_seen_in_many_is_kept():
    """Eight frames of a fit on a poster and two more much later make no track; a person found only every other
    frame over 60 frames (pieces of one or two detections) keeps one."""
    poster = _walk(list(range(14, 22)) + [126, 127], 650, 0, GREEN, y=100, h=60)
    person = _walk(range(0, 120, 3), 100, 2, RED)
    per_track = {0: poster[:8], 1: poster[8:], **{2 + i: person[i:i + 1] for i in range(len(person))}}
    joined = _stitched(per_track, 150, 25)
    assert [len(e) for e in joined.values()] == [len(person)]
    assert np.all(np.diff([e[0] for e in next(iter(joined.values()))]) > 0)


def test_a_person_fitted_smaller_as_they_go_behind_a_pillar_keeps_their_id():
    """Red walks behind a pillar: their last 25 frames are fitted smaller (60 % of the height) in mixed colours (0.45
    from red, over the stitch gate), starting the frame after the whole body's track ended, where it ended. The
    online tracker and the stitch gates refuse the size and the colours; as a close continuation (a soft pair) the
    piece joins red, since nobody fits it better. Green, who walks on elsewhere, stays apart."""
    from core_model.pose.tracklet_groups import tight_pairs

    hidden = _mix(RED, BLUE, 0.6)
    assert 0.3 < distance(RED, hidden) < 0.65
    whole = _walk(range(60), 100, 2, RED)
    behind = [(t, *_person(100 + 2 * t, 300 + 20, 60), hidden) for t in range(61, 86)]
    green = _walk(range(100), 600, -2, GREEN)
    per_track = {0: whole, 1: behind, 2: green}
    assert tight_pairs(per_track) == {(0, 1)}
    assert stitch_tracklets(per_track, 150)[1] == 1  # without the proposal: a second id for red
    joined = _stitched(per_track, 150, 25)
    assert sorted(len(e) for e in joined.values()) == [85, 100]


def test_a_piece_starting_later_or_elsewhere_is_no_close_continuation():
    from core_model.pose.tracklet_groups import tight_pairs

    whole = _walk(range(60), 100, 2, RED)
    later = [(t, *_person(100 + 2 * t, 300, 60), RED) for t in range(64, 90)]  # 4 frames later
    aside = [(t, *_person(100 + 2 * t + 80, 300, 100), RED) for t in range(61, 90)]  # most of a body away
    tiny = [(t, *_person(100 + 2 * t, 300, 30), RED) for t in range(61, 90)]  # a third of the size
    for piece in (later, aside, tiny):
        assert tight_pairs({0: whole, 1: piece}) == set()


def test_two_people_of_alike_colours_whose_ids_swapped_while_unseen_get_them_back():
    """Upper and lower walk right side by side in alike colours (0.2 apart: under every colour gate). Both are lost
    for a few frames; the upper one's track comes back on the lower person 6 frames later, the lower one's on the upper
    person. Each track is cut where it came back far from where its motion led, the pieces are proposed to be joined
    again, and each piece joins the person it continues: one track per person."""
    from core_model.pose.tracklets import split_at_gap_jumps

    alike = _mix(RED, BLUE, 0.25)
    assert distance(RED, alike) < 0.3
    upper = lambda frames: _walk(frames, 100, 2, RED, y=300)  # noqa: E731
    lower = lambda frames: _walk(frames, 100, 2, alike, y=420)  # noqa: E731
    swapped = {0: upper(range(41)) + lower(range(47, 90)), 1: lower(range(43)) + upper(range(47, 90))}
    assert [len(p) for p in split_at_gap_jumps(swapped[0])] == [41, 43]
    joined = _stitched(swapped, 150, 25)
    assert len(joined) == 2
    for entries in joined.values():  # one person each: the centre's height never changes
        heights = {round(float(np.mean(e[1][:, 1]))) for e in entries}
        assert len(heights) == 1


def test_a_person_walking_on_while_unseen_is_not_cut():
    """Found again where their pace led (6 frames later, 12 px on), or after a gap too long for motion: no cut."""
    from core_model.pose.tracklets import split_at_gap_jumps

    walking = _walk(range(41), 100, 2, RED) + _walk(range(47, 90), 100, 2, RED)
    assert len(split_at_gap_jumps(walking)) == 1
    long_gap = _walk(range(41), 100, 2, RED) + _walk(range(60, 90), 100, 2, RED, y=420)
    assert len(split_at_gap_jumps(long_gap)) == 1


def test_a_person_found_again_off_their_path_with_nobody_else_to_fit_stays_one():
    """Red, lost for 5 frames, is found 40 px lower in mixed colours (0.45 from red: over the stitch gate). The track
    is cut there, but as a proposal: no other track fits the second piece, so the two are joined again."""
    mixed = _mix(RED, BLUE, 0.6)
    assert 0.3 < distance(RED, mixed) < 0.65
    entries = _walk(range(41), 100, 2, RED) + _walk(range(46, 90), 100, 2, mixed, y=340)
    joined = _stitched({0: entries, 1: _walk(range(90), 600, -2, GREEN)}, 150, 25)
    assert sorted(len(e) for e in joined.values()) == [85, 90]


def _frames(per_track, tid):
    return [e[0] for e in per_track[tid]]


def test_a_person_back_after_a_long_absence_in_colours_nobody_else_has_is_joined():
    """Blue walks out at frame 40 and is back at frame 300 (over 10 s at 25 frames/s, beyond re-identification),
    at the same size (their own floor lane); red and green are in the video too."""
    per_track = {0: _walk(range(40), 100, 2, BLUE), 1: _walk(range(300, 340), 600, -2, BLUE),
                 2: _walk(range(340), 300, 0, RED), 3: _walk(range(340), 500, 0, GREEN)}
    out = join_returning(per_track, 150)
    assert sorted(out) == [0, 2, 3]
    assert _frames(out, 0) == [*range(40), *range(300, 340)]


def test_a_return_is_not_joined_when_somebody_else_could_be_that_person():
    """Within the stitching gap, in another size, or with a look-alike (colours as close) in the video: no join."""
    base = {2: _walk(range(340), 300, 0, RED)}
    soon = {0: _walk(range(40), 100, 2, BLUE), 1: _walk(range(100, 140), 600, -2, BLUE), **base}
    assert sorted(join_returning(soon, 150)) == [0, 1, 2]
    bigger = {0: _walk(range(40), 100, 2, BLUE), 1: _walk(range(300, 340), 600, -2, BLUE, h=140), **base}
    assert sorted(join_returning(bigger, 150)) == [0, 1, 2]
    look_alike = _mix(BLUE, RED, 0.05)
    assert distance(BLUE, look_alike) < 0.12
    twins = {0: _walk(range(40), 100, 2, BLUE), 1: _walk(range(300, 340), 600, -2, BLUE),
             2: _walk(range(340), 300, 0, look_alike)}
    assert sorted(join_returning(twins, 150)) == [0, 1, 2]


def test_a_flicker_left_out_does_not_stop_a_return_being_joined():
    """A fit of 12 frames in blue's colours elsewhere while blue is seen, 3 of them a blip off its path (dropped), is
    too short to keep: left out, it is nobody the returning blue could be confused with. Blue is one track."""
    flicker = _walk(range(20, 25), 450, 0, BLUE) + _walk(range(25, 28), 450, 0, BLUE, y=330) + \
        _walk(range(28, 32), 450, 0, BLUE)
    per_track = {0: _walk(range(40), 100, 2, BLUE), 1: flicker, 2: _walk(range(300, 340), 600, -2, BLUE),
                 3: _walk(range(340), 300, 0, RED)}
    joined = _stitched(per_track, 150, 25, min_frames=10)
    assert sorted(len(e) for e in joined.values()) == [80, 340]
