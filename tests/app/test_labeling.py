"""Labeling in the studio: keyboard and mouse edits land in the project database, undo/redo through the UI,
read-only projects, the video list's coverage, the lane menu."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core_model.project import ProjectStore

from .conftest import open_and_wait, show_frame

LABELS = ["walk", "sit", "wave"]


def rows(store):
    """(person, start, end, label name, source) of every segment, read back from the database."""
    names = {lab.id: lab.name for lab in store.labels()}
    return [(s.person, s.start_frame, s.end_frame, names[s.label_id], s.source) for s in store.segments()]


@pytest.fixture
def labeled(qtbot, window, barcode_video, tmp_path):
    """A window with a new 3-label project and the 60-frame bar-code video open in it."""
    assert window.project.new_project(tmp_path / "study.epam", labels=LABELS)
    entry = open_and_wait(qtbot, window, barcode_video)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=5000)
    tl = window.timeline.widget()
    qtbot.waitUntil(lambda: tl.plots["segments"].getViewBox().width() > 300, timeout=5000)
    qtbot.wait(50)  # the docks and the timeline have their final geometry
    window.view.setFocus()
    return window


def key(qtbot, win, k, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(win.view, k, mod)


def test_new_project_gives_digit_keys_and_adds_the_opened_video(labeled):
    store = labeled.project.store
    assert [(lab.name, lab.key) for lab in store.labels()] == [("walk", "1"), ("sit", "2"), ("wave", "3")]
    [video] = store.videos()
    assert video.frame_count == 60 and labeled.session.current.project_id == video.id
    assert "study.epam" in labeled.windowTitle()


def test_label_by_keyboard_and_undo_redo(qtbot, labeled):
    w, store = labeled, labeled.project.store
    show_frame(qtbot, w, 10)
    key(qtbot, w, Qt.Key.Key_I)
    show_frame(qtbot, w, 20)
    key(qtbot, w, Qt.Key.Key_O)
    key(qtbot, w, Qt.Key.Key_2)  # "sit" on the marked range (out mark inclusive)
    assert rows(store) == [(-1, 10, 21, "sit", "user")]
    assert w.labeling.mark_in is None and w.labeling.selected == store.segments()[0].id
    key(qtbot, w, Qt.Key.Key_3)  # relabel the selection
    assert rows(store) == [(-1, 10, 21, "wave", "user")]
    show_frame(qtbot, w, 15)
    key(qtbot, w, Qt.Key.Key_S)  # split at the playhead
    assert rows(store) == [(-1, 10, 15, "wave", "user"), (-1, 15, 21, "wave", "user")]
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(store) == [(-1, 10, 21, "wave", "user")]
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(store) == [(-1, 10, 21, "sit", "user")]
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert rows(store) == [(-1, 10, 21, "wave", "user")]
    key(qtbot, w, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(rows(store)) == 2
    assert w.project.undo.history.undo_count == 3 and not w.project.undo.can_redo  # the one undo stack
    assert w.actions["undo"].text() == "&Undo Split segment"
    # with only an in mark, a label key labels from it to the playhead; N selects labels in order
    show_frame(qtbot, w, 30)
    key(qtbot, w, Qt.Key.Key_I)
    show_frame(qtbot, w, 39)
    key(qtbot, w, Qt.Key.Key_1)
    assert rows(store)[-1] == (-1, 30, 40, "walk", "user")
    show_frame(qtbot, w, 0)
    w.labeling.select(None)
    key(qtbot, w, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: w.view.shown_frame == 10, timeout=5000)
    assert store.segment(w.labeling.selected).start_frame == 10
    key(qtbot, w, Qt.Key.Key_M)  # merge with the next label: [10, 15) + [15, 21)
    assert rows(store)[0] == (-1, 10, 21, "wave", "user")
    key(qtbot, w, Qt.Key.Key_Delete)
    assert rows(store) == [(-1, 30, 40, "walk", "user")]
    # the timeline and the panel show what the database holds
    tl = w.timeline.widget()
    assert tl.label_item.segment_count() == 1
    assert w.labels_panel.model.rowCount() == 1


def _mouse(widget, kind, pos, button, buttons):
    ev = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
    if kind == QEvent.Type.MouseMove:
        QTest.qWait(20)  # pyqtgraph drops moves closer than 1/mouseRateLimit


def drag(tl, a: QPoint, b: QPoint, steps: int = 6) -> None:
    vp = tl.view.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(vp, QEvent.Type.MouseButtonPress, a, left, left)
    for t in np.linspace(0, 1, steps):
        _mouse(vp, QEvent.Type.MouseMove, QPoint(int(a.x() + t * (b.x() - a.x())), a.y()), none, left)
    _mouse(vp, QEvent.Type.MouseButtonRelease, b, left, none)


def test_label_by_mouse_drag_and_edge_drag_is_one_undo_step(qtbot, labeled):
    w, store = labeled, labeled.project.store
    tl = w.timeline.widget()
    drag(tl, tl.band_pos(5, -1), tl.band_pos(30, -1))
    [(person, start, end, name, source)] = rows(store)
    assert person == -1 and name == "walk" and source == "user"
    assert abs(start - 5) <= 1 and abs(end - 30) <= 1
    seg_id = store.segments()[0].id
    assert w.labeling.selected == seg_id
    drag(tl, tl.band_pos(end, -1), tl.band_pos(45, -1))  # the end edge
    seg = store.segment(seg_id)
    assert seg.start_frame == start and abs(seg.end_frame - 45) <= 1
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(store) == [(-1, start, end, "walk", "user")]  # one step back to before the drag
    # dragging the label's body moves it (one step); the cursor says what a drag would do
    mid = (start + end) // 2
    vb = tl.plots["segments"].getViewBox()
    hit = vb.hit(tl.view.mapToScene(tl.band_pos(mid, -1)))
    assert tl.lane_cursor(hit) == Qt.CursorShape.OpenHandCursor
    assert tl.lane_cursor(vb.hit(tl.view.mapToScene(tl.band_pos(end, -1)))) == Qt.CursorShape.SizeHorCursor
    assert tl.lane_cursor(vb.hit(tl.view.mapToScene(tl.band_pos(55, -1)))) == Qt.CursorShape.CrossCursor
    drag(tl, tl.band_pos(mid, -1), tl.band_pos(mid + 10, -1))
    moved = store.segment(seg_id)
    assert moved.end_frame - moved.start_frame == end - start and abs(moved.start_frame - (start + 10)) <= 1
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(store) == [(-1, start, end, "walk", "user")]
    # the label chosen in the Labels panel is the one a drag draws
    w.labels_panel.label_table.selectRow(2)
    drag(tl, tl.band_pos(50, -1), tl.band_pos(58, -1))
    assert rows(store)[-1][3] == "wave"
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    # a click on the label selects it; a click on an empty lane clears the selection
    w.labeling.select(None)
    QTest.mouseClick(tl.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tl.band_pos((start + end) // 2, -1))
    assert w.labeling.selected == seg_id
    QTest.mouseClick(tl.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tl.band_pos(55, -1))
    assert w.labeling.selected is None


def test_lane_menu_deletes_and_accepts_a_prediction(qtbot, labeled):
    from .conftest import make_result

    w, store = labeled, labeled.project.store
    w.session.update(w.session.current, result=make_result(frame_count=60))  # one "wave" prediction, 0-60
    w.labeling.create(-1, 5, 12, store.label_by_name("sit").id)
    seg_id = store.segments()[0].id
    menu = w.labeling_ui.lane_menu(-1, 8, seg_id)
    texts = [a.text() for a in menu.actions()]
    assert "Relabel" in texts and "Delete" in texts and "Accept prediction under it" in texts
    next(a for a in menu.actions() if a.text() == "Delete").trigger()
    assert rows(store) == []
    menu = w.labeling_ui.lane_menu(-1, 30, None)
    next(a for a in menu.actions() if a.text() == "Accept prediction under it").trigger()
    [(person, start, end, name, source)] = rows(store)
    assert (person, start, end, name, source) == (-1, 0, 60, "wave", "accepted")
    assert store.segments()[0].confidence == pytest.approx(0.6)
    # a prediction whose class is not in the label set: refused with one sentence in a dialog
    from core_model.project import AcceptPredictions

    errors = []
    w.project.error.connect(lambda title, msg: errors.append((title, msg)))
    assert not w.project.apply(AcceptPredictions(store.videos()[0].id, [(-1, 0, 10, "juggle", 0.5, "m")]))
    assert errors and "juggle" in errors[0][1] and "\n" not in errors[0][1]
    assert len(rows(store)) == 1


def test_read_only_project_says_so_and_refuses_edits(qtbot, window, tmp_path):
    path = tmp_path / "shared.epam"
    holder = ProjectStore.create(path, labels=LABELS)  # another program holds the project
    try:
        holder.add_video_record("clip.mp4", "k" * 40, 100, 25.0)
        before = path.read_bytes()
        assert window.open_project(path)
        assert window.project.read_only
        assert "[read-only]" in window.windowTitle()
        assert "READ-ONLY" in window.labeling_ui.project_status.text()
        window.labeling.apply_label(holder.labels()[0].id)
        assert "read-only" in window.status.currentMessage()
        assert not window.timeline.widget().editable
        assert holder.segments() == [] and path.read_bytes() == before
    finally:
        holder.close()


def test_video_list_shows_labels_and_coverage(qtbot, window, tmp_path):
    path = tmp_path / "cov.epam"
    with ProjectStore.create(path, labels=LABELS) as store:
        vid = store.add_video_record("missing_a.mp4", "a" * 40, 100, 25.0).id
        store.add_video_record("missing_b.mp4", "b" * 40, 200, 25.0)
        from core_model.project import CreateSegment

        CreateSegment(vid, -1, 0, 30, store.labels()[0].id).apply(store)
        CreateSegment(vid, 2, 20, 50, store.labels()[1].id).apply(store)
    assert window.open_project(path)  # the files are missing: listed, marked, nothing opened or asked
    assert window.session.current is None
    texts = [window.video_list.item(i).text() for i in range(window.video_list.count())]
    assert texts[0].startswith("missing_a.mp4") and "2 labels · 50% covered" in texts[0]  # frames 0-50 of 100
    assert "0 labels · 0% covered" in texts[1] and "not found" in texts[1]



def test_labels_panel_edits_the_label_set_and_segments(qtbot, labeled):
    w, store, panel = labeled, labeled.project.store, labeled.labels_panel
    panel.addLabel.emit("clap")
    assert [lab.name for lab in store.labels()][-1] == "clap"
    clap = store.label_by_name("clap")
    panel.label_table.item(3, 0).setText("applause")  # inline rename
    assert store.label(clap.id).name == "applause"
    panel.setLabelKey.emit(clap.id, "q")
    assert store.label(clap.id).key == "Q"
    panel.setLabelKey.emit(clap.id, "s")  # S splits: refused with one sentence, nothing changed
    assert store.label(clap.id).key == "Q"
    panel.recolorLabel.emit(clap.id, "#123456")
    assert store.label(clap.id).color == "#123456"
    qtbot.keyClick(w.view, Qt.Key.Key_Q)  # the new key works at once (playhead on no label: a hint)
    w.labeling.create(-1, 0, 10, clap.id)
    w.labeling.create(4, 20, 30, store.label_by_name("walk").id)
    assert panel.model.rowCount() == 2
    assert panel.label_table.item(3, 2).text() == "1"  # use counts follow the edits
    panel.person_filter.setCurrentIndex(panel.person_filter.findData(4))
    assert [store.segment(i).person for i in panel.visible_segment_ids()] == [4]
    panel.person_filter.setCurrentIndex(0)
    panel.source_filter.setCurrentIndex(panel.source_filter.findData("accepted"))
    assert panel.visible_segment_ids() == []
    panel.source_filter.setCurrentIndex(0)
    # inline edits of label and note go through the core (undoable)
    first = panel.proxy.index(0, 0).data(Qt.ItemDataRole.UserRole)
    row = panel.proxy.mapToSource(panel.proxy.index(0, 0)).row()
    panel.model.setData(panel.model.index(row, 3), store.label_by_name("sit").id)
    panel.model.setData(panel.model.index(row, 5), "hands hidden")
    seg = store.segment(first)
    assert store.label(seg.label_id).name == "sit" and seg.note == "hands hidden"
    # a click on a row seeks to the segment and selects its person
    other = next(s for s in store.segments() if s.person == 4)
    panel.segmentActivated.emit(other.id)
    qtbot.waitUntil(lambda: w.view.shown_frame == 20, timeout=5000)
    assert w.session.person == 4 and w.labeling.selected == other.id
    # deleting a label in use asks first; deleting an unused one does not
    panel.deleteLabel.emit(store.label_by_name("wave").id)
    assert store.label_by_name("wave") is None


def test_import_export_from_the_app_and_epam_file_opens_a_project(qtbot, labeled, tmp_path):
    w, store = labeled, labeled.project.store
    w.labeling.create(-1, 0, 10, store.label_by_name("sit").id)
    out = tmp_path / "labels.csv"
    assert w.project.export_labels(out) == 1
    text = out.read_text()
    assert text.splitlines()[0].startswith("video,person,start_frame,end_frame")
    w.labeling.delete(store.segments()[0].id)
    assert w.project.import_labels(out) == 1
    assert rows(store) == [(-1, 0, 10, "sit", "user")]
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the import is one undo step
    assert rows(store) == []
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace(",sit,", ",no-such-label,"))
    errors = []
    w.project.error.connect(lambda title, msg: errors.append(msg))
    assert w.project.import_labels(bad) is None
    assert errors and "line 2" in errors[0] and rows(store) == []
    # Save as: a copy; this window stays on the original
    copy = w.project.save_as(tmp_path / "copy.epam")
    assert copy.is_file() and w.project.store.path.name == "study.epam"
    # the .epam path on the command line / drag and drop opens that project
    w.open_paths([copy])
    assert w.project.store.path == copy and "copy.epam" in w.windowTitle()
    assert str(copy) == w.settings.recent_projects[0]
    w.labeling_ui.fill_recent_menu(w.recent_menu)
    assert [a.text() for a in w.recent_menu.actions()][:2] == ["copy.epam", "study.epam"]


def test_new_project_takes_in_the_videos_already_open(qtbot, window, barcode_video, tmp_path):
    entry = open_and_wait(qtbot, window, barcode_video)
    assert entry.project_id is None and "label" not in entry.status_text()  # a plain video, no project
    assert window.project.new_project(tmp_path / "later.epam", labels=LABELS)
    assert window.session.current is entry and entry.project_id is not None
    assert [v.frame_count for v in window.project.store.videos()] == [60]
    assert "0 labels" in entry.status_text()


def test_epam_studio_project_file_opens_the_project_and_window_fits_1280x720(qtbot, labeled, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from .conftest import make_result

    w = labeled
    w.session.update(w.session.current, result=make_result(frame_count=60))
    w.labeling.create(-1, 5, 40, w.project.store.labels()[0].id)
    qtbot.wait(50)
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint  # with a project, labels and an analysis shown
    # the command line: epam-studio PROJECT.epam (here with --screenshot, which exits by itself)
    path = w.project.store.path
    w.project.close_project()
    out = tmp_path / "project.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EPAM_STUDIO_SETTINGS=str(tmp_path / "s.ini"))
    proc = subprocess.run([sys.executable, "-m", "app.main", str(path), "--frame", "12", "--screenshot", str(out)],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from PySide6.QtGui import QImage

    assert QImage(str(out)).width() == 1280


def test_many_running_jobs_never_widen_the_window(qtbot, window):
    import threading

    release = threading.Event()
    width = window.width()
    jobs = [window.jobs.start("test", f"A rather long job title number {i} — something.mp4",
                              lambda progress=None, cancel=None: release.wait(10)) for i in range(4)]
    qtbot.wait(50)
    panel = window.job_panel
    assert [panel.row(j).isVisible() for j in jobs] == [True, False, False, False]
    assert panel.more.text() == "+3 more"
    assert window.width() == width and window.minimumSizeHint().width() <= 1280
    release.set()
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=5000)
    assert not panel.isVisible()


def test_a_digit_without_a_project_or_label_says_why(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    window.view.setFocus()
    crop = window.overlays["crop_box"].enabled
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert "open or create a project" in window.status.currentMessage()
    assert window.overlays["crop_box"].enabled == crop  # digits no longer toggle overlays
