"""Malformed pose input: every importer raises one-sentence PoseErrors (fuzzed), pose files are validated."""
from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

from core_model.errors import PoseError
from core_model.pose import load_coco_json, load_openpose_json, load_pyskl_pickle
from core_model.pose.format import Poses

JUNK = ["text", None, [], [1, 2], {"a": 1}, float("nan"), float("inf"), 1e30, -5, True, [[["x"]]], 3.5]


def _pyskl():
    rng = np.random.default_rng(0)
    return {"annotations": [{"frame_dir": "a", "label": 1, "img_shape": (480, 640), "total_frames": 4,
                             "keypoint": rng.uniform(1, 400, (1, 4, 17, 2)).astype(np.float32),
                             "keypoint_score": rng.uniform(0, 1, (1, 4, 17)).astype(np.float32)}]}


def _coco():
    kp = [v for j in range(17) for v in (10.0 + j, 20.0 + j, 2)]
    return {"images": [{"id": 1, "frame_id": 0, "height": 240, "width": 320},
                       {"id": 2, "frame_id": 1, "height": 240, "width": 320}],
            "annotations": [{"image_id": 1, "track_id": 5, "keypoints": kp},
                            {"image_id": 2, "track_id": 5, "keypoints": kp}]}


def _openpose():
    return {"people": [{"pose_keypoints_2d": [v for j in range(25) for v in (30.0 + j, 40.0 + j, 0.9)]}]}


def _paths(obj, prefix=()):
    """Every path to a leaf or container inside a JSON-like object."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _replace(obj, path, value):
    obj = copy.deepcopy(obj)
    if not path:
        return value
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, tuple):
        return obj  # tuples (img_shape) are replaced as a whole from their parent
    parent[path[-1]] = value
    return obj


def _as_lists(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, dict):
        return {k: _as_lists(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_as_lists(v) for v in obj]
    return obj


def _check(load, path):
    """``load(path)`` returns valid poses or raises one PoseError sentence naming the file."""
    try:
        out = load(path)
    except PoseError as exc:
        text = str(exc)
        named = path.name in text or (path.is_dir() and "_keypoints.json" in text)  # a folder: the frame file
        assert "\n" not in text and named, text
        return "refused"
    for poses in out if isinstance(out, list) else [out]:
        assert np.isfinite(poses.keypoint).all() and np.isfinite(poses.keypoint_score).all()
        assert ((poses.keypoint_score >= 0) & (poses.keypoint_score <= 1)).all()
    return "accepted"


def _fuzz_cases(base, limit=400, seed=0):
    rng = np.random.default_rng(seed)
    paths = list(_paths(base))
    cases = [(p, j) for p in paths for j in JUNK]
    order = rng.permutation(len(cases))[:limit]
    return [cases[i] for i in order]


def test_fuzz_pyskl_pickle(tmp_path):
    base = _as_lists(_pyskl())
    outcomes = []
    for k, (where, junk) in enumerate(_fuzz_cases(base)):
        path = tmp_path / f"case{k}.pkl"
        path.write_bytes(pickle.dumps(_replace(base, where, junk)))
        outcomes.append(_check(load_pyskl_pickle, path))
    assert "refused" in outcomes and "accepted" in outcomes


def test_fuzz_coco_json(tmp_path):
    base = _coco()
    outcomes = []
    for k, (where, junk) in enumerate(_fuzz_cases(base)):
        path = tmp_path / f"case{k}.json"
        path.write_text(json.dumps(_replace(base, where, junk)))
        outcomes.append(_check(load_coco_json, path))
    assert "refused" in outcomes and "accepted" in outcomes


def test_fuzz_openpose_json(tmp_path):
    base = _openpose()
    outcomes = []
    for k, (where, junk) in enumerate(_fuzz_cases(base, limit=200)):
        folder = tmp_path / f"case{k}"
        folder.mkdir()
        for frame in range(2):
            (folder / f"v_{frame:012d}_keypoints.json").write_text(json.dumps(_replace(base, where, junk)))
        outcomes.append(_check(load_openpose_json, folder))
    assert "refused" in outcomes and "accepted" in outcomes


@pytest.mark.parametrize("change, match", [
    (lambda d: d["annotations"][0].update(keypoint="abc"), "not numbers"),
    (lambda d: d["annotations"][0].update(keypoint_score=np.zeros(5, np.float32)), "keypoint_score"),
    (lambda d: d["annotations"][0]["keypoint"].__setitem__((0, 1, 2, 0), np.nan), "NaN"),
    (lambda d: d["annotations"][0]["keypoint"].__setitem__((0, 1, 2, 0), 1e30), "corrupt"),
    (lambda d: d["annotations"][0].update(img_shape="big"), "img_shape"),
    (lambda d: d["annotations"][0].update(img_shape=(1, 2, 3)), "img_shape"),
    (lambda d: d["annotations"][0].update(total_frames="4"), "total_frames"),
])
def test_pyskl_problems_named(tmp_path, change, match):
    data = _pyskl()
    change(data)
    path = tmp_path / "bad.pkl"
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(PoseError, match=match) as err:
        load_pyskl_pickle(path)
    assert "bad.pkl" in str(err.value)


@pytest.mark.parametrize("change, match", [
    (lambda d: d["images"][0].pop("id"), "'id'"),
    (lambda d: d["annotations"][0].update(image_id=[1]), "image_id"),
    (lambda d: d["images"][0].update(frame_id="0"), "mix numbers and texts"),
    (lambda d: d["images"][0].update(height="tall"), "height"),
    (lambda d: d["annotations"][0]["keypoints"].__setitem__(0, 1e30), "corrupt"),
    (lambda d: d["annotations"].append("x"), "JSON object"),
    (lambda d: d["annotations"][0].update(keypoints=["a"] * 51), "not all numbers"),
])
def test_coco_problems_named(tmp_path, change, match):
    data = _coco()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PoseError, match=match) as err:
        load_coco_json(path)
    assert "bad.json" in str(err.value)


def test_openpose_non_dict_people_named(tmp_path):
    (tmp_path / "v_000000000000_keypoints.json").write_text(json.dumps({"people": ["x"]}))
    with pytest.raises(PoseError, match="JSON object"):
        load_openpose_json(tmp_path)


def _pose_file(tmp_path, kp=None, score=None, joints=17):
    kp = np.full((1, 3, joints, 2), 5.0, np.float32) if kp is None else kp
    score = np.full(kp.shape[:3], 0.9, np.float32) if score is None else score
    path = tmp_path / "p.npz"
    np.savez(path, keypoint=kp, keypoint_score=score, img_shape=np.array([10, 10]), fps=np.array(25.0))
    return path


def test_pose_files_with_bad_numbers_are_refused_or_clipped(tmp_path):
    kp = np.full((1, 3, 17, 2), 5.0, np.float32)
    kp[0, 1, 3, 1] = np.inf
    with pytest.raises(PoseError, match="p.npz.*not numbers"):
        Poses.load(_pose_file(tmp_path, kp))
    kp[0, 1, 3, 1] = np.nan
    with pytest.raises(PoseError, match="not numbers"):
        Poses.load(_pose_file(tmp_path, kp))
    with pytest.raises(PoseError, match="5 joints"):
        Poses.load(_pose_file(tmp_path, joints=5))
    score = np.full((1, 3, 17), 1e6, np.float32)
    poses = Poses.load(_pose_file(tmp_path, score=score))
    assert poses.keypoint_score.max() == 1.0 and "clipped" in poses.meta["note"]


def test_keypoints_far_outside_the_image_are_refused(tmp_path):
    kp = np.full((1, 3, 17, 2), 5.0, np.float32)
    kp[0, 1, 3] = (5e5, 5.0)  # would make a crop box of a million pixels a side
    with pytest.raises(PoseError, match="outside the 10x10 image"):
        Poses.load(_pose_file(tmp_path, kp))
    kp[0, 1, 3] = (-8.0, 15.0)  # a little outside the frame is fine (a limb cut by the border)
    assert Poses.load(_pose_file(tmp_path, kp)).num_frames == 3
