"""Jobs run in workers, report progress with an ETA, can be cancelled, and failures become messages."""
from __future__ import annotations

import threading
import time

import pytest

from app.common.eta import EtaEstimator, format_eta
from app.common.workers import JobManager, error_message
from core_model.errors import PoseError
from core_model.jobs import check_cancel

from .conftest import open_and_wait, show_frame


def slow_job(units=40, delay=0.01, started=None):
    def run(progress=None, cancel=None):
        if started is not None:
            started.set()
        for i in range(units):
            check_cancel(cancel)
            time.sleep(delay)
            progress(i + 1, units)
        return "done"

    return run


def test_job_reports_progress_and_finishes(qtbot, qapp):
    jobs = JobManager()
    reports = []
    jobs.progressed.connect(lambda job: reports.append((job.done, job.total, job.eta)))
    with qtbot.waitSignal(jobs.finished, timeout=10000) as blocker:
        job = jobs.start("test", "Counting", slow_job())
    assert blocker.args[0] is job and blocker.args[1] == "done"
    assert reports and reports[-1][:2] == (40, 40)
    assert any(eta is not None for _, _, eta in reports)
    assert jobs.jobs == []


def test_job_can_be_cancelled(qtbot, qapp):
    jobs = JobManager()
    started = threading.Event()
    job = jobs.start("test", "Long", slow_job(units=10_000, delay=0.005, started=started))
    assert started.wait(5)
    with qtbot.waitSignal(jobs.cancelled, timeout=10000):
        jobs.cancel(job)
    assert jobs.jobs == [] and job.done < 10_000


def test_job_failure_is_one_readable_line(qtbot, qapp):
    def broken(progress=None, cancel=None):
        raise PoseError("No person was found in clip.mp4.")

    jobs = JobManager()
    with qtbot.waitSignal(jobs.failed, timeout=10000) as blocker:
        jobs.start("test", "Broken", broken)
    assert blocker.args[1] == "No person was found in clip.mp4."
    assert error_message(ValueError("bad\nsecond line")) == "ValueError: bad"


def test_gui_job_panel_progress_cancel_while_video_steps(qtbot, window, barcode_video, monkeypatch):
    """Extract pose from the GUI (core function replaced by a slow fake): progress bar, ETA, cancel
    button, and the video keeps stepping meanwhile."""
    import app.analysis.core_bridge as bridge

    started = threading.Event()
    monkeypatch.setattr(bridge, "extract_job", lambda path, max_people, **pose: slow_job(10_000, 0.005, started))
    open_and_wait(qtbot, window, barcode_video)
    window.actions["extract"].trigger()
    assert started.wait(5)
    job = window.jobs.jobs[0]
    row = window.job_panel.row(job)
    assert window.job_panel.isVisible()
    qtbot.waitUntil(lambda: row.bar.value() > 0, timeout=5000)
    qtbot.waitUntil(lambda: "left" in row.eta.text(), timeout=5000)
    assert "extracting poses" in window.session.current.status_text()
    for index in (5, 6, 7):  # the GUI keeps stepping while the job runs
        show_frame(qtbot, window, index)
    with qtbot.waitSignal(window.jobs.cancelled, timeout=10000):
        row.cancel.click()
    assert not window.job_panel.isVisible()
    assert "Cancelled" in window.status.currentMessage()
    assert window.session.current.busy is None and window.session.current.poses is None


def test_gui_job_failure_shows_message_and_window_stays_usable(qtbot, window, barcode_video, monkeypatch):
    import app.analysis.core_bridge as bridge

    def failing(path, settings, poses=None):
        def run(progress=None, cancel=None):
            raise PoseError("No person is visible long enough in barcode.mp4 to analyse any window.")
        return run

    monkeypatch.setattr(bridge, "analyze_job", failing)
    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **pose: lambda progress=None, cancel=None: None)
    open_and_wait(qtbot, window, barcode_video)
    with qtbot.waitSignal(window.jobs.failed, timeout=10000):
        window.actions["analyze"].trigger()
    box = window.findChild(type(window.findChild(object, "errorBox")), "errorBox")
    assert box is not None and "No person is visible" in box.text()
    assert "No person is visible" in window.status.currentMessage()
    box.close()
    show_frame(qtbot, window, 12)


def test_eta_estimator():
    t = [0.0]
    eta = EtaEstimator(clock=lambda: t[0])
    assert eta.update(0, 100) is None
    t[0] = 1.0
    assert eta.update(10, 100) == pytest.approx(9.0)
    assert format_eta(None) == "estimating…" and format_eta(9.2) == "~9 s left" and format_eta(75) == "~1:15 left"


def test_on_done_can_start_a_follow_up_job_of_the_same_target(qtbot, qapp):
    jobs = JobManager()
    target = object()
    follow = []

    def first_done(_result):
        follow.append(jobs.start("second", "Second", slow_job(units=2), target=target))

    with qtbot.waitSignal(jobs.finished, timeout=10000, check_params_cb=lambda job, r: job.kind == "second"):
        jobs.start("first", "First", slow_job(units=2), target=target, on_done=first_done)
    assert follow and jobs.jobs == []


def test_pipeline_extracts_then_analyzes_and_shows_overlays(qtbot, window, stick_video, monkeypatch):
    import app.analysis.core_bridge as bridge

    from .conftest import make_poses, make_result

    path, keypoints = stick_video
    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **pose: slow_job(units=3) and (lambda progress=None, cancel=None:
                                                                                  make_poses(keypoints)))
    monkeypatch.setattr(bridge, "analyze_job", lambda p, s, poses=None: (lambda progress=None, cancel=None:
                                                                          make_result()))
    entry = open_and_wait(qtbot, window, path)
    with qtbot.waitSignal(window.controller.pipelineDone, timeout=10000):
        window.controller.run_pipeline(entry)
    assert entry.poses is not None and entry.result is not None and entry.busy is None
    show_frame(qtbot, window, 10)
    assert window.overlays["skeleton"].visible and window.overlays["attention"].visible
    assert window.view.hud_text().startswith("Frame 10 / 49")
