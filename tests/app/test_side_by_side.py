"""Two analyses of one video side by side: synced views and timelines, each with its own overlays, the inspector
comparing their top classes and spatial maps at the current frame; another video's results are refused."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence

from core_model.analysis.results import AnalysisResult

from .conftest import make_poses, open_and_wait, show_frame
from .model_results import analyze_with, analyzed_models


@pytest.fixture(scope="session")
def model_results(stick_video, tmp_path_factory):
    return analyzed_models(stick_video, tmp_path_factory)


@pytest.fixture
def compared(qtbot, window, stick_video, model_results):
    path, keypoints = stick_video
    entry = open_and_wait(qtbot, window, path)
    window.session.update(entry, poses=make_poses(keypoints))
    assert window.side_by_side.open_pair(model_results["epam"], model_results["vpn"])
    show_frame(qtbot, window, 5)
    return window, entry


def test_both_views_stay_on_the_same_frame_zoom_and_pan_while_stepping(qtbot, compared):
    win, _entry = compared
    pane = win.side_by_side.pane
    assert pane.isVisible() and pane.view.shown_frame == 5
    for _ in range(4):
        before = win.view.shown_frame
        win.actions["step_forward"].trigger()
        qtbot.waitUntil(lambda: win.view.shown_frame == before + 1)
        assert pane.view.shown_frame == win.view.shown_frame
        assert win.side_by_side.timeline.playhead_frame() == win.view.shown_frame
    win.actions["jump_forward"].trigger()
    qtbot.waitUntil(lambda: win.view.shown_frame == 34)
    assert pane.view.shown_frame == 34
    win.view.zoom_by(2.0)
    assert pane.view.zoom() == pytest.approx(win.view.zoom())
    win.view.horizontalScrollBar().setValue(win.view.horizontalScrollBar().value() + 25)
    assert pane.view.horizontalScrollBar().value() == win.view.horizontalScrollBar().value()


def test_each_side_draws_its_own_products_and_lanes(compared):
    win, _entry = compared
    b = win.side_by_side
    assert win.overlays.product_keys() == []  # A: EPAM-Net, its own attention overlay
    assert b.pane.overlays.product_keys() == ["product:spatiotemporal_attention"]
    assert b.pane.overlays["product:spatiotemporal_attention"].visible
    assert "per clip" in b.pane.overlays["attention"].legend.text()
    assert "sample" in win.overlays["attention"].legend.text()
    assert b.timeline.product_curves.labels() == ["temporal attention"]
    assert win.timeline.widget().product_curves.labels() == []
    win.set_overlay("attention", False)  # A's toggles apply to B
    assert not b.pane.overlays["attention"].enabled


def test_the_inspector_compares_top_classes_and_maps_at_the_frame(compared, model_results):
    win, _entry = compared
    a, b = (AnalysisResult.load(model_results[n]) for n in ("epam", "vpn"))
    state = win.side_by_side.inspector.state
    row_a, row_b = a.window_at(5, -1), b.window_at(5, -1)
    assert state["a_top"][0][1] == a.top_k(row_a, 1)[0][1] and state["b_top"][0][1] == b.top_k(row_b, 1)[0][1]
    text = win.side_by_side.inspector.text()
    for side in (state["a_top"], state["b_top"]):
        assert all(name in text for _c, name, _p in side)
    assert "epam" in text and "vpn" in text and "Whole video: top-1 agreement" in text
    assert state["spatial_r"] is not None and -1.0 <= state["spatial_r"] <= 1.0  # both 2×2 maps here
    expected = np.corrcoef(a.spatial_attention[row_a][np.argmin(np.abs(a.rgb_frames[row_a] - 5))].ravel(),
                           b.spatial_attention[row_b].ravel())[0, 1]
    assert state["spatial_r"] == pytest.approx(expected, abs=1e-5)


def test_the_same_model_before_and_after_is_compared_and_closing_restores_one_view(qtbot, compared, stick_video,
                                                                                     tmp_path):
    win, entry = compared
    path, keypoints = stick_video
    # seed 3: an untrained tiny EPAM-Net whose pose features on these sparse 16 px stick-figure heatmaps are not all
    # zero (seeds 1, 2, 4, 5 give flat 2x2 spatial maps, which have no correlation to show)
    other = analyze_with("epam", path, make_poses(keypoints), tmp_path / "epam_seed3", seed=3)
    assert win.side_by_side.open_folder(other)
    state = win.side_by_side.inspector.state
    assert state["spatial_r"] is not None and state["a_top"] and state["b_top"]
    assert QKeySequence("Ctrl+Shift+C") in win.actions["compare_with"].shortcuts()
    win.actions["close_compare"].trigger()
    assert not win.side_by_side.active and not win.side_by_side.pane.isVisible()
    assert not win.side_by_side.inspector.isVisible() and not win.actions["close_compare"].isEnabled()
    show_frame(qtbot, win, 7)  # the main view goes on alone
    assert win.side_by_side.pane.view.shown_frame is None


def test_results_of_another_video_are_refused_in_one_sentence(qtbot, compared, model_results):
    from core_model.analysis.results import AnalysisResult

    win, _entry = compared
    win.actions["close_compare"].trigger()
    shorter = AnalysisResult.load(model_results["vpn"])
    shorter.frame_count = 30
    assert not win.side_by_side.open_result(shorter)
    assert not win.side_by_side.active
    assert "different videos" in win.status.currentMessage()


def test_a_new_analysis_of_another_video_in_the_main_view_closes_the_comparison(qtbot, compared, model_results):
    win, entry = compared
    other = AnalysisResult.load(model_results["p-i3d"])
    win.session.update(entry, result=other)  # same video: the comparison follows it
    assert win.side_by_side.active and win.side_by_side.inspector.a is other
    shorter = AnalysisResult.load(model_results["p-i3d"])
    shorter.frame_count = 30
    win.session.update(entry, result=shorter)
    assert not win.side_by_side.active and "Comparison closed" in win.status.currentMessage()


def test_the_command_line_takes_two_results_folders_for_one_video(capsys):
    from app.main import parse_args

    args = parse_args(["clip.mp4", "--compare", "runs/a", "runs/b", "--screenshot", "out.png"])
    assert args.compare == ["runs/a", "runs/b"]
    with pytest.raises(SystemExit):
        parse_args(["--compare", "runs/a", "runs/b"])
    assert "--compare needs exactly one VIDEO" in capsys.readouterr().err
