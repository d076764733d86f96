"""Crowd mode: skeletons lying on another person's body are dropped before tracking; people behind stay."""
from __future__ import annotations

import numpy as np

from core_model.pose.tracking import crowd_dedupe

from .test_pose_tracking import _person


def _face_fit(near_kp: np.ndarray) -> tuple:
    """A head-and-shoulders skeleton fitted head down on a near person's face (as seen on a classroom video): its
    head on the near person's head, its shoulders beside the face, its body (hidden behind the near person, scored
    at most 0.3) sticking up above the head."""
    head = near_kp[0]
    kp = np.zeros((17, 2), np.float32)
    kp[:5] = near_kp[:5] + [[0, 2], [-4, 5], [4, 6], [-7, 3], [1, 6]]
    kp[5:7] = head + [[-9, -10], [9, -3]]
    kp[7:] = head + np.stack([np.linspace(-25, 25, 10), np.linspace(-25, -45, 10)], axis=1)
    sc = np.full(17, 0.3, np.float32)
    sc[:7] = 1.0
    return kp, sc


def test_a_small_skeleton_on_a_near_persons_face_is_the_near_person_fitted_again():
    near, near_sc = _person(90, 495, 150)
    face, face_sc = _face_fit(near)
    assert list(crowd_dedupe(np.stack([near, face]), np.stack([near_sc, face_sc]))) == [0]
    assert list(crowd_dedupe(np.stack([face, near]), np.stack([face_sc, near_sc]))) == [1]


def test_a_small_person_behind_whose_head_shows_beside_a_near_ones_head_stays():
    near, near_sc = _person(90, 495, 150)
    far, far_sc = _person(128, 455, 60)  # head just above the near one's shoulder, beside the head
    far_sc[9:] = 0.3  # the lower body hidden behind the near person
    assert list(crowd_dedupe(np.stack([near, far]), np.stack([near_sc, far_sc]))) == [0, 1]
    far2, far2_sc = _person(90, 400, 60)  # standing further back: head above the near one's, body behind it
    far2_sc[11:] = 0.3
    assert list(crowd_dedupe(np.stack([near, far2]), np.stack([near_sc, far2_sc]))) == [0, 1]


def test_a_tiny_whole_body_fitted_on_a_persons_head_is_that_head_fitted_again():
    """As seen on a classroom video: a 15-px whole skeleton drawn on the head of a 51-px person, sticking out above
    it. It is dropped whichever comes first; a small person standing further back, whose head shows above the near
    one's, stays."""
    person, person_sc = _person(500, 205, 50)
    tiny, tiny_sc = _person(503, 181, 14)
    assert list(crowd_dedupe(np.stack([person, tiny]), np.stack([person_sc, tiny_sc]))) == [0]
    assert list(crowd_dedupe(np.stack([tiny, person]), np.stack([tiny_sc * 1.05, person_sc]))) == [1]
    near, near_sc = _person(90, 495, 150)
    behind, behind_sc = _person(90, 375, 45)
    assert list(crowd_dedupe(np.stack([near, behind]), np.stack([near_sc, behind_sc]))) == [0, 1]


def _upper_fit(head_x: float, head_y: float, h: float = 80.0) -> tuple:
    """A head-and-shoulders fit (arms confident, hips, knees and ankles scored 0.3) with its head at (x, y), an arm
    stretched out sideways (its box sticks out of the whole person's)."""
    kp, sc = _person(head_x, head_y + 0.45 * h, h)
    kp[[8, 10], 0] += [20, 35]
    sc[11:] = 0.3
    return kp, sc


def test_a_head_and_shoulders_fit_on_a_whole_persons_upper_body_is_that_person_fitted_again():
    """As seen on a classroom video: a whole person 160 px tall, and a second skeleton of their head, shoulders and
    arms, its head a little off theirs (14 px: within a tenth of their size), its joints seen well on their body
    (its box, with an arm stretched out, partly beside it)."""
    from core_model.pose.tiles import overlap_of_smaller, person_box

    near, near_sc = _person(200, 450, 160)
    head = near[:5].mean(axis=0)
    fit, fit_sc = _upper_fit(head[0] - 4, head[1] + 13)
    assert 0.5 < overlap_of_smaller(person_box(fit, fit_sc), person_box(near, near_sc))[0, 0] < 0.8
    assert list(crowd_dedupe(np.stack([near, fit]), np.stack([near_sc, fit_sc]))) == [0]
    assert list(crowd_dedupe(np.stack([fit, near]), np.stack([fit_sc, near_sc]))) == [1]


def test_a_person_behind_whose_head_shows_a_head_away_stays():
    """The same head-and-shoulders skeleton with its head 35 px beside the whole person's is somebody behind them;
    so is one whose legs are seen."""
    near, near_sc = _person(200, 450, 160)
    head = near[:5].mean(axis=0)
    beside, beside_sc = _upper_fit(head[0] + 35, head[1] + 5)
    assert list(crowd_dedupe(np.stack([near, beside]), np.stack([near_sc, beside_sc]))) == [0, 1]
    legs, legs_sc = _upper_fit(head[0] - 4, head[1] + 13, h=60)
    legs_sc[11:] = 0.9
    assert list(crowd_dedupe(np.stack([near, legs]), np.stack([near_sc, legs_sc]))) == [0, 1]
