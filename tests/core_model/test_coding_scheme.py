"""The coding scheme: point events, categories (exclusive ones), modifiers, scheme files, labels files with them."""
from __future__ import annotations

import csv
import hashlib
import json

import pytest

from core_model.project import (ApplyScheme, CreateSegment, History, ProjectError, ProjectStore, Relabel, SetBounds,
                                SetLabelScheme, SetModifier, export_labels, import_labels)
from core_model.project.scheme import load_scheme, project_scheme, write_scheme

from .project_helpers import snapshot


def _store(tmp_path, labels="classroom", name="s.epam"):
    store = ProjectStore.create(tmp_path / name, labels=labels, author="ana")
    for k in range(2):
        store.add_video_record(f"v{k}.mp4", hashlib.sha1(f"v{k}".encode()).hexdigest(), 1000, 25.0)
    return store


def _id(store, name):
    return store.label_by_name(name).id


def _lane(store, person=0, video=1):
    names = {lab.id: lab.name for lab in store.labels()}
    return sorted((names[s.label_id], s.start_frame, s.end_frame, s.modifier)
                  for s in store.segments(video_id=video, person=person))


def test_classroom_template_has_categories_kinds_keys_and_modifiers(tmp_path):
    with _store(tmp_path) as store:
        cats = {c.name: c.exclusive for c in store.categories()}
        assert cats == {"Participation": False, "Work": False, "Attention": True}
        hand = store.label_by_name("raises hand")
        assert (hand.kind, hand.category, hand.key) == ("point", "Participation", "1")
        assert json.loads(hand.modifiers) == {"values": ["to teacher", "to peer"], "free": False}
        assert store.label_by_name("on task").kind == "state"
        assert [lab.key for lab in store.labels()] == [str(i) for i in range(1, 10)]
    rehab = load_scheme("rehabilitation")
    assert {lab.name for lab in rehab.labels if lab.kind == "point"} >= {"repetition", "trunk lean"}
    assert len(load_scheme("ntu120").labels) == 120


def test_point_event_is_one_frame_and_never_trims_a_state(tmp_path):
    with _store(tmp_path) as store:
        history = History(store)
        history.do(CreateSegment(1, 0, 0, 300, _id(store, "on task")))
        history.do(CreateSegment(1, 0, 0, 300, _id(store, "writes")))
        history.do(CreateSegment(1, 0, 120, 180, _id(store, "raises hand"), modifier="to peer"))
        assert _lane(store) == [("on task", 0, 300, ""), ("raises hand", 120, 121, "to peer"),
                                ("writes", 0, 300, "")]
        seg = next(s for s in store.segments() if s.label_id == _id(store, "raises hand"))
        history.do(SetBounds(seg.id, 200, 260))  # a point moves, it stays one frame
        assert ("raises hand", 200, 201, "to peer") in _lane(store)


def test_exclusive_category_ends_the_other_state_as_one_undo_step(tmp_path):
    with _store(tmp_path) as store:
        history = History(store)
        history.do(CreateSegment(1, 0, 0, 300, _id(store, "on task")))
        history.do(CreateSegment(1, 0, 50, 250, _id(store, "speaks"), modifier="to class"))
        before = snapshot(store)
        history.do(CreateSegment(1, 0, 100, 150, _id(store, "off task"), modifier="looks away"))
        assert _lane(store) == [("off task", 100, 150, "looks away"), ("on task", 0, 100, ""),
                                ("on task", 150, 300, ""), ("speaks", 50, 250, "to class")]
        history.undo()
        assert snapshot(store) == before
        history.redo()
        assert len(_lane(store)) == 4
        # relabelling "speaks" into the exclusive category ends the overlapping attention states there
        speaks = next(s for s in store.segments() if s.label_id == _id(store, "speaks"))
        history.do(Relabel([speaks.id], _id(store, "unclear")))
        assert _lane(store) == [("on task", 0, 50, ""), ("on task", 250, 300, ""), ("unclear", 50, 250, "")]


def test_labels_without_category_keep_the_old_rule(tmp_path):
    with _store(tmp_path, labels=["walk", "sit"]) as store:
        history = History(store)
        history.do(CreateSegment(1, 0, 0, 100, _id(store, "walk")))
        history.do(CreateSegment(1, 0, 40, 60, _id(store, "sit")))
        assert _lane(store) == [("sit", 40, 60, ""), ("walk", 0, 40, ""), ("walk", 60, 100, "")]


def test_modifiers_checked_kept_through_trims_and_undoable(tmp_path):
    with _store(tmp_path) as store:
        history = History(store)
        with pytest.raises(ProjectError, match="'shouting' is not a modifier of the label 'raises hand'"):
            history.do(CreateSegment(1, 0, 10, 11, _id(store, "raises hand"), modifier="shouting"))
        history.do(CreateSegment(1, 0, 0, 300, _id(store, "uses device"), modifier="smart watch"))  # free text
        history.do(CreateSegment(1, 0, 0, 300, _id(store, "off task"), modifier="talks to peer"))
        history.do(CreateSegment(1, 0, 100, 200, _id(store, "on task")))  # trims off task: modifier on both parts
        assert _lane(store) == [("off task", 0, 100, "talks to peer"), ("off task", 200, 300, "talks to peer"),
                                ("on task", 100, 200, ""), ("uses device", 0, 300, "smart watch")]
        seg = next(s for s in store.segments() if s.start_frame == 200)
        history.do(SetModifier([seg.id], "leaves seat"))
        assert store.segment(seg.id).modifier == "leaves seat"
        history.undo()
        assert store.segment(seg.id).modifier == "talks to peer"
        with pytest.raises(ProjectError, match="'x' is not a modifier of the label 'on task' \\(it has no modifiers\\)"):
            history.do(SetModifier([next(s.id for s in store.segments() if s.start_frame == 100)], "x"))


def test_scheme_file_round_trip_and_import_as_one_undo_step(tmp_path):
    with _store(tmp_path) as store:
        history = History(store)
        history.do(SetLabelScheme(_id(store, "reads"), modifiers=["silently", "aloud"], free=True))
        path = write_scheme(project_scheme(store), tmp_path / "mine.json")
        expected = [(x.name, x.kind, x.category, x.key, x.color, x.modifiers) for x in store.labels()]
        cats = store.categories()
    with _store(tmp_path, labels=["walk", "speaks"], name="other.epam") as other:
        history = History(other)
        before = snapshot(other), other.categories()
        history.do(ApplyScheme(load_scheme(path), path.name))
        got = [(x.name, x.kind, x.category, x.key, x.color, x.modifiers) for x in other.labels()]
        assert got[0] == ("walk", "state", "", None, got[0][4], "")  # a label outside the scheme stays
        assert got[1:2] == [e for e in expected if e[0] == "speaks"]  # same name: takes the scheme's fields
        assert sorted(got[1:]) == sorted(expected)
        assert [(c.name, c.exclusive) for c in other.categories()] == [(c.name, c.exclusive) for c in cats]
        history.undo()
        assert (snapshot(other), other.categories()) == before
        history.redo()
        assert len(other.labels()) == 10


def test_bad_scheme_files_are_one_sentence(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"labels": [{"name": "a", "kind": "moment"}]}))
    with pytest.raises(ProjectError, match="bad.json: the label 'a' has the kind 'moment'"):
        load_scheme(bad)
    bad.write_text("{")
    with pytest.raises(ProjectError, match="bad.json is not a JSON coding scheme"):
        load_scheme(bad)
    with pytest.raises(ProjectError, match="Scheme file not found"):
        ProjectStore.create(tmp_path / "x.epam", labels=tmp_path / "missing.json")
    assert not (tmp_path / "x.epam").exists()


def test_a_used_label_cannot_become_a_point_with_long_segments(tmp_path):
    with _store(tmp_path) as store:
        History(store).do(CreateSegment(1, 0, 0, 50, _id(store, "writes")))
        with pytest.raises(ProjectError, match="'writes' has 1 segment longer than one frame"):
            History(store).do(SetLabelScheme(_id(store, "writes"), kind="point"))


def test_labels_csv_and_json_carry_kind_category_and_modifier(tmp_path):
    with _store(tmp_path) as store:
        history = History(store)
        history.do(CreateSegment(1, 2, 0, 300, _id(store, "off task"), modifier="looks away"))
        history.do(CreateSegment(1, 2, 40, 41, _id(store, "raises hand"), modifier="to teacher"))
        history.do(CreateSegment(2, 3, 10, 90, _id(store, "speaks"), modifier="to peer"))
        for suffix in (".csv", ".json"):
            export_labels(store, tmp_path / f"labels{suffix}")
        lanes = [_lane(store, 2, 1), _lane(store, 3, 2)]
    with open(tmp_path / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    hand = next(r for r in rows if r["label"] == "raises hand")
    assert (hand["kind"], hand["category"], hand["modifier"], hand["end_frame"]) == \
        ("point", "Participation", "to teacher", "41")
    for suffix in (".csv", ".json"):
        with _store(tmp_path, name=f"back{suffix}.epam") as back:
            assert import_labels(back, tmp_path / f"labels{suffix}") == 3
            assert [_lane(back, 2, 1), _lane(back, 3, 2)] == lanes
    # rows of two categories may overlap in one file; a modifier the label does not offer names its line
    bad = tmp_path / "bad.csv"
    bad.write_text("video,person,start_frame,end_frame,label,modifier\nv0.mp4,1,0,100,writes,\n"
                   "v0.mp4,1,10,,answers,correct\nv0.mp4,1,20,30,speaks,to the moon\n")
    with _store(tmp_path, name="bad.epam") as back:
        with pytest.raises(ProjectError, match="bad.csv line 4: 'to the moon' is not a modifier of the label "
                                               "'speaks'"):
            import_labels(back, bad)
        bad.write_text(bad.read_text().replace("to the moon", "to class"))
        assert import_labels(back, bad) == 3
        assert _lane(back, 1, 1) == [("answers", 10, 11, "correct"), ("speaks", 20, 30, "to class"),
                                     ("writes", 0, 100, "")]


def test_scheme_command_line(tmp_path, capsys):
    from core_model.cli import main

    project, other = str(tmp_path / "c.epam"), str(tmp_path / "n.epam")
    assert main(["project", "new", project, "--scheme", "classroom"]) == 0
    assert main(["scheme", "export", project, str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["format"] == "epam-scheme"
    assert main(["project", "new", other, "--labels", "ntu60"]) == 0
    assert main(["scheme", "import", other, str(tmp_path / "s.json")]) == 0
    assert "9 labels added, 0 updated, 3 categories" in capsys.readouterr().out
    assert main(["scheme", "show", other]) == 0
    out = capsys.readouterr().out
    assert "Attention (exclusive):" in out and "raises hand                  point  [to teacher, to peer]" in out
    assert main(["scheme", "import", other, str(tmp_path / "none.json")]) == 1
    assert capsys.readouterr().err.startswith("epam: error: Scheme file not found:")
    assert main(["project", "new", str(tmp_path / "z.epam"), "--scheme", "nope.json"]) == 1
    assert not (tmp_path / "z.epam").exists() and not (tmp_path / "z.epam-data").exists()


def test_search_labels_by_name_category_and_key(tmp_path):
    from core_model.project.scheme import search_labels

    with _store(tmp_path) as store:
        labels = store.labels()
        names = lambda text: [lab.name for lab in search_labels(labels, text)]  # noqa: E731
        assert names("") == [lab.name for lab in labels]
        assert names("attention") == ["on task", "off task", "unclear"]
        assert names("task off") == ["off task"]
        assert names("8") == ["off task"]  # a key first
        assert names("r")[:2] == ["raises hand", "reads"]  # names starting with it first
        assert names("r")[2:] == ["speaks", "answers", "writes", "uses device", "unclear"]  # in category or name
        assert names("work DEV") == ["uses device"]
        assert names("nothing") == []


def test_relabelling_two_segments_into_an_exclusive_category_trims_a_state_once(tmp_path):
    with _store(tmp_path) as store:
        history = History(store)
        history.do(CreateSegment(1, 0, 0, 300, _id(store, "on task")))
        history.do(CreateSegment(1, 0, 50, 100, _id(store, "writes")))
        history.do(CreateSegment(1, 0, 150, 200, _id(store, "reads")))
        before = snapshot(store)
        ids = [s.id for s in store.segments() if s.label_id != _id(store, "on task")]
        history.do(Relabel(ids, _id(store, "off task")))  # both inside the one "on task"
        assert _lane(store) == [("off task", 50, 100, ""), ("off task", 150, 200, ""), ("on task", 0, 50, ""),
                                ("on task", 100, 150, ""), ("on task", 200, 300, "")]
        history.undo()
        assert snapshot(store) == before


def test_a_point_event_is_never_merged_into_a_range(tmp_path):
    from core_model.project import MergeSegments

    with _store(tmp_path) as store:
        history = History(store)
        history.do(CreateSegment(1, 0, 10, 11, _id(store, "raises hand")))
        history.do(CreateSegment(1, 0, 20, 21, _id(store, "raises hand")))
        a, b = [s.id for s in store.segments()]
        with pytest.raises(ProjectError, match="A point event is a moment: it cannot be merged"):
            history.do(MergeSegments(a, b))
