"""Subjects of a project: the store's queries and the undoable subject edits (real SQLite project files)."""
from __future__ import annotations

import pytest

from core_model.project import History, ProjectError, ProjectStore
from core_model.project.subject_edits import (AddSubject, AssignTrack, DeleteSubject, NewSubjectForTrack, RecolorSubject,
                                              RenameSubject, UnassignTrack)

from .project_helpers import new_project


def _state(store):
    conn = store.conn
    return (conn.execute("SELECT * FROM subjects ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM track_subjects ORDER BY video_id, person").fetchall())


@pytest.fixture
def store(tmp_path):
    s = new_project(tmp_path)
    yield s
    s.close()


def test_queries_follow_a_subject_across_videos(store):
    v0, v1 = (v.id for v in store.videos())
    anna = store.add_subject("Anna")
    ben = store.add_subject("patient 07", color="#112233")
    assert anna.color != ben.color and ben.color == "#112233"
    store.assign_track(v0, 3, anna.id)
    store.assign_track(v1, 12, anna.id)
    store.assign_track(v1, 4, ben.id)
    assert [s.name for s in store.subjects()] == ["Anna", "patient 07"]
    assert store.subject_of_track(v1, 12) == anna
    assert store.subject_of_track(v0, 4) is None
    assert store.tracks_of_subject(anna.id) == [(v0, 3), (v1, 12)]
    assert {p: s.name for p, s in store.video_subjects(v1).items()} == {12: "Anna", 4: "patient 07"}
    assert store.subject_assignments() == {(v0, 3): anna.id, (v1, 12): anna.id, (v1, 4): ben.id}
    assert store.subject_track_counts() == {anna.id: (2, 2), ben.id: (1, 1)}
    assert store.find_subject("ANNA") == anna  # names are case-insensitive
    with pytest.raises(ProjectError, match="no subject named 'Zoe'; its subjects are: Anna, patient 07"):
        store.find_subject("Zoe")
    with pytest.raises(ProjectError, match="already has a subject named 'Anna'"):
        store.add_subject(" anna ")
    with pytest.raises(ProjectError, match="not a track"):
        store.assign_track(v0, -1, anna.id)
    with pytest.raises(ProjectError, match="no video with id 99"):
        store.assign_track(99, 1, anna.id)


def test_a_subject_survives_reopening(tmp_path):
    store = new_project(tmp_path)
    vid = store.videos()[0].id
    store.assign_track(vid, 2, store.add_subject("Anna").id)
    path = store.path
    store.close()
    with ProjectStore.open(path, read_only=True) as again:
        assert again.subject_of_track(vid, 2).name == "Anna"


def _undo_redo(store, edit):
    """Apply through the History, undo, redo: the project is exactly before / after each time."""
    history = History(store)
    before = _state(store)
    history.do(edit)
    after = _state(store)
    assert after != before
    history.undo()
    assert _state(store) == before
    history.redo()
    assert _state(store) == after
    return history


def test_each_subject_edit_undoes_and_redoes_exactly(store):
    v0, v1 = (v.id for v in store.videos())
    add = AddSubject("Anna")
    _undo_redo(store, add)
    anna = add.created_id
    assert store.subject(anna).name == "Anna" and add.description == "Add subject 'Anna'"
    _undo_redo(store, RenameSubject(anna, "Anna B."))
    assert store.subject(anna).name == "Anna B."
    _undo_redo(store, RecolorSubject(anna, "#00ff00"))
    assert store.subject(anna).color == "#00ff00"
    _undo_redo(store, AssignTrack(v0, 3, anna))
    _undo_redo(store, AssignTrack(v1, 5, anna))
    other = store.add_subject("Ben").id
    reassign = AssignTrack(v1, 5, other)  # a reassignment: undo gives the track back to Anna
    _undo_redo(store, reassign)
    assert store.subject_of_track(v1, 5).name == "Ben"
    _undo_redo(store, UnassignTrack(v0, 3))
    assert store.subject_of_track(v0, 3) is None
    store.assign_track(v0, 3, anna)
    delete = DeleteSubject(anna)
    history = _undo_redo(store, delete)  # undo gives the subject and its tracks back
    assert delete.description == "Delete subject 'Anna B.'"
    assert store.subjects()[-1].name == "Ben" and store.subject_of_track(v0, 3) is None
    history.undo()
    assert store.subject_of_track(v0, 3).id == anna and store.subject(anna).color == "#00ff00"


def test_a_refused_edit_changes_nothing_and_a_stale_undo_is_one_sentence(store):
    vid = store.videos()[0].id
    history = History(store)
    history.do(AddSubject("Anna"))
    before = _state(store)
    with pytest.raises(ProjectError, match="already has a subject named 'Anna'"):
        history.do(AddSubject("anna"))
    with pytest.raises(ProjectError, match="not assigned to a subject"):
        history.do(UnassignTrack(vid, 7))
    assert _state(store) == before and history.undo_count == 1
    store.rename_subject(store.subjects()[0].id, "Changed behind the history's back")
    with pytest.raises(ProjectError, match="subjects changed since this edit was made"):
        history.undo()
    assert history.undo_count == 1


def test_renames_that_swap_names_restore_exactly(store):
    a, b = store.add_subject("A").id, store.add_subject("B").id
    history = History(store)
    history.do(RenameSubject(a, "tmp"))
    history.do(RenameSubject(b, "A"))
    history.do(RenameSubject(a, "B"))
    for _ in range(3):
        history.undo()
    assert [s.name for s in store.subjects()] == ["A", "B"]
    for _ in range(3):
        history.redo()
    assert [s.name for s in store.subjects()] == ["B", "A"]


def test_track_corrections_carry_the_subjects_in_one_undo_step(tmp_path, monkeypatch):
    import sqlite3

    from core_model.pose.format import Poses
    from core_model.project.subject_edits import with_subjects
    from core_model.project.track_edits import DeleteTrack, MergeTracks, SplitTrack, project_poses_path

    from .test_pose_track_edits import _poses, _same

    store = new_project(tmp_path, frames=100, videos=1)
    path = project_poses_path(store, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    _poses().save(path)  # track 0 in frames 0-39, track 1 in 50-99 (the same walker), 2 in 0-99, 5 in 20-29
    anna, ben = store.add_subject("Anna").id, store.add_subject("Ben").id
    store.assign_track(1, 1, anna)
    store.assign_track(1, 5, ben)
    history = History(store)
    before, poses_before = _state(store), Poses.load(path)
    merge = history.do(with_subjects(store, MergeTracks(1, 0, 1)))  # the later fragment was Anna: now all of it
    assert merge.description.startswith("Merge") and store.video_subjects(1)[0].name == "Anna"
    assert store.subject_of_track(1, 1) is None
    history.undo()
    assert _state(store) == before and _same(Poses.load(path), poses_before)
    history.redo()
    assert store.subject_of_track(1, 0).name == "Anna"
    history.do(with_subjects(store, DeleteTrack(1, 5)))  # a false track: its assignment goes with it
    assert store.subject_of_track(1, 5) is None
    history.undo()
    assert store.subject_of_track(1, 5).name == "Ben"
    split = SplitTrack(1, 2, 50)
    assert with_subjects(store, split) is split  # from the split on it is somebody else: no subject change
    # a commit that fails after the pose file was rewritten: database and pose file as before
    before, poses_before = _state(store), Poses.load(path)
    monkeypatch.setattr("core_model.project.session.count_write",
                        lambda *_a: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error")))
    with pytest.raises(ProjectError, match="could not be written"):
        history.do(with_subjects(store, DeleteTrack(1, 5)))
    assert _state(store) == before and _same(Poses.load(path), poses_before)
    store.close()


def test_edits_that_make_a_subject_name_its_id(store):
    history = History(store)
    add = AddSubject("Zoe")
    assert add.created_id is None
    history.do(add)
    assert store.subject(add.created_id).name == "Zoe"
    video = store.videos()[0].id
    new = NewSubjectForTrack("Yan", video, 5)
    history.do(new)
    assert store.subject(new.created_id).name == "Yan" and new.created_id != add.created_id
