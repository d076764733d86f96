"""The Review dock in the main window: ] / [ step through the ranked queue, the playhead and the person follow,
the window is marked in/out, and a label key (or A) there marks the item done; filters; another video opens."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from .conftest import open_and_wait

CLASSES = ["wave", "walk", "sit"]


def per_person_result(frame_count=60, odd=((2, 30, "split"), (1, 20, "low"))):
    """Windows of 20 frames every 10 for persons 1 and 2; confident 'wave' except the ``odd`` windows:
    (person, start, "split") = RGB says walk, pose says sit; (person, start, "low") = fused 'wave' at 40 %."""
    from core_model.analysis.results import AnalysisResult
    from core_model.analysis.segments import Segment

    starts = np.arange(0, frame_count - 20 + 1, 10)
    rows = [(p, s) for p in (1, 2) for s in starts]
    w = len(rows)
    rgb = np.tile(np.array([0.9, 0.05, 0.05], np.float32), (w, 1))
    pose = rgb.copy()
    for person, start, kind in odd:
        i = rows.index((person, start))
        if kind == "split":
            rgb[i], pose[i] = [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]
        else:
            rgb[i] = pose[i] = [0.4, 0.35, 0.25]
    fused = (rgb + pose) / 2
    s = np.array([r[1] for r in rows])
    pf = np.stack([np.linspace(a, a + 19, 48).round().astype(int) for a in s])
    segments = [Segment(p, 0, frame_count, 0.0, frame_count / 25, 0, "wave", 0.9) for p in (1, 2)]
    return AnalysisResult(
        summary={}, class_names=CLASSES, model="test.pt", trained=True, frame_count=frame_count, fps=25.0,
        img_shape=(128, 192), window_start=s, window_end=s + 20, person=np.array([r[0] for r in rows]),
        pose_frames=pf, rgb_frames=pf[:, ::3], boxes=np.array([[10, 10, 180, 120]] * w, np.float32),
        prob_rgb=rgb, prob_pose=pose, prob_fused=fused, spatial_attention=None, temporal_attention=None,
        segments=segments)


@pytest.fixture
def reviewing(qtbot, window, barcode_video, tmp_path):
    """A project (labels = the model's classes), the bar-code video open with a per-person result."""
    assert window.project.new_project(tmp_path / "review.epam", labels=CLASSES)
    entry = open_and_wait(qtbot, window, barcode_video)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=10000)
    window.session.update(entry, result=per_person_result())
    c = window.review_ui.controller
    qtbot.waitUntil(lambda: len(c.visible) == 10, timeout=10000)
    window.view.setFocus()
    return window


def press(qtbot, win, key, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(win.view, key, mod)


def at(qtbot, win, frame, person):
    qtbot.waitUntil(lambda: win.view.shown_frame == frame, timeout=10000)
    assert win.session.person == person


def test_keys_step_through_the_queue_and_labels_mark_items_done(qtbot, reviewing):
    w = reviewing
    c, panel = w.review_ui.controller, w.review_ui.queue
    assert panel.model.rowCount() == 10 and "10 open" in panel.count_label.text()
    first = c.visible[0]
    assert (first.person, first.start_frame) == (2, 30)  # streams disagree, flicker, low: the top of the queue
    assert set(first.reasons) >= {"disagreement", "unlabeled"} and "RGB says walk" in first.text
    assert (c.visible[1].person, c.visible[1].start_frame, c.visible[1].reasons) == (1, 20,
                                                                                     ("low_confidence", "unlabeled"))
    # a filter per reason
    panel.reason_buttons["unlabeled"].setChecked(False)
    panel.reason_buttons["low_confidence"].setChecked(False)
    panel.reason_buttons["flicker"].setChecked(False)
    assert [(i.person, i.start_frame) for i in c.visible] == [(2, 30)] and panel.model.rowCount() == 1
    for b in panel.reason_buttons.values():
        b.setChecked(True)
    assert len(c.visible) == 10

    press(qtbot, w, Qt.Key.Key_BracketRight)  # ] -> the first item: P2, window 30..49, playhead at its centre
    at(qtbot, w, 39, 2)
    assert (w.labeling.mark_in, w.labeling.mark_out) == (30, 49)
    assert panel.list.currentIndex().row() == 0
    press(qtbot, w, Qt.Key.Key_BracketRight)
    at(qtbot, w, 29, 1)
    press(qtbot, w, Qt.Key.Key_BracketLeft)  # [ -> back
    at(qtbot, w, 39, 2)

    press(qtbot, w, Qt.Key.Key_3)  # label key 3 = "sit" on the marked window of P2: the item is done
    store = w.project.store
    assert [(s.person, s.start_frame, s.end_frame) for s in store.segments()] == [(2, 30, 50)]
    qtbot.waitUntil(lambda: c.queue.open_count() == 9, timeout=10000)
    assert (2, 30) not in [(i.person, i.start_frame) for i in c.visible] and len(c.visible) == 9
    assert "9 open · 1 done" in panel.count_label.text()

    press(qtbot, w, Qt.Key.Key_BracketRight)  # the done item left the list: ] goes to the one that followed it
    at(qtbot, w, 29, 1)
    press(qtbot, w, Qt.Key.Key_A)  # accept the prediction of P1 (wave over the whole video) in this window only
    qtbot.waitUntil(lambda: c.queue.open_count() == 8, timeout=10000)
    assert [(s.person, s.start_frame, s.end_frame, s.source) for s in store.segments(person=1)] == [
        (1, 20, 40, "accepted")]

    panel.done_box.setChecked(True)  # done items listed too, last (confident labeled windows leave the queue)
    assert [(i.person, i.start_frame, i.done) for i in c.visible][8:] == [(2, 30, True), (1, 20, True)]
    assert [i.done for i in c.visible] == [False] * 8 + [True] * 2
    panel.done_box.setChecked(False)

    # an edit undone makes the item open again
    press(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: c.queue.open_count() == 9, timeout=10000)


def test_project_queue_opens_the_other_video(qtbot, reviewing, tmp_path):
    from core_model.video.synthetic import write_barcode_video

    w = reviewing
    c, panel = w.review_ui.controller, w.review_ui.queue
    first = w.session.current
    other_path = tmp_path / "other.mp4"
    write_barcode_video(other_path, frames=40, size=(192, 128), fps=25.0)
    other = open_and_wait(qtbot, w, other_path)
    qtbot.waitUntil(lambda: other.project_id is not None, timeout=10000)
    w.session.update(other, result=per_person_result(40, odd=((1, 10, "split"),)))
    panel.scope_box.setCurrentIndex(1)  # the whole project
    qtbot.waitUntil(lambda: len(c.visible) == 16, timeout=10000)
    assert {i.video_id for i in c.visible} == {first.project_id, other.project_id}
    w.review_ui.docks["queue"].raise_()  # rows are painted (reason tags, video names) without errors
    panel.done_box.setChecked(True)
    image = panel.list.grab().toImage()
    assert image.width() > 200 and image.pixelColor(5, 5).name() != "#000000"
    panel.done_box.setChecked(False)
    # the top item is on the first video (two odd windows there outrank): ] switches to it and jumps
    index = next(k for k, i in enumerate(c.visible) if i.video_id == first.project_id)
    item = c.visible[index]
    c.activate(index)
    qtbot.waitUntil(lambda: w.session.current is first and w.view.shown_frame == item.frame, timeout=10000)
    assert w.session.person == item.person
    assert (w.labeling.mark_in, w.labeling.mark_out) == (item.start_frame, item.end_frame - 1)


def test_figures_dock_computes_only_what_is_shown(qtbot, reviewing):
    w = reviewing
    ui, c = w.review_ui, w.review_ui.controller
    assert ui.docks["queue"].windowTitle() == "Review" and ui.docks["figures"].windowTitle() == "Figures"
    ui.show_figures("stats")
    qtbot.waitUntil(lambda: c.active["stats"], timeout=10000)
    assert not c.active["agreement"] and ui.stats.bar_names() == []  # no labels yet
    ui.figures.set_stacked(True)  # both panels, one above the other
    assert c.active["agreement"] and c.active["stats"] and ui.agreement.isVisible() and ui.stats.isVisible()
    ui.figures.set_stacked(False)
    assert ui.figures.tabs.count() == 2 and ui.figures.tabs.currentIndex() == 1
    assert c.active["stats"] and not c.active["agreement"]
    ui.docks["queue"].raise_()  # the Figures dock hidden behind another tab: nothing computed
    qtbot.waitUntil(lambda: not c.active["stats"], timeout=10000)
    # the Review menu lists the keys and both docks
    menu = next(a.menu() for a in w.menuBar().actions() if a.menu() and a.menu().title() == "&Review")
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:2] == ["&Next review item", "&Previous review item"] and "Figures" in texts and "Review" in texts


def test_figures_panels_are_built_when_first_shown(qtbot, reviewing):
    """Opening the window or a project builds no Agreement / Statistics panel (their plots took ~0.1 s of every
    opening): the Figures dock builds each page the first time it is on screen."""
    import pyqtgraph as pg

    from app.review.agreement_panel import AgreementPanel
    from app.review.stats_panel import StatsPanel

    w = reviewing
    ui, c = w.review_ui, w.review_ui.controller
    dock = ui.docks["figures"]
    assert not w.findChildren(StatsPanel) and not w.findChildren(AgreementPanel)
    assert not dock.findChildren(pg.PlotWidget)
    ui.show_figures("agreement")
    qtbot.waitUntil(lambda: c.active["agreement"], timeout=10000)
    assert len(w.findChildren(AgreementPanel)) == 1 and not w.findChildren(StatsPanel)
    ui.show_figures("stats")  # the second tab: built now, and it shows the budgets
    qtbot.waitUntil(lambda: c.active["stats"], timeout=10000)
    assert len(w.findChildren(StatsPanel)) == 1 and ui.stats.isVisible()
    entry = w.session.current
    from core_model.project import CreateSegment

    assert w.project.apply(CreateSegment(entry.project_id, -1, 0, 25, w.project.store.label_by_name("walk").id))
    qtbot.waitUntil(lambda: ui.stats.bar_names() == ["walk"], timeout=10000)
    ui.figures.set_stacked(True)
    assert ui.agreement.isVisible() and ui.stats.isVisible() and len(w.findChildren(StatsPanel)) == 1


def test_without_a_project_the_current_video_is_reviewed(qtbot, window, barcode_video):
    w = window
    entry = open_and_wait(qtbot, w, barcode_video)
    c = w.review_ui.controller
    press(qtbot, w, Qt.Key.Key_BracketRight)  # nothing analysed yet: one sentence, nothing moves
    assert "analyze the video first" in w.status.currentMessage() and w.view.shown_frame == 0
    w.session.update(entry, result=per_person_result())
    qtbot.waitUntil(lambda: len(c.visible) == 10, timeout=10000)
    assert c.visible[0].video_id is None
    press(qtbot, w, Qt.Key.Key_BracketLeft)  # [ first: the last item of the list
    last = c.visible[len(c.visible) - 1]
    at(qtbot, w, last.frame, last.person)
    press(qtbot, w, Qt.Key.Key_BracketRight)
    assert "End of the review queue" in w.status.currentMessage()
    w.review_ui.queue.scope_box.setCurrentIndex(1)  # project scope without a project: still this video
    assert len(c.visible) == 10 and c.current is None


def test_reanalysis_rebuilds_the_queue_and_is_recorded_in_the_project(qtbot, reviewing, tmp_path):
    w = reviewing
    c, entry, store = w.review_ui.controller, w.session.current, w.project.store
    assert (c.visible[0].person, c.visible[0].start_frame) == (2, 30)
    result = per_person_result(odd=((1, 0, "split"),))
    folder = result.save(tmp_path / "analysis")  # a result saved in a folder, as analyze_video's cache does
    w.session.update(entry, result=result)
    qtbot.waitUntil(lambda: (c.visible[0].person, c.visible[0].start_frame) == (1, 0), timeout=10000)
    assert store.analysis_folder(entry.project_id) == folder.resolve()  # the whole-project queue finds it later
