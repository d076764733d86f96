"""Each overlay toggles and fades the picture; pose-only hides the video; clicking a skeleton selects it."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from app.overlays.attention import upsample_bilinear
from app.overlays.context import FrameContext, person_at
from app.overlays.sampled import sample_label

from .conftest import make_poses, make_result, open_and_wait, render_view, show_frame

KEYS = ("skeleton", "crop_box", "heatmap", "attention", "sampled")


@pytest.fixture
def loaded(qtbot, window, stick_video):
    path, keypoints = stick_video
    entry = open_and_wait(qtbot, window, path)
    window.session.update(entry, poses=make_poses(keypoints), result=make_result())
    show_frame(qtbot, window, 24)
    return window, keypoints


def set_only(win, keys):
    for key in KEYS:
        win.set_overlay(key, key in keys)


@pytest.mark.parametrize("key", KEYS)
def test_each_overlay_toggles_and_fades(loaded, key):
    win, _ = loaded
    set_only(win, ())
    bare = render_view(win)
    win.set_overlay(key, True)
    assert win.overlays[key].visible
    shown = render_view(win)
    assert np.abs(shown.astype(int) - bare).sum() > 0, f"{key} changed nothing"
    win.overlays.set_opacity(key, 0.25)
    faded = render_view(win)
    assert not np.array_equal(faded, shown)
    assert np.abs(faded.astype(int) - bare).sum() < np.abs(shown.astype(int) - bare).sum()
    win.set_overlay(key, False)
    assert np.array_equal(render_view(win), bare)
    assert not win.overlay_panel.checkbox(key).isChecked()


def test_overlay_shortcut_actions_and_panel_stay_in_sync(loaded):
    win, _ = loaded
    win.actions["overlay_heatmap"].setChecked(True)
    assert win.overlays["heatmap"].enabled and win.overlay_panel.checkbox("heatmap").isChecked()
    win.overlay_panel.checkbox("heatmap").setChecked(False)
    assert not win.overlays["heatmap"].enabled and not win.actions["overlay_heatmap"].isChecked()
    win.overlay_panel.slider("attention").setValue(30)
    assert abs(win.overlays["attention"].opacity - 0.3) < 1e-6


def test_pose_only_hides_video_pixels_but_keeps_skeletons(loaded):
    win, _ = loaded
    set_only(win, ())
    win.set_pose_only(True)
    canvas = render_view(win)
    assert len(np.unique(canvas.reshape(-1, 3), axis=0)) == 1  # a plain canvas: no video pixels
    win.set_overlay("skeleton", True)
    assert len(np.unique(render_view(win).reshape(-1, 3), axis=0)) > 1
    win.set_pose_only(False)
    assert len(np.unique(render_view(win).reshape(-1, 3), axis=0)) > 10


def test_overlays_follow_the_frame(qtbot, loaded):
    win, _ = loaded
    set_only(win, ("skeleton",))
    a = render_view(win)
    show_frame(qtbot, win, 40)
    assert not np.array_equal(render_view(win), a)


def test_clicking_a_skeleton_selects_its_person(qtbot, loaded):
    win, keypoints = loaded
    hip = keypoints[1, 24, 11]  # second person (track id 2), left hip
    pos = win.view.mapFromScene(QPointF(float(hip[0]), float(hip[1])))
    qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert win.session.person == 2
    assert win.overlays.context.person == 2
    far = win.view.mapFromScene(QPointF(-200.0, -200.0))
    qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=far)
    assert win.session.person is None


def test_inspector_person_selector_selects(loaded):
    win, _ = loaded
    win.inspector.personSelected.emit(1)
    assert win.session.person == 1 and win.overlays.context.person == 1


def test_sampled_badge_and_attention_source():
    result = make_result()
    frame = int(result.rgb_frames[0, 5])
    ctx = FrameContext(frame=frame, image_shape=(240, 320), result=result)
    assert ctx.row == 0
    assert sample_label(ctx).startswith("sampled RGB frame 6/16 · weight")
    off = FrameContext(frame=frame + 1, image_shape=(240, 320), result=result)
    assert off.row == 0 and (sample_label(off) is None or "RGB" not in sample_label(off))


def test_person_at_and_upsampling(stick_video):
    _, keypoints = stick_video
    poses = make_poses(keypoints)
    x, y = keypoints[0, 3, 0]
    assert person_at(poses, 3, float(x), float(y), 10) == 1
    assert person_at(poses, 3, -500, -500, 10) is None
    grid = np.zeros((7, 7), np.float32)
    grid[3, 3] = 1
    up = upsample_bilinear(grid, 112)
    assert up.shape == (112, 112) and np.unravel_index(up.argmax(), up.shape) in {(55, 55), (55, 56), (56, 55), (56, 56)}


def test_new_poses_replace_old_ones(qtbot, loaded):
    win, keypoints = loaded
    entry = win.session.current
    moved = keypoints.copy()
    moved[..., 0] += 5.0
    win.session.update(entry, poses=make_poses(moved))  # dataclasses with arrays: compared by identity
    assert win.overlays.context.poses is entry.poses


def test_attention_map_is_redrawn_only_when_its_sample_changes(qtbot, loaded):
    from app.overlays.context import nearest_sample

    win, _ = loaded
    set_only(win, ("attention",))
    attention = win.overlays["attention"]
    result = win.session.current.result
    keys = []
    for f in range(10, 30):
        show_frame(qtbot, win, f)
        ctx = win.current_context()
        assert attention.visible
        keys.append(((ctx.row, nearest_sample(result.rgb_frames[ctx.row], f)),
                     attention.image.pixmap().cacheKey()))
    for (key_a, pix_a), (key_b, pix_b) in zip(keys, keys[1:]):
        assert (pix_a == pix_b) == (key_a == key_b)  # same window row and sample <=> same image
    assert len({k for k, _ in keys}) > 1
