"""TimelineWidget: segments as one item, curves from window rows, playhead, seeking, zoom."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core_model.formatting import format_time

from app.common.class_colors import class_color, class_color_hex
from app.common.synthetic import synthetic_poses, synthetic_result
from app.timeline.timeline import TimelineWidget
from app.timeline.timeline_data import (attention_points, centre_curve, covering_mean,
                                       step_curve)
from app.timeline.timeline_items import RowAxisItem, SegmentBarsItem, TimeAxisItem


@pytest.fixture
def timeline(qtbot):
    w = TimelineWidget()
    qtbot.addWidget(w)
    w.resize(1100, 340)
    w.show()
    qtbot.waitExposed(w)
    return w


def _shown(widget, result, poses=None):
    widget.set_video(result.frame_count, result.fps)
    widget.set_result(result)
    if poses is not None:
        widget.set_poses(poses)
    widget.grab()  # forces a paint of every item
    return widget


# ---- Qt-free helpers ---------------------------------------------------------------------
def test_covering_mean_averages_overlapping_windows_and_marks_gaps():
    out = covering_mean([0, 5], [10, 15], [1.0, 3.0], 20)
    np.testing.assert_allclose(out[:5], 1.0)
    np.testing.assert_allclose(out[5:10], 2.0)
    np.testing.assert_allclose(out[10:15], 3.0)
    assert np.isnan(out[15:]).all()


def test_centre_curve_places_values_at_window_centres_sorted():
    x, y = centre_curve(np.array([50, 0]), np.array([150, 100]), np.array([0.7, 0.2]))
    np.testing.assert_allclose(x, [49.5, 99.5])
    np.testing.assert_allclose(y, [0.2, 0.7])


def test_attention_points_average_frames_sampled_twice():
    x, y = attention_points(np.array([[0, 3, 6], [3, 6, 9]]), np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]))
    np.testing.assert_allclose(x, [0, 3, 6, 9])
    np.testing.assert_allclose(y, [0.1, 0.3, 0.4, 0.6])


def test_step_curve_has_one_flat_run_per_change():
    x, y = step_curve(np.array([0, 0, 1, 1, 1, 2, 0]))
    np.testing.assert_allclose(x, [0, 2, 2, 5, 5, 6, 6, 7])
    np.testing.assert_allclose(y, [0, 0, 1, 1, 2, 2, 0, 0])


def test_format_time_and_time_axis_ticks(qapp):
    assert format_time(59.96, 1) == "1:00.0"
    assert format_time(3725) == "1:02:05"
    axis = TimeAxisItem("top", fps=25.0)
    levels = axis.tickValues(0, 25 * 120, 800)
    for spacing, values in levels:  # ticks fall on whole seconds
        assert spacing % 25 == 0 or spacing >= 25
        assert all(abs(v / 25 - round(v / 25)) < 1e-9 for v in values)
    assert axis.tickStrings([1500, 3000], 1.0, 250) == ["1:00", "2:00"]
    assert axis.tickStrings([30], 1.0, 5) == ["0:01.2"]


def test_class_colours_are_stable_and_distinct(qapp):
    colours = {class_color_hex(i) for i in range(120)}
    assert len(colours) == 120
    assert class_color(7).name() == class_color_hex(7)
    assert class_color(-1).name() == class_color(-5).name()


# ---- segments ----------------------------------------------------------------------------
def test_segments_drawn_by_one_item_with_one_lane(timeline):
    r = synthetic_result(1000, 25, n_segments=8)
    _shown(timeline, r)
    items = [i for i in timeline.plots["segments"].items if isinstance(i, SegmentBarsItem)]
    assert items == [timeline.segment_item, timeline.label_item]  # predictions, labels: one item each
    assert len(timeline.plots["segments"].items) <= 4  # bands + predictions + labels + playhead
    assert timeline.segment_item.segment_count() == 8
    assert timeline.segment_item.drawn_rects == 8  # all visible, each wider than a pixel
    assert timeline.people() == [-1]


def test_per_person_mode_has_one_band_per_person_and_one_for_everybody(timeline):
    r = synthetic_result(1000, 25, people=(1, 3), n_segments=5)
    _shown(timeline, r)
    assert timeline.segment_item.segment_count() == 10
    assert timeline.people() == [-1, 1, 3]
    y0, y1 = timeline.plots["segments"].viewRange()[1]
    assert y0 == 0 and y1 >= 3  # all three bands fit
    seg = timeline.segment_item
    assert seg.segment_at(10, 1) == 0 and seg.segment_at(999, 2) == 4 and seg.segment_at(10, 0) is None


def test_level_of_detail_limits_rectangles_to_pixels(timeline):
    r = synthetic_result(100_000, 25, window=75, stride=37, n_segments=5000, num_classes=120)
    _shown(timeline, r)
    item = timeline.segment_item
    assert item.segment_count() == 5000
    assert 0 < item.drawn_rects <= timeline.view.width() + 1
    timeline.plots["segments"].setXRange(50_000, 51_000, padding=0)  # 50 segments of 20 frames
    timeline.grab()
    assert item.drawn_rects in (50, 51, 52)


# ---- curves ------------------------------------------------------------------------------
def test_class_pick_sets_rgb_pose_fused_curves(timeline, qtbot):
    r = synthetic_result(1000, 25, num_classes=12)
    _shown(timeline, r)
    timeline.set_class(5)
    for name, probs in (("rgb", r.prob_rgb), ("pose", r.prob_pose), ("fused", r.prob_fused)):
        x, y = timeline.curve_data(name)
        ex, ey = centre_curve(r.window_start, r.window_end, probs[:, 5])
        np.testing.assert_allclose(x, ex)
        np.testing.assert_allclose(y, ey)
    with qtbot.waitSignal(timeline.classPicked, timeout=1000) as sig:
        timeline._combo.setCurrentIndex(7)  # as a user pick in the combo
    assert sig.args == [7] and timeline.current_class() == 7
    np.testing.assert_allclose(timeline.curve_data("fused")[1], centre_curve(r.window_start, r.window_end,
                                                                             r.prob_fused[:, 7])[1])


def test_curves_are_made_when_there_is_something_to_draw(timeline):
    """A labeling project without analysis or poses makes no curve items (they cost a fifth of the timeline's
    construction): each curve is made with its first data, and cleared, not removed, afterwards."""
    def curves():
        return [i for p in timeline.plots.values() for i in p.items if isinstance(i, pg.PlotDataItem)]

    timeline.set_video(1000, 25)
    timeline.set_labels([], [])
    assert curves() == [] and timeline.curve_data("fused")[0].size == 0
    r = synthetic_result(1000, 25, num_classes=12)
    _shown(timeline, r)
    assert {i.name() for i in curves()} >= {"top-class confidence", "temporal attention", "RGB", "Pose", "Fused"}
    timeline.set_poses(synthetic_poses(1000, 25))
    assert timeline.curve_data("people")[0].size > 0
    timeline.set_result(None)
    assert timeline.curve_data("fused")[0].size == 0 and timeline.curve_data("confidence")[0].size == 0
    scores = [i for i in timeline.plots["scores"].items if isinstance(i, pg.PlotDataItem)]
    assert [i.name() for i in scores][:2] == ["top-class confidence", "temporal attention"]  # drawn under products


def test_set_class_does_not_emit(timeline, qtbot):
    _shown(timeline, synthetic_result(1000, 25, num_classes=12))
    with qtbot.assertNotEmitted(timeline.classPicked):
        timeline.set_class(3)
    assert timeline._combo.currentIndex() == 3


def test_confidence_and_attention_curves(timeline):
    r = synthetic_result(1000, 25)
    _shown(timeline, r)
    x, y = timeline.curve_data("confidence")
    np.testing.assert_allclose(y, centre_curve(r.window_start, r.window_end, r.prob_fused.max(axis=1))[1])
    ax, ay = timeline.curve_data("attention")
    ex, ey = attention_points(r.rgb_frames, r.temporal_attention)
    np.testing.assert_allclose(ax, ex)
    np.testing.assert_allclose(ay, ey)
    assert set(ax.astype(int)) <= set(r.rgb_frames.ravel())


def test_person_choice_selects_rows_of_that_person(timeline):
    r = synthetic_result(1000, 25, people=(1, 3), num_classes=12)
    _shown(timeline, r)
    timeline.set_class(2)
    rows1 = r.person == 1
    np.testing.assert_allclose(timeline.curve_data("rgb")[1],
                               centre_curve(r.window_start[rows1], r.window_end[rows1], r.prob_rgb[rows1, 2])[1])
    timeline.set_person(3)
    rows3 = r.person == 3
    np.testing.assert_allclose(timeline.curve_data("rgb")[1],
                               centre_curve(r.window_start[rows3], r.window_end[rows3], r.prob_rgb[rows3, 2])[1])
    assert timeline.bands_item.selected == 2  # bands: all, P1, P3


def test_people_strip_from_poses(timeline):
    r = synthetic_result(1000, 25)
    poses = synthetic_poses(1000, 25, ((0, 0, 600), (4, 300, 1000)))
    _shown(timeline, r, poses)
    x, y = timeline.curve_data("people")
    np.testing.assert_allclose(x, [0, 300, 300, 600, 600, 1000])
    np.testing.assert_allclose(y, [1, 1, 2, 2, 1, 1])
    timeline.set_poses(None)
    assert timeline.curve_data("people")[0].size == 0


def test_untrained_hint_and_clearing(timeline):
    r = synthetic_result(1000, 25, trained=False)
    _shown(timeline, r)
    assert "UNTRAINED" in timeline._badge.text()
    assert timeline.segment_item._hatched
    timeline.set_result(None)
    assert "No analysis yet" in timeline._badge.text()
    assert timeline.segment_item.segment_count() == 0
    assert timeline.curve_data("fused")[0].size == 0


# ---- playhead, seeking, zoom ---------------------------------------------------------------
def test_playhead_follows_set_playhead_and_stays_visible(timeline):
    _shown(timeline, synthetic_result(1000, 25))
    timeline.set_playhead(432)
    assert timeline.playhead_frame() == 432
    assert all(line.value() == 432 for line in timeline._playheads)
    assert "frame 432" in timeline._position.text() and "0:17.3" in timeline._position.text()
    timeline.plots["segments"].setXRange(0, 100, padding=0)
    timeline.set_playhead(700)
    (x0, x1), _ = timeline.plots["class"].viewRange()
    assert x0 <= 700 <= x1 and x1 - x0 == pytest.approx(100, abs=1)


@pytest.mark.parametrize("plot", ["segments", "class"])
def test_click_emits_seek_to_clicked_frame(timeline, qtbot, plot):
    _shown(timeline, synthetic_result(1000, 25))
    pos = timeline.frame_to_view_pos(250, plot)
    with qtbot.waitSignal(timeline.seekRequested, timeout=1000) as sig:
        QTest.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    assert abs(sig.args[0] - 250) <= 1


def _mouse(widget, kind, pos, button, buttons):
    ev = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
    if kind == QEvent.Type.MouseMove:
        QTest.qWait(20)  # pyqtgraph drops moves closer than 1/mouseRateLimit (100 per second)


def test_drag_scrubs(timeline, qtbot):
    _shown(timeline, synthetic_result(1000, 25))
    seen = []
    timeline.seekRequested.connect(seen.append)
    vp = timeline.view.viewport()
    a, b = timeline.frame_to_view_pos(100), timeline.frame_to_view_pos(600)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(vp, QEvent.Type.MouseButtonPress, a, left, left)
    for t in np.linspace(0, 1, 8):
        _mouse(vp, QEvent.Type.MouseMove, QPoint(int(a.x() + t * (b.x() - a.x())), a.y()), none, left)
    _mouse(vp, QEvent.Type.MouseButtonRelease, b, left, none)
    assert len(seen) >= 3 and seen == sorted(seen)
    assert abs(seen[-1] - 600) <= 1
    assert abs(timeline._playheads[0].value() - 600) <= 1  # the playhead moves while scrubbing


def test_right_drag_pans_without_seeking(timeline, qtbot):
    _shown(timeline, synthetic_result(1000, 25))
    timeline.plots["segments"].setXRange(200, 400, padding=0)
    vp = timeline.view.viewport()
    a, b = timeline.frame_to_view_pos(300), timeline.frame_to_view_pos(250)
    right, none = Qt.MouseButton.RightButton, Qt.MouseButton.NoButton
    with qtbot.assertNotEmitted(timeline.seekRequested):
        _mouse(vp, QEvent.Type.MouseButtonPress, a, right, right)
        for t in np.linspace(0, 1, 6):
            _mouse(vp, QEvent.Type.MouseMove, QPoint(int(a.x() + t * (b.x() - a.x())), a.y()), none, right)
        _mouse(vp, QEvent.Type.MouseButtonRelease, b, right, none)
    (x0, x1), (y0, y1) = timeline.plots["segments"].viewRange()
    assert x0 == pytest.approx(250, abs=2) and x1 - x0 == pytest.approx(200, abs=1)
    assert (y0, y1) == (0, 1)


def test_wheel_zooms_x_only(timeline):
    _shown(timeline, synthetic_result(1000, 25))
    vb = timeline.plots["class"].getViewBox()
    y_before = vb.viewRange()[1]
    pos = QPointF(timeline.frame_to_view_pos(500, "class"))
    ev = QWheelEvent(pos, QPointF(timeline.view.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 480),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(timeline.view.viewport(), ev)
    (x0, x1), y_after = vb.viewRange()
    assert x1 - x0 < 900 and x0 <= 500 <= x1
    assert y_after == pytest.approx(y_before)
    assert timeline.plots["segments"].viewRange()[0] == pytest.approx([x0, x1])  # linked
    timeline.zoom_to_fit()
    assert timeline.plots["class"].viewRange()[0] == pytest.approx([0, 1000])


# ---- layout: row labels / legends ----------------------------------------------------------
def _scene_rects(axis):
    return [axis.mapRectToScene(r) for r in axis.label_rects]


@pytest.mark.parametrize("height", [230, 340])
def test_row_labels_are_legends_in_the_left_margin_and_never_overlap(timeline, height):
    timeline.resize(1100, height)
    _shown(timeline, synthetic_result(1000, 25), synthetic_poses(1000, 25, ((0, 0, 600),)))
    expected = {"scores": ["conf", "attn"], "class": ["RGB", "pose", "fused"], "people": ["people"]}
    data_rects = [p.getViewBox().sceneBoundingRect() for p in timeline.plots.values()]
    placed = []
    for name, texts in expected.items():
        axis = timeline.plots[name].getAxis("left")
        assert [t for t, _ in axis.entries()] == texts
        rects = _scene_rects(axis)
        assert len(rects) == len(texts)  # every entry drawn, none dropped
        axis_rect = axis.sceneBoundingRect()
        for r in rects:
            assert axis_rect.contains(r)  # inside its own row's margin
            assert not any(r.intersects(d) for d in data_rects)  # never over the curves
            assert not any(r.intersects(o) for o in placed)
            placed.append(r)
    # the legend colours are the curves' colours
    colours = dict(timeline.plots["class"].getAxis("left").entries())
    assert colours["fused"] == "#fff176"
    assert not [i for i in timeline.view.scene().items() if isinstance(i, pg.LegendItem)]


def test_tick_labels_stay_inside_their_row(timeline):
    timeline.resize(1100, 230)
    _shown(timeline, synthetic_result(1000, 25))
    from PySide6.QtGui import QPainter, QPicture

    for name in ("scores", "class", "people"):
        axis = timeline.plots[name].getAxis("left")
        pic = QPicture()
        painter = QPainter(pic)
        _, _, texts = axis.generateDrawSpecs(painter)
        painter.end()
        assert [t for _, _, t in texts] == ["1", "0"]  # both kept, top first
        for rect, _, _ in texts:
            assert 0 <= rect.top() and rect.bottom() <= axis.height() + 1e-6


def test_short_row_packs_entries_into_fewer_lines(qapp):
    axis = RowAxisItem([("RGB", "#4fc3f7"), ("pose", "#e57cf2"), ("fused", "#fff176")])
    axis.resize(66, 14)  # room for one line only
    assert axis.entry_lines() == [[("RGB", "#4fc3f7"), ("pose", "#e57cf2"), ("fused", "#fff176")]]
    axis.resize(66, 60)
    assert len(axis.entry_lines()) == 3


# ---- people's bands (labels + predictions per person) ---------------------------------------
def test_thirty_people_bands_stay_readable_scroll_and_select_on_click(timeline, qtbot):
    from app.timeline.timeline_lanes import BAND_MIN_PX

    poses = synthetic_poses(1000, 25, tuple((t, 0, 1000) for t in range(30)))
    r = synthetic_result(1000, 25, people=tuple(range(30)), n_segments=4)
    _shown(timeline, r, poses)
    assert timeline.people() == [-1] + list(range(30))
    vb = timeline.plots["segments"].getViewBox()
    y0, y1 = vb.viewRange()[1]
    assert vb.height() / (y1 - y0) >= BAND_MIN_PX - 0.5  # bands never thinner than the minimum
    assert timeline._band_bar.isVisible() and timeline._band_bar.maximum() > 0
    timeline.set_person(25)  # the selected person's band scrolls into view and is highlighted
    y0, y1 = vb.viewRange()[1]
    band = timeline.people().index(25)
    assert y0 <= band and band + 1 <= y1 + 1e-6
    assert timeline.bands_item.selected == band
    timeline.grab()
    visible = [p for k, p in enumerate(timeline.people()) if y0 <= k + 0.5 <= y1]
    with qtbot.waitSignal(timeline.personPicked, timeout=1000) as sig:
        QTest.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         timeline.band_pos(500, visible[0], labels=False))
    assert sig.args == [visible[0]]
    timeline.scroll_bands(-100)
    assert vb.viewRange()[1][0] == 0


def test_labels_and_predictions_are_separate_items_and_look_different(timeline):
    from types import SimpleNamespace as NS

    r = synthetic_result(1000, 25, people=(1,), n_segments=4)
    labels = [NS(id=7, name="walk", color="#ff0000", key="1")]
    segs = [NS(id=3, person=1, start_frame=100, end_frame=300, label_id=7, confidence=None)]
    _shown(timeline, r)
    timeline.set_labels(segs, labels)
    timeline.grab()
    assert timeline.people() == [-1, 1]
    assert timeline.label_item.segment_count() == 1 and timeline.segment_item.segment_count() == 4
    assert timeline.segment_item.alpha < 255 and timeline.label_item.alpha == 255  # predictions translucent
    assert timeline.label_item.offset + timeline.label_item.fill <= timeline.segment_item.offset  # labels on top
    assert timeline.label_item.segment_at(150, 1) == 0 and timeline.label_item.segment_at(150, 0) is None
    timeline.set_selected_segment(3)
    assert timeline.label_item.selected() == (1, 0)


def test_closing_the_project_clears_the_timeline_axis(qtbot, window, barcode_video, tmp_path):
    from .conftest import open_and_wait

    assert window.project.new_project(tmp_path / "p.epam", labels=["walk"])
    entry = open_and_wait(qtbot, window, barcode_video)
    timeline = window.timeline.widget()
    assert timeline._frame_count == entry.frame_count == 60
    window.project.close_project()
    qtbot.waitUntil(lambda: window.session.current is None, timeout=5000)
    (x0, x1), _ = timeline.plots["segments"].viewRange()
    assert timeline._frame_count == 1 and x1 <= 1.5, (timeline._frame_count, x1)
    assert timeline._position.text() == "" and timeline.people() == [-1]
    assert not timeline._time_axis.style["showValues"] and not timeline._frame_axis.style["showValues"]
    open_and_wait(qtbot, window, barcode_video)  # a video again: its axis with values
    assert timeline._frame_count == 60 and timeline._time_axis.style["showValues"]
