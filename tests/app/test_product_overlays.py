"""Any model's attention products are drawn from their descriptions: maps on the crop, discs on joints and
hands, weighted part boxes, timeline curves; a flat softmax reads flat; the panel lists the products."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.analysis.results import AnalysisResult

from app.video.overlays.products import product_key, shape_centres

from .conftest import make_poses, open_and_wait, show_frame
from .model_results import analyzed_models

FRAME = 24


@pytest.fixture(scope="session")
def model_results(stick_video, tmp_path_factory):
    return analyzed_models(stick_video, tmp_path_factory)


@pytest.fixture
def shown(qtbot, window, stick_video, model_results):
    """``show(name) -> result``: the stick video with its poses and model ``name``'s real results at FRAME."""
    path, keypoints = stick_video
    entry = open_and_wait(qtbot, window, path)
    poses = make_poses(keypoints)

    def show(name, result=None):
        result = result or AnalysisResult.load(model_results[name])
        window.session.update(entry, poses=poses, result=result)
        show_frame(qtbot, window, FRAME - 1)
        show_frame(qtbot, window, FRAME)
        return result

    return window, poses, show


def drawn(win, name):
    overlay = win.overlays[product_key(name)]
    assert overlay.visible, name
    return overlay


def test_the_panel_lists_the_products_of_the_result(shown):
    win, _poses, show = shown
    show("p-i3d")
    assert win.overlay_panel.product_rows() == ["product:part_weights"]
    show("skeleton-flow")
    assert win.overlay_panel.product_rows() == ["product:joint_informativeness", "product:boost_attention"]
    overlay = win.overlays["product:boost_attention"]
    win.overlay_panel.checkbox("product:boost_attention").setChecked(False)
    assert not overlay.enabled and not overlay.item.isVisible()
    win.overlay_panel.slider("product:joint_informativeness").setValue(30)
    assert abs(win.overlays["product:joint_informativeness"].opacity - 0.3) < 1e-6
    show("epam")  # EPAM-Net's two products have their own overlay and curve: no extra rows
    assert win.overlay_panel.product_rows() == [] and not win.overlay_panel.products_box.isVisibleTo(win)
    show("skeleton-flow")  # the toggle is remembered by product name
    assert not win.overlays["product:boost_attention"].enabled


def test_joint_informativeness_is_discs_on_the_joints(shown):
    win, poses, show = shown
    result = show("skeleton-flow")
    centres = shape_centres(drawn(win, "joint_informativeness"))
    assert len(centres) == 17
    joints = poses.keypoint[:, FRAME]  # (people, 17, 2)
    for _kind, x, y, _w in centres:
        assert np.hypot(joints[..., 0] - x, joints[..., 1] - y).min() < 0.5
    values = result.products["joint_informativeness"][win.current_context().row]
    radii = {round(w, 4) for *_p, w in centres}
    assert len(radii) > 1 and max(radii) == pytest.approx(float(np.clip(values.max(), 0, 1)), abs=1e-4)


def test_the_boost_mask_and_vpn_maps_are_drawn_on_the_crop(shown):
    win, _poses, show = shown
    show("skeleton-flow")
    box = win.current_context().box()
    overlay = drawn(win, "boost_attention")
    rect = overlay.image.sceneBoundingRect()
    assert not overlay.image.pixmap().isNull()
    assert abs(rect.left() - box[0]) < 1 and abs(rect.right() - box[2]) < 1
    assert "boost" in overlay.badge.text()
    show("vpn")
    assert "step" in drawn(win, "spatiotemporal_attention").badge.text()
    attention = win.overlays["attention"]  # VPN's per-clip A_S: the spatial attention overlay, one map a clip
    assert attention.visible and "per clip" in attention.legend.text()


def test_part_weights_are_weighted_boxes_on_the_model_part_boxes(shown):
    from core_model.preprocess.parts import part_boxes

    win, poses, show = shown
    result = show("p-i3d")
    boxes = [s for s in drawn(win, "part_weights").shapes.shapes()]
    assert len(boxes) == 3 and all(kind == "box" for kind, *_ in boxes)
    ctx = win.current_context()
    config = result.summary["model_info"]["config"]
    geometry = {k: config[k] for k in ("score_threshold", "hand_scale", "hand_extend", "body_padding")}
    expected = part_boxes(poses, 0 if ctx.people_at_frame()[0] == 0 else 1, [FRAME], **geometry)[0]
    drawn_rects = sorted((r.left(), r.top(), r.right(), r.bottom()) for _k, r, *_ in boxes)
    assert any(np.allclose(d, e, atol=0.5) for d in drawn_rects for e in expected)
    labels = " ".join(label for *_x, label in boxes)
    assert "left hand" in labels and "right hand" in labels and "body" in labels


def test_hand_weights_are_discs_on_the_wrists_with_their_glimpse_boxes(shown):
    win, poses, show = shown
    show("hand-glimpse")
    shapes = drawn(win, "hand_weights").shapes.shapes()
    discs = [r.center() for kind, r, *_ in shapes if kind == "disc"]
    assert len(discs) >= 2 and any(kind == "box" for kind, *_ in shapes)
    wrists = poses.keypoint[:, FRAME, 9:11].reshape(-1, 2)
    for c in discs:  # centred on a wrist, pushed at most a glimpse box towards the hand
        assert np.hypot(wrists[:, 0] - c.x(), wrists[:, 1] - c.y()).min() < 30


def test_curves_of_every_model_are_on_the_timeline(shown):
    win, _poses, show = shown
    timeline = win.timeline.widget()
    show("hand-glimpse")
    assert timeline.product_curves.labels() == ["temporal weights"]
    x, y = timeline.product_curves.data("temporal weights")
    assert len(x) > 4 and np.all((y >= 0) & (y <= 1))
    show("p-i3d")
    assert timeline.product_curves.labels() == [f"part weights: {p}" for p in ("left hand", "right hand", "body")]
    show("separable-sta")  # its softmax temporal attention is a product curve, not the sigmoid "attn" curve
    assert timeline.product_curves.labels() == ["temporal attention"]
    assert timeline.curve_data("attention")[0].size == 0
    show("epam")
    assert timeline.product_curves.labels() == [] and timeline.curve_data("attention")[0].size > 0


def test_a_flat_softmax_reads_flat_and_a_peaked_one_does_not(shown, model_results):
    from app.video.overlays.products import value_color

    win, _poses, show = shown
    flat = AnalysisResult.load(model_results["p-i3d"])
    flat.products["part_weights"][:] = 1.0 / 3.0
    show("p-i3d", flat)
    overlay = drawn(win, "part_weights")
    assert "(flat)" in overlay.badge.text() and "× uniform" in overlay.badge.text()
    colors = {c.name() for _k, _r, c, _w, _l in overlay.shapes.shapes()}
    assert colors == {value_color(0.5).name()}  # the middle colour: neither strong nor weak
    _x, y = win.timeline.widget().product_curves.data("part weights: body")
    np.testing.assert_allclose(y, 0.5, atol=1e-6)
    peaked = AnalysisResult.load(model_results["p-i3d"])
    peaked.products["part_weights"][:] = np.array([0.05, 0.05, 0.9], np.float32)
    show("p-i3d", peaked)
    overlay = drawn(win, "part_weights")
    assert "(flat)" not in overlay.badge.text()
    weights = {label.rsplit(" ", 1)[0]: w for _k, _r, _c, w, label in overlay.shapes.shapes()}
    assert weights["body"] > 0.7 and weights["left hand"] < 0.2 and weights["right hand"] < 0.2
