"""Scoring skeletons against a crowd video's truth by the people's joints (pose-benchmark style, OKS-like), and the
joints the composited videos' truth carries. Synthetic truths and cut-outs: no pose model runs here."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.video.classroom import Lane, Pillar, render_classroom
from core_model.video.crowd import CrowdTruth, Cutout, score_poses

# a standing person's COCO joints in a unit body box (x right, y down)
UNIT = np.array([[.5, .04], [.54, .02], [.46, .02], [.58, .04], [.42, .04], [.68, .2], [.32, .2], [.74, .36],
                 [.26, .36], [.76, .5], [.24, .5], [.62, .52], [.38, .52], [.6, .75], [.4, .75], [.6, 1.], [.4, 1.]])
UPPER = np.arange(17) <= 12  # head to hips


def _person(x: float, y: float, h: float) -> np.ndarray:
    w = 0.55 * h
    return np.array([x, y]) + UNIT * [w, h]


def _truth(people, shown) -> CrowdTruth:
    """One frame: ``people`` as (x, y, height) boxes with their joints, ``shown (P, 17)`` the joints seen."""
    joints = np.array([_person(*p) for p in people])[None]
    boxes = np.array([[x, y, x + 0.55 * h, y + h] for x, y, h in people])[None]
    shown = np.array(shown)[None]
    return CrowdTruth(boxes, shown.mean(axis=2), [], (768, 576), 25.0, [], joints, shown)


def _poses(*skeletons):
    """Poses (M, 1, 17, 2) and scores: each skeleton is (joints (17, 2), confident mask)."""
    kp = np.array([k for k, _ in skeletons], np.float64)[:, None]
    sc = np.array([np.where(ok, 0.9, 0.1) for _, ok in skeletons])[:, None]
    return kp, sc


def _half_hidden_scene():
    """q (120 px) has its lower half hidden by r in front; p (65 px, smaller, behind q) has its top 14 px below q's,
    only its right arm and leg seen beside q."""
    q, p, r = (300, 100, 120), (313, 114, 65), (280, 170, 170)
    beside = np.isin(np.arange(17), [5, 7, 9, 11, 13, 15])
    return _truth([q, p, r], [UPPER, beside, np.ones(17, bool)]), q, p, r


def test_the_upper_half_skeleton_of_a_half_hidden_person_is_theirs_not_the_smaller_one_behind():
    truth, q, _p, _r = _half_hidden_scene()
    upper = (_person(*q) + [1.5, 5.0], UPPER)  # its head 5 px below the owner's (0-9 px in the classrooms)
    kp, sc = _poses(upper)
    by_joints = score_poses(truth, kp, sc)
    assert by_joints.rows[0].tolist() == [0, -1, -1]
    assert by_joints.duplicates == 0 and by_joints.false_positives == 0
    # the box-based score of before gave it to the person behind (their box holds it, their height is closer)
    assert score_poses(truth, kp, sc, by="boxes").rows[0].tolist() == [-1, 0, -1]


def test_whole_skeletons_are_matched_a_second_one_on_a_person_is_a_duplicate_one_on_nobody_a_false_positive():
    truth, q, _p, r = _half_hidden_scene()
    everything = np.ones(17, bool)
    on_r = (_person(*r) + [2.0, 3.0], everything)
    on_q = (_person(*q), UPPER)
    second_on_r = (_person(*r) + [-4.0, 2.0], everything)
    nobody = (_person(600, 300, 100), everything)
    kp, sc = _poses(on_r, on_q, second_on_r, nobody)
    score = score_poses(truth, kp, sc)
    assert score.rows[0].tolist() in ([1, -1, 0], [1, -1, 2])
    assert score.duplicates == 1 and score.false_positives == 1
    assert score.found[0].tolist() == [True, False, True]
    # left and right swapped (a side view is ambiguous) is still the same person's skeleton
    swapped = _person(*r)[[0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]]
    assert score_poses(truth, *_poses((swapped, everything))).rows[0].tolist() == [-1, -1, 0]


def test_recall_counts_people_visible_enough_and_scoring_by_joints_needs_joints():
    truth, q, _p, r = _half_hidden_scene()
    kp, sc = _poses((_person(*q), UPPER), (_person(*r), np.ones(17, bool)))
    score = score_poses(truth, kp, sc, min_visible=0.6)  # q shows 13/17, p 6/17, r all
    assert score.counted[0].tolist() == [True, False, True] and score.recall == 1.0
    no_joints = CrowdTruth(truth.boxes, truth.visible, [], (768, 576), 25.0, [])
    with pytest.raises(ValueError):
        score_poses(no_joints, kp, sc)
    assert score_poses(no_joints, kp, sc, by="boxes").found[0, 2]


def _cutout() -> Cutout:
    """A 100 x 60 patch with a person's joints; the body box is around them."""
    joints = np.array([10, 5]) + UNIT * [40, 90]
    alpha = np.zeros((100, 60), np.float32)
    alpha[2:98, 8:52] = 1.0
    patch = np.full((100, 60, 3), 40, np.uint8)
    x0, y0 = joints.min(axis=0)
    x1, y1 = joints.max(axis=0)
    return Cutout(patch, alpha, (x0, y0, x1, y1), joints)


def test_the_truth_joints_move_with_the_body_box_and_people_and_pillars_in_front_hide_them():
    lanes = [Lane(120, 200, [(0, 100.0), (4, 140.0)], 0, 1.0, 0),  # walking right
             Lane(150, 330, [(0, 300.0), (4, 260.0)], 60, 1.0, 0),  # walking left (mirrored), nearer
             Lane(80, 300, [(0, 290.0), (4, 290.0)], 120, 1.0, 0)]  # behind lane 1 (feet 380 < 480)
    pillars = [Pillar(60, 90, 330)]  # in front of lane 0 (feet at 320), behind the others
    joints: list = []
    rendered = list(render_classroom([_cutout()], lanes, pillars, (768, 576), 5, 0, joints))
    assert len(joints) == 5
    for (_frame, boxes, _visible), (points, _shown) in zip(rendered, joints):
        assert np.allclose(points.min(axis=1), boxes[:, :2]) and np.allclose(points.max(axis=1), boxes[:, 2:])
    points, shown = joints[2]
    # a mirror image of somebody facing us faces us too: left and right swap, the left shoulder stays on the right
    assert points[1, 5, 0] > points[1, 6, 0] and points[0, 5, 0] > points[0, 6, 0]
    assert np.isclose(points[1, 5, 1], points[1, 6, 1]) and points[1, 9, 0] - points[1, 10, 0] > 0
    assert shown[1].all()  # nobody in front of the nearest
    # the one behind (lane 2: feet at 380, lane 1's at 480) is hidden where lane 1's body covers them
    covered = (points[2, :, 0] >= boxes_of(rendered, 2)[1, 0] - 2)
    assert not shown[2][covered & (points[2, :, 1] >= 330)].any()
    # the pillar (floor 330) hides lane 0 (feet at 320) where it stands
    behind = (points[0, :, 0] >= 60) & (points[0, :, 0] < 90) & (points[0, :, 1] <= 330)
    assert not shown[0][behind].any() and shown[0][~behind].any()


def boxes_of(rendered, f):
    return rendered[f][1]
