"""Flat attention is drawn flat (absolute colour scale), stale results are
marked, extracting poses again keeps an analysis made from the same poses."""
from __future__ import annotations

import numpy as np
import pytest

from app.common.imaging import qimage_to_rgb

from .conftest import make_poses, make_result, open_and_wait, show_frame


def drawn_attention(win):
    """The colours of the attention map on screen (RGB of the overlay's image), and its legend."""
    overlay = win.overlays["attention"]
    assert overlay.visible
    return qimage_to_rgb(overlay.image.pixmap().toImage()).astype(int), overlay.legend.text()


@pytest.fixture
def loaded(qtbot, window, stick_video):
    path, keypoints = stick_video
    entry = open_and_wait(qtbot, window, path)
    window.session.update(entry, poses=make_poses(keypoints))
    for key in window.overlays.keys():
        window.set_overlay(key, key == "attention")
    return window, entry


def test_flat_attention_is_drawn_flat_and_peaked_attention_is_not(qtbot, loaded):
    win, entry = loaded
    flat = make_result()
    rng = np.random.default_rng(0)
    flat.spatial_attention = (0.522 + 0.004 * rng.random(flat.spatial_attention.shape)).astype(np.float32)
    win.session.update(entry, result=flat)
    show_frame(qtbot, win, 12)
    rgb, legend = drawn_attention(win)
    spread = (rgb.max(axis=(0, 1)) - rgb.min(axis=(0, 1))).max()
    assert spread <= 12, spread  # one colour: the 0.004 range is not stretched over the colour map
    assert "0.522–0.526 (flat)" in legend and "0–1 scale" in legend
    peaked = make_result()  # 0 everywhere, 1 at one cell
    win.session.update(entry, result=peaked)
    show_frame(qtbot, win, 13)
    rgb, legend = drawn_attention(win)
    assert (rgb.max(axis=(0, 1)) - rgb.min(axis=(0, 1))).max() > 150
    assert "(flat)" not in legend


def test_results_from_other_settings_are_marked_stale(qtbot, loaded):
    from app.shell.settings import StudioSettings

    win, entry = loaded
    result = make_result()
    result.summary = {"settings": win.settings.analysis_settings().to_dict(), "model_info": {"name": "untrained"}}
    win.session.update(entry, result=result)
    show_frame(qtbot, win, 5)
    badge = win.timeline.widget()._badge
    assert "STALE" not in badge.toolTip() and "⚠" not in win.status.model_label.text()
    changed = StudioSettings(**{**win.settings.__dict__, "window": 2.0})
    win.settings = changed  # what the settings dialog does on OK
    win._refresh_entry_views()
    assert "STALE" in badge.text() and "other settings: window" in badge.toolTip()
    assert "results from other settings: window" in win.status.model_label.text()
    assert StudioSettings(checkpoint="/x/mine.pt").stale_reason(result) == "another model"
    win.settings = StudioSettings(**{**win.settings.__dict__, "window": 3.0})
    win._refresh_entry_views()
    assert "STALE" not in badge.toolTip()
    assert StudioSettings().stale_reason(make_result()) is None  # a result that does not say how it was made


def test_extracting_again_keeps_the_analysis_of_the_same_poses(qtbot, loaded, monkeypatch):
    import app.analysis.core_bridge as bridge

    win, entry = loaded
    result = make_result()
    win.session.update(entry, result=result)
    same = make_poses(entry.poses.keypoint.copy())  # what the pose cache gives back: equal, not the same object
    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **pose: (lambda progress=None, cancel=None: same))
    win.controller.extract(entry)
    qtbot.waitUntil(lambda: entry.busy is None and entry.poses is same, timeout=5000)
    assert entry.result is result
    other = make_poses(entry.poses.keypoint + 1.0)
    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **pose: (lambda progress=None, cancel=None: other))
    win.controller.extract(entry)
    qtbot.waitUntil(lambda: entry.busy is None and entry.poses is other, timeout=5000)
    assert entry.result is None  # other poses: the analysis no longer matches


def test_cached_analysis_is_the_cores_lookup(tmp_path, monkeypatch, barcode_video):
    """core_bridge.cached_analysis finds what core_model.analysis.runner.cached_result finds (one lookup)."""
    import app.analysis.core_bridge as bridge
    from app.shell.settings import StudioSettings
    import core_model.analysis.runner as runner

    calls = []
    monkeypatch.setattr(runner, "cached_result", lambda *a, **k: calls.append((a, k)) or "found")
    (tmp_path / "cache" / "analysis" / "k").mkdir(parents=True)
    (tmp_path / "cache" / "analysis" / "k" / "summary.json").write_text("{}")
    monkeypatch.setenv("EPAM_CACHE_DIR", str(tmp_path / "cache"))
    poses = object()
    assert bridge.cached_analysis(barcode_video, StudioSettings(window=2.0), poses) == "found"
    (args, kwargs), = calls
    assert args == (barcode_video,) and kwargs["poses"] is poses and kwargs["settings"].window == 2.0
