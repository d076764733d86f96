"""The window fits the screen, frame included (the status bar is never under the screen's edge); at 1024x600
the timeline still shows the bands of two people; maximising again gives the docks their maximised widths."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMargins, QPoint, QRect, QSize


ROOT = Path(__file__).resolve().parents[2]


def test_the_frame_of_a_screen_sized_window_fits_the_screen():
    from app.shell.window_layout import fitted_geometry

    screen = QRect(0, 0, 1280, 720)
    title_bar = QMargins(1, 24, 1, 1)
    assert fitted_geometry(screen, QSize(1280, 720), title_bar) == QRect(1, 24, 1278, 695)
    assert fitted_geometry(screen, QSize(800, 500), title_bar, top_left=QPoint(100, 100)) == QRect(100, 100, 800, 500)
    moved_in = fitted_geometry(screen, QSize(800, 500), title_bar, top_left=QPoint(900, 400))
    assert moved_in.right() + 1 + title_bar.right() <= 1280 and moved_in.bottom() + 1 + title_bar.bottom() <= 720
    panel = QRect(0, 30, 1024, 570)  # a desktop panel on top
    fitted = fitted_geometry(panel, QSize(1280, 720), title_bar)
    assert fitted == QRect(1, 54, 1022, 545)


SCRIPT = r"""
import json, sys, time
from app.main import create_app, create_window
app = create_app()
window = create_window("1280x720")  # the default size, bigger than this screen
def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
spin(1.5)
screen = app.primaryScreen().availableGeometry()
window.open_paths([sys.argv[2]])
deadline = time.time() + 30
while time.time() < deadline and (window.jobs.jobs or not window.session.current or not window.session.current.is_open):
    spin(0.1)
import numpy as np
from tests.app.conftest import make_poses, make_result
entry = window.session.current
keypoints = np.load(sys.argv[3])
window.session.update(entry, poses=make_poses(keypoints), result=make_result())
spin(1.0)
tl = window.timeline.widget()
frame = window.frameGeometry()
status = window.statusBar().geometry()
out = {"screen": [screen.x(), screen.y(), screen.width(), screen.height()],
       "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
       "min": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
       "status_bottom": window.mapToGlobal(status.bottomLeft()).y(),
       "bands": tl._visible_bands(), "lanes": len(tl._lanes),
       "video": [window.view.width(), window.view.height()]}
json.dump(out, open(sys.argv[1], "w"))
app.quit()
"""


@pytest.mark.parametrize("size", [(1280, 720), (1024, 600)])
def test_the_window_fits_the_screen_and_the_timeline_keeps_two_bands(tmp_path, stick_video, size):
    import numpy as np

    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "small", "x": 0, "y": 0, "width": size[0], "height": size[1],
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    np.save(tmp_path / "kp.npy", stick_video[1])
    script = tmp_path / "fit.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out.json"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", EPAM_STUDIO_SETTINGS=str(tmp_path / "s.ini"),
               EPAM_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script), str(out), str(stick_video[0]), str(tmp_path / "kp.npy")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    sx, sy, sw, sh = data["screen"]
    fx, fy, fw, fh = data["frame"]
    assert (sw, sh) == size
    assert sx <= fx and sy <= fy and fx + fw <= sx + sw and fy + fh <= sy + sh, data  # frame included
    assert data["status_bottom"] < sy + sh, data  # the status bar is on the screen
    assert data["min"][0] <= sw and data["min"][1] <= sh, data
    assert data["lanes"] == 3 and data["bands"] >= 2.0, data  # everybody + two people: two bands at least
    assert data["video"][1] >= 150, data  # and the video keeps a usable height


MAXIMISE = r"""
import json, sys, time
from PySide6.QtCore import Qt
from app.main import create_app, create_window
app = create_app()
window = create_window("1000x650")
def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
def widths():
    return [window.videos_dock.width(), window.inspector_dock.width(), window.width()]
spin(1.5)
out = {"normal": widths()}
window.showMaximized()
spin(0.5)
window.resizeDocks([window.videos_dock, window.inspector_dock], [260, 470], Qt.Orientation.Horizontal)
spin(0.3)
out["maximised"] = widths()
window.showNormal()
spin(0.5)
out["normal again"] = widths()
window.showMaximized()
spin(0.8)
out["maximised again"] = widths()
json.dump(out, open(sys.argv[1], "w"))
app.quit()
"""


def run_script(tmp_path, text, size, *args):
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": size[0], "height": size[1],
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    script = tmp_path / "script.py"
    script.write_text(text)
    out = tmp_path / "out.json"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", EPAM_STUDIO_SETTINGS=str(tmp_path / "s.ini"),
               EPAM_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script), str(out), *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_maximising_again_gives_the_docks_their_maximised_widths(tmp_path):
    data = run_script(tmp_path, MAXIMISE, (1600, 900))
    assert data["maximised"][:2] == [260, 470] and data["maximised"][2] > 1500, data
    assert data["normal again"][2] < 1100, data
    assert data["maximised again"] == data["maximised"], data


def test_dock_tabs_show_whole_names(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTabBar

    window.resize(1280, 720)
    qtbot.wait(100)
    bars = [b for b in window.findChildren(QTabBar) if b.parent() is window and b.isVisible()]
    assert bars
    for bar in bars:
        assert bar.elideMode() == Qt.TextElideMode.ElideNone
        for i in range(bar.count()):
            text = bar.tabText(i)
            assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(text), text
        assert bar.tabRect(bar.count() - 1).right() <= bar.width(), "every tab fits at 1280 px"


def test_six_dock_tabs_read_whole_at_1280x720_with_the_labels_dock_shown(qtbot, window):
    """Inspector, Labels, People, Review, Figures and a sixth dock tabbed on the right, the Labels dock in front and
    the right docks narrower than their tabs (a layout saved before a dock was added): tidying the tabs widens the
    docks so that every tab reads whole, no scroll arrows."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QTabBar, QToolButton

    w = window
    w.resize(1280, 720)
    titles = [d.windowTitle() for d in w.tabifiedDockWidgets(w.labels_dock)] + ["Labels"]
    if len(titles) < 6:  # the sixth tab (Subjects, Bookmarks…) of the coding study features
        w._add_side_tab("Notes", QLabel("notes"))
    w.labels_dock.raise_()
    w.resizeDocks([w.labels_dock], [320], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    w.tidy_dock_tabs()
    qtbot.wait(100)
    bar = next(b for b in w.findChildren(QTabBar) if b.parent() is w and b.isVisible() and b.count() >= 6)
    texts = [bar.tabText(i) for i in range(bar.count())]
    assert "Labels" in texts and bar.tabText(bar.currentIndex()) == "Labels"
    for i, text in enumerate(texts):
        assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(text), text
    assert bar.tabRect(bar.count() - 1).right() <= bar.width(), (bar.width(), texts)
    arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
    assert not arrows, "no scroll arrows"
    assert w.view.width() >= 400  # the video keeps a useful width
