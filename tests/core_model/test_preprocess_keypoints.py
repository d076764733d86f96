"""The keypoints input: joints of the window in the crop's [0, 1], people ranked, flip, and the builder table."""
import numpy as np

from core_model.preprocess.keypoints import keypoint_frames, keypoint_sequence


def test_joints_are_in_the_crop_frame_with_scores():
    kp = np.zeros((2, 10, 17, 2), np.float32)
    kp[0, :, :, 0], kp[0, :, :, 1] = 150.0, 60.0  # person 0 at the crop's centre
    kp[1, :, 0] = (110.0, 20.0)  # person 1: one joint at the crop's top-left corner
    score = np.zeros((2, 10, 17), np.float32)
    score[0], score[1, :, 0] = 0.9, 0.5
    out = keypoint_sequence(kp, score, [0, 5, 9], (100, 10, 200, 110), people=3)
    assert out.shape == (3, 3, 17, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0, :, :2], 0.5)  # the person with more evidence comes first
    np.testing.assert_allclose(out[:, 0, :, 2], 0.9)
    np.testing.assert_allclose(out[:, 1, 0], [[0.1, 0.1, 0.5]] * 3, rtol=1e-6)
    assert not out[:, 1, 1:].any() and not out[:, 2].any()  # missing joints and the absent third person: zeros


def test_flip_mirrors_x_and_swaps_left_and_right():
    kp = np.zeros((1, 4, 17, 2), np.float32)
    kp[0, :, 5] = (20.0, 50.0)  # left shoulder, 20 % from the left
    score = np.zeros((1, 4, 17), np.float32)
    score[0, :, 5] = 1.0
    out = keypoint_sequence(kp, score, [0, 1], (0, 0, 100, 100), people=1, flip=True)
    np.testing.assert_allclose(out[0, 0, 6], [0.8, 0.5, 1.0])  # now the right shoulder, mirrored
    assert not out[0, 0, 5].any()


def test_keypoint_frames_spread_over_the_sampled_frames():
    assert keypoint_frames(np.arange(10, 58), 4).tolist() == [10, 26, 41, 57]
    assert len(keypoint_frames(np.arange(3), 5)) == 5
