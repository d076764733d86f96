"""Synthetic fine-tuning sets: layout, exact poses, PYSKL pickle, appearance-only classes, load_set."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core_model.cli import main
from core_model.export import ExportError, load_set, make_synthetic_set
from core_model.export.figures import R_WRIST
from core_model.pose.importers import load_pyskl_pickle, safe_load_pickle
from core_model.video import VideoReader


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "set"
    return make_synthetic_set(out, classes=4, clips_per_class=3, seed=3, size=(128, 96), people=2, seconds=1.2)


def test_layout_and_manifest(synth_set):
    s = synth_set
    assert s.classes == ["wave", "clap", "lift_red_ball", "lift_blue_cube"]
    assert len(s.rows) == 12 and not s.pose_only
    assert {r.split for r in s.rows} == {"train", "val"}
    for name in ("train", "val"):  # stratified: every class in both splits
        assert {r.label for r in s.split(name)} == set(s.classes)
    info = json.loads((s.path / "set.json").read_text())
    assert info["format"] == "epam-set" and info["source"]["kind"] == "synthetic"
    assert info["source"]["appearance_groups"] == [["lift_red_ball", "lift_blue_cube"]]
    assert (s.path / "label_map.txt").read_text().splitlines() == s.classes
    csv_lines = (s.path / "manifest.csv").read_text().splitlines()
    assert len(csv_lines) == 13 and csv_lines[0].startswith("clip,split,video,video_key,start_frame,end_frame,frames")
    assert "val" in (s.path / "balance.txt").read_text() and (s.path / "README.md").is_file()
    assert not [p for p in s.path.parent.iterdir() if p.name.startswith(".")]  # no temporary sibling left


def test_clips_and_poses_agree(synth_set):
    s = synth_set
    for row in s.rows[:4]:
        poses = s.poses(row)
        assert poses.num_frames == row.frames == 30 and poses.num_people == 2
        assert poses.track_ids[0] == row.person  # the labeled person first
        kp = poses.keypoint
        assert (kp > 0).all() and (kp[..., 0] < 128).all() and (kp[..., 1] < 96).all()
        assert (poses.keypoint_score == 1).all()
        with VideoReader(s.clip_path(row)) as clip:
            assert clip.frame_count == row.frames and (clip.width, clip.height) == (128, 96)
            np.testing.assert_allclose(clip.timestamps, poses.timestamps, atol=1e-3)


def test_pickle_loads_restricted_with_pyskl_shapes(synth_set):
    s = synth_set
    data = safe_load_pickle(s.skeleton_path)
    assert set(data) == {"split", "annotations"}
    assert sorted(data["split"]["train"] + data["split"]["val"]) == sorted(r.clip for r in s.rows)
    assert set(data["split"]["val"]) == {r.clip for r in s.val}
    for ann, row in zip(data["annotations"], s.rows):
        assert ann["frame_dir"] == row.clip and ann["label"] == row.label_index
        assert ann["img_shape"] == (96, 128) and ann["original_shape"] == (96, 128)
        assert ann["total_frames"] == row.frames
        assert ann["keypoint"].dtype == np.float32 and ann["keypoint"].shape == (2, row.frames, 17, 2)
        assert ann["keypoint_score"].dtype == np.float32 and ann["keypoint_score"].shape == (2, row.frames, 17)
        np.testing.assert_array_equal(ann["keypoint"], s.poses(row).keypoint)
    assert len(load_pyskl_pickle(s.skeleton_path)) == 12


def _wrist_colour(s, row, t=15):
    poses = s.poses(row)
    x, y = poses.keypoint[0, t, R_WRIST]
    with VideoReader(s.clip_path(row)) as clip:
        frame = clip[t].astype(np.float32)
    ys, xs = np.mgrid[0:frame.shape[0], 0:frame.shape[1]]
    near = (xs - x) ** 2 + (ys - y) ** 2 <= 9 ** 2
    return frame[near].mean(axis=0)


def test_appearance_classes_share_motion_but_not_pixels(synth_set):
    s = synth_set
    red = [r for r in s.rows if r.label == "lift_red_ball"]
    blue = [r for r in s.rows if r.label == "lift_blue_cube"]
    for row in red:  # the ball is red, the cube blue, next to the right wrist
        c = _wrist_colour(s, row)
        assert c[0] > c[2] + 20, c
    for row in blue:
        c = _wrist_colour(s, row)
        assert c[2] > c[0] + 20, c

    def normalized(row):  # actor's pose relative to the hips, in units of the shoulder-ankle height
        kp = s.poses(row).keypoint[0].astype(np.float64)
        hips = kp[:, [11, 12]].mean(axis=1, keepdims=True)
        height = kp[:, [15, 16], 1].mean() - kp[:, [5, 6], 1].mean()
        return (kp - hips) / height

    # Same motion family: the right wrist's range of heights is alike, while waving differs from lifting.
    lift_ranges = [np.ptp(normalized(r)[:, R_WRIST, 1]) for r in red + blue]
    wave_tops = [normalized(r)[:, R_WRIST, 1].min() for r in s.rows if r.label == "wave"]
    lift_tops = [normalized(r)[:, R_WRIST, 1].min() for r in red + blue]
    assert min(lift_ranges) > 0.3
    assert max(wave_tops) < min(lift_tops)


def test_deterministic_with_seed(tmp_path):
    a = make_synthetic_set(tmp_path / "a", classes=2, clips_per_class=2, seed=7, size=(64, 48), seconds=0.4)
    b = make_synthetic_set(tmp_path / "b", classes=2, clips_per_class=2, seed=7, size=(64, 48), seconds=0.4)
    for ra, rb in zip(a.rows, b.rows):
        assert ra.video_key == rb.video_key and ra.split == rb.split
        np.testing.assert_array_equal(a.poses(ra).keypoint, b.poses(rb).keypoint)


def test_cli_and_bad_inputs(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["synth-dataset", "-o", str(out), "--classes", "3", "--clips-per-class", "2", "--size", "96x64",
                 "--seconds", "0.4"]) == 0
    text = capsys.readouterr().out
    assert "wrote 6 clips of 3 classes" in text and "lift_red_ball" in text
    assert len(load_set(out)) == 6
    assert main(["synth-dataset", "-o", str(out)]) == 1  # exists, not empty
    assert "already exists" in capsys.readouterr().err
    assert main(["synth-dataset", "-o", str(out / "set.json")]) == 1  # a file
    assert "is a file" in capsys.readouterr().err
    with pytest.raises(ExportError, match="between 2 and 13 classes"):
        make_synthetic_set(tmp_path / "x", classes=14)
    with pytest.raises(ExportError, match="not a fine-tuning set"):
        load_set(tmp_path)
