"""The window starts without the heavy parts of the core: PyTorch, MediaPipe and OpenCV load on first use."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from app.main import create_app, create_window
app = create_app()
window = create_window("1280x720")
window.show()
app.processEvents()
print(json.dumps([m for m in ("torch", "mediapipe", "cv2", "core_model.models.epamnet") if m in sys.modules]))
"""


def test_the_window_opens_without_torch_mediapipe_or_opencv():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


CHILD_PLOTS = """
import json, sys
from app.main import create_app, create_window
app = create_app()
window = create_window("1280x720")
window.show()
app.processEvents()
before = "pyqtgraph" in sys.modules
window.review_ui.show_figures("stats")
app.processEvents()
print(json.dumps([before, window.review_ui.figures.built("stats"), "pyqtgraph" in sys.modules]))
"""


def test_the_window_opens_before_pyqtgraph_is_loaded():
    """pyqtgraph (~0.3 s) loads with the first plot: the timeline after the first frame, the Figures dock's panels
    when first shown; not while the window is made."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", CHILD_PLOTS], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, True, True]
