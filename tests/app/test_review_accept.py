"""Accepting predictions in the studio (A, Shift+A): A stays inside the marked window (a review item's window),
and neither key ever replaces a label a coder made: only the unlabelled frames are accepted and the status bar
says what was kept."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core_model.project import CreateSegment

from .test_review_queue import at, per_person_result, press, reviewing  # noqa: F401 - the fixture

SHIFT = Qt.KeyboardModifier.ShiftModifier


def lane(store, person):
    names = {lab.id: lab.name for lab in store.labels()}
    return [(s.start_frame, s.end_frame, names[s.label_id], s.source) for s in store.segments(person=person)]


def human(w, person, start, end, label):
    store = w.project.store
    vid = w.session.current.project_id
    assert w.project.apply(CreateSegment(vid, person, start, end, store.label_by_name(label).id))


def test_a_accepts_the_items_window_only(qtbot, reviewing):
    w = reviewing
    c, store = w.review_ui.controller, w.project.store
    press(qtbot, w, Qt.Key.Key_BracketRight)  # P2, window 30..49; the prediction "wave" spans the whole video
    at(qtbot, w, 39, 2)
    assert "A accepts the prediction in this window" in w.status.currentMessage()
    assert "Shift+A" in w.status.currentMessage()
    press(qtbot, w, Qt.Key.Key_A)
    assert lane(store, 2) == [(30, 50, "wave", "accepted")]  # not [0, 60)
    assert (w.labeling.mark_in, w.labeling.mark_out) == (None, None)
    assert "frames 30–49" in w.status.currentMessage()
    qtbot.waitUntil(lambda: c.queue.open_count() == 9, timeout=10000)


def test_a_keeps_the_coders_labels_in_the_window(qtbot, reviewing):
    w = reviewing
    c, store = w.review_ui.controller, w.project.store
    human(w, 1, 22, 26, "sit")  # inside the P1 window 20..39
    human(w, 1, 45, 55, "walk")  # outside it
    press(qtbot, w, Qt.Key.Key_BracketRight)
    press(qtbot, w, Qt.Key.Key_BracketRight)  # P1, window 20..39
    at(qtbot, w, 29, 1)
    press(qtbot, w, Qt.Key.Key_A)
    assert lane(store, 1) == [(20, 22, "wave", "accepted"), (22, 26, "sit", "user"), (26, 40, "wave", "accepted"),
                              (45, 55, "walk", "user")]
    message = w.status.currentMessage()
    assert "4 frames" in message and "kept" in message
    item = next(i for i in c.queue if (i.person, i.start_frame) == (1, 20))
    qtbot.waitUntil(lambda: next(i for i in c.queue if (i.person, i.start_frame) == (1, 20)).done, timeout=10000)
    assert item is not None
    press(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one undo step takes the acceptance back
    assert lane(store, 1) == [(22, 26, "sit", "user"), (45, 55, "walk", "user")]


def test_a_on_a_window_the_coder_labelled_changes_nothing(qtbot, reviewing):
    w = reviewing
    c, store = w.review_ui.controller, w.project.store
    human(w, 1, 15, 45, "sit")
    w.review_ui.queue.done_box.setChecked(True)
    qtbot.waitUntil(lambda: c.index_of((w.session.current.project_id, 1, 2)) is not None, timeout=10000)
    c.activate(c.index_of((w.session.current.project_id, 1, 2)))  # row 2 = P1's window 20..39
    at(qtbot, w, 29, 1)
    press(qtbot, w, Qt.Key.Key_A)
    assert lane(store, 1) == [(15, 45, "sit", "user")]
    assert "Nothing accepted" in w.status.currentMessage()
    assert w.project.undo.history.undo_count == 1  # only the coder's own label


def test_shift_a_accepts_every_prediction_in_the_window_around_labels(qtbot, reviewing):
    w = reviewing
    store = w.project.store
    human(w, 2, 33, 36, "sit")
    human(w, 2, 0, 5, "walk")
    press(qtbot, w, Qt.Key.Key_BracketRight)  # P2, window 30..49
    at(qtbot, w, 39, 2)
    press(qtbot, w, Qt.Key.Key_A, SHIFT)
    assert lane(store, 2) == [(0, 5, "walk", "user"), (30, 33, "wave", "accepted"), (33, 36, "sit", "user"),
                              (36, 50, "wave", "accepted")]
    assert "kept" in w.status.currentMessage()
    # without marks, Shift+A covers the whole video, still around the coder's labels
    press(qtbot, w, Qt.Key.Key_Escape)
    w.session.set_person(1)
    human(w, 1, 10, 20, "sit")
    press(qtbot, w, Qt.Key.Key_A, SHIFT)
    assert lane(store, 1) == [(0, 10, "wave", "accepted"), (10, 20, "sit", "user"), (20, 60, "wave", "accepted")]
