"""Undo in the studio: the core History is the one undo stack and the app's undo object a view of it; label-set
changes from the Labels panel (rename, delete with relabel, add, key, colour) are undone with Ctrl+Z."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QInputDialog

from core_model.project import CreateSegment, SetNote

from .conftest import open_and_wait

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def project(qtbot, window, barcode_video, tmp_path):
    assert window.project.new_project(tmp_path / "undo.epam", labels=["walk", "sit", "wave"])
    entry = open_and_wait(qtbot, window, barcode_video)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=5000)
    window.view.setFocus()
    return window, entry.project_id


def ctrl_z(qtbot, w, shift=False):
    qtbot.keyClick(w.view, Qt.Key.Key_Z, CTRL | (Qt.KeyboardModifier.ShiftModifier if shift else CTRL))


def panel_names(panel):
    return [panel.label_table.item(r, 0).text() for r in range(panel.label_table.rowCount())]


def agree(w):
    """The app's view, the Edit menu and the History say the same."""
    undo, history, a = w.project.undo, w.project.undo.history, w.actions
    assert (undo.can_undo, undo.can_redo, undo.undo_text, undo.redo_text) == (
        history.can_undo, history.can_redo, history.undo_text, history.redo_text)
    assert a["undo"].isEnabled() == history.can_undo and a["redo"].isEnabled() == history.can_redo
    assert a["undo"].text() == (f"&Undo {history.undo_text}" if history.can_undo else "&Undo")
    assert a["redo"].text() == (f"&Redo {history.redo_text}" if history.can_redo else "&Redo")


def test_history_is_the_only_undo_stack(qtbot, project):
    w, vid = project
    store = w.project.store
    assert w.findChildren(QUndoStack) == [] and not hasattr(w.project.undo, "stack")
    agree(w)
    assert not w.actions["undo"].isEnabled()
    assert w.project.apply(CreateSegment(vid, -1, 5, 20, store.label_by_name("walk").id))
    agree(w)
    assert w.actions["undo"].text() == "&Undo Create segment"
    ctrl_z(qtbot, w)
    assert store.segments() == [] and w.project.undo.history.redo_count == 1
    agree(w)
    assert w.actions["redo"].text() == "&Redo Create segment" and not w.actions["undo"].isEnabled()
    ctrl_z(qtbot, w, shift=True)  # the first redo applies once (there is no second stack to replay it)
    assert len(store.segments()) == 1 and w.project.undo.history.undo_count == 1
    agree(w)
    # an edit applied by the core directly (an import with history=) is on the same stack
    w.project.undo.do(SetNote(store.segments()[0].id, "hi"))
    assert w.actions["undo"].text() == "&Undo Edit note"
    agree(w)


def test_a_refused_undo_is_said_and_drops_nothing(qtbot, project):
    w, vid = project
    store = w.project.store
    assert w.project.apply(CreateSegment(vid, -1, 5, 20, store.label_by_name("walk").id))
    SetNote(store.segments()[0].id, "changed outside the history").apply(store)  # the row is not as the edit left it
    errors = []
    w.project.error.connect(lambda title, text: errors.append(text))
    rows = store.segments()
    ctrl_z(qtbot, w)
    qtbot.wait(50)  # a deferred clear (the old two-stack code) would have run by now
    assert len(errors) == 1 and "Create segment" in errors[0] and "changed since" in errors[0]
    assert "\n" not in errors[0] and "Traceback" not in errors[0]
    assert store.segments() == rows  # nothing written
    assert w.project.undo.history.undo_count == 1 and w.project.undo.history.undo_text == "Create segment"
    agree(w)


def test_rename_a_label_and_ctrl_z_restores_the_name_in_the_panel(qtbot, project):
    w, _ = project
    store, panel = w.project.store, w.labels_panel
    sit = store.label_by_name("sit")
    panel.label_table.item(1, 0).setText("sitting")  # inline rename in the panel
    qtbot.waitUntil(lambda: panel_names(panel) == ["walk", "sitting", "wave"], timeout=3000)
    assert store.label(sit.id).name == "sitting"
    assert w.actions["undo"].text() == "&Undo Rename label to 'sitting'"
    ctrl_z(qtbot, w)
    assert store.label(sit.id) == sit
    qtbot.waitUntil(lambda: panel_names(panel) == ["walk", "sit", "wave"], timeout=3000)
    ctrl_z(qtbot, w, shift=True)
    qtbot.waitUntil(lambda: panel_names(panel) == ["walk", "sitting", "wave"], timeout=3000)
    agree(w)


def test_delete_a_label_in_use_with_relabel_and_ctrl_z_restores_label_and_segments(qtbot, project, monkeypatch):
    w, vid = project
    store, panel = w.project.store, w.labels_panel
    walk, wave = store.label_by_name("walk"), store.label_by_name("wave")
    for person, start, end in ((-1, 0, 10), (-1, 20, 30), (3, 5, 15)):
        assert w.project.apply(CreateSegment(vid, person, start, end, walk.id))
    assert w.project.apply(CreateSegment(vid, 4, 0, 40, wave.id))
    rows = store.segments()
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("sit", True)))
    panel.deleteLabel.emit(walk.id)  # in use: asks which label takes its segments
    sit = store.label_by_name("sit")
    assert store.label_by_name("walk") is None and store.label_usage(sit.id) == 3
    qtbot.waitUntil(lambda: panel_names(panel) == ["sit", "wave"], timeout=3000)
    assert w.actions["undo"].text() == "&Undo Delete label 'walk'"
    ctrl_z(qtbot, w)
    assert store.label(walk.id) == walk  # the same id, name, colour, key and place
    assert store.segments() == rows  # every segment has its old label again
    qtbot.waitUntil(lambda: panel_names(panel) == ["walk", "sit", "wave"], timeout=3000)
    assert panel.label_table.item(0, 2).text() == "3" and panel.label_table.item(0, 1).text() == "1"
    agree(w)


def test_add_key_and_colour_from_the_panel_are_undone_one_by_one(qtbot, project):
    w, _ = project
    store, panel = w.project.store, w.labels_panel
    before = store.labels()
    panel.addLabel.emit("clap")
    clap = store.label_by_name("clap")
    panel.setLabelKey.emit(clap.id, "q")
    panel.recolorLabel.emit(clap.id, "#123456")
    assert store.label(clap.id).key == "Q" and store.label(clap.id).color == "#123456"
    assert w.project.undo.history.undo_count == 3
    ctrl_z(qtbot, w)
    assert store.label(clap.id).color == clap.color
    ctrl_z(qtbot, w)
    assert store.label(clap.id).key is None
    ctrl_z(qtbot, w)
    assert store.labels() == before
    qtbot.waitUntil(lambda: panel_names(panel) == ["walk", "sit", "wave"], timeout=3000)
    agree(w)
    panel.setLabelKey.emit(store.label_by_name("sit").id, "s")  # S splits: refused with one sentence, no step
    assert store.label_by_name("sit").key == "2" and w.project.undo.history.redo_count == 3
    agree(w)
