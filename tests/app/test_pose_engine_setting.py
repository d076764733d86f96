"""The pose engine and its device as a studio setting (dialog, persistence, used by the studio's extraction and
shown with the extraction settings), and the throughput (frames/s, time left) of extraction and analysis jobs."""
from __future__ import annotations

import threading
import time

import pytest

from app.common.eta import EtaEstimator, format_throughput
from app.shell.settings import SettingsStore, StudioSettings
from app.shell.settings_dialog import SettingsDialog

pytest.importorskip("PySide6")


def test_engine_and_device_are_chosen_in_the_dialog_and_kept(qtbot):
    dialog = SettingsDialog(StudioSettings(), devices=("auto", "cpu"))
    qtbot.addWidget(dialog)
    assert [dialog.pose_device.itemText(i) for i in range(dialog.pose_device.count())] == ["auto", "cpu"]
    assert "MediaPipe on the CPU" in dialog.pose_status.text()  # what auto means on a machine without a GPU
    dialog.pose_engine.setCurrentText("torch")
    dialog.pose_device.setCurrentText("cpu")
    assert "torch engine on the CPU" in dialog.pose_status.text()
    chosen = dialog.settings()
    assert (chosen.pose_engine, chosen.pose_device) == ("torch", "cpu")
    assert chosen.pose_options() == {"engine": "torch", "device": "cpu"}
    assert chosen.analysis_settings().pose_engine == "torch"
    store = SettingsStore()
    store.save(chosen)
    again = SettingsStore().load()  # a new start of the studio
    assert (again.pose_engine, again.pose_device) == ("torch", "cpu")
    reopened = SettingsDialog(again, devices=("auto", "cpu", "cuda"))
    qtbot.addWidget(reopened)
    assert reopened.pose_engine.currentText() == "torch" and reopened.pose_device.currentText() == "cpu"
    reopened.pose_engine.setCurrentText("auto")
    reopened.pose_device.setCurrentText("auto")
    assert "torch engine on the GPU" in reopened.pose_status.text()  # a GPU: auto takes the torch engine


def test_damaged_engine_settings_fall_back_to_auto(tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    path = tmp_path / "damaged.ini"
    monkeypatch.setenv("EPAM_STUDIO_SETTINGS", str(path))
    raw = QSettings(str(path), QSettings.Format.IniFormat)
    raw.setValue("studio/pose_engine", "tensorflow")
    raw.setValue("studio/pose_device", "tpu")
    raw.sync()
    loaded = SettingsStore().load()
    assert (loaded.pose_engine, loaded.pose_device) == ("auto", "auto")


def test_the_studio_extracts_with_the_engine_of_the_settings(qtbot, window, stick_video):
    from app.labeling.person_list import settings_text
    from core_model.pose import cache
    from core_model.pose.extract import _settings

    from .conftest import make_poses, open_and_wait

    path, keypoints = stick_video
    made = make_poses(keypoints)
    made.meta.update(engine="torch", device="cpu", backend="mediapipe", detect="tiles", max_people=0, delegate="cpu")
    # poses of the torch engine on the CPU, in the cache under that engine's key (a run of before)
    cache.store(path, _settings(0, "mediapipe", "auto", "torch", "cpu"), made)
    window.settings.pose_engine, window.settings.pose_device = "torch", "cpu"
    entry = open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: entry.poses is not None, timeout=10000)  # the cache lookup uses the engine too
    assert entry.poses.meta["engine"] == "torch"
    entry.poses = None
    window.controller.extract(entry)
    qtbot.waitUntil(lambda: entry.poses is not None and entry.busy is None, timeout=10000)
    assert entry.poses.meta["engine"] == "torch"  # found under the torch engine's key: no extraction ran
    assert "engine: torch on CPU" in settings_text(entry.poses)  # what the People dock and Videos tooltip show


def test_throughput_of_each_phase_in_frames_per_second():
    t = [0.0]
    eta = EtaEstimator(clock=lambda: t[0])
    eta.phases = [("poses", 600, 250), ("model", 1000, 250)]  # Analyze: poses, then the model, 250 frames
    eta.update(0, 1000)
    t[0] = 2.0
    eta.update(120, 1000)  # 50 frames of poses in 2 s
    assert format_throughput(eta.frames_per_second()) == "poses 25.0 frames/s"
    t[0] = 10.0
    eta.update(600, 1000)  # the model starts: measured afresh
    t[0] = 11.0
    eta.update(640, 1000)  # 25 frames in 1 s
    name, fps = eta.frames_per_second()
    assert name == "model" and fps == pytest.approx(25.0)
    plain = EtaEstimator(clock=lambda: t[0])
    plain.update(5, 10)
    assert plain.frames_per_second() is None  # a job without frames says no frames/s


def test_analysis_shows_frames_per_second_and_time_left(qtbot, window, stick_video, monkeypatch):
    import app.analysis.core_bridge as bridge

    from .conftest import make_poses, make_result, open_and_wait

    path, keypoints = stick_video
    go_on = threading.Event()

    def reporting(result, wait=False):
        def run(progress=None, cancel=None):
            for i in range(50):  # a frame every 20 ms: 50 frames/s
                time.sleep(0.02)
                progress(i + 1, 50)
                if wait and i == 25:
                    go_on.wait(10)
            return result
        return run

    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **pose: reporting(make_poses(keypoints), wait=True))
    monkeypatch.setattr(bridge, "analyze_job", lambda p, s, poses=None: reporting(make_result()))
    entry = open_and_wait(qtbot, window, path)
    entry.poses = None
    job = window.controller.analyze(entry)
    row = window.job_panel.row(job)
    def pose_rate_shown():
        text = row.eta.text()
        if not ("poses" in text and "frames/s" in text and "left" in text):
            return None
        return float(text.split()[1])

    qtbot.waitUntil(lambda: pose_rate_shown() is not None, timeout=5000)
    # the first figure includes the job's start (slow on a loaded machine); the smoothed rate then
    # converges on the reports' 50 frames/s while the 26 first frames come in
    qtbot.waitUntil(lambda: 5 < pose_rate_shown() < 80, timeout=5000)
    go_on.set()
    qtbot.waitUntil(lambda: "model" in row.eta.text(), timeout=5000)
    qtbot.waitUntil(lambda: entry.result is not None, timeout=10000)


def test_time_left_carries_on_across_a_change_of_phase():
    t = [0.0]
    eta = EtaEstimator(clock=lambda: t[0])
    eta.phases = [("poses", 600, 250), ("model", 1000, 250)]
    eta.update(0, 1000)
    t[0] = 2.0
    assert eta.update(120, 1000) == pytest.approx(880 / 60)  # 60 units/s
    t[0] = 10.0
    left = eta.update(600, 1000)  # the model starts: no rate of its own yet
    assert left is not None and left > 0  # not "estimating…"
    assert eta.frames_per_second() is None  # its frames/s is not made up
    t[0] = 11.0
    assert eta.update(700, 1000) == pytest.approx(3.0)  # 100 units/s measured afresh
