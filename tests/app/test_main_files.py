"""Opening files: bad files give a message and the window stays usable; folders, list status, settings."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.shell.settings import SettingsStore, StudioSettings
from app.common.state import Session

from .conftest import make_poses, make_result, open_and_wait, show_frame


def error_box(win):
    return win.findChild(QMessageBox, "errorBox")


def test_bad_file_shows_error_and_window_stays_usable(qtbot, window, tmp_path, barcode_video):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    window.open_paths([bad])
    qtbot.waitUntil(lambda: error_box(window) is not None, timeout=10000)
    assert "broken.mp4" in error_box(window).text() and "\n" not in error_box(window).text()
    error_box(window).close()
    assert window.session.entries == [] and window.video_list.count() == 0
    window.open_paths([tmp_path / "missing.mp4"])
    qtbot.waitUntil(lambda: error_box(window) is not None, timeout=10000)
    error_box(window).close()
    open_and_wait(qtbot, window, barcode_video)  # still works
    show_frame(qtbot, window, 3)


def test_video_list_shows_status_and_switches(qtbot, window, barcode_video, stick_video):
    path, keypoints = stick_video
    open_and_wait(qtbot, window, barcode_video)
    sticks = open_and_wait(qtbot, window, path)
    assert window.video_list.count() == 2
    window.session.update(sticks, poses=make_poses(keypoints), result=make_result())
    text = window.video_list.item_for(sticks).text()
    assert "poses ✓" in text and "analyzed (untrained)" in text
    assert "untrained model" in window.status.model_label.text()
    first = window.session.entries[0]
    window.video_list.setCurrentItem(window.video_list.item_for(first))
    qtbot.waitUntil(lambda: window.view.shown_frame == 0 and window.session.current is first, timeout=5000)
    assert "not analyzed" in window.video_list.item_for(first).text()
    assert window.status.model_label.text().strip() == "no analysis yet"


def test_open_folder_opens_its_videos(qtbot, window, barcode_video):
    window.open_paths([barcode_video.parent])
    qtbot.waitUntil(lambda: window.session.current is not None and window.session.current.is_open, timeout=10000)
    assert window.session.current.path == barcode_video.resolve()


def test_settings_round_trip(tmp_path):
    store = SettingsStore()
    assert str(tmp_path) in store.location  # the temp file from the autouse fixture
    s = store.load()
    assert s == StudioSettings()
    s.device, s.checkpoint, s.class_list, s.window, s.stride = "cpu", "/m.pt", "ntu120", 2.0, 1.0
    s.overlays["heatmap"] = {"enabled": True, "opacity": 0.4}
    store.save(s)
    again = SettingsStore().load()
    assert again == s


def test_overlay_state_persists_on_close(qtbot, window):
    window.set_overlay("heatmap", True)
    window.overlays.set_opacity("attention", 0.3)
    window.close()
    loaded = SettingsStore().load()
    assert loaded.overlays["heatmap"]["enabled"] and abs(loaded.overlays["attention"]["opacity"] - 0.3) < 1e-6


def test_session_model_events():
    session = Session()
    seen = []
    session.added.connect(lambda e: seen.append(("added", e.name)))
    session.current_changed.connect(lambda e: seen.append(("current", e.name if e else None)))
    entry = session.add("/tmp/a.mp4")
    assert session.add("/tmp/a.mp4") is entry
    session.set_current(entry)
    session.remove(entry)
    assert seen == [("added", "a.mp4"), ("current", "a.mp4"), ("current", None)]


def test_drop_opens_and_close_video_removes(qtbot, window, barcode_video):
    window.view.filesDropped.emit([str(barcode_video)])
    qtbot.waitUntil(lambda: window.view.shown_frame == 0, timeout=10000)
    assert window.session.current.path == barcode_video.resolve()
    window.actions["close_video"].trigger()
    assert window.session.entries == [] and window.view.shown_frame is None
    assert window.status.frame_label.text() == "No video"
