"""Poses to other tools and back: COCO keypoints JSON read by pycocotools and by our importer (track ids, VFR
timestamps), PYSKL pickles read by our restricted reader, the CLI, malformed COCO files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core_model.cli import main
from core_model.errors import PoseError
from core_model.interop.pose_files import export_poses, import_coco
from core_model.pose import load_pyskl_pickle
from core_model.pose.format import Poses

from .interop_tools import DURATIONS_MS


@pytest.fixture
def poses():
    rng = np.random.default_rng(3)
    kp = rng.uniform(5, 120, size=(2, 40, 17, 2)).astype(np.float32).round(2)
    sc = rng.uniform(0.2, 1.0, size=(2, 40, 17)).astype(np.float32)
    sc[1, :10] = 0  # track 9 appears at frame 10
    sc[0, 5, :4] = 0  # four joints unseen on one frame
    kp[sc == 0] = 0
    times = np.cumsum([0] + DURATIONS_MS[:-1]) / 1000.0  # a VFR video's frame times
    return Poses(kp, sc, np.array([4, 9]), times, (128, 192), 16.96)


def test_pycocotools_reads_the_coco_file(poses, tmp_path):
    coco_mod = pytest.importorskip("pycocotools.coco", reason="pycocotools is not installed")
    out = export_poses(poses, tmp_path / "p.json", "coco", "vfr")
    coco = coco_mod.COCO(str(out))
    assert len(coco.getImgIds()) == 40 and coco.loadCats(1)[0]["keypoints"][0] == "nose"
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[5]))
    first = next(a for a in anns if a["track_id"] == 4)
    assert first["num_keypoints"] == 13 and first["keypoints"][:3] == [0.0, 0.0, 0]
    assert len(coco.getAnnIds(imgIds=[3])) == 1 and len(coco.getAnnIds(imgIds=[12])) == 2


def test_coco_round_trip_keeps_tracks_frames_and_vfr_timestamps(poses, tmp_path):
    back = import_coco(export_poses(poses, tmp_path / "p.json", "coco"))
    assert list(back.track_ids) == [4, 9]
    np.testing.assert_allclose(back.timestamps, poses.timestamps)
    np.testing.assert_allclose(back.keypoint, poses.keypoint, atol=0.01)
    assert ((back.keypoint_score > 0) == (poses.keypoint_score > 0)).all()  # scores come back as seen / unseen


def test_pyskl_pickle_reads_back_with_our_restricted_reader(poses, tmp_path):
    out = export_poses(poses, tmp_path / "p.pkl", "pyskl", "vfr")
    (back,) = load_pyskl_pickle(out)
    np.testing.assert_array_equal(back.keypoint, poses.keypoint)
    np.testing.assert_array_equal(back.keypoint_score, poses.keypoint_score)
    assert back.img_shape == (128, 192) and back.meta["frame_dir"] == "vfr"


def test_cli_exports_and_imports(poses, tmp_path, capsys):
    src = poses.save(tmp_path / "vfr.poses.npz")
    assert main(["poses", "export", str(src), "-o", str(tmp_path / "c.json"), "--format", "coco"]) == 0
    assert main(["poses", "export", str(src), "-o", str(tmp_path / "c.pkl"), "--format", "pyskl"]) == 0
    assert main(["poses", "import", str(tmp_path / "c.json"), "-o", str(tmp_path / "back.npz")]) == 0
    back = Poses.load(tmp_path / "back.npz")
    assert list(back.track_ids) == [4, 9] and back.num_frames == 40
    assert main(["poses", "export", str(src), "-o", str(tmp_path / "x.json"), "--format", "coco", "--video",
                 "nothing"]) == 1  # a pose file is not a project


@pytest.mark.parametrize("content, expected", [
    ("{", "not"), (json.dumps({"images": [{"file_name": "a"}], "annotations": []}), "has no 'id'"),
    (json.dumps({"annotations": [{"image_id": [1], "keypoints": []}]}), "image_id"),
])
def test_malformed_coco_files_say_one_sentence(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PoseError) as err:
        import_coco(path)
    assert expected in str(err.value) and "\n" not in str(err.value)
