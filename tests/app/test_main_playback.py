"""Opening a video, frame-exact stepping, jumps, speed, play, and timeline seeking."""
from __future__ import annotations

import numpy as np

from app.common.imaging import qimage_to_rgb
from app.video.playback import MAX_SPEED, MIN_SPEED
from core_model.video import VideoReader
from core_model.video.synthetic import read_barcode

from .conftest import open_and_wait, show_frame


def shown_pixels(win):
    return qimage_to_rgb(win.view.frame_image())


def test_open_and_step_is_frame_exact(qtbot, window, barcode_video):
    entry = open_and_wait(qtbot, window, barcode_video)
    assert entry.frame_count == 60 and window.video_list.count() == 1
    with VideoReader(barcode_video) as reader:
        for expected, act in ((1, "step_forward"), (2, "step_forward"), (1, "step_back"), (26, "jump_forward"),
                              (1, "jump_back")):
            window.actions[act].trigger()
            qtbot.waitUntil(lambda: window.view.shown_frame == expected, timeout=5000)
            assert np.array_equal(shown_pixels(window), reader[expected])
            assert read_barcode(shown_pixels(window)) == expected
        for index in (59, 7, 33):  # random access both ways
            show_frame(qtbot, window, index)
            assert np.array_equal(shown_pixels(window), reader[index])
    assert "Frame 33 / 59" in window.status.frame_label.text()
    assert window.view.hud_text().startswith("Frame 33 / 59 · 0:01.320")


def test_steps_clamp_at_the_ends(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    window.actions["step_back"].trigger()
    assert window.playback.position == 0
    window.actions["last_frame"].trigger()
    qtbot.waitUntil(lambda: window.view.shown_frame == 59, timeout=5000)
    window.actions["step_forward"].trigger()
    assert window.playback.position == 59


def test_speed_range_and_play(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    pb = window.playback
    for _ in range(12):
        window.actions["faster"].trigger()
    assert pb.speed == MAX_SPEED and window.status.speed_label.text() == "4×"
    for _ in range(12):
        window.actions["slower"].trigger()
    assert pb.speed == MIN_SPEED
    window.actions["normal_speed"].trigger()
    pb.set_speed(4.0)
    window.actions["play"].trigger()
    assert pb.playing
    qtbot.waitUntil(lambda: (window.view.shown_frame or 0) >= 10, timeout=5000)
    window.actions["play"].trigger()
    assert not pb.playing
    stopped = pb.position
    qtbot.waitUntil(lambda: window.view.shown_frame == stopped, timeout=5000)
    with VideoReader(barcode_video) as reader:
        assert np.array_equal(shown_pixels(window), reader[stopped])


def test_play_stops_at_the_last_frame(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    window.playback.seek(50)
    window.playback.set_speed(4.0)
    window.playback.play()
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=5000)
    qtbot.waitUntil(lambda: window.view.shown_frame == 59, timeout=5000)


def test_timeline_seeks_the_video(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    window.timeline.seekRequested.emit(42)
    qtbot.waitUntil(lambda: window.view.shown_frame == 42, timeout=5000)
    assert read_barcode(shown_pixels(window)) == 42
    assert window.timeline.widget().playhead_frame() == 42


def test_timeline_click_seeks(qtbot, window, barcode_video):
    from PySide6.QtCore import Qt

    open_and_wait(qtbot, window, barcode_video)
    timeline = window.timeline.widget()
    qtbot.waitUntil(lambda: timeline.isVisible(), timeout=2000)
    pos = timeline.frame_to_view_pos(30)
    target = timeline.childAt(pos) or timeline
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(timeline, pos))
    qtbot.waitUntil(lambda: window.view.shown_frame is not None and abs(window.view.shown_frame - 30) <= 1,
                    timeout=5000)


def test_zoom_and_fit(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    fitted = window.view.zoom()
    window.actions["zoom_in"].trigger()
    assert window.view.zoom() > fitted * 1.2
    window.actions["fit"].trigger()
    assert abs(window.view.zoom() - fitted) < 1e-6
