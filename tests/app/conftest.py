"""GUI test fixtures: temp settings, small generated videos, synthetic poses/results, a main window."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

from app.main import prepare_qt_environment

STICK_SIZE = (320, 240)  # (W, H)
STICK_FRAMES = 50


@pytest.fixture(autouse=True)
def _temp_settings(tmp_path, monkeypatch):
    """Settings go to a temporary .ini, never the user's."""
    monkeypatch.setenv("EPAM_STUDIO_SETTINGS", str(tmp_path / "studio.ini"))


@pytest.fixture(scope="session")
def barcode_video(tmp_path_factory):
    """60 frames, 192x128, 25 fps; every frame shows its index as a bar code."""
    from core_model.video.synthetic import write_barcode_video

    path = tmp_path_factory.mktemp("videos") / "barcode.mp4"
    write_barcode_video(path, frames=60, size=(192, 128), fps=25.0)
    prepare_qt_environment()  # cv2 was imported: undo its Qt plugin path
    return path


@pytest.fixture(scope="session")
def stick_video(tmp_path_factory):
    """(path, keypoints (2, T, 17, 2)): two stick figures in separate lanes."""
    from core_model.video.synthetic import write_stick_figure_video

    path = tmp_path_factory.mktemp("videos") / "sticks.mp4"
    keypoints = write_stick_figure_video(path, people=2, frames=STICK_FRAMES, size=STICK_SIZE)
    prepare_qt_environment()
    return path, keypoints


def make_poses(keypoints, fps=25.0, size=STICK_SIZE):
    from core_model.pose.format import Poses

    m, t = keypoints.shape[:2]
    return Poses(keypoints, np.full((m, t, 17), 0.9, np.float32), np.arange(m) + 1, np.arange(t) / fps,
                 (size[1], size[0]), fps)


def make_result(frame_count=STICK_FRAMES, fps=25.0, trained=False, size=STICK_SIZE):
    """An AnalysisResult with two overlapping windows, peaked spatial attention, known boxes."""
    from core_model.analysis.results import AnalysisResult
    from core_model.analysis.segments import Segment

    starts = np.array([0, 20])
    ends = np.minimum(starts + 30, frame_count)
    pose_frames = np.stack([np.linspace(s, e - 1, 48).round().astype(int) for s, e in zip(starts, ends)])
    rgb_frames = pose_frames[:, ::3]
    probs = np.full((2, 3), 0.2, np.float32)
    probs[:, 0] = 0.6
    spatial = np.zeros((2, 16, 7, 7), np.float32)
    spatial[:, :, 2, 4] = 1.0
    w, h = size
    boxes = np.array([[20, 10, w - 20, h - 10]] * 2, np.float32)
    return AnalysisResult(
        summary={}, class_names=["wave", "walk", "sit"], model="untrained" if not trained else "test.pt",
        trained=trained, frame_count=frame_count, fps=fps, img_shape=(h, w), window_start=starts, window_end=ends,
        person=np.array([-1, -1]), pose_frames=pose_frames, rgb_frames=rgb_frames, boxes=boxes, prob_rgb=probs,
        prob_pose=probs, prob_fused=probs, spatial_attention=spatial,
        temporal_attention=np.linspace(0.2, 1.0, 16, dtype=np.float32)[None].repeat(2, 0),
        segments=[Segment(-1, 0, frame_count, 0.0, frame_count / fps, 0, "wave", 0.6)])


@pytest.fixture
def window(qtbot):
    from app.shell.main_window import MainWindow

    prepare_qt_environment()
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1100, 750)
    win.show()
    yield win
    win.jobs.shutdown(5000)
    win.playback.close()


def open_and_wait(qtbot, win, path, frame=0, timeout=15000):
    """Open ``path`` in ``win`` and wait until frame ``frame`` is on screen."""
    win.open_paths([path])
    qtbot.waitUntil(lambda: win.view.shown_frame == frame and win.session.current is not None
                    and win.session.current.is_open, timeout=timeout)
    qtbot.waitUntil(lambda: not win.jobs.jobs, timeout=timeout)  # the cache lookup finished
    return win.session.current


def open_project_and_wait(qtbot, win, path, timeout=15000):
    """Open the project at ``path`` in ``win`` and wait until its first video is open and no job runs."""
    assert win.open_project(path)
    qtbot.waitUntil(lambda: win.session.current is not None and win.session.current.is_open, timeout=timeout)
    qtbot.waitUntil(lambda: not win.jobs.jobs, timeout=timeout)
    return win.session.current


def show_frame(qtbot, win, index, timeout=10000):
    """Seek and wait until ``index`` is displayed."""
    win.playback.seek(index)
    qtbot.waitUntil(lambda: win.view.shown_frame == index, timeout=timeout)


def render_view(win):
    """The scene (video + overlays) over the image rectangle, as an (H, W, 3) array."""
    from PySide6.QtGui import QImage, QPainter

    from app.common.imaging import qimage_to_rgb

    rect = win.view.image_rect()
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_RGB888)
    image.fill(0)
    painter = QPainter(image)
    win.view.scene().render(painter, source=rect)
    painter.end()
    return qimage_to_rgb(image)


@contextmanager
def dark_style():
    """The studio's dark style sheet on the application for the ``with`` block, the one before restored."""
    from PySide6.QtWidgets import QApplication

    from app.shell.resources import style_sheet

    app = QApplication.instance()
    before = app.styleSheet()
    app.setStyleSheet(style_sheet("dark"))
    try:
        yield
    finally:
        app.setStyleSheet(before)


def change_when_enabled(button) -> float:
    """Enable the disabled ``button``: the largest change of a pixel channel between its two looks."""
    def pixels():
        image = button.grab().toImage()
        image = image.convertToFormat(image.Format.Format_RGB32)
        return np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(
            image.height(), -1).astype(float)

    idle = pixels()
    button.setEnabled(True)
    return float(np.abs(idle - pixels()).max())
