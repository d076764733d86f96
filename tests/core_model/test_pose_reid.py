"""Crowd tracking with appearance and motion: one best assignment per frame, re-identification of a person who
comes back after seconds, no id handed to somebody else while a person is hidden, crossings told apart by colour."""
from __future__ import annotations

import itertools

import numpy as np

from core_model.pose.appearance import SIZE, describe, distance
from core_model.pose.reid import assign
from core_model.pose.tracking import PoseTracker, track_frames

from .test_pose_tracking import _person


def _look(hue_bin: int) -> np.ndarray:
    """A colour histogram with most of its weight on one hue bin (both body parts)."""
    part = np.full(SIZE // 2, 0.01, np.float32)
    part[hue_bin] = 1.0
    part /= part.sum()
    return np.concatenate([part, part])


RED, BLUE, GREEN = _look(0), _look(8), _look(4)


def _track(frames, fps=25.0):
    """``frames``: per frame a list of (x, y, height, look). Returns Poses tracked in crowd mode."""
    dets, looks = [], []
    for people in frames:
        kp = [_person(x, y, h)[0] for x, y, h, _ in people]
        sc = [_person(x, y, h)[1] for x, y, h, _ in people]
        dets.append((np.stack(kp), np.stack(sc)) if people else (np.zeros((0, 17, 2), np.float32),
                                                                 np.zeros((0, 17), np.float32)))
        looks.append([look for *_, look in people])
    return track_frames(dets, np.arange(len(frames)) / fps, (576, 768), fps, crowd=True, appearances=looks,
                        reid_seconds=6.0)


def _rows_at(poses, frame):
    return [int(poses.track_ids[r]) for r in range(poses.num_people) if poses.present[r, frame]]


def test_assignment_minimises_the_total_cost():
    rng = np.random.default_rng(0)
    for _ in range(100):
        n, m = rng.integers(1, 5), rng.integers(1, 5)
        cost = rng.uniform(0, 1, (n, m))
        cost[rng.uniform(size=(n, m)) < 0.3] = 1e9
        pairs = assign(cost)
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs})
        assert all(cost[r, c] < 1e9 for r, c in pairs)
        # no other matching of the same size is cheaper
        best = min((sum(cost[r, c] for r, c in zip(rows, cols))
                    for rows in itertools.permutations(range(n), len(pairs))
                    for cols in itertools.permutations(range(m), len(pairs))
                    if all(cost[r, c] < 1e9 for r, c in zip(rows, cols))), default=0.0)
        assert sum(cost[r, c] for r, c in pairs) <= best + 1e-9
    # greedy would take the 0.1 pair and leave a row unmatched; the best assignment matches both
    assert assign(np.array([[0.1, 0.2], [0.15, 1e9]])) == [(0, 1), (1, 0)]


def test_a_person_who_comes_back_after_seconds_gets_their_id_again():
    frames = []
    for t in range(200):
        people = [(600, 300, 100, BLUE)]  # somebody standing all along
        if t < 40 or t >= 140:  # red leaves at frame 40 and comes back 4 s later, where they left
            people.append((60 + (0 if t < 40 else 5), 250, 60, RED))
        frames.append(people)
    poses = _track(frames)
    assert poses.num_people == 2, poses.frames_per_track()
    red = _rows_at(poses, 0)[1] if poses.keypoint[_rows_at(poses, 0)[0], 0, 0, 0] > 300 else _rows_at(poses, 0)[0]
    assert red in _rows_at(poses, 150)


def test_no_id_goes_to_somebody_else_while_its_person_is_hidden():
    frames = []
    for t in range(90):
        people = []
        if t < 30 or t >= 70:  # red hidden behind a pillar for 1.6 s at x = 300
            people.append((300 + (t - 70 if t >= 70 else 0) * 0.5, 300, 80, RED))
        if t >= 35:  # a green person steps out right where red was hidden
            people.append((305, 302, 80, GREEN))
        frames.append(people)
    poses = _track(frames)
    red_id = _rows_at(poses, 0)[0]
    green_rows = [r for r in range(poses.num_people) if poses.present[r, 40]]
    assert len(green_rows) == 1 and int(poses.track_ids[green_rows[0]]) != red_id
    assert not poses.present[red_id, 35:70].any()  # red's id stays unused while red is hidden
    assert poses.present[red_id, 75] and abs(poses.keypoint[red_id, 75, 0, 0] - 302.5) < 15  # and red gets it back


def test_people_crossing_keep_their_ids_by_colour():
    """Two people walk towards each other and one is hidden while they pass; after the crossing the nearer
    detection (by motion alone) is the other person: colour decides."""
    frames = []
    for t in range(60):
        xa, xb = 200 + 4 * t, 440 - 4 * t  # meet at t = 30
        people = [(xb, 300, 100, BLUE)]
        if not 24 <= t < 38:
            people.append((xa, 300, 100, RED))
        frames.append(people)
    poses = _track(frames)
    assert poses.num_people == 2
    for row in range(2):
        xs = poses.keypoint[row, :, 0, 0][poses.present[row]]
        assert np.all(np.diff(xs) > 0) or np.all(np.diff(xs) < 0), xs  # each id keeps one direction


def test_motion_alone_still_tracks_without_appearances():
    tracker = PoseTracker(crowd=True, reid_gap=150)
    ids = [tracker.update(t, *[np.stack([a]) for a in _person(100 + 3 * t, 200)])[0] for t in range(20)]
    assert set(ids) == {0}


def test_colour_histograms_tell_clothes_apart():
    frame = np.zeros((200, 200, 3), np.uint8)
    frame[:, :100] = (200, 30, 30)
    frame[:, 100:] = (30, 30, 200)
    left, right = _person(50, 100, 150), _person(150, 100, 150)
    a, b = describe(frame, *left), describe(frame, *right)
    assert distance(a, a) < 0.01 and distance(a, b) > 0.8
    assert describe(frame, *_person(50, 100, 8)) is None  # too small to say


def test_a_person_seen_in_the_previous_frame_is_continued_whatever_their_colours():
    """Colour histograms of small people are noisy (a turn, an arm swinging in front of the torso, shade): a
    person standing clear of others and seen a frame ago keeps their id even when their colours jump by more than
    the gap-crossing gate (0.45); only plainly other colours (another person stepped in) are refused."""
    frames = []
    for t in range(40):
        look = RED if (t // 5) % 2 == 0 else 0.25 * RED + 0.75 * GREEN  # the measured colours jump every 5 frames
        frames.append([(100 + 2 * t, 300, 60, look), (500, 300, 80, BLUE)])
    poses = _track(frames)
    assert poses.num_people == 2, poses.frames_per_track()


def test_a_person_back_from_behind_somebody_in_mixed_colours_keeps_one_id():
    """Hidden for 2 s, red comes back half covered: their first detections have red and blue colours mixed (too
    far from red to be re-identified at once), then their own; the tracklets are stitched into one id afterwards."""
    frames = []
    for t in range(120):
        people = [(600, 300, 90, BLUE)]
        if t < 30 or t >= 80:
            look = 0.45 * RED + 0.55 * BLUE if 80 <= t < 86 else RED
            people.append((200 + 0.5 * t, 300, 90, look))
        frames.append(people)
    poses = _track(frames)
    assert poses.num_people == 2, poses.frames_per_track()
    red = [r for r in range(2) if poses.present[r, 0] and poses.keypoint[r, 0, 0, 0] < 400][0]
    assert poses.present[red, 80:].all() and not poses.present[red, 30:80].any()


def test_ids_swapped_at_a_crossing_are_cut_where_the_colours_change_and_given_back():
    """Two tracks that swapped people where they met (each is red, then blue, or the other way) are cut where their
    colours change for good, and the pieces are joined by colour: one id per person again."""
    from core_model.pose.tracking import _stitched

    per_track = {0: [], 1: []}
    for t in range(60):
        xa, xb = 200 + 4 * t, 440 - 4 * t  # red walks right, blue walks left; they meet at t = 30
        red, blue = (t, *_person(xa, 300, 100), RED), (t, *_person(xb, 300, 100), BLUE)
        per_track[0].append(red if t < 30 else blue)  # the swap
        per_track[1].append(blue if t < 30 else red)
    joined = _stitched(per_track, 150)
    assert len(joined) == 2
    for entries in joined.values():
        assert len(entries) == 60 and len({id(e[3]) for e in entries}) == 1  # one person's colours all along


def test_one_body_fitted_twice_is_one_skeleton_but_a_small_person_behind_a_large_one_stays():
    from core_model.pose.tracking import crowd_dedupe

    kp, sc = _person(300, 300, 100)
    upside_down = kp.copy()
    upside_down[:, 1] = 600 - kp[:, 1]  # the same body fitted head down
    assert list(crowd_dedupe(np.stack([kp, upside_down]), np.stack([sc, sc * 0.9]))) == [0]
    far, far_sc = _person(300, 260, 45)  # a far person whose body lies inside the near one's box, head elsewhere
    assert list(crowd_dedupe(np.stack([kp, far]), np.stack([sc, far_sc]))) == [0, 1]


def test_a_skeleton_flickering_for_a_few_frames_makes_no_track():
    frames = []
    for t in range(60):
        people = [(300 + t, 300, 100, RED)]
        if 20 <= t < 24:  # a fit on a poster, four frames
            people.append((650, 100, 60, GREEN))
        frames.append(people)
    poses = _track(frames)
    assert poses.num_people == 1


def test_a_track_under_a_second_is_dropped_in_a_long_video_but_kept_in_a_short_clip():
    """A fit on a poster for 15 frames (0.6 s): in a 12-s video it is no person (tracks under a second are left out);
    in a 4-s clip, where a tenth of the clip is shorter than that, it is kept."""
    def poses_of(length: int):
        frames = []
        for t in range(length):
            people = [(300 + t // 2, 300, 100, RED)]
            if 20 <= t < 35:
                people.append((650, 100, 60, GREEN))
            frames.append(people)
        return _track(frames)

    assert poses_of(300).num_people == 1
    assert poses_of(100).num_people == 2


def _person_at(poses, frame: int, y: float) -> int:
    """The row whose skeleton at ``frame`` has its nose near height ``y``."""
    for row in range(poses.num_people):
        if poses.keypoint_score[row, frame, 0] > 0 and abs(poses.keypoint[row, frame, 0, 1] - y) < 5:
            return row
    return -1


def test_a_person_behind_seen_again_where_they_were_gets_their_own_track(monkeypatch):
    """Two people in alike clothes: one in front (100 px), one behind and above (80 px). The one behind is hidden
    over frames 20-25; at 26-28 only they are found (the one in front is missed). The track just seen (the front
    person's) would reach their body, but the waiting track fits it where they were: it is theirs."""
    from core_model.pose import reid

    frames = []
    for t in range(50):
        people = []
        if not 26 <= t <= 28:
            people.append((300, 300, 100, RED))
        if not 20 <= t <= 25:
            people.append((320, 270, 80, RED))
        frames.append(people)
    behind_nose = 270 - 0.45 * 80

    def rows(poses, nose):
        return {_person_at(poses, t, nose) for t in (10, 27, 40) if t != 27 or nose == behind_nose}

    poses = _track(frames)
    assert len(rows(poses, behind_nose)) == 1 and -1 not in rows(poses, behind_nose)
    assert len(rows(poses, 300 - 45)) == 1  # the one in front keeps theirs
    monkeypatch.setattr(reid, "YIELD_FIT", None)
    assert len(rows(_track(frames), behind_nose)) > 1  # recent first: the front person's track took the body
