"""Identities in a crowd: two people of one size and of about one colour cross (the one behind hidden for a few
frames, a piece of the one in front fitted as a small person meanwhile) and each keeps their id; a person hidden
behind a pillar for 1-3 s comes back with their own id while a look-alike walks past elsewhere."""
from __future__ import annotations

import numpy as np

from core_model.pose.appearance import SIZE
from core_model.pose.reid import assign
from core_model.pose.tracking import track_frames

from .test_pose_reid import _track


def _look(hue_bin: int, other: int, mix: float) -> np.ndarray:
    part = np.full(SIZE // 2, 0.01, np.float32)
    part[hue_bin] += 1.0 - mix
    part[other] += mix
    part /= part.sum()
    return np.concatenate([part, part])


def _directions(poses):
    out = []
    for row in range(poses.num_people):
        xs = poses.keypoint[row, :, 0, 0][poses.present[row]]
        out.append("right" if np.all(np.diff(xs) > 0) else "left" if np.all(np.diff(xs) < 0) else "both")
    return out


def test_two_people_of_one_size_crossing_keep_their_ids():
    """A walks right in front, B walks left behind and is hidden for 14 frames while they pass; meanwhile C steps
    out beside A. A's colours are close to B's and to C's (a mix of the two), B's and C's are plainly not alike.
    Taking A's body for B (hidden a few frames) and pushing A's track onto C would match more tracks, but it is
    the worse assignment: each keeps their own id."""
    a_look, b_look, c_look = _look(0, 1, 0.5), _look(0, 1, 0.1), _look(1, 0, 0.1)
    paths = {"A": lambda t: 200 + 4 * t, "B": lambda t: 440 - 4 * t, "C": lambda t: 361 + (t - 34)}
    frames = []
    for t in range(60):
        people = [(paths["A"](t), 305, 100, a_look)]
        if not 24 <= t < 38:
            people.append((paths["B"](t), 300, 100, b_look))
        if t >= 34:
            people.append((paths["C"](t), 302, 100, c_look))
        frames.append(people)
    poses = _track(frames)
    owners = []
    for row in range(poses.num_people):
        seen = np.flatnonzero(poses.present[row])
        xs = poses.keypoint[row, seen, 0, 0]
        owners.append({min(paths, key=lambda name: abs(x - paths[name](t))) for t, x in zip(seen, xs)})
    assert sorted(map(sorted, owners)) == [["A"], ["B"], ["C"]], (owners, poses.frames_per_track())


def test_a_person_hidden_behind_a_pillar_for_two_seconds_comes_back_with_their_id():
    """Red walks behind a pillar (hidden 50 frames) and comes out on the other side, where a person of about their
    colours and size has been walking all along two body sizes away: red gets their own id back, and the
    look-alike keeps theirs."""
    red, look_alike = _look(0, 1, 0.1), _look(0, 1, 0.3)
    frames = []
    for t in range(150):
        people = [(560 + 0.5 * t, 320, 90, look_alike)]
        if t < 40 or t >= 90:  # behind the pillar between x = 300 and 400
            people.append((200 + 2.5 * t, 300, 90, red))
        frames.append(people)
    poses = _track(frames)
    assert poses.num_people == 2, poses.frames_per_track()
    red_row = [r for r in range(2) if poses.present[r, 0] and poses.keypoint[r, 0, 0, 0] < 400][0]
    assert poses.present[red_row, :40].all() and poses.present[red_row, 90:].all()
    assert not poses.present[red_row, 40:90].any()


def test_a_track_may_stay_unmatched_rather_than_push_another_onto_a_worse_detection():
    cost = np.array([[0.05, 0.4], [0.2, 1e9]])  # row 1 (hidden a while) reaches only what row 0 fits best
    assert assign(cost) == [(0, 1), (1, 0)]  # as many rows matched as can be
    # staying unmatched costs row 1 0.3: 0.05 + 0.3 beats 0.4 + 0.2
    assert assign(cost, unmatched=np.array([0.5, 0.3])) == [(0, 0)]
    assert assign(cost, unmatched=np.array([0.5, 0.6])) == [(0, 1), (1, 0)]  # 0.6 < 0.05 + 0.6


def _half_body(x: float, y: float, h: float):
    """The detector's fit of the upper half of a person ``h`` px tall at (x, y) as a whole small person, a little
    to one side: head near the person's head, ankles at their hips."""
    from .test_pose_tracking import _person

    return _person(x + 0.15 * h, y - 0.25 * h, 0.5 * h)


def test_a_half_body_fitted_while_the_person_is_hidden_does_not_become_its_own_id():
    """A person walks right; from frame 45 the detector also fits their upper half (in other colours: the half
    box holds the pillar's colours too), from frame 50 to 79 only that half (the legs hidden), then the whole body
    again. The half fit started its own track and kept it; it is a piece of the person: one id throughout."""
    from .test_pose_tracking import _person

    red, mixed = _look(0, 1, 0.1), _look(4, 0, 0.5)
    dets, looks = [], []
    for t in range(150):
        x, people, colours = 200 + 1.5 * t, [], []
        if t < 50 or t >= 80:
            people.append(_person(x, 300, 100))
            colours.append(red)
        if 45 <= t < 80:
            people.append(_half_body(x, 300, 100))
            colours.append(mixed)
        dets.append((np.stack([p[0] for p in people]), np.stack([p[1] for p in people])))
        looks.append(colours)
    poses = track_frames(dets, np.arange(150) / 25.0, (576, 768), 25.0, crowd=True, appearances=looks,
                         reid_seconds=6.0)
    assert poses.num_people == 1, poses.frames_per_track()
    assert poses.present[0].all()


def test_a_track_continued_after_a_gap_by_somebody_in_other_colours_is_cut_there():
    """Red walks behind somebody (unseen 10 frames); where red was lost a person in other colours steps out, the
    first frames half hidden (their colours mixed with red's, within the gate of a track lost a few frames).
    Red's track continued onto them by motion; their colours are plainly not red's: they get their own id, and
    red's id is not used after red was hidden."""
    from .test_pose_tracking import _person

    red, other, mixed = _look(0, 1, 0.1), _look(1, 0, 0.1), _look(0, 1, 0.4)
    dets, looks = [], []
    for t in range(120):
        people, colours = [], []
        if t < 40:
            people.append(_person(200 + 2 * t, 300, 90))
            colours.append(red)
        elif t >= 50:
            people.append(_person(285 + (t - 50), 302, 90))
            colours.append(mixed if t < 53 else other)
        dets.append((np.stack([p[0] for p in people]), np.stack([p[1] for p in people])) if people else
                    (np.zeros((0, 17, 2), np.float32), np.zeros((0, 17), np.float32)))
        looks.append(colours)
    poses = track_frames(dets, np.arange(120) / 25.0, (576, 768), 25.0, crowd=True, appearances=looks,
                         reid_seconds=6.0)
    red_row = [r for r in range(poses.num_people) if poses.present[r, 0]][0]
    assert poses.present[red_row, :40].all() and not poses.present[red_row, 40:].any(), poses.frames_per_track()
    assert poses.num_people == 2


def test_one_skeleton_on_two_people_overlapping_goes_to_the_one_it_lies_on():
    """Blue walks left in front of red (red higher in the frame, further back); while they overlap the detector
    fits one skeleton only, on blue, then for 11 frames on red (a jump of half a body), then on blue again. The
    frames on red are red's: red's id there, blue's id back on blue, two ids in all."""
    from .test_pose_tracking import _person

    red, blue = _look(0, 1, 0.1), _look(1, 0, 0.1)
    dets, looks = [], []
    for t in range(100):
        rx, bx = 200 + 1.0 * t, 330 - 1.5 * t
        people = []
        if t < 40 or t > 60:
            people += [(_person(rx, 276, 60), red)]
        if 45 <= t <= 55:  # the box around it holds some of blue's colours too
            people += [(_person(rx, 276, 60), _look(0, 1, 0.35))]
        else:
            people += [(_person(bx, 302, 64), blue)]
        dets.append((np.stack([p[0][0] for p in people]), np.stack([p[0][1] for p in people])))
        looks.append([p[1] for p in people])
    poses = track_frames(dets, np.arange(100) / 25.0, (576, 768), 25.0, crowd=True, appearances=looks,
                         reid_seconds=6.0)
    assert poses.num_people == 2, poses.frames_per_track()
    red_row = [r for r in range(2) if poses.keypoint[r, 0, 0, 1] < 260][0]
    assert poses.present[red_row, 45:56].all() and not poses.present[1 - red_row, 45:56].any()
    assert poses.present[1 - red_row, 56:].all()
