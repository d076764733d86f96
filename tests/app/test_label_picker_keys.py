"""The label picker's keys wherever its focus is: Enter chooses the highlighted row (from the search box or from
the list), Esc closes it without choosing (from either), also on the modifier step."""
from __future__ import annotations

import json
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def _labels():
    mods = json.dumps({"values": ["to peer", "to teacher"], "free": False})
    return [SimpleNamespace(id=1, name="writes", key="1", category="Work", color="#44aa44", kind="state", modifiers=""),
            SimpleNamespace(id=2, name="reads", key="2", category="Work", color="#4444aa", kind="state", modifiers=""),
            SimpleNamespace(id=3, name="raises hand", key="3", category="", color="#aa4444", kind="point",
                            modifiers=mods)]


def _picker(qtbot):
    from app.labeling.label_picker import LabelPicker

    host = QWidget()
    qtbot.addWidget(host)
    host.resize(600, 500)
    host.show()
    picker = LabelPicker(host)
    picked = []
    picker.picked.connect(lambda label, modifier: picked.append((label, modifier)))
    picker.host = host  # the popup's parent lives as long as the picker is used
    return picker, picked


def test_enter_chooses_and_esc_cancels_from_the_search_box_and_from_the_list(qtbot):
    picker, picked = _picker(qtbot)
    picker.open_labels(_labels())
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picked == [(2, "")] and not picker.isVisible()
    picker.open_labels(_labels())
    picker.list.setFocus()
    picker.list.setCurrentRow(0)
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert picked[-1] == (1, "") and not picker.isVisible()
    for target in ("search", "list"):
        picker.open_labels(_labels())
        widget = getattr(picker, target)
        widget.setFocus()
        qtbot.keyClick(widget, Qt.Key.Key_Escape)
        assert not picker.isVisible() and len(picked) == 2, target


def test_the_modifier_step_takes_enter_and_esc_too(qtbot):
    picker, picked = _picker(qtbot)
    picker.open_labels(_labels())
    qtbot.keyClicks(picker.search, "raises")
    qtbot.keyClick(picker.search, Qt.Key.Key_Enter)  # the keypad's Enter: the label has modifiers: step 2
    assert picker.isVisible() and picker.rows()[0] == "(no modifier)" and not picked
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picked == [(3, "to peer")] and not picker.isVisible()
    picker.open_modifiers(_labels()[2])
    picker.list.setFocus()
    qtbot.keyClick(picker.list, Qt.Key.Key_Escape)
    assert not picker.isVisible() and picked == [(3, "to peer")]
