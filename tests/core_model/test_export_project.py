"""epam export: a project's segments as a fine-tuning set (frame-exact clips, poses, splits, filters, errors)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from core_model.cli import main
from core_model.errors import Cancelled, EpamError
from core_model.export import ExportOptions, export_set, load_set
from core_model.jobs import CancelToken
from core_model.pose.format import Poses
from core_model.pose.importers import safe_load_pickle
from core_model.project import CreateSegment, ProjectStore
from core_model.video import VideoReader
from core_model.video.encoding import encode_frames
from core_model.video.synthetic import draw_stick_figures, stick_figure_keypoints

SIZE = (160, 120)
FRAMES = 90
LABELS = ["wave", "clap", "squat"]
# (person, start, end, label, source)
SEGMENTS = [(0, 5, 35, "wave", "user"), (0, 40, 80, "clap", "user"), (1, 10, 50, "squat", "user"),
            (1, 55, 85, "wave", "accepted"), (-1, 0, 4, "clap", "user")]


def make_project(folder: Path, videos: int = 4, segments=SEGMENTS) -> Path:
    """A project of ``videos`` two-person stick-figure videos (B-frames), poses beside them, labeled segments."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "proj.epam"
    with ProjectStore.create(path, labels=LABELS, author="tester") as store:
        ids = {lab.name: lab.id for lab in store.labels()}
        for v in range(videos):
            video = folder / f"clip{v}.mp4"
            kp = stick_figure_keypoints(2, FRAMES, SIZE, 25.0) + np.float32(v)  # each video a little different
            encode_frames(video, (draw_stick_figures(kp[:, t], SIZE) for t in range(FRAMES)), fps=25.0,
                          options={"bf": "2", "g": "12", "crf": "20"})
            Poses(kp, np.ones(kp.shape[:3], np.float32), [0, 1], np.arange(FRAMES) / 25.0, SIZE[::-1], 25.0).save(
                folder / f"clip{v}.poses.npz")
            rec = store.add_video(video)
            for person, start, end, label, source in segments:
                CreateSegment(rec.id, person, start, end, ids[label], source=source,
                              confidence=0.8 if source == "accepted" else None).apply(store)
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("proj"))


def _export(project, out, **options):
    with ProjectStore.open(project, read_only=True) as store:
        return export_set(store, out, ExportOptions(**options))


def _leftovers(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_clips_are_frame_exact_with_source_timing(project, tmp_path):
    s = _export(project, tmp_path / "set", crf=0, pad=3, sources=("user", "accepted"))
    assert len(s.rows) == 20 and s.classes == LABELS
    for row in s.rows:  # every clip decodes to the manifest's frame count
        with VideoReader(s.clip_path(row)) as clip:
            assert clip.frame_count == row.frames and len(list(clip.iter_frames())) == row.frames
    with VideoReader(project.parent / "clip1.mp4") as src:
        for row in [r for r in s.rows if r.video == "clip1.mp4"]:
            assert row.start_frame == max(0, row.segment_start_frame - 3)
            assert row.end_frame == min(FRAMES, row.segment_end_frame + 3)
            with VideoReader(s.clip_path(row)) as clip:
                assert clip.frame_count == row.frames == row.end_frame - row.start_frame
                for k in range(clip.frame_count):
                    np.testing.assert_array_equal(clip[k], src[row.start_frame + k])
                expected = src.timestamps[row.start_frame:row.end_frame] - src.timestamps[row.start_frame]
                np.testing.assert_allclose(clip.timestamps, expected, atol=1e-6)
            assert row.start_time == pytest.approx(src.timestamps[row.start_frame])
            poses = s.poses(row)
            assert poses.num_frames == row.frames and poses.timestamps[0] == 0
    assert _leftovers(tmp_path) == []


def test_manifest_pickle_and_person_order(project, tmp_path):
    s = _export(project, tmp_path / "set", sources=("user", "accepted"))
    by_person = {r.person: r for r in s.rows if r.video == "clip0.mp4"}
    assert s.poses(by_person[1]).track_ids.tolist() == [1, 0]  # the labeled person first
    assert s.poses(by_person[0]).track_ids.tolist() == [0, 1]
    accepted = [r for r in s.rows if r.source == "accepted"]
    assert len(accepted) == 4 and all(r.confidence == pytest.approx(0.8) for r in accepted)
    assert all(r.author == "tester" for r in s.rows)
    data = safe_load_pickle(s.skeleton_path)  # numpy arrays and builtins only
    anns = {a["frame_dir"]: a for a in data["annotations"]}
    assert set(anns) == {r.clip for r in s.rows}
    for row in s.rows:
        a = anns[row.clip]
        assert a["label"] == LABELS.index(row.label) and a["total_frames"] == row.frames
        assert a["img_shape"] == (120, 160) and a["original_shape"] == (120, 160)
        assert a["keypoint"].dtype == np.float32 and a["keypoint"].shape == (2, row.frames, 17, 2)
        assert a["keypoint_score"].dtype == np.float32 and a["keypoint_score"].shape == (2, row.frames, 17)
    header = (s.path / "manifest.csv").read_text().splitlines()[0].split(",")
    for name in ("clip", "video", "video_key", "frames", "start_time", "end_time", "person", "label", "source",
                 "author", "confidence"):
        assert name in header


def test_person_crop(project, tmp_path):
    s = _export(project, tmp_path / "set", crop="person", crf=0, labels=["squat"])
    assert {r.label for r in s.rows} == {"squat"} and s.classes == ["squat"]
    row = s.rows[0]
    x0, y0, x1, y1 = (int(v) for v in row.crop.split())
    assert (x1 - x0, y1 - y0) == (row.width, row.height) and row.width < 120
    poses = s.poses(row)
    assert poses.img_shape == (row.height, row.width)
    kp = poses.keypoint[0]
    assert (kp[..., 0] >= 0).all() and (kp[..., 0] < row.width).all() and (kp[..., 1] < row.height).all()
    with VideoReader(project.parent / f"{Path(row.video).stem}.mp4") as src, VideoReader(s.clip_path(row)) as clip:
        assert (clip.width, clip.height) == (row.width, row.height)
        np.testing.assert_array_equal(clip[7], src[row.start_frame + 7][y0:y1, x0:x1])


def test_pose_only_set_has_no_video(project, tmp_path):
    s = _export(project, tmp_path / "set", pose_only=True, split_by="person")
    assert s.pose_only and not (s.path / "clips").exists()
    assert not [p for p in s.path.rglob("*") if p.suffix.lower() in (".mp4", ".mkv", ".avi", ".mov")]
    assert all(s.clip_path(r) is None and s.pose_path(r).is_file() for r in s.rows)
    assert len(safe_load_pickle(s.skeleton_path)["annotations"]) == len(s.rows) == 16


@pytest.mark.parametrize("split_by", ["video", "person"])
def test_splits_never_leak(project, tmp_path, split_by):
    for seed in range(4):
        s = _export(project, tmp_path / f"set{seed}", pose_only=True, split_by=split_by, seed=seed, split=0.5)
        unit = (lambda r: r.video) if split_by == "video" else (lambda r: (r.video, r.person))
        train, val = {unit(r) for r in s.train}, {unit(r) for r in s.val}
        assert train and val and not train & val
        data = safe_load_pickle(s.skeleton_path)
        assert set(data["split"]["val"]) == {r.clip for r in s.val}


def test_filters_min_frames_and_balance(project, tmp_path, capsys):
    out = tmp_path / "set"
    assert main(["export", str(project), "-o", str(out), "--pose-only", "--videos", "clip0.mp4,clip2",
                 "--min-frames", "5", "--sources", "user,accepted"]) == 0
    text = capsys.readouterr().out
    assert "wrote a pose-only set of 8 clips" in text and "2 segments shorter than 5 frames left out" in text
    assert "train clips" in text and "total" in text
    s = load_set(out)
    assert {r.video for r in s.rows} == {"clip0.mp4", "clip2.mp4"} and min(r.frames for r in s.rows) >= 5
    assert (out / "balance.txt").read_text() in text


def test_bad_inputs_are_one_sentence(project, tmp_path, capsys):
    def fails(*args) -> str:
        assert main(["export", *args]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("epam: error: ") and "\n" not in err and "Traceback" not in err
        return err

    empty = tmp_path / "empty.epam"
    ProjectStore.create(empty, labels=LABELS).close()
    assert "no labeled segments" in fails(str(empty), "-o", str(tmp_path / "a"))
    assert "No segment has the label" in fails(str(project), "-o", str(tmp_path / "b"), "--labels", "squat",
                                               "--videos", "clip0", "--sources", "accepted")
    assert "No label named 'jump'" in fails(str(project), "-o", str(tmp_path / "c"), "--labels", "jump")
    (tmp_path / "file.txt").write_text("x")
    assert "is a file" in fails(str(project), "-o", str(tmp_path / "file.txt"))
    assert "No video named" in fails(str(project), "-o", str(tmp_path / "d"), "--videos", "nope.mp4")
    assert "Project file not found" in fails(str(tmp_path / "missing.epam"), "-o", str(tmp_path / "e"))
    assert _leftovers(tmp_path) == [] and not (tmp_path / "a").exists()


def test_disk_full_leaves_nothing(project, tmp_path, monkeypatch, capsys):
    """The clip encoder writes to /dev/full, which fails every write with ENOSPC (a real full disk)."""
    from core_model.video import clips

    real = clips.write_reader_clips

    def to_full_disk(reader, jobs, **kw):
        for job in jobs:
            job.out_path = "/dev/full"
        return real(reader, jobs, **kw)

    monkeypatch.setattr(clips, "write_reader_clips", to_full_disk)
    assert main(["export", str(project), "-o", str(tmp_path / "set")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("epam: error: The disk is full") and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_cancel_leaves_nothing(project, tmp_path):
    token = CancelToken()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 2:
            token.cancel()

    with ProjectStore.open(project, read_only=True) as store:
        with pytest.raises(Cancelled):
            export_set(store, tmp_path / "set", ExportOptions(), progress=progress, cancel=token)
    assert max(seen) == 2 and list(tmp_path.iterdir()) == []


def test_killed_export_leaves_nothing(project, tmp_path):
    """A real SIGKILL mid-export: no set and no temporary folder remain (the guard process removes it)."""
    out = tmp_path / "set"
    script = textwrap.dedent(f"""
        import sys, time
        from core_model.export import ExportOptions, export_set
        from core_model.project import ProjectStore
        def progress(done, total):
            if done == 2:
                print("mid-way", flush=True)
                time.sleep(60)
        with ProjectStore.open({str(project)!r}, read_only=True) as store:
            export_set(store, {str(out)!r}, ExportOptions(), progress=progress)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=str(Path(__file__).resolve().parents[2]), env=dict(os.environ))
    try:
        assert proc.stdout.readline().strip() == "mid-way"
        partial = [p for p in tmp_path.iterdir() if p.name.startswith(".set.")]
        assert len(partial) == 1 and list((partial[0] / "clips").iterdir())  # work was under way
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while list(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.iterdir()) == []


def test_missing_poses_and_video(tmp_path):
    project = make_project(tmp_path / "p", videos=1, segments=SEGMENTS[:1])
    (tmp_path / "p" / "clip0.poses.npz").unlink()
    with ProjectStore.open(project, read_only=True) as store, pytest.raises(EpamError, match="has no poses"):
        export_set(store, tmp_path / "set", ExportOptions())
    (tmp_path / "p" / "clip0.mp4").unlink()
    with ProjectStore.open(project, read_only=True) as store, pytest.raises(EpamError, match="is missing"):
        export_set(store, tmp_path / "set", ExportOptions())


def test_two_coders_on_the_same_frames(tmp_path, capsys):
    project = make_project(tmp_path / "p", videos=2, segments=SEGMENTS[:2])
    with ProjectStore.open(project) as store:
        squat = store.label_by_name("squat").id
        for rec in store.videos():  # a second coder labels person 0's first action differently
            CreateSegment(rec.id, 0, 8, 30, squat, author="second").apply(store)
    out = tmp_path / "all"
    assert main(["export", str(project), "-o", str(out), "--pose-only"]) == 0
    text = capsys.readouterr().out
    assert "note: 4 clips overlap another coder's label" in text and len(load_set(out)) == 6
    assert main(["export", str(project), "-o", str(tmp_path / "one"), "--pose-only", "--authors", "tester"]) == 0
    s = load_set(tmp_path / "one")
    assert len(s.rows) == 4 and {r.author for r in s.rows} == {"tester"} and "overlap" not in capsys.readouterr().out
    assert main(["export", str(project), "-o", str(tmp_path / "x"), "--authors", "nobody"]) == 1
    assert "No segment by nobody" in capsys.readouterr().err


def test_person_crop_drops_joints_of_people_far_outside_the_box():
    """A classroom: the labeled child's crop is small and other people are far away (more than the crop's
    size outside it); their joints are not in the clip, so they become missing instead of failing validation."""
    from core_model.export.writer import shift_poses

    kp = np.zeros((2, 3, 17, 2), np.float32)
    kp[0, :, :, 0], kp[0, :, :, 1] = 110.0, 60.0  # labeled person inside the box
    kp[1, :, :, 0], kp[1, :, :, 1] = 600.0, 300.0  # somebody across the room
    kp[0, :, 3] = (60.0, 60.0)  # one joint just outside the box on the left
    poses = Poses(kp, np.ones((2, 3, 17), np.float32), [4, 9], np.arange(3) / 25.0, (360, 640), 25.0)
    out = shift_poses(poses, (80, 20, 160, 100))
    assert out.img_shape == (80, 80)
    assert (out.keypoint_score[1] == 0).all() and (out.keypoint[1] == 0).all()
    np.testing.assert_allclose(out.keypoint[0, :, 0], [[30.0, 40.0]] * 3)
    assert (out.keypoint_score[0, :, 3] == 0).all() and (out.keypoint_score[0, :, :3] == 1).all()


def test_point_events_are_not_exported_as_clips(tmp_path, capsys):
    path = make_project(tmp_path / "p", videos=1, segments=SEGMENTS[:2])
    with ProjectStore.open(path) as store:
        hand = store.add_label("raises hand", kind="point").id
        CreateSegment(store.videos()[0].id, 0, 12, 13, hand).apply(store)
    exported = _export(path, tmp_path / "set", pose_only=True)
    assert sorted(r.label for r in exported.rows) == ["clap", "wave"] and "raises hand" not in exported.classes
    with pytest.raises(EpamError, match="'raises hand' is a point event"):
        _export(path, tmp_path / "set2", pose_only=True, labels=["raises hand"])
