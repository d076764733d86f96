"""The window fits a 1280x720 screen and never resizes itself; labels are not drawn
over each other (sampled-frame badge vs the untrained banner, the timeline badge vs the time read-out); the status
bar does not grow when a job runs; the docks keep their widths when an analysis arrives."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRect

from .conftest import make_poses, make_result, open_and_wait, show_frame

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys, time
from app.main import create_app, create_window
app = create_app()
window = create_window("1280x720")
screen = app.primaryScreen().availableGeometry()
out = {"screen": [screen.width(), screen.height()], "sizes": []}
def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
def record(step):
    spin(0.3)
    hint = window.minimumSizeHint()
    frame = window.frameGeometry()
    out["sizes"].append([step, window.width(), window.height(), hint.width(), hint.height(),
                         frame.right() + 1, frame.bottom() + 1])
record("start")
window.open_paths(sys.argv[2:4])  # two videos, as from the command line
deadline = time.time() + 30
while time.time() < deadline and (window.jobs.jobs or not window.session.current or not window.session.current.is_open):
    spin(0.1)
record("two videos")
window.open_paths(sys.argv[4:])  # three broken files, as through File > Open
deadline = time.time() + 30
while time.time() < deadline and window.jobs.jobs:
    spin(0.1)
record("three broken files")
from tests.app.conftest import make_result
entry = window.session.current
window.session.update(entry, result=make_result(frame_count=entry.frame_count, size=(entry.width, entry.height)))
record("analysis shown")
window.playback.toggle_play()
spin(1.0)
window.playback.pause()
record("played")
json.dump(out, open(sys.argv[1], "w"))
app.quit()
"""


def test_window_fits_a_1280x720_screen_and_never_resizes_itself(tmp_path, stick_video, barcode_video):
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 720,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    broken = []
    for name, data in (("junk.mp4", b"junk" * 99), ("empty.mp4", b""), ("noise.avi", b"RIFF" + b"x" * 300)):
        (tmp_path / name).write_bytes(data)
        broken.append(str(tmp_path / name))
    script = tmp_path / "fit.py"
    script.write_text(SCRIPT)
    out = tmp_path / "sizes.json"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", EPAM_STUDIO_SETTINGS=str(tmp_path / "s.ini"),
               EPAM_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script), str(out), str(stick_video[0]), str(barcode_video), *broken],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["screen"] == [1280, 720]
    first = data["sizes"][0][1:3]
    for step, width, height, min_w, min_h, frame_right, frame_bottom in data["sizes"]:
        assert [width, height] == first, (step, width, height)  # never resized itself
        assert frame_right <= 1280 and frame_bottom <= 720, step  # the frame fits the screen
        assert min_w <= 1280 and min_h <= 720, (step, min_w, min_h)  # and it can always fit the screen


@pytest.fixture
def portrait_video(tmp_path_factory):
    from app.main import prepare_qt_environment
    from core_model.video.synthetic import write_stick_figure_video

    path = tmp_path_factory.mktemp("portrait") / "portrait.mp4"
    keypoints = write_stick_figure_video(path, people=1, frames=40, size=(240, 400))
    prepare_qt_environment()
    return path, keypoints


def viewport_rect(win, item):
    """Viewport pixels of ``item`` (badges keep their pixel size: they ignore the view's zoom)."""
    from PySide6.QtWidgets import QGraphicsItem

    if item.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations:
        return item.boundingRect().toRect().translated(win.view.mapFromScene(item.scenePos()))
    return win.view.mapFromScene(item.sceneBoundingRect()).boundingRect()


def test_sampled_frame_badge_is_not_under_the_untrained_banner(qtbot, window, portrait_video):
    path, keypoints = portrait_video
    window.resize(1280, 720)
    entry = open_and_wait(qtbot, window, path)
    window.session.update(entry, poses=make_poses(keypoints, size=(240, 400)),
                          result=make_result(frame_count=40, size=(240, 400)))
    frame = int(entry.result.rgb_frames[0, 3])
    show_frame(qtbot, window, frame)
    qtbot.wait(50)
    badge = window.overlays["sampled"].badge
    assert window.overlays["sampled"].visible and badge.isVisible()
    banner = QRect(0, 0, window.view.viewport().width(), window.view.banner_height())
    assert window.view.banner_height() > 10
    assert not viewport_rect(window, badge).intersects(banner), (viewport_rect(window, badge), banner)
    image = viewport_rect(window, window.view._canvas)
    assert image.top() >= banner.bottom() - 1 and image.bottom() <= window.view.viewport().height()


@pytest.mark.parametrize("size", [(240, 400), (320, 240)])
def test_labels_on_the_picture_are_not_drawn_over_each_other(qtbot, window, tmp_path, size):
    from app.main import prepare_qt_environment
    from core_model.video.synthetic import write_stick_figure_video

    path = tmp_path / "v.mp4"
    keypoints = write_stick_figure_video(path, people=1, frames=40, size=size)
    prepare_qt_environment()
    window.resize(1280, 720)
    entry = open_and_wait(qtbot, window, path)
    result = make_result(frame_count=40, size=size)
    w, h = size
    result.boxes[:] = [w * 0.45, 2, w - 2, h - 2]  # the crop box's label right under the sampled-frame badge
    window.session.update(entry, poses=make_poses(keypoints, size=size), result=result)
    for key in window.overlays.keys():
        window.set_overlay(key, True)
    for zoom in (None, 1.6):
        if zoom:
            window.view.zoom_by(zoom)
        show_frame(qtbot, window, int(result.rgb_frames[0, 2]))
        badges = window.overlays.badges()
        assert len(badges) == 3
        rects = [viewport_rect(window, b) for b in badges] + [window.view.hud_rect()]
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                assert not a.intersects(b), (size, zoom, rects)


def test_timeline_badge_never_runs_into_the_time_readout(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    tl = window.timeline.widget()
    for size in ((1280, 720), (window.minimumSizeHint().width(), 720)):
        window.resize(*size)
        qtbot.wait(50)
        for result in (None, make_result(frame_count=60, size=(192, 128))):
            window.session.update(window.session.current, result=result)
            qtbot.wait(20)
            badge, position = tl._badge, tl._position
            assert badge.shown_width() <= badge.contentsRect().width() + 1, (size, badge.text())
            assert badge.geometry().right() < position.geometry().left(), size
            assert "No analysis yet" in badge.toolTip() or "UNTRAINED" in badge.toolTip()


def test_the_status_bar_keeps_its_height_when_a_job_runs(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    qtbot.wait(50)
    before = (window.status.height(), window.timeline.mapTo(window, window.timeline.rect().topLeft()).y())
    release = threading.Event()
    window.jobs.start("test", "A job", lambda progress=None, cancel=None: release.wait(10))
    qtbot.waitUntil(lambda: window.job_panel.isVisible(), timeout=2000)
    qtbot.wait(50)
    during = (window.status.height(), window.timeline.mapTo(window, window.timeline.rect().topLeft()).y())
    release.set()
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=5000)
    assert during == before  # the timeline does not jump when the progress bar appears


def test_the_docks_keep_their_widths_when_an_analysis_arrives(qtbot, window, barcode_video):
    from core_model.labels import load_class_names

    window.resize(1280, 720)
    entry = open_and_wait(qtbot, window, barcode_video)
    qtbot.wait(50)
    before = (window.videos_dock.width(), window.inspector_dock.width(), window.width())
    result = make_result(frame_count=60, size=(192, 128))
    names = load_class_names("ntu120")
    longest = sorted(range(120), key=lambda i: -len(names[i]))[:5]
    result.class_names = names
    probs = np.full((2, 120), 0.1 / 115, np.float32)
    probs[:, longest] = 0.18
    result.prob_rgb = result.prob_pose = result.prob_fused = probs
    window.session.update(entry, result=result, busy=None)
    show_frame(qtbot, window, 10)
    qtbot.wait(50)
    assert (window.videos_dock.width(), window.inspector_dock.width(), window.width()) == before


def test_a_restored_layout_with_videos_and_bookmarks_tabbed_shows_one_bookmarks_tab(qtbot):
    """Videos and Bookmarks saved as tabs of one dock (as a small screen or the user arranged them): the next start
    restores them with one tab each (the Bookmarks dock following Videos used to tabify it once more)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTabBar

    from app.main import prepare_qt_environment
    from app.shell.main_window import MainWindow

    prepare_qt_environment()
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.addDockWidget(Qt.LeftDockWidgetArea, first.videos_dock)
    first.tabifyDockWidget(first.videos_dock, first.coding_ui.bookmarks_dock)
    qtbot.wait(50)
    first.close()  # saves the geometry and the docks' layout

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(200)
    tabs = [bar.tabText(i) for bar in second.findChildren(QTabBar) if bar.isVisible() for i in range(bar.count())]
    assert tabs.count("Bookmarks") == 1 and tabs.count("Videos") == 1, tabs
    second.close()
