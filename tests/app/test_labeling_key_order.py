"""Keys act in the order they were pressed: an in/out mark uses the frame the previous keys moved to, even while
that frame is still being decoded (the frame on screen lags behind a quick seek)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from .test_labeling import labeled, rows  # noqa: F401 - the fixture
from .conftest import show_frame

SHIFT, NONE = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.NoModifier


def test_quick_keys_mark_the_frames_they_moved_to(qtbot, labeled):
    w, store = labeled, labeled.project.store
    show_frame(qtbot, w, 5)
    for key, mod in ((Qt.Key.Key_I, NONE), (Qt.Key.Key_Right, SHIFT), (Qt.Key.Key_Right, SHIFT),
                     (Qt.Key.Key_O, NONE)):  # 12 ms apart, nothing waits for a frame to be shown
        qtbot.keyClick(w.view, key, mod, delay=12)
    assert (w.labeling.mark_in, w.labeling.mark_out) == (5, 55)  # 1 s = 25 frames, twice
    qtbot.keyClick(w.view, Qt.Key.Key_2)
    assert rows(store) == [(-1, 5, 56, "sit", "user")]


def test_a_mark_right_after_a_seek_uses_the_new_frame(qtbot, labeled):
    w = labeled
    show_frame(qtbot, w, 0)
    qtbot.keyClick(w.view, Qt.Key.Key_Right, SHIFT)  # frame 25 requested ...
    qtbot.keyClick(w.view, Qt.Key.Key_I)  # ... and marked before it is shown
    assert w.labeling.mark_in == 25
    qtbot.waitUntil(lambda: w.view.shown_frame == 25, timeout=10000)
    qtbot.keyClick(w.view, Qt.Key.Key_Space)  # while playing, a mark takes the frame on screen
    qtbot.waitUntil(lambda: w.view.shown_frame > 27, timeout=10000)
    qtbot.keyClick(w.view, Qt.Key.Key_O)
    shown = w.labeling.mark_out
    assert 27 < shown <= w.playback.position
