"""The coding scheme in the studio: a classroom project, point events by key, the modifier picker, the label
picker (Ctrl+K), an exclusive category as one undo step, diamonds on the timeline, scheme import/export."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from .conftest import open_and_wait, show_frame


@pytest.fixture
def classroom(qtbot, window, barcode_video, tmp_path):
    assert window.project.new_project(tmp_path / "class.epam", labels="classroom")
    entry = open_and_wait(qtbot, window, barcode_video)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=5000)
    tl = window.timeline.widget()
    qtbot.waitUntil(lambda: tl.plots["segments"].getViewBox().width() > 300, timeout=5000)
    window.view.setFocus()
    return window


def _rows(store):
    names = {lab.id: lab.name for lab in store.labels()}
    return sorted((names[s.label_id], s.start_frame, s.end_frame, s.modifier) for s in store.segments())


def _key(qtbot, win, k):
    qtbot.keyClick(win.view, k)


def _type(qtbot, picker, text, *keys):
    qtbot.keyClicks(picker.search, text)
    for k in keys:
        qtbot.keyClick(picker.search, k)


def test_point_event_by_key_asks_its_modifier(qtbot, classroom):
    w, store = classroom, classroom.project.store
    panel = w.labels_panel
    assert [panel.label_table.item(r, 3).text() for r in (0, 3, 6)] == ["Participation", "Work", "Attention"]
    show_frame(qtbot, w, 10)
    _key(qtbot, w, Qt.Key.Key_1)  # raises hand: a point event with modifiers
    picker = w.labeling_ui.scheme.picker
    assert picker.isVisible() and picker.rows() == ["(no modifier)", "to teacher", "to peer"]
    _type(qtbot, picker, "", Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Return)
    assert not picker.isVisible()
    assert _rows(store) == [("raises hand", 10, 11, "to peer")]  # one frame at the playhead, no marks needed
    assert "frame 10 as 'raises hand (to peer)'" in w.statusBar().currentMessage()
    hand = store.label_by_name("raises hand").id
    tl = w.timeline.widget()
    assert hand in tl.label_item.point_ids
    tl.grab()  # paint: the point is a diamond
    assert tl.label_item.drawn_points == 1


def test_exclusive_category_trims_as_one_undo_step_and_free_modifier(qtbot, classroom):
    w, store = classroom, classroom.project.store
    picker = w.labeling_ui.scheme.picker
    show_frame(qtbot, w, 5)
    _key(qtbot, w, Qt.Key.Key_1)
    _type(qtbot, picker, "", Qt.Key.Key_Return)  # (no modifier)
    w.labeling.set_marks(0, 29)
    _key(qtbot, w, Qt.Key.Key_7)  # on task
    w.labeling.set_marks(10, 19)
    _key(qtbot, w, Qt.Key.Key_8)  # off task: its modifiers, free text allowed
    _type(qtbot, picker, "whispers")
    assert picker.rows() == ["use “whispers”"]
    _type(qtbot, picker, "", Qt.Key.Key_Return)
    assert _rows(store) == [("off task", 10, 20, "whispers"), ("on task", 0, 10, ""), ("on task", 20, 30, ""),
                            ("raises hand", 5, 6, "")]
    w.project.undo_step()  # one step gives "on task" back whole
    assert _rows(store) == [("on task", 0, 30, ""), ("raises hand", 5, 6, "")]


def test_label_picker_by_typing(qtbot, classroom):
    w, store = classroom, classroom.project.store
    picker = w.labeling_ui.scheme.picker
    w.labeling.set_marks(20, 39)
    w.labeling_ui.scheme.pick_action.trigger()
    assert picker.isVisible() and len(picker.rows()) == 9
    _type(qtbot, picker, "work")
    assert [r.split("·")[0].strip() for r in picker.rows()] == ["4  writes", "5  reads", "6  uses device …"]
    _type(qtbot, picker, "", Qt.Key.Key_Down, Qt.Key.Key_Return)  # reads: no modifiers, applied at once
    assert _rows(store) == [("reads", 20, 40, "")]


def test_scheme_menu_import_and_export(qtbot, classroom, tmp_path):
    w, store = classroom, classroom.project.store
    scheme = w.labeling_ui.scheme
    assert w.labels_panel.scheme_button.menu() is scheme.menu
    w.labels_panel.select_label_row(0)
    scheme._fill_menu()
    texts = [a.text() for a in scheme.menu.actions()]
    assert "'raises hand' is a point event (a moment)" in texts and "Modifiers…" in texts
    assert scheme.import_scheme("rehabilitation")
    assert len(store.labels()) == 18 and "repetition" in [lab.name for lab in store.labels()]
    assert w.labels_panel.label_table.rowCount() == 18
    w.project.undo_step()
    assert len(store.labels()) == 9
    out = scheme.export_scheme(tmp_path / "mine.json")
    data = json.loads(out.read_text())
    assert data["format"] == "epam-scheme" and len(data["labels"]) == 9
    assert {c["name"]: c["exclusive"] for c in data["categories"]}["Attention"] is True


def test_overlapping_states_of_two_categories_get_rows_of_their_own():
    from types import SimpleNamespace

    from app.timeline.timeline_lanes import label_arrays

    def seg(i, start, end, label, author="ana"):
        return SimpleNamespace(id=i, person=-1, start_frame=start, end_frame=end, label_id=label, confidence=None,
                               author=author)

    # on task [0, 30) and writes [10, 20) overlap (two categories); a point at 12 stays on the first row
    arrays = label_arrays([seg(1, 0, 30, 7), seg(2, 10, 20, 4), seg(3, 12, 13, 1), seg(4, 0, 30, 7, "ben")], [-1])
    assert arrays["id"].tolist() == [1, 4, 2, 3]
    assert arrays["sub"].tolist() == [0, 2, 1, 0] and arrays["nsub"].tolist() == [3, 3, 3, 3]  # ana 2 rows, ben 1


def test_statistics_panel_counts_point_events(qtbot, classroom):
    from core_model.project import CreateSegment

    w, store = classroom, classroom.project.store
    lab = {x.name: x.id for x in store.labels()}
    vid = store.videos()[0].id
    for frame in (5, 6, 30):
        w.project.apply(CreateSegment(vid, -1, frame, frame + 1, lab["raises hand"], modifier="to peer"))
    w.project.apply(CreateSegment(vid, -1, 0, 50, lab["on task"]))
    stats = w.review_ui.stats
    c = w.review_ui.controller
    c._rebuild_stats()
    hand = next(b for b in c.budgets if b.label == "raises hand")
    assert (hand.kind, hand.events, hand.seconds) == ("point", 3, 0.0)
    assert hand.rate == pytest.approx(3 / (60 / 25) * 60)  # 3 events in the 2.4-s video
    stats.refresh()
    right = stats.chart.getPlotItem().getAxis("right")
    assert "3 events" in [t for _i, t in right._tickLevels[0]]
    row = next(r for r in stats.table_model.rows if r[2] == "raises hand")
    assert row[7:] == (3, pytest.approx(75.0))


def test_enter_in_the_labels_panel_search_asks_the_modifier_too(qtbot, classroom):
    w, store = classroom, classroom.project.store
    show_frame(qtbot, w, 12)
    panel, picker = w.labels_panel, w.labeling_ui.scheme.picker
    qtbot.keyClicks(panel.search, "answers")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert picker.isVisible() and picker.rows() == ["(no modifier)", "correct", "partly correct", "wrong"]
    _type(qtbot, picker, "wro", Qt.Key.Key_Return)
    assert _rows(store) == [("answers", 12, 13, "wrong")]


def test_ethogram_marks_point_events_with_diamonds(qtbot, classroom):
    import pyqtgraph as pg

    from core_model.project import CreateSegment

    w, store = classroom, classroom.project.store
    lab = {x.name: x.id for x in store.labels()}
    vid = store.videos()[0].id
    w.project.apply(CreateSegment(vid, -1, 0, 40, lab["on task"]))
    w.project.apply(CreateSegment(vid, -1, 25, 26, lab["raises hand"], modifier="to peer"))
    stats = w.review_ui.stats
    w.review_ui.controller._rebuild_stats()
    stats.refresh()
    marks = [i for i in stats._etho_items if isinstance(i, pg.ScatterPlotItem)]
    assert len(marks) == 1 and marks[0].data["x"].tolist() == [pytest.approx(1.0)]  # frame 25 at 25 fps


def test_statistics_per_label_and_modifier(qtbot, classroom):
    from core_model.project import CreateSegment

    w, store = classroom, classroom.project.store
    lab = {x.name: x.id for x in store.labels()}
    vid = store.videos()[0].id
    for frame, mod in ((5, "to peer"), (9, "to peer"), (30, "to teacher")):
        w.project.apply(CreateSegment(vid, -1, frame, frame + 1, lab["raises hand"], modifier=mod))
    w.project.apply(CreateSegment(vid, -1, 0, 25, lab["off task"], modifier="looks away"))
    stats = w.review_ui.stats
    w.review_ui.controller._rebuild_stats()
    stats.group_box.setCurrentIndex(stats.group_box.findData("modifier"))
    assert stats.bar_names() == ["off task · looks away", "raises hand · to peer", "raises hand · to teacher"]
    assert stats.bar_seconds()[0] == pytest.approx(1.0)  # 25 frames at 25 fps
    right = [t for _i, t in stats.chart.getPlotItem().getAxis("right")._tickLevels[0]]
    assert right[1:] == ["2 events", "1 event"]


def test_category_column_only_when_the_scheme_has_categories(qtbot, classroom):
    panel = classroom.labels_panel
    assert not panel.label_table.isColumnHidden(3)
    panel.set_labels([lab for lab in classroom.project.store.labels()][:0])
    assert panel.label_table.isColumnHidden(3)
