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
