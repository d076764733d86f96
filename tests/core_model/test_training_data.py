"""Training data: sets and PYSKL pickles are read, bad data is refused in one sentence, presets load."""
import json
import pickle

import pytest

from core_model.cli import main as cli_main
from core_model.errors import EpamError
from core_model.export import make_synthetic_set
from core_model.training import DataError, load_preset, load_training_data, preset_names


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    return make_synthetic_set(tmp_path_factory.mktemp("set") / "small", classes=3, clips_per_class=4,
                              size=(64, 48), seconds=0.6, seed=1)


def _one_line_error(capsys, argv):
    rc = cli_main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 1, err
    assert len(err.splitlines()) == 1 and err.startswith("epam: error:") and "Traceback" not in err
    return err


def test_set_is_read_with_its_classes_and_splits(small_set):
    data = load_training_data(small_set.path)
    assert data.classes == small_set.classes and not data.pose_only
    assert len(data.train) == len(small_set.train) and len(data.val) == len(small_set.val)
    item = data.train[0]
    assert item.video.is_file() and not item.everybody  # the labeled person only
    kp, score, shape = item.load_poses()
    assert kp.shape[0] == 1 and kp.shape[2:] == (17, 2) and shape == (48, 64)


def test_pickle_with_videos_reads_like_the_set(small_set):
    data = load_training_data(small_set.skeleton_path)  # clips/ beside the pickle holds the videos
    assert sorted(i.name for i in data.train) == sorted(r.clip for r in small_set.train)
    assert all(i.video is not None and i.video.is_file() for i in data.train + data.val)
    assert data.source["kind"] == "pyskl"


def test_class_list_remaps_labels_by_name(small_set, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("\n".join(["other"] + list(reversed(small_set.classes))) + "\n")
    data = load_training_data(small_set.path, classes=names.read_text().split())
    for item in data.train:
        assert data.classes[item.label] == small_set.classes[next(r.label_index for r in small_set.rows
                                                                  if r.clip == item.name)]
    with pytest.raises(DataError, match="not in the class list"):
        load_training_data(small_set.path, classes=["other", small_set.classes[0]])


def _pickle(path, annotations, split):
    with open(path, "wb") as fh:
        pickle.dump({"split": split, "annotations": annotations}, fh)
    return path


def test_bad_data_is_one_sentence(small_set, tmp_path, capsys):
    raw = pickle.loads(small_set.skeleton_path.read_bytes())
    anns = raw["annotations"]
    # missing videos
    err = _one_line_error(capsys, ["train", str(_pickle(tmp_path / "a.pkl", anns, raw["split"])),
                                   "-o", str(tmp_path / "r1")])
    assert "missing" in err and "--videos" in err
    # a label outside the classes (names come from a label map beside the pickle)
    (tmp_path / "label_map.txt").write_text("\n".join(small_set.classes) + "\n")
    bad = [dict(a) for a in anns]
    bad[0]["label"] = 7
    err = _one_line_error(capsys, ["train", str(_pickle(tmp_path / "b.pkl", bad, raw["split"])),
                                   "--videos", str(small_set.path / "clips"), "-o", str(tmp_path / "r2")])
    assert "outside the 3 classes" in err
    # an empty split
    split = {"train": raw["split"]["train"], "val": []}
    err = _one_line_error(capsys, ["train", str(_pickle(tmp_path / "c.pkl", anns, split)),
                                   "--videos", str(small_set.path / "clips"), "-o", str(tmp_path / "r3")])
    assert "validation split" in err and "empty" in err
    # a set with a clip missing
    broken = tmp_path / "broken"
    import shutil

    shutil.copytree(small_set.path, broken)
    (broken / "clips" / f"{small_set.train[0].clip}.mp4").unlink()
    err = _one_line_error(capsys, ["train", str(broken), "-o", str(tmp_path / "r4")])
    assert "missing" in err
    # neither a set nor a pickle; an unknown preset; nothing to resume
    assert "neither" in _one_line_error(capsys, ["train", str(small_set.path / "set.json"), "-o", str(tmp_path / "r5")])
    assert "Unknown preset" in _one_line_error(capsys, ["train", str(small_set.path), "--preset", "fast",
                                                        "-o", str(tmp_path / "r6")])
    assert "no run to resume" in _one_line_error(capsys, ["train", str(small_set.path), "--resume",
                                                          "-o", str(tmp_path / "r7")])


def test_presets_are_documented_and_consistent():
    assert {"paper", "cpu-quick"} <= set(preset_names())
    paper = load_preset("paper")
    assert [(paper.phases[p].epochs, paper.phases[p].batch, paper.phases[p].lr) for p in ("rgb", "pose", "joint")] \
        == [(240, 16, 0.0125), (240, 64, 0.1), (20, 16, 0.001)]
    assert paper.momentum == 0.9 and paper.phase_names(paper.default_phase) == ["rgb", "pose", "joint"]
    assert paper.inputs.to_dict() == {"rgb_size": 224, "heatmap_size": 56, "rgb_frames": 16, "pose_frames": 48}
    quick = load_preset("cpu-quick")
    assert quick.inputs.rgb_size < 224 and quick.inputs.rgb_frames < 16 and quick.model == paper.model
    assert quick.description and paper.description
    with pytest.raises(EpamError):
        load_preset("nope")
