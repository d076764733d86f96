"""Label-set edits (add, rename, recolour, key, reorder, delete with relabel): apply, revert and redo through the
History, the database identical after a revert (full table dumps), refusals that change nothing."""
from __future__ import annotations

import pytest

from core_model.project import (AddLabel, CreateSegment, DeleteLabel, History, ProjectError, RecolorLabel,
                                RenameLabel, ReorderLabels, SetLabelKey)

from .project_helpers import new_project


@pytest.fixture
def store(tmp_path):
    s = new_project(tmp_path)
    for lab, key in zip(s.labels(), "1234"):
        s.set_label_key(lab.id, key)
    yield s
    s.close()


def dump(store) -> dict:
    """Every row of every table (``meta`` counts commits and ``sqlite_sequence`` never goes back: left out)."""
    names = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {n: store.conn.execute(f"SELECT * FROM {n} ORDER BY rowid").fetchall() for n in names
            if n not in ("meta", "sqlite_sequence")}


def _id(store, name):
    return store.label_by_name(name).id


def _seed(store):
    """Segments of 'walk' on both videos (one accepted, with a note), one of 'sit'."""
    for video, person, start, end, name, source in ((1, 0, 10, 50, "walk", "user"), (1, 1, 20, 40, "walk", "accepted"),
                                                   (2, 0, 0, 30, "walk", "user"), (2, 0, 40, 60, "sit", "user")):
        CreateSegment(video, person, start, end, _id(store, name), source=source, note=f"{name} {start}",
                      confidence=0.5 if source == "accepted" else None, model_key="m" if source == "accepted"
                      else None).apply(store)


CASES = {
    "add": lambda s: AddLabel("clap", color="#102030", key="c"),
    "add default colour": lambda s: AddLabel("clap"),
    "rename": lambda s: RenameLabel(_id(s, "sit"), "sitting"),
    "recolour": lambda s: RecolorLabel(_id(s, "sit"), "#abcdef"),
    "set key": lambda s: SetLabelKey(_id(s, "sit"), "x"),
    "clear key": lambda s: SetLabelKey(_id(s, "sit"), None),
    "steal key": lambda s: SetLabelKey(_id(s, "jump"), "1", steal=True),
    "reorder": lambda s: ReorderLabels([_id(s, n) for n in ("jump", "walk", "wave", "sit")]),
    "delete unused": lambda s: DeleteLabel(_id(s, "wave")),
    "delete with relabel": lambda s: DeleteLabel(_id(s, "walk"), relabel_to=_id(s, "jump")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_label_edit_apply_revert_redo_round_trip(store, case):
    _seed(store)
    history = History(store)
    before = dump(store)
    edit = CASES[case](store)
    history.do(edit)
    after = dump(store)
    assert after != before
    assert history.undo() is edit
    assert dump(store) == before  # every table as it was: labels (ids, names, colours, keys, order) and segments
    assert history.redo() is edit
    assert dump(store) == after  # redo replays the same result (same ids)
    history.undo()
    assert dump(store) == before
    assert (history.undo_count, history.redo_count) == (0, 1)


def test_delete_with_relabel_reverts_exactly(store):
    _seed(store)
    # a gap in the order first (a label deleted before), so the order comes back as it was, not renumbered
    DeleteLabel(_id(store, "wave")).apply(store)
    walk, jump = store.label_by_name("walk"), store.label_by_name("jump")
    old_rows = store.segments()
    history = History(store)
    edit = DeleteLabel(walk.id, relabel_to=jump.id)
    history.do(edit)
    assert store.label_by_name("walk") is None
    assert [s.label_id for s in store.segments()] == [jump.id, jump.id, jump.id, _id(store, "sit")]
    assert history.undo_text == "Delete label 'walk'"
    history.undo()
    assert store.label(walk.id) == walk  # id, name, colour, key and order
    assert store.segments() == old_rows  # each row's label, source, note and modified time
    history.redo()
    assert store.label_by_name("walk") is None and store.label_usage(jump.id) == 3


def test_redo_of_an_added_label_keeps_its_id_for_the_edits_after_it(store):
    history = History(store)
    add = history.do(AddLabel("clap"))
    clap = add.created_id
    assert store.label(clap).name == "clap"
    history.do(CreateSegment(1, 0, 5, 25, clap))
    history.undo()
    history.undo()
    assert store.label_by_name("clap") is None and store.segments() == []
    history.redo()
    history.redo()  # the segment's edit refers to the label's id: the same id comes back
    assert [store.label(s.label_id).name for s in store.segments()] == ["clap"]


@pytest.mark.parametrize("edit", [lambda s: RenameLabel(_id(s, "sit"), "Walk"), lambda s: AddLabel(""),
                                  lambda s: SetLabelKey(_id(s, "sit"), "1"),
                                  lambda s: RecolorLabel(_id(s, "sit"), "red"),
                                  lambda s: DeleteLabel(_id(s, "walk")), lambda s: ReorderLabels([1, 2]),
                                  lambda s: DeleteLabel(_id(s, "walk"), relabel_to=_id(s, "walk"))])
def test_a_refused_label_edit_changes_nothing(store, edit):
    _seed(store)
    history = History(store)
    before = dump(store)
    with pytest.raises(ProjectError):
        history.do(edit(store))
    assert dump(store) == before and not history.can_undo


def test_undo_after_a_change_behind_the_history_is_refused_and_kept(store):
    history = History(store)
    history.do(RenameLabel(_id(store, "sit"), "sitting"))
    store.recolor_label(_id(store, "walk"), "#000000")  # not through the history
    before = dump(store)
    with pytest.raises(ProjectError, match="changed since this edit"):
        history.undo()
    assert dump(store) == before  # nothing written
    assert history.can_undo and history.undo_text == "Rename label to 'sitting'"  # nothing dropped


def test_undo_of_an_added_label_in_use_is_refused(store):
    history = History(store)
    clap = history.do(AddLabel("clap")).created_id
    CreateSegment(1, 0, 0, 10, clap).apply(store)  # a segment outside the history uses it
    with pytest.raises(ProjectError):
        history.undo()
    assert store.label(clap).name == "clap" and history.undo_count == 1


def test_label_edits_notify_label_changes_once_committed(store):
    _seed(store)
    seen = []
    store.subscribe(seen.append)
    history = History(store)
    history.do(DeleteLabel(_id(store, "walk"), relabel_to=_id(store, "sit")))
    kinds = {c.kind for c in seen}
    assert "labels" in kinds and {c.video_id for c in seen if c.kind == "segments"} == {1, 2}
    seen.clear()
    history.undo()
    assert "labels" in {c.kind for c in seen} and {c.video_id for c in seen if c.kind == "segments"} == {1, 2}


def test_redo_after_a_change_behind_the_history_is_refused_and_kept(store):
    history = History(store)
    edit = history.do(DeleteLabel(_id(store, "wave")))
    history.undo()
    store.set_label_key(_id(store, "wave"), "w")  # not through the history
    before = dump(store)
    with pytest.raises(ProjectError, match="changed since this edit"):
        history.redo()
    assert dump(store) == before and history.next_redo is edit and not history.can_undo
