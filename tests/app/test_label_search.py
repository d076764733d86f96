"""The label set of 120 labels: a search field (Ctrl+F, type to filter, ↑/↓, Enter applies the label like its
key), the list uses the dock's height, and "Add…" selects and shows the new label."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog

from .conftest import open_and_wait, show_frame


@pytest.fixture
def ntu(qtbot, window, barcode_video, tmp_path):
    window.resize(1280, 720)
    assert window.project.new_project(tmp_path / "ntu.epam", "ntu120")
    entry = open_and_wait(qtbot, window, barcode_video)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=5000)
    window.labels_dock.raise_()
    window.activateWindow()
    window.view.setFocus()
    qtbot.wait(100)
    return window


def segments(store):
    names = {lab.id: lab.name for lab in store.labels()}
    return [(s.start_frame, s.end_frame, names[s.label_id]) for s in store.segments()]


def test_type_to_find_a_label_and_enter_applies_it(qtbot, ntu):
    w = ntu
    panel = w.labels_panel
    assert len(panel.labels) == 120
    show_frame(qtbot, w, 10)
    qtbot.keyClick(w.view, Qt.Key.Key_I)
    show_frame(qtbot, w, 30)
    qtbot.keyClick(w.view, Qt.Key.Key_O)
    qtbot.keyClick(w.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is panel.search
    qtbot.keyClicks(panel.search, "wav")  # letters go to the field, not to label keys or commands
    shown = [lab.name for lab in panel.labels if lab.id in panel.visible_label_ids()]
    assert shown and all("wav" in name.lower() for name in shown), shown
    assert panel.selected_label_id() == panel.visible_label_ids()[0]
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)  # ↓ chooses in the list (not the person below)
    wanted = panel.visible_label_ids()[1] if len(shown) > 1 else panel.visible_label_ids()[0]
    assert panel.selected_label_id() == wanted
    name = next(lab.name for lab in panel.labels if lab.id == wanted)
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(segments(w.project.store)) == 1, timeout=3000)
    assert segments(w.project.store) == [(10, 31, name)]
    assert QApplication.focusWidget() is w.view  # the keys are back with the video
    qtbot.keyClick(w.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and len(panel.visible_label_ids()) == 120


def test_the_label_list_uses_the_dock_height(qtbot, ntu):
    table = ntu.labels_panel.label_table
    rows_shown = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows_shown >= 10, rows_shown


def test_add_selects_and_shows_the_new_label(qtbot, ntu, monkeypatch):
    panel = ntu.labels_panel
    table = panel.label_table
    table.scrollToTop()
    table.setCurrentCell(0, 0)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("hand raising (to ask)", True)))
    panel._label_buttons["add"].click()
    qtbot.waitUntil(lambda: len(panel.labels) == 121, timeout=3000)
    qtbot.wait(50)
    assert panel.labels[-1].name == "hand raising (to ask)"
    assert panel.selected_label_id() == panel.labels[-1].id
    rect = table.visualItemRect(table.item(120, 0))
    assert table.viewport().rect().contains(rect.center())  # scrolled to it


def test_a_colour_swatch_is_made_once(qtbot):
    """The label set, the label filter and every painted segment row show a label's colour: one icon per colour
    (a pixmap per row and paint took ~10 ms of each project opening)."""
    from app.labeling.labels_panel import swatch

    a, b = swatch("#12ab34"), swatch("#12ab34")
    assert a is b and not a.isNull()
    assert swatch("#12ab35") is not a and swatch("#12ab34", 16) is not a

