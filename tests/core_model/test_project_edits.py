"""Edits: apply/revert round trips, the overlap rule, and undo/redo equal to replay."""
from __future__ import annotations

import random

import pytest

from core_model.project import (AcceptPredictions, Compound, CreateSegment, DeleteSegments, History, MergeSegments,
                                ProjectError, Relabel, SetBounds, SetNote, SplitSegment)

from .project_helpers import assert_no_overlap, new_project, snapshot


@pytest.fixture
def store(tmp_path):
    s = new_project(tmp_path)
    yield s
    s.close()


def _lab(store, name):
    return store.label_by_name(name).id


def _seed(store):
    """Three segments on person 0 of video 1: [10,50) walk, [60,100) sit, [100,150) wave."""
    ids = []
    for start, end, name in ((10, 50, "walk"), (60, 100, "sit"), (100, 150, "wave")):
        e = CreateSegment(1, 0, start, end, _lab(store, name))
        e.apply(store)
        ids.append(e.created_id)
    return ids


def _bounds(store, video_id=1, person=0):
    return [(s.start_frame, s.end_frame, store.label(s.label_id).name) for s in store.segments(video_id, person)]


EDIT_CASES = {
    "create": lambda s, ids: CreateSegment(1, 0, 200, 260, _lab(s, "jump"), note="n"),
    "create_trims_both": lambda s, ids: CreateSegment(1, 0, 40, 120, _lab(s, "jump")),
    "create_inside_splits": lambda s, ids: CreateSegment(1, 0, 20, 30, _lab(s, "jump")),
    "create_covers": lambda s, ids: CreateSegment(1, 0, 0, 500, _lab(s, "jump")),
    "create_other_person": lambda s, ids: CreateSegment(1, -1, 20, 30, _lab(s, "jump")),
    "delete": lambda s, ids: DeleteSegments([ids[0], ids[2]]),
    "relabel": lambda s, ids: Relabel(ids, _lab(s, "jump")),
    "bounds_grow": lambda s, ids: SetBounds(ids[0], 5, 80),
    "bounds_move_over": lambda s, ids: SetBounds(ids[0], 110, 130),
    "bounds_shrink": lambda s, ids: SetBounds(ids[1], 70, 90),
    "split": lambda s, ids: SplitSegment(ids[1], 75),
    "merge": lambda s, ids: MergeSegments(ids[0], ids[2]),
    "note": lambda s, ids: SetNote(ids[1], "looks like sitting"),
    "accept": lambda s, ids: AcceptPredictions(1, [(0, 140, 300, "walk", 0.8, "m1"), (0, 290, 320, "sit", 0.6, "m1"),
                                                   (1, 0, 10, "wave", None, "m1")]),
    "compound": lambda s, ids: Compound([SetBounds(ids[0], 10, 55), SetBounds(ids[0], 10, 58)], "Drag edge"),
}


@pytest.mark.parametrize("case", sorted(EDIT_CASES))
def test_apply_revert_round_trip(store, case):
    ids = _seed(store)
    before = snapshot(store)
    edit = EDIT_CASES[case](store, ids)
    edit.apply(store)
    after = snapshot(store)
    assert after != before
    assert_no_overlap(store)
    edit.revert(store)
    assert snapshot(store) == before  # ids, times and trimmed neighbours restored exactly
    edit.apply(store)  # redo replays the same diff
    assert snapshot(store) == after
    edit.revert(store)
    assert snapshot(store) == before


def test_overlap_rule_trims_splits_and_removes(store):
    ids = _seed(store)
    CreateSegment(1, 0, 40, 120, _lab(store, "jump")).apply(store)
    assert _bounds(store) == [(10, 40, "walk"), (40, 120, "jump"), (120, 150, "wave")]
    CreateSegment(1, 0, 20, 30, _lab(store, "sit")).apply(store)
    assert _bounds(store) == [(10, 20, "walk"), (20, 30, "sit"), (30, 40, "walk"), (40, 120, "jump"),
                              (120, 150, "wave")]
    assert store.segment(ids[0]).end_frame == 20  # the left part keeps the id
    SetBounds(ids[2], 0, 200).apply(store)
    assert _bounds(store) == [(0, 200, "wave")]


def test_edit_results(store):
    ids = _seed(store)
    Relabel([ids[0]], _lab(store, "jump")).apply(store)
    assert store.segment(ids[0]).source == "user"
    split = SplitSegment(ids[1], 80)
    split.apply(store)
    assert _bounds(store)[1:3] == [(60, 80, "sit"), (80, 100, "sit")]
    MergeSegments(ids[1], ids[2]).apply(store)
    assert _bounds(store)[1:] == [(60, 150, "sit")]
    acc = AcceptPredictions(1, [(2, 5, 9, "wave", 0.75, "model-a")])
    acc.apply(store)
    seg = store.segments(1, 2)[0]
    assert (seg.source, seg.confidence, seg.model_key, seg.author) == ("accepted", 0.75, "model-a", "tester")


@pytest.mark.parametrize("make, message", [
    (lambda s: CreateSegment(1, 0, 50, 50, 1), "range"),
    (lambda s: CreateSegment(1, 0, 990, 1001, 1), "range"),
    (lambda s: CreateSegment(9, 0, 0, 10, 1), "no video"),
    (lambda s: CreateSegment(1, 0, 0, 10, 99), "no label"),
    (lambda s: CreateSegment(1, -2, 0, 10, 1), "person"),
    (lambda s: SplitSegment(1, 10), "inside"),
    (lambda s: MergeSegments(1, 1), "itself"),
    (lambda s: AcceptPredictions(1, [(0, 0, 5, "fly", 0.5, "m")]), "not in the project"),
    (lambda s: Compound([CreateSegment(1, 0, 0, 5, 1), CreateSegment(1, 0, 5, 5, 1)]), "range"),
])
def test_invalid_edits_change_nothing(store, make, message):
    _seed(store)
    before = snapshot(store)
    edit = make(store)
    with pytest.raises(ProjectError, match=message):
        edit.apply(store)
    assert snapshot(store) == before


def test_revert_refused_when_labels_changed_underneath(store):
    ids = _seed(store)
    edit = SetNote(ids[0], "a")
    edit.apply(store)
    SetNote(ids[0], "b").apply(store)  # outside the history
    with pytest.raises(ProjectError, match="changed"):
        edit.revert(store)


def test_changes_are_announced_after_commit(store):
    ids = _seed(store)
    seen = []
    store.subscribe(lambda ch: seen.append((ch, store.conn.in_transaction)))
    SetBounds(ids[0], 10, 70).apply(store)
    lanes = {(c.video_id, c.person, c.start, c.end) for c, _ in seen}
    assert lanes == {(1, 0, 10, 100)}
    assert not any(in_tx for _, in_tx in seen)


def _random_edit(rng: random.Random, store):
    segs = store.segments()
    labels = [lab.id for lab in store.labels()]
    kind = rng.choice(["create", "create", "create", "delete", "relabel", "bounds", "split", "merge", "note",
                       "accept", "compound"])
    if not segs or kind == "create":
        start = rng.randrange(0, 990)
        return CreateSegment(rng.choice([1, 2]), rng.choice([-1, 0, 1]), start, min(1000, start + rng.randrange(1, 80)),
                             rng.choice(labels))
    seg = rng.choice(segs)
    if kind == "delete":
        return DeleteSegments([seg.id] + [s.id for s in rng.sample(segs, min(2, len(segs)))])
    if kind == "relabel":
        return Relabel([seg.id], rng.choice(labels))
    if kind == "bounds":
        start = max(0, seg.start_frame + rng.randrange(-40, 40))
        return SetBounds(seg.id, start, min(1000, start + rng.randrange(1, 120)))
    if kind == "split" and seg.frames > 1:
        return SplitSegment(seg.id, rng.randrange(seg.start_frame + 1, seg.end_frame))
    if kind == "merge":
        lane = [s for s in segs if s.lane == seg.lane and s.id != seg.id]
        if lane:
            return MergeSegments(seg.id, rng.choice(lane).id)
    if kind == "accept":
        start = rng.randrange(0, 900)
        return AcceptPredictions(seg.video_id, [(seg.person, start, start + 50, "wave", 0.5, "m"),
                                                (seg.person, start + 30, start + 90, "walk", 0.6, "m")])
    if kind == "compound":
        return Compound([SetBounds(seg.id, seg.start_frame, seg.end_frame + 5),
                         SetBounds(seg.id, seg.start_frame, seg.end_frame + 10)], "Drag")
    return SetNote(seg.id, f"note {rng.random():.3f}")


def test_random_undo_redo_equals_replay(tmp_path):
    """Long random sequences of do/undo/redo end in the state of replaying the surviving edits."""
    rng = random.Random(1234)
    store = new_project(tmp_path, "a.epam")
    history = History(store)
    states = [snapshot(store)]  # states[i] = state after i edits on the undo stack
    for _ in range(400):
        action = rng.random()
        if action < 0.6 or not history.can_undo:
            edit = _random_edit(rng, store)
            try:
                history.do(edit)
            except ProjectError:  # e.g. a range past the end: refused, nothing changed
                assert snapshot(store) == states[history.undo_count]
                continue
            del states[history.undo_count:]
            states.append(snapshot(store))
        elif action < 0.85:
            history.undo()
            assert snapshot(store) == states[history.undo_count]
        elif history.can_redo:
            history.redo()
            assert snapshot(store) == states[history.undo_count]
        assert_no_overlap(store)
    final = [(s.video_id, s.person, s.start_frame, s.end_frame, s.label_id, s.source, s.note)
             for s in store.segments()]
    surviving = list(history._undo)
    assert len(surviving) > 50 and len(final) > 10  # the sequence really did something
    while history.can_undo:
        history.undo()
    assert snapshot(store) == states[0]
    store.close()
    # replay the surviving edits as fresh edit objects on a fresh project
    replay = new_project(tmp_path, "b.epam")
    idmap = {}  # segment id in the session -> id in the replay
    for edit in surviving:
        fresh = _fresh_copy(edit, idmap)
        fresh.apply(replay)
        for old, new in zip(edit.applied_rows, fresh.applied_rows):
            idmap[old.id] = new.id
    got = [(s.video_id, s.person, s.start_frame, s.end_frame, s.label_id, s.source, s.note)
           for s in replay.segments()]
    assert got == final
    replay.close()


def _fresh_copy(edit, idmap):
    """The same edit, not yet applied, with segment ids translated to the replay's."""
    import dataclasses

    if isinstance(edit, AcceptPredictions):
        return AcceptPredictions(edit.video_id, edit.items)
    if isinstance(edit, Compound):
        return Compound([_fresh_copy(e, idmap) for e in edit.edits], edit.text)
    changes = {}
    for name in ("segment_id", "other_id"):
        if hasattr(edit, name):
            changes[name] = idmap[getattr(edit, name)]
    if hasattr(edit, "ids"):
        changes["ids"] = [idmap[i] for i in edit.ids]
    return dataclasses.replace(edit, **changes)


def test_history_texts_and_limits(store):
    history = History(store)
    assert history.undo() is None and history.redo() is None and not history.can_undo
    ids = _seed(store)
    history.do(SplitSegment(ids[0], 20))
    assert history.undo_text == "Split segment" and history.can_undo and not history.can_redo
    history.undo()
    assert history.redo_text == "Split segment"
    history.do(SetNote(ids[0], "x"))
    assert not history.can_redo
