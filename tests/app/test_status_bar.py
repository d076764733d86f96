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
