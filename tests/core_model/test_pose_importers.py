"""Importers: PYSKL/MMAction2 pickles (restricted unpickler), COCO-keypoints JSON, OpenPose JSON."""
from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from core_model.errors import PoseError
from core_model.pose import load_coco_json, load_openpose_json, load_pyskl_pickle
from core_model.pose.importers import read_pyskl_pickle


def _annotation(name, label, m=2, t=5):
    rng = np.random.default_rng(label)
    return {"frame_dir": name, "label": label, "img_shape": (480, 640), "original_shape": (480, 640),
            "total_frames": t, "keypoint": rng.uniform(0, 400, (m, t, 17, 2)).astype(np.float32),
            "keypoint_score": rng.uniform(0, 1, (m, t, 17)).astype(np.float16)}


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pyskl_pickle_round_trip(tmp_path, protocol):
    data = {"split": {"xsub_train": ["S001C001P001R001A001"], "xsub_val": ["S001C001P002R001A002"]},
            "annotations": [_annotation("S001C001P001R001A001", 0), _annotation("S001C001P002R001A002", 1, m=1)]}
    path = tmp_path / "ntu.pkl"
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    poses = load_pyskl_pickle(path)
    assert [p.meta["frame_dir"] for p in poses] == ["S001C001P001R001A001", "S001C001P002R001A002"]
    assert [p.meta["label"] for p in poses] == [0, 1]
    assert poses[0].keypoint.shape == (2, 5, 17, 2) and poses[1].num_people == 1
    assert poses[0].img_shape == (480, 640)
    np.testing.assert_allclose(poses[0].keypoint_score, data["annotations"][0]["keypoint_score"], atol=1e-6)
    assert read_pyskl_pickle(path)["split"]["xsub_val"] == ["S001C001P002R001A002"]


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_is_refused_before_running(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"annotations": [_Evil(marker)]}))
    with pytest.raises(PoseError, match="refused"):
        load_pyskl_pickle(path)
    assert not marker.exists()


def test_pyskl_with_3d_or_25_joint_skeletons_is_refused(tmp_path):
    ann = _annotation("x", 0)
    ann["keypoint"] = np.zeros((1, 5, 25, 3), np.float32)
    del ann["keypoint_score"]
    path = tmp_path / "ntu3d.pkl"
    path.write_bytes(pickle.dumps([ann]))
    with pytest.raises(PoseError, match="25 joints"):
        load_pyskl_pickle(path)


def test_coco_json_ground_truth_with_track_ids(tmp_path):
    images = [{"id": 11, "frame_id": 1, "width": 320, "height": 240}, {"id": 10, "frame_id": 0, "width": 320, "height": 240}]
    kp = np.zeros((17, 3))
    kp[:, 0], kp[:, 1], kp[:, 2] = np.arange(17) * 5, 50, 2
    kp[3, 2] = 0  # not labeled
    anns = [{"image_id": 10, "track_id": 7, "keypoints": kp.ravel().tolist()},
            {"image_id": 11, "track_id": 7, "keypoints": (kp + [1, 0, 0]).ravel().tolist()},
            {"image_id": 11, "track_id": 3, "keypoints": (kp + [100, 100, 0]).ravel().tolist()}]
    path = tmp_path / "coco.json"
    path.write_text(json.dumps({"images": images, "annotations": anns}))
    poses = load_coco_json(path, fps=10)
    assert poses.img_shape == (240, 320) and poses.num_frames == 2 and poses.track_ids.tolist() == [3, 7]
    assert poses.present.tolist() == [[False, True], [True, True]]
    assert poses.keypoint[1, 1, 2, 0] == 11.0  # frame_id 1 is image 11: shifted by one pixel
    assert poses.keypoint_score[1, 0, 3] == 0 and poses.keypoint_score[1, 0, 4] == 1
    np.testing.assert_allclose(poses.timestamps, [0, 0.1])


def test_coco_results_list_is_tracked(tmp_path):
    results = []
    for image_id in range(4):
        for offset in (0, 200):
            kp = np.zeros((17, 3))
            kp[:, 0] = 20 + offset + image_id * 2 + np.arange(17)
            kp[:, 1] = 40 + np.arange(17) * 4
            kp[:, 2] = 0.8
            results.append({"image_id": image_id, "category_id": 1, "keypoints": kp.ravel().tolist(), "score": 0.9})
    poses = load_coco_json(_write(tmp_path, results))
    assert poses.num_people == 2 and poses.frames_per_track().tolist() == [4, 4]
    assert np.allclose(poses.keypoint_score[poses.present], 0.8)


def _write(tmp_path, obj):
    path = tmp_path / "res.json"
    path.write_text(json.dumps(obj))
    return path


def test_openpose_body25_folder(tmp_path):
    body = np.zeros((25, 3))
    body[:, 0], body[:, 1], body[:, 2] = np.arange(25) * 10, 100, 0.7
    for frame in (0, 1, 2, 10):  # name order would put 10 before 2
        people = [] if frame == 1 else [{"person_id": [-1], "pose_keypoints_2d": (body + [frame, 0, 0]).ravel().tolist()}]
        (tmp_path / f"clip_{frame:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": people}))
    poses = load_openpose_json(tmp_path, fps=25, img_shape=(300, 400))
    assert poses.num_frames == 4 and poses.num_people == 1
    assert poses.present[0].tolist() == [True, False, True, True]
    # COCO left shoulder (5) is BODY_25 joint 5; COCO right ear (4) is BODY_25 joint 17
    assert poses.keypoint[0, 0, 5, 0] == 50 and poses.keypoint[0, 0, 4, 0] == 170
    assert poses.keypoint[0, 3, 5, 0] == 60  # file ..._000000000010 is the last frame
    with pytest.raises(PoseError):
        load_openpose_json(tmp_path / "nothing-here")
