"""Poses file format and the COCO-17 layout."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.errors import PoseError
from core_model.pose.coco import (BLAZEPOSE33_TO_COCO17, BODY25_TO_COCO17, COCO17_FLIP_INDEX, COCO17_NAMES,
                                  COCO17_SKELETON, flip_keypoints)
from core_model.pose.format import Poses


def _poses(m=2, t=6):
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 100, (m, t, 17, 2)).astype(np.float32)
    score = rng.uniform(0.2, 1, (m, t, 17)).astype(np.float32)
    kp[1, :3] = 0
    score[1, :3] = 0  # person 1 absent in frames 0-2
    return Poses(kp, score, [4, 9], np.arange(t) / 25.0, (120, 160), 25.0, {"source": "clip.mp4"})


def test_save_load_round_trip_keeps_arrays_and_pyskl_names(tmp_path):
    poses = _poses()
    path = poses.save(tmp_path / "sub" / "p.npz")
    with np.load(path) as data:
        assert {"keypoint", "keypoint_score", "track_ids", "timestamps", "img_shape", "fps"} <= set(data.files)
        assert data["keypoint"].dtype == np.float32 and data["keypoint"].shape == (2, 6, 17, 2)
    back = Poses.load(path)
    np.testing.assert_array_equal(back.keypoint, poses.keypoint)
    np.testing.assert_array_equal(back.keypoint_score, poses.keypoint_score)
    assert back.track_ids.tolist() == [4, 9] and back.img_shape == (120, 160) and back.fps == 25.0
    assert back.meta["source"] == "clip.mp4"
    assert [p.name for p in path.parent.iterdir()] == ["p.npz"]  # no temp file left behind


def test_presence_and_counts():
    poses = _poses()
    assert poses.num_frames == 6 and poses.num_people == 2
    assert poses.present[1].tolist() == [False] * 3 + [True] * 3
    assert poses.people_per_frame().tolist() == [1, 1, 1, 2, 2, 2]
    assert poses.frames_per_track().tolist() == [6, 3]
    assert poses.select([1]).track_ids.tolist() == [9]
    assert poses.slice_frames(2, 5).num_frames == 3


@pytest.mark.parametrize("content", [b"not a zip at all", b""])
def test_load_garbage_raises_pose_error(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(PoseError):
        Poses.load(path)


def test_load_refuses_pickled_objects_and_missing_arrays(tmp_path):
    np.savez(tmp_path / "obj.npz", keypoint=np.array([{"a": 1}], dtype=object), keypoint_score=np.zeros(1))
    with pytest.raises(PoseError):
        Poses.load(tmp_path / "obj.npz")
    np.savez(tmp_path / "partial.npz", keypoint=np.zeros((1, 2, 17, 2)))
    with pytest.raises(PoseError, match="keypoint_score"):
        Poses.load(tmp_path / "partial.npz")
    with pytest.raises(PoseError, match="does not exist"):
        Poses.load(tmp_path / "missing.npz")


def test_inconsistent_shapes_are_rejected():
    with pytest.raises(PoseError):
        Poses(np.zeros((1, 4, 17, 2)), np.zeros((1, 3, 17)), [0], np.arange(4), (10, 10), 25)
    with pytest.raises(PoseError):
        Poses(np.zeros((2, 4, 17, 2)), np.zeros((2, 4, 17)), [0], np.arange(4), (10, 10), 25)
    empty = Poses.empty(5, (10, 20), 10.0)
    assert empty.num_people == 0 and empty.people_per_frame().tolist() == [0] * 5


def test_coco_maps_and_flip():
    assert len(COCO17_NAMES) == 17 and len(BLAZEPOSE33_TO_COCO17) == 17 and len(BODY25_TO_COCO17) == 17
    assert BLAZEPOSE33_TO_COCO17.tolist() == [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    np.testing.assert_array_equal(COCO17_FLIP_INDEX[COCO17_FLIP_INDEX], np.arange(17))
    for a, b in COCO17_SKELETON:
        assert 0 <= a < 17 and 0 <= b < 17
    kp = np.zeros((17, 2), np.float32)
    kp[5] = (10, 5)  # left shoulder at x=10
    flipped = flip_keypoints(kp, width=100)
    assert tuple(flipped[6]) == (89, 5) and tuple(flipped[5]) == (0, 0)
