"""Keyboard-only use: Tab / Shift+Tab through the video, the timeline and the docks; F6 and Ctrl+1…8 to a pane;
a focused list keeps Home / End / arrows (the video does not move); the review filters, the People merge and
the Figures tabs work without the mouse; the F1 table lists the keys."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QTabBar, QToolButton

from .conftest import make_poses, make_result, open_and_wait, show_frame

LABELS = ["walk", "sit", "wave", "point", "clap", "jump", "run", "read", "write", "drink", "eat", "sleep"]


@pytest.fixture
def studio(qtbot, window, stick_video, tmp_path):
    path, keypoints = stick_video
    assert window.project.new_project(tmp_path / "keys.epam", labels=LABELS)
    entry = open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=5000)
    window.session.update(entry, poses=make_poses(keypoints), result=make_result())
    window.timeline.widget()
    window.activateWindow()
    window.view.setFocus()
    qtbot.wait(50)
    return window


def focus():
    return QApplication.focusWidget()


def press(qtbot, key, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(focus(), key, mod)
    qtbot.wait(10)


def test_tab_walks_the_video_the_timeline_and_the_labels_dock_and_back(qtbot, studio):
    w = studio
    w.labels_dock.raise_()
    qtbot.wait(30)
    seen = [focus()]
    for _ in range(40):
        press(qtbot, Qt.Key.Key_Tab)
        seen.append(focus())
        if focus() is w.view:
            break
    assert seen[-1] is w.view, [type(x).__name__ for x in seen]  # a cycle that comes back to the video
    panel = w.labels_panel
    timeline = w.timeline.widget()
    assert any(timeline.isAncestorOf(x) for x in seen)  # the timeline's class box / view
    for widget in (panel.search, panel.label_table, panel.table, panel.person_filter, panel._label_buttons["add"]):
        assert widget in seen, widget
    assert len(set(map(id, seen))) == len(seen) - 1  # each stop once
    first_dock = next(i for i, x in enumerate(seen) if w.labels_dock.isAncestorOf(x))
    first_timeline = next(i for i, x in enumerate(seen) if timeline.isAncestorOf(x))
    assert first_timeline < first_dock  # video, timeline, then the docks
    back = [focus()]
    for _ in range(len(seen) - 1):
        press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        back.append(focus())
    assert back == list(reversed(seen))  # Shift+Tab walks the same stops backwards


def test_home_end_and_arrows_in_a_focused_list_move_the_list_not_the_video(qtbot, studio):
    w = studio
    show_frame(qtbot, w, 20)
    person = w.session.person
    w.keys.focus_pane("Labels")
    table = w.labels_panel.label_table
    table.setFocus()
    table.setCurrentCell(3, 0)
    press(qtbot, Qt.Key.Key_End)
    assert table.currentRow() == len(LABELS) - 1
    press(qtbot, Qt.Key.Key_Home)
    assert table.currentRow() == 0
    press(qtbot, Qt.Key.Key_Down)
    assert table.currentRow() == 1
    qtbot.wait(100)
    assert w.view.shown_frame == 20  # Home / End did not seek
    assert w.session.person == person  # ↓ did not pick the person below
    w.view.setFocus()
    press(qtbot, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: w.view.shown_frame == 0, timeout=5000)  # with the video focused Home still seeks


def test_f6_and_ctrl_digits_reach_every_pane(qtbot, studio):
    w = studio
    order = []
    for _ in range(9):
        press(qtbot, Qt.Key.Key_F6)
        order.append(w.keys.current_pane())
    assert order == ["timeline", "Videos", "Inspector", "Labels", "People", "Review", "Figures", "video", "timeline"]
    press(qtbot, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert w.keys.current_pane() == "video"
    press(qtbot, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert w.keys.current_pane() == "Review" and not w.review_ui.docks["queue"].visibleRegion().isEmpty()
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focus() is w.labels_panel.search
    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert focus() is w.view


def test_review_filters_people_merge_and_figure_tabs_without_the_mouse(qtbot, studio):
    w = studio
    # review filters: Tab reaches the chips, Space toggles the focused one
    w.keys.focus_pane("Review")
    queue = w.review_ui.queue
    chip = next(iter(queue.reason_buttons.values()))
    for _ in range(20):
        if focus() is chip:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focus() is chip
    ring = w.keys.ring  # the chips draw no focus of their own: a ring shows where the keys go
    assert ring.isVisible() and ring.geometry().contains(QRect(chip.mapTo(w, QPoint(0, 0)), chip.size()))
    before = chip.isChecked()
    press(qtbot, Qt.Key.Key_Space)
    assert chip.isChecked() != before
    assert w.playback.playing is False  # Space pressed the chip, it did not start playback
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton)
    assert not ring.isVisible()  # the mouse is used: no ring
    # People: select two people with the keyboard, then reach Merge with Tab
    w.keys.focus_pane("People")
    people = w.person_list
    people.table.setFocus()
    people.table.setCurrentCell(0, 0)
    people.table.selectRow(0)
    press(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(people.table.selectionModel().selectedRows()) == 2
    buttons = [b for b in people.findChildren(QToolButton) + people.findChildren(__import__(
        "PySide6.QtWidgets", fromlist=["QPushButton"]).QPushButton) if "erge" in b.text() and b.isVisible()]
    assert buttons, "a visible Merge button"
    for _ in range(12):
        if focus() is buttons[0]:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focus() is buttons[0]
    # Figures: the tab bar takes the focus and → switches the page
    w.keys.focus_pane("Figures")
    bar = w.review_ui.figures.tabs.tabBar() if hasattr(w.review_ui.figures, "tabs") else None
    assert isinstance(bar, QTabBar)
    for _ in range(12):
        if focus() is bar:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focus() is bar
    index = bar.currentIndex()
    frame = w.view.shown_frame
    press(qtbot, Qt.Key.Key_Right)
    assert bar.currentIndex() == (index + 1) % bar.count()
    qtbot.wait(100)
    assert w.view.shown_frame == frame


def test_dock_tabs_take_the_keyboard(qtbot, studio):
    w = studio
    bars = [b for b in w.findChildren(QTabBar) if b.parent() is w and b.isVisible()]
    assert bars
    bar = bars[0]
    names = [bar.tabText(i) for i in range(bar.count())]
    assert "Inspector" in names and "Labels" in names
    assert bar.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_the_f1_table_lists_the_focus_keys(qtbot, studio):
    studio.show_shortcuts()
    dialog = studio.shortcuts_dialog
    table = dialog.table
    keys = [table.item(r, 0).text() for r in range(table.rowCount())]
    text = " ".join(keys)
    for wanted in ("Tab", "F6", "Ctrl+1", "Ctrl+5", "Ctrl+F"):
        assert wanted in text, wanted
    dialog.close()


def test_left_right_still_step_the_video_after_clicking_a_list(qtbot, studio):
    w = studio
    show_frame(qtbot, w, 20)
    w.keys.focus_pane("Labels")
    table = w.labels_panel.table  # the segments table, clicked to go to a label
    table.setFocus()
    press(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.view.shown_frame == 21, timeout=5000)


def test_the_keys_filter_watches_the_focused_widget_only(qtbot, monkeypatch):
    """The key handling filters the focused widget and its parents in the window, not every event of the
    application (an application-wide filter cost ~30k Python calls per project opening); the focus ring's mouse
    watch is installed only while the ring is shown."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject
    from PySide6.QtWidgets import QWidget

    from app.main import prepare_qt_environment
    from app.shell import keyboard
    from app.shell.main_window import MainWindow

    seen = []
    original = keyboard.KeyboardNavigation.eventFilter

    def counting(self, obj, event):
        seen.append(obj)
        return original(self, obj, event)

    monkeypatch.setattr(keyboard.KeyboardNavigation, "eventFilter", counting)
    prepare_qt_environment()
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1100, 750)
    w.show()
    w.activateWindow()
    w.view.setFocus()
    qtbot.wait(50)
    seen.clear()
    outside, plain = QWidget(), QObject()
    qtbot.addWidget(outside)
    outside.show()
    for _ in range(20):
        QCoreApplication.sendEvent(plain, QEvent(QEvent.Type.User))
        QCoreApplication.sendEvent(w.labels_panel.table, QEvent(QEvent.Type.User))  # not focused
        outside.update()
    qtbot.wait(50)
    chain = [w.view]
    while chain[-1].parentWidget() is not None:
        chain.append(chain[-1].parentWidget())
    assert all(any(obj is c for c in chain) for obj in seen), {type(o).__name__ for o in seen}
    outside.close()
    w.activateWindow()
    # the keys still reach the focused widget: a list keeps End, the video keeps its shortcuts
    table = w.labels_panel.label_table
    w.labels_panel.set_labels([type("L", (), dict(id=i, name=n, color="#ff0000", key=""))() for i, n in
                               enumerate(LABELS)])
    w.keys.focus_pane("Labels")
    table.setFocus()
    table.setCurrentCell(2, 0)
    qtbot.waitUntil(lambda: focus() is table, timeout=5000)
    press(qtbot, Qt.Key.Key_End)
    assert table.currentRow() == len(LABELS) - 1
    w.jobs.shutdown(5000)
    w.playback.close()
