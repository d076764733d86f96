"""Each overlay toggles and fades the picture; pose-only hides the video; clicking a skeleton selects it."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt

from app.video.overlays.attention import upsample_bilinear
from app.video.overlays.context import FrameContext, person_at
from app.video.overlays.sampled import sample_label

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
    from app.video.overlays.context import nearest_sample

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


def _render_skeletons(people, width=6.0, size=(400, 400)):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QGraphicsScene

    from app.common.imaging import qimage_to_rgb
    from app.video.overlays.skeleton import SkeletonItem

    scene = QGraphicsScene(0, 0, *size)
    item = SkeletonItem()
    scene.addItem(item)
    item.set_people(QRectF(0, 0, *size), people, width)
    image = QImage(size[0], size[1], QImage.Format.Format_RGB888)
    image.fill(0)
    painter = QPainter(image)
    scene.render(painter, source=QRectF(0, 0, *size))
    painter.end()
    return qimage_to_rgb(image).astype(int)


def test_the_selected_skeleton_does_not_hide_a_small_person(qtbot):
    """A big selected person in front of a small one (a child at the back): the small one stays visible."""
    rng = np.random.default_rng(0)
    small = np.stack([rng.uniform(190, 210, 17), rng.uniform(190, 215, 17)], axis=1)
    big = np.stack([np.full(17, 200.0) + rng.uniform(-4, 4, 17), np.linspace(20, 380, 17)], axis=1)
    scores = np.full(17, 0.95)
    selected_big = (1, big, scores, True, False)
    with_small = _render_skeletons([(0, small, scores, False, True), selected_big])
    without = _render_skeletons([selected_big])
    changed = np.abs(with_small - without).sum(axis=2) > 60
    box = changed[185:220, 185:215]
    assert box.mean() > 0.08, box.mean()  # the small person's limbs show over the selected one
    alone = _render_skeletons([(0, small, scores, False, False)])
    drawn = alone.sum(axis=2) > 60
    assert drawn[185:220, 185:215].mean() < 0.6, drawn[185:220, 185:215].mean()  # limbs, not one blob of joints


def test_the_id_tag_keeps_off_the_attention_legend(qtbot, loaded):
    win, keypoints = loaded
    set_only(win, KEYS)
    show_frame(qtbot, win, 24)
    legend = win.overlays["attention"].legend
    assert legend.isVisible()
    zoom = abs(win.view.transform().m11())
    local = legend.boundingRect()
    legend_rect = QRectF(legend.scenePos() + local.topLeft() / zoom, local.size() / zoom)
    # a person whose top-left joint is right under the legend: the tag's usual place is on the legend
    kp = np.array(keypoints, dtype=np.float32)
    kp[0, :, :, 0] = legend_rect.left() + 4 + np.linspace(0, 40, 17)[None, :]
    kp[0, :, :, 1] = legend_rect.bottom() + 3 + np.linspace(0, 30, 17)[None, :]
    win.session.update(win.session.current, poses=make_poses(kp))
    show_frame(qtbot, win, 25)
    win.view.viewport().repaint()
    tags = win.overlays["skeleton"].item.tag_rects
    legend_rect = QRectF(legend.scenePos() + local.topLeft() / zoom, local.size() / zoom)
    assert tags and all(not r.intersects(legend_rect) for r in tags.values()), (tags, legend_rect)
