"""Coders: videos assigned to coders (undoable), blind coding hides exactly the other coders' segments,
the coder name from EPAM_CODER, and `epam coders assign|unassign|list`."""
from __future__ import annotations

import json

import pytest

from core_model.cli import main
from core_model.project import CreateSegment, History, ProjectError, ProjectStore
from core_model.project.coders import AssignVideos, UnassignVideos, visible_segments
from core_model.project.database import default_author
from core_model.project.segment_window import coverage, lane_people, segments_in_window, video_counts
from core_model.review.project_review import project_budgets, segment_rows

from .project_helpers import new_project


@pytest.fixture
def store(tmp_path):
    s = new_project(tmp_path)
    yield s
    s.close()


def _table(store):
    return store.conn.execute("SELECT video_id, coder FROM coder_videos ORDER BY video_id, coder").fetchall()


def test_assign_unassign_undo_redo(store):
    history = History(store)
    history.do(AssignVideos([1, 2], "ann"))
    history.do(AssignVideos([2], "bob"))
    assert store.assigned_coders() == {1: ["ann"], 2: ["ann", "bob"]}
    assert store.coder_videos("ann") == [1, 2] and store.coders() == ["ann", "bob"]
    history.do(UnassignVideos([1, 2], "ann"))
    assert _table(store) == [(2, "bob")]
    history.undo()
    assert _table(store) == [(1, "ann"), (2, "ann"), (2, "bob")]
    history.undo()
    history.undo()
    assert _table(store) == []
    history.redo()
    assert _table(store) == [(1, "ann"), (2, "ann")]
    # assigning again what is assigned changes nothing, and its undo takes nothing away
    again = AssignVideos([1], "ann")
    history.do(again)
    history.undo()
    assert _table(store) == [(1, "ann"), (2, "ann")]


def test_bad_coder_and_video_refused(store):
    with pytest.raises(ProjectError, match="needs a name"):
        AssignVideos([1], "  ")
    with pytest.raises(ProjectError, match="no video with id 9"):
        History(store).do(AssignVideos([9], "ann"))
    assert _table(store) == []


def test_coder_name_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EPAM_CODER", "carla")
    monkeypatch.setenv("EPAM_AUTHOR", "old")
    assert default_author() == "carla"
    with ProjectStore.create(tmp_path / "c.epam", labels=["walk"]) as s:
        s.add_video_record("v.mp4", "k" * 40, 100, 25.0)
        e = CreateSegment(1, 0, 0, 10, s.label_by_name("walk").id)
        e.apply(s)
        assert s.segment(e.created_id).author == "carla"
    monkeypatch.delenv("EPAM_CODER")
    assert default_author() == "old"


def _two_coders(store):
    walk, sit = store.label_by_name("walk").id, store.label_by_name("sit").id
    for author, person, start, end, label in (("ann", 0, 0, 50, walk), ("ann", 1, 100, 150, sit),
                                              ("bob", 0, 10, 60, sit), ("bob", 2, 200, 250, walk),
                                              ("", 0, 300, 320, walk)):
        CreateSegment(1, person, start, end, label, author=author).apply(store)
    CreateSegment(2, 3, 0, 20, walk, author="bob").apply(store)


def test_blind_mode_hides_exactly_the_other_coders_segments(store):
    _two_coders(store)
    everything = {s.id for s in store.segments()}
    store.blind_coder = "ann"
    own = {s.id for s in store.segments() if s.author == "ann"}
    assert len(own) == 2 and len(everything) == 6
    # the views' range reads: segments, lanes, counts and coverage of the coder's own segments only
    assert {s.id for s in segments_in_window(store, 1, 0, 1000)} == own
    assert lane_people(store, 1) == [0, 1]
    assert video_counts(store) == {1: 2}
    assert coverage(store, 1) == {1: (2, 100)}
    # the review reads (statistics, review queue)
    assert sorted(r[4] for r in segment_rows(store)[1]) == ["ann", "ann"]
    assert {b.coder for b in project_budgets(store)} == {"ann"}
    assert {s.id for s in visible_segments(store.segments(), "ann")} == own
    assert store.label_usages() == {store.label_by_name("walk").id: 1, store.label_by_name("sit").id: 1}
    store.blind_coder = None
    assert {s.id for s in segments_in_window(store, 1, 0, 1000)} | {s.id for s in store.segments(2)} == everything
    assert lane_people(store, 1) == [0, 1, 2]


def test_coders_cli(tmp_path, capsys):
    store = new_project(tmp_path)
    path = str(store.path)
    store.close()
    assert main(["coders", "assign", path, "ann", "--video", "v0.mp4", "--video", "v1.mp4"]) == 0
    assert main(["coders", "assign", path, "bob", "--video", "v1.mp4"]) == 0
    assert main(["coders", "unassign", path, "ann", "--video", "v0.mp4"]) == 0
    capsys.readouterr()
    assert main(["coders", "list", path, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == {"coders": {"ann": ["v1.mp4"], "bob": ["v1.mp4"]},
                      "videos": {"v0.mp4": [], "v1.mp4": ["ann", "bob"]}}
    assert main(["coders", "list", path]) == 0
    text = capsys.readouterr().out
    assert "ann" in text and "v1.mp4" in text
    assert main(["coders", "assign", path, "ann", "--video", "nope.mp4"]) == 1
    assert "no video 'nope.mp4'" in capsys.readouterr().err


def test_labels_import_coder_option(tmp_path, monkeypatch):
    store = new_project(tmp_path)
    path = str(store.path)
    store.close()
    csv = tmp_path / "in.csv"
    csv.write_text("video,person,start_frame,end_frame,label\nv0.mp4,0,0,10,walk\n")
    monkeypatch.setenv("EPAM_CODER", "env-coder")
    assert main(["labels", "import", path, str(csv), "--coder", "dora"]) == 0
    csv.write_text("video,person,start_frame,end_frame,label\nv0.mp4,0,20,30,sit\n")
    assert main(["labels", "import", path, str(csv)]) == 0
    with ProjectStore.open(path, read_only=True) as s:
        assert [x.author for x in s.segments()] == ["dora", "env-coder"]
