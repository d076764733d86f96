"""Body-part crops for P-I3D: hands follow the wrists on a real stick-figure video, fallbacks, shapes, flip."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.format import Poses
from core_model.preprocess.normalization import DEFAULT, IMAGENET_0_255
from core_model.preprocess.parts import PART_NAMES, part_boxes, part_crops
from core_model.preprocess.rgb import normalize_clip
from core_model.video.reader import VideoReader
from core_model.video.synthetic import PERSON_COLORS, write_stick_figure_video

SIZE = (320, 240)
FRAMES = 24


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A real encoded video of two stick figures, its decoded frames and the ground-truth poses."""
    path = tmp_path_factory.mktemp("parts") / "sticks.mp4"
    kp = write_stick_figure_video(path, people=2, frames=FRAMES, size=SIZE)
    reader = VideoReader(path)
    frames = reader.get_frames(list(range(FRAMES)))
    poses = Poses(kp, np.ones(kp.shape[:3], np.float32), [0, 1], np.arange(FRAMES) / 25.0, (SIZE[1], SIZE[0]), 25.0)
    return frames, poses


def _centres(boxes):
    return (boxes[..., :2] + boxes[..., 2:]) / 2


def _poses(kp, score):
    t = kp.shape[1]
    return Poses(kp, score, np.arange(kp.shape[0]), np.arange(t) / 25.0, (SIZE[1], SIZE[0]), 25.0)


def test_hand_crops_follow_the_wrists_of_a_real_video(video):
    frames, poses = video
    idx = list(range(2, FRAMES, 2))
    for person in (0, 1):
        crops, boxes = part_crops(frames[idx], poses, person, idx, size=48, hand_extend=0.0)
        wrists = poses.keypoint[person, idx][:, [9, 10]]
        assert np.abs(_centres(boxes[:, :2]) - wrists).max() < 1.0  # the boxes sit on the known wrists
        # and the pixels do too: the decoded crop's centre shows the person's wrist disc in its colour
        pixels = crops[:2, :, :, 22:26, 22:26].mean(axis=(3, 4))  # (2 hands, 3, T)
        rgb = pixels * np.array(DEFAULT.std)[None, :, None] / DEFAULT.scale \
            + np.array(DEFAULT.mean)[None, :, None] / DEFAULT.scale
        assert np.abs(rgb - np.array(PERSON_COLORS[person])[None, :, None]).max() < 40
    # the wrists move: the hand boxes move with them (the arms wave by more than 20 px)
    assert np.ptp(_centres(boxes[:, 0]), axis=0).max() > 20


def test_hands_are_pushed_along_the_forearm_and_sized_by_the_body(video):
    frames, poses = video
    idx = list(range(FRAMES))
    boxes = part_boxes(poses, 0, idx, hand_extend=0.3, hand_scale=0.3)
    kp = poses.keypoint[0].astype(np.float64)
    for part, (elbow, wrist) in enumerate(((7, 9), (8, 10))):
        expect = kp[:, wrist] + 0.3 * (kp[:, wrist] - kp[:, elbow])
        assert np.abs(_centres(boxes[:, part]) - expect).max() < 0.01
    height = np.median(kp[..., 1].max(1) - kp[..., 1].min(1))
    sides = boxes[:, :2, 2] - boxes[:, :2, 0]
    assert np.allclose(sides, 0.3 * height, atol=1e-3)
    # full body (eq. 4.3): the square around all joints grown by the padding, the same centre as the tight box
    body = boxes[:, 2]
    lo, hi = kp.min(axis=1), kp.max(axis=1)
    assert np.allclose(_centres(body), (lo + hi) / 2, atol=1e-3)
    assert np.allclose(body[:, 2] - body[:, 0], (hi - lo).max(axis=1) * 1.25, atol=1e-3)
    assert np.all(body[:, :2] <= lo) and np.all(body[:, 2:] >= hi)


def test_a_missing_wrist_keeps_its_last_good_position_else_the_body_centre(video):
    _, poses = video
    kp = poses.keypoint[:1].copy()
    score = np.ones(kp.shape[:3], np.float32)
    score[0, 5:9, 9] = 0.1  # left wrist unreliable in frames 5-8: keep frame 4's hand
    score[0, 0:3, 10] = 0.0  # right wrist missing from the start: body centre
    score[0, 12:, 7] = 0.0  # left elbow missing: centre on the wrist itself
    boxes = part_boxes(_poses(kp, score), 0, list(range(FRAMES)), hand_extend=0.3)
    left, right = _centres(boxes[:, 0]), _centres(boxes[:, 1])
    assert np.allclose(left[5:9], left[4])
    assert not np.allclose(left[4], left[10])
    assert np.allclose(right[0:3], _centres(boxes[0:3, 2]))
    assert np.allclose(left[12:], kp[0, 12:, 9], atol=1e-3)


def test_a_missing_person_keeps_the_nearest_good_body_box_else_the_whole_frame(video):
    _, poses = video
    kp = poses.keypoint[:1].copy()
    score = np.ones(kp.shape[:3], np.float32)
    score[0, :3] = 0.0  # absent at the start: the first good box
    score[0, 10:14] = 0.0  # absent in the middle: the last good box
    boxes = part_boxes(_poses(kp, score), 0, list(range(FRAMES)))
    assert np.allclose(boxes[:3, 2], boxes[3, 2])
    assert np.allclose(boxes[10:14, 2], boxes[9, 2])
    assert np.allclose(_centres(boxes[10:14, 0]), _centres(boxes[9, 0]))  # the hands keep their last place too
    nobody = part_boxes(_poses(kp, np.zeros_like(score)), 0, list(range(4)))
    assert np.allclose(nobody[:, 2], [0, -40, 320, 280])  # the whole 320x240 frame, square about its centre
    assert np.allclose(_centres(nobody[:, 0]), [160, 120])


def test_shapes_normalisation_and_zeros_outside_the_frame(video):
    frames, poses = video
    idx = [0, 5, 9]
    crops, boxes = part_crops(frames[idx], poses, 1, idx, size=40, normalization=IMAGENET_0_255)
    assert crops.shape == (3, 3, 3, 40, 40) and crops.dtype == np.float32
    assert boxes.shape == (3, 3, 4) and boxes.dtype == np.float32
    assert PART_NAMES == ("left_hand", "right_hand", "full_body")
    # a box that hangs over the frame edge: zeros there, normalised like the RGB stream
    kp = poses.keypoint[1:2].copy()
    kp[..., 0] += (SIZE[0] - 2 - kp[0, :, 10, 0])[:, None]  # the right wrist 2 px from the right edge
    inside = (kp[..., 0] < SIZE[0]) & (kp[..., 0] >= 0)
    edge = _poses(kp, inside.astype(np.float32))
    crops, boxes = part_crops(frames[idx], edge, 0, idx, size=40, hand_extend=0.0, normalization=IMAGENET_0_255)
    assert (boxes[:, 1, 2] > SIZE[0]).all()
    zero = normalize_clip(np.zeros((1, 1, 1, 3), np.uint8), normalization=IMAGENET_0_255)[:, 0, 0, 0]
    assert np.allclose(crops[1, :, :, :, -3:], zero[:, None, None, None], atol=1e-5)


def test_flip_mirrors_the_crops_and_swaps_the_hands(video):
    frames, poses = video
    idx = [1, 7]
    crops, boxes = part_crops(frames[idx], poses, 0, idx, size=32)
    flipped, boxes_f = part_crops(frames[idx], poses, 0, idx, size=32, flip=True)
    assert np.array_equal(flipped[0], crops[1][..., ::-1])
    assert np.array_equal(flipped[1], crops[0][..., ::-1])
    assert np.array_equal(flipped[2], crops[2][..., ::-1])
    assert np.array_equal(boxes, boxes_f)


def test_bad_inputs_are_refused(video):
    frames, poses = video
    with pytest.raises(ValueError, match="frame indices"):
        part_crops(frames[:3], poses, 0, [0, 1])
    with pytest.raises(ValueError, match="poses were made on"):
        part_crops(frames[:2, :100], poses, 0, [0, 1])
    with pytest.raises(ValueError, match="person_index"):
        part_boxes(poses, 2, [0])
    with pytest.raises(ValueError, match="frame_indices"):
        part_boxes(poses, 0, [FRAMES])
