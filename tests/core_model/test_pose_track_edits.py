"""Track corrections: merge/split/delete on Poses, ``epam poses``, and undoable project edits whose labels follow."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core_model.cli import main
from core_model.errors import PoseError
from core_model.pose.format import Poses
from core_model.pose.track_edit import apply_change, delete_track, merge_tracks, revert_change, split_track
from core_model.project import CreateSegment, History, ProjectError
from core_model.project.track_edits import DeleteTrack, MergeTracks, SplitTrack, project_poses_path

from .project_helpers import new_project, snapshot

FRAMES = 100


def _poses() -> Poses:
    """Track 0 in frames 0-39, track 1 in 50-99 (the same walker, lost in 40-49), track 2 in 0-99, track 5 in 20-29."""
    rng = np.random.default_rng(0)
    spans = {0: (0, 40), 1: (50, 100), 2: (0, 100), 5: (20, 30)}
    kp = np.zeros((len(spans), FRAMES, 17, 2), np.float32)
    sc = np.zeros((len(spans), FRAMES, 17), np.float32)
    for row, (start, stop) in enumerate(spans.values()):
        kp[row, start:stop] = rng.uniform(10, 300, (stop - start, 17, 2))
        sc[row, start:stop] = rng.uniform(0.2, 1.0, (stop - start, 17))
    return Poses(kp, sc, list(spans), np.arange(FRAMES) / 25.0, (360, 640), 25.0, {"source": "v0.mp4"})


def _same(a: Poses, b: Poses) -> bool:
    return (np.array_equal(a.keypoint, b.keypoint) and np.array_equal(a.keypoint_score, b.keypoint_score)
            and np.array_equal(a.track_ids, b.track_ids))


def test_merge_split_delete_round_trip():
    poses = _poses()
    merged, change = merge_tracks(poses, 0, 1)
    assert list(merged.track_ids) == [0, 2, 5]
    assert merged.present[0].sum() == 90 and not merged.present[0, 40:50].any()
    assert np.array_equal(merged.keypoint[0, 60], poses.keypoint[1, 60])
    assert _same(revert_change(merged, change), poses)
    assert _same(apply_change(revert_change(merged, change), change), merged)

    split, change, new_id = split_track(merged, 0, 50)
    assert new_id == 6 and list(split.track_ids) == [0, 6, 2, 5]
    assert split.present[0].sum() == 40 and split.present[1].sum() == 50
    assert _same(split.select([0, 2, 3]), poses.select([0, 2, 3]))  # the split gives back the two tracks
    assert _same(revert_change(split, change), merged)

    deleted, change = delete_track(poses, 5)
    assert list(deleted.track_ids) == [0, 1, 2]
    assert _same(revert_change(deleted, change), poses)


@pytest.mark.parametrize("call, message", [
    (lambda p: merge_tracks(p, 0, 2), "both present in frames 0-39"),
    (lambda p: merge_tracks(p, 0, 0), "cannot be merged with itself"),
    (lambda p: merge_tracks(p, 0, 9), "There is no track 9"),
    (lambda p: split_track(p, 5, 20), "cannot be split at frame 20"),
    (lambda p: split_track(p, 5, 30), "cannot be split at frame 30"),
    (lambda p: delete_track(p, 7), "There is no track 7"),
])
def test_bad_track_edits_are_one_sentence(call, message):
    with pytest.raises(PoseError, match=message):
        call(_poses())


def test_a_change_is_refused_on_other_poses():
    poses = _poses()
    _merged, change = merge_tracks(poses, 0, 1)
    _other, _ = delete_track(poses, 0)
    with pytest.raises(PoseError, match="changed since"):
        apply_change(_other, change)


def test_epam_poses_on_a_file(tmp_path, capsys):
    path = _poses().save(tmp_path / "clip.poses.npz")
    assert main(["poses", "merge", str(path), "0", "1"]) == 0
    assert list(Poses.load(path).track_ids) == [0, 2, 5]
    assert main(["poses", "split", str(path), "0", "50", "-o", str(tmp_path / "split.npz"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["new_track"] == 6 and list(Poses.load(tmp_path / "split.npz").track_ids) == [0, 6, 2, 5]
    assert main(["poses", "delete", str(path), "5"]) == 0
    assert main(["poses", "list", str(path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [t["track"] for t in listed["tracks"]] == [0, 2]
    assert listed["tracks"][0] == {"track": 0, "first": 0, "last": 99, "frames": 90, "seconds": 3.6}
    assert main(["poses", "merge", str(path), "0", "2"]) == 1
    assert "both present" in capsys.readouterr().err


@pytest.fixture
def project(tmp_path):
    store = new_project(tmp_path, frames=FRAMES, videos=1)
    path = project_poses_path(store, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    _poses().save(path)
    walk, sit = store.label_by_name("walk").id, store.label_by_name("sit").id
    for person, start, end, label in ((0, 5, 30, walk), (1, 60, 90, sit), (2, 0, 20, walk), (2, 40, 70, sit),
                                      (5, 20, 30, walk)):
        CreateSegment(1, person, start, end, label).apply(store)
    yield store, path
    store.close()


def _lanes(store):
    return sorted((s.person, s.start_frame, s.end_frame) for s in store.segments(video_id=1))


@pytest.mark.parametrize("make", [
    lambda: MergeTracks(1, 0, 1),
    lambda: SplitTrack(1, 2, 50),
    lambda: DeleteTrack(1, 5),
])
def test_project_track_edits_undo_redo(project, make):
    store, path = project
    history = History(store)
    before_db, before_poses = snapshot(store), Poses.load(path)
    edit = history.do(make())
    after_db, after_poses = snapshot(store), Poses.load(path)
    assert after_db != before_db and not _same(after_poses, before_poses)
    history.undo()
    assert snapshot(store) == before_db and _same(Poses.load(path), before_poses)
    history.redo()
    assert snapshot(store) == after_db and _same(Poses.load(path), after_poses)
    assert edit.description.split()[0] in ("Merge", "Split", "Delete")


def test_labels_follow_the_persons(project):
    store, path = project
    MergeTracks(1, 0, 1).apply(store)
    assert (0, 60, 90) in _lanes(store) and not any(p == 1 for p, _, _ in _lanes(store))
    split = SplitTrack(1, 2, 50)
    split.apply(store)
    assert split.new_id == 6
    assert (2, 40, 50) in _lanes(store) and (6, 50, 70) in _lanes(store) and (2, 0, 20) in _lanes(store)
    assert list(Poses.load(path).track_ids) == [0, 2, 6, 5]
    DeleteTrack(1, 5).apply(store)
    assert not any(p == 5 for p, _, _ in _lanes(store)) and list(Poses.load(path).track_ids) == [0, 2, 6]


def test_refused_project_edit_changes_nothing(project):
    store, path = project
    before_file = path.read_bytes()
    with pytest.raises(PoseError, match="both present"):
        MergeTracks(1, 0, 2).apply(store)
    CreateSegment(1, 0, 60, 70, store.label_by_name("walk").id).apply(store)
    before_db = snapshot(store)
    with pytest.raises(ProjectError, match="both have labels on frames 60-69"):
        MergeTracks(1, 0, 1).apply(store)
    assert snapshot(store) == before_db and path.read_bytes() == before_file


def test_a_failed_commit_puts_the_pose_file_back(project, monkeypatch):
    store, path = project
    before_db, before_file = snapshot(store), path.read_bytes()
    real = store.write_diff

    def failing(removed, added):
        real(removed, added)
        raise ProjectError("disk full")
    monkeypatch.setattr(store, "write_diff", failing)
    with pytest.raises(ProjectError, match="disk full"):
        DeleteTrack(1, 5).apply(store)
    assert snapshot(store) == before_db and path.read_bytes() == before_file


def test_epam_poses_in_a_project(project, capsys):
    store, path = project
    project_file = str(store.path)
    store.close()
    assert main(["poses", "split", project_file, "2", "50", "--video", "v0.mp4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["new_track"] == 6 and out["label_rows_changed"] == 3
    assert main(["poses", "list", project_file, "--video", "v0.mp4"]) == 0
    assert "5 tracks over 100 frames" in capsys.readouterr().out
    assert main(["poses", "delete", project_file, "3", "--video", "nope.mp4"]) == 1
    assert "no video 'nope.mp4'" in capsys.readouterr().err
