"""Issue 14, "Settings and results": flat attention is drawn flat (absolute colour scale), stale results are
marked, extracting poses again keeps an analysis made from the same poses."""
from __future__ import annotations

import numpy as np
import pytest

from app.imaging import qimage_to_rgb

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
