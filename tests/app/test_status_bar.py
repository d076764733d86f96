"""The status bar in a narrow window: the fps and speed read-outs keep their whole text, the frame read-out and
the model are elided (whole texts in tooltips), one percentage per job; the "results from another model —
Analyze again" notice is not shown while the new analysis runs."""
from __future__ import annotations

import re
import threading

from PySide6.QtWidgets import QLabel, QProgressBar

from .conftest import make_result, open_and_wait, show_frame


def shown_texts(status):
    texts = [w.text() for w in status.findChildren(QLabel) if w.isVisible() and w.text()]
    texts += [b.text() for b in status.findChildren(QProgressBar) if b.isVisible() and b.isTextVisible()]
    return texts


def test_a_narrow_window_keeps_the_fps_and_one_percentage_per_job(qtbot, window, barcode_video):
    from app.shell.settings import StudioSettings

    entry = open_and_wait(qtbot, window, barcode_video)
    result = make_result(frame_count=60, size=(192, 128))
    result.summary = {"settings": window.settings.analysis_settings().to_dict(), "model_info": {"name": "untrained"}}
    window.session.update(entry, result=result)
    window.settings = StudioSettings(**{**window.settings.__dict__, "checkpoint": "/x/mine.pt"})  # a long notice
    window._refresh_entry_views()
    show_frame(qtbot, window, 7)
    release = threading.Event()

    def job(progress=None, cancel=None):
        progress(2, 5)
        release.wait(10)

    window.jobs.start("analyze", "Analyzing — barcode.mp4", job, target=entry)
    qtbot.waitUntil(lambda: window.job_panel.isVisible(), timeout=2000)
    qtbot.wait(200)
    window.resize(window.minimumSizeHint().width(), 720)
    qtbot.wait(100)
    status = window.status
    fps = status.fps_label
    assert fps.text() == "25 fps"
    assert fps.contentsRect().width() >= fps.fontMetrics().horizontalAdvance(fps.text()), fps.width()
    speed = status.speed_label
    assert speed.contentsRect().width() >= speed.fontMetrics().horizontalAdvance(speed.text())
    percents = [t for t in shown_texts(status) if re.search(r"\d\s*%", t)]
    assert len(percents) == 1, shown_texts(status)  # one job, one percentage
    for label in (status.frame_label, status.model_label):  # whole or elided, never cut: the tooltip says all
        assert label.width() >= label.minimumSizeHint().width()
        assert label.toolTip().strip() == label.text().strip()
    assert window.width() == window.minimumSizeHint().width()  # nothing widened the window
    release.set()
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=5000)


def test_the_stale_notice_is_hidden_while_the_new_analysis_runs(qtbot, window, barcode_video):
    from app.shell.settings import StudioSettings

    entry = open_and_wait(qtbot, window, barcode_video)
    result = make_result(frame_count=60, size=(192, 128))
    result.summary = {"settings": window.settings.analysis_settings().to_dict(), "model_info": {"name": "untrained"}}
    window.session.update(entry, result=result)
    window.settings = StudioSettings(**{**window.settings.__dict__, "checkpoint": "/x/mine.pt"})
    window._refresh_entry_views()
    badge = window.timeline.widget()._badge
    assert "another model" in window.status.model_label.text() and "STALE" in badge.text()
    window.session.update(entry, busy="analyzing")  # Analyze again was pressed
    qtbot.wait(20)
    assert "⚠" not in window.status.model_label.text() and "Analyze again" not in window.status.model_label.text()
    assert "analysing again" in window.status.model_label.text()
    assert "STALE" not in badge.text()
    window.session.update(entry, busy=None)  # cancelled: the old results are stale again
    qtbot.wait(20)
    assert "another model" in window.status.model_label.text()


def _message_room(status) -> int:
    """Pixels left of the read-outs on the right, where the status bar's message is drawn."""
    right = [w.geometry().x() for w in status.children() if getattr(w, "isVisible", None) and w.isVisible()
             and w.isWidgetType() and w.geometry().x() > 0]
    return min(right) - 12


def test_after_an_analysis_that_made_the_poses_its_two_messages_are_read_one_after_the_other_at_1280_px(
        qtbot, window, barcode_video):
    """"Analyzed …" and the first look at the poses were one status line, cut at 1280 px ("… People ▸ Merge /
    Split Analyz"): now one message at a time, each whole in a 1280x720 window; a new message drops the queue."""
    from app.analysis.controller import analyzed_text, first_look

    from .test_extraction_settings_view import _poses

    entry = open_and_wait(qtbot, window, barcode_video)
    result = make_result(frame_count=60, size=(192, 128))  # untrained: the model label is at its widest
    window.session.update(entry, result=result)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=2000)
    qtbot.wait(100)
    status = window.status
    analyzed, look = analyzed_text("bikes.mp4", result), first_look("bikes.mp4", _poses(pieces=7, people=2))
    assert analyzed == "Analyzed bikes.mp4: 2 windows, 1 segment (untrained model)."
    assert look == "bikes.mp4: 14 tracks, 2 people at once — People ▸ Merge / Split"
    room = _message_room(status)
    for text in (analyzed, look, "Demo ready: overlays on (Alt+1…5 toggle them, F1 lists shortcuts)."):
        assert status.fontMetrics().horizontalAdvance(text) <= room, (text, room)
    status.showMessage(analyzed, 400)
    status.queue_message(look, 400)
    status.queue_message(look, 400)  # the same again (Extract pose found the same poses): said once
    assert status.currentMessage() == analyzed and status.messages_ahead() == [analyzed, look]
    qtbot.waitUntil(lambda: status.currentMessage() == look, timeout=5000)
    qtbot.waitUntil(lambda: status.currentMessage() == "", timeout=5000)
    status.showMessage(analyzed, 400)
    status.queue_message(look, 400)
    status.showMessage("Cancelled: Analyzing — bikes.mp4.", 400)  # a new message: what waited is dropped
    assert status.messages_ahead() == ["Cancelled: Analyzing — bikes.mp4."]
    status.clearMessage()
    status.queue_message(look, 400)  # nothing on screen: shown at once
    assert status.currentMessage() == look
