"""One rule for whose rows are shown, no crop box where the selected
person has no window, the class box gives the keyboard back to the video."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from app.video.overlays.context import FrameContext, shown_person

from .conftest import make_poses, make_result, open_and_wait, show_frame


def per_person_result():
    """Per-person rows: person 1 has windows [0, 30) and [20, 50), person 2 only [0, 30)."""
    base = make_result()
    pick = np.array([0, 1, 0])
    result = make_result()
    result.window_start, result.window_end = np.array([0, 20, 0]), np.array([30, 50, 30])
    result.person = np.array([1, 1, 2])
    for name in ("pose_frames", "rgb_frames", "boxes", "prob_rgb", "prob_pose", "prob_fused", "spatial_attention",
                 "temporal_attention"):
        setattr(result, name, getattr(base, name)[pick])
    result.boxes[2] = [200, 20, 300, 220]  # person 2's own box
    return result


@pytest.fixture
def per_person(qtbot, window, stick_video):
    path, keypoints = stick_video
    entry = open_and_wait(qtbot, window, path)
    window.session.update(entry, poses=make_poses(keypoints), result=per_person_result())
    show_frame(qtbot, window, 10)
    return window, keypoints


def shown_everywhere(win):
    """(view's person, timeline's person, inspector's person) for the frame on screen."""
    ctx = win.overlays.context
    view = int(ctx.result.person[ctx.row]) if ctx.row is not None else None
    return view, win.timeline.widget()._shown_person(), win.inspector.selected_person()


def test_the_rule_is_one_function():
    result = per_person_result()
    assert shown_person(None, 3) is None
    assert shown_person(result, 2) == 2
    assert shown_person(result, None) == 1 and shown_person(result, 7) == 1  # unknown: the lowest track id
    assert shown_person(make_result(), 2) == -1  # a whole-scene result: everybody's rows


def test_view_timeline_and_inspector_show_the_same_person(qtbot, per_person):
    """Select person 2 by clicking the skeleton, then click inside the other person's crop box (not on a skeleton):
    view, timeline and inspector all follow the same rule (the inspector used to keep person 2)."""
    win, keypoints = per_person
    hip = keypoints[1, 10, 11]  # second person (track id 2)
    qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=win.view.mapFromScene(QPointF(float(hip[0]), float(hip[1]))))
    assert win.session.person == 2
    assert shown_everywhere(win) == (2, 2, 2)
    far = win.view.mapFromScene(QPointF(-150.0, -150.0))  # selects nobody
    qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=far)
    assert win.session.person is None
    assert shown_everywhere(win) == (1, 1, 1)
    win.inspector.personSelected.emit(2)  # the inspector's selector goes through the same session
    assert win.session.person == 2 and shown_everywhere(win) == (2, 2, 2)


def test_no_crop_box_where_the_selected_person_has_no_window(qtbot, per_person):
    win, _ = per_person
    win.set_overlay("crop_box", True)
    win.session.set_person(2)
    assert win.overlays["crop_box"].visible  # frame 10: person 2's window [0, 30)
    show_frame(qtbot, win, 40)  # person 2 has no window here (person 1 has)
    assert not win.overlays["crop_box"].visible
    ctx = FrameContext(frame=40, image_shape=(240, 320), poses=win.session.current.poses,
                       result=win.session.current.result, person=2)
    assert ctx.box() is None
    win.session.set_person(1)
    assert win.overlays["crop_box"].visible
    # no analysis at all: the box still comes from the poses
    bare = FrameContext(frame=40, image_shape=(240, 320), poses=win.session.current.poses, person=2)
    assert bare.box() is not None


def test_a_picked_class_gives_the_keyboard_back_to_the_video(qtbot, window, stick_video):
    path, keypoints = stick_video
    entry = open_and_wait(qtbot, window, path)
    window.session.update(entry, poses=make_poses(keypoints), result=make_result())
    show_frame(qtbot, window, 10)
    tl = window.timeline.widget()
    box = tl._combo
    window.activateWindow()
    box.setFocus()
    box.lineEdit().clear()
    qtbot.keyClicks(box.lineEdit(), "wal")  # a partial name, then Return: the completed class is picked
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert tl.current_class() == 1 and box.currentText() == "1: walk"
    assert window.view.hasFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)  # the arrows step again (not typed into the box)
    qtbot.waitUntil(lambda: window.view.shown_frame == 11, timeout=5000)
    box.setFocus()
    box.activated.emit(2)  # picked from the list
    assert window.view.hasFocus()
