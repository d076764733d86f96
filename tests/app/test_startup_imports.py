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


CHILD_ANALYZE = """
import json, sys, time
from pathlib import Path
from app.analysis import controller, core_bridge
from app.shell.settings import StudioSettings

seen = {}


def extract_job(path, max_people, **pose):
    def run(progress=None, cancel=None):
        deadline = time.monotonic() + 30
        while "torch" not in sys.modules and time.monotonic() < deadline:  # the poses take a while
            time.sleep(0.01)
        seen["torch_during"] = "torch" in sys.modules
        import numpy as np
        from core_model.pose.format import Poses
        return Poses(np.zeros((1, 4, 17, 2), np.float32), np.ones((1, 4, 17), np.float32), np.arange(1),
                     np.arange(4) / 25.0, (8, 8), 25.0)  # streamed Analyze: the poses finish the stream
    return run


core_bridge.extract_job = extract_job
core_bridge.analyze_job = lambda path, settings, poses=None: (lambda progress=None, cancel=None: poses)
core_bridge.cached_poses = lambda *args, **kwargs: None  # none cached: they are extracted
seen["torch_before"] = "torch" in sys.modules
out = controller.analyze_with_poses(Path("clip.mp4"), StudioSettings(), None)()[0]  # (poses, result)
print(json.dumps(["poses" if out.num_frames == 4 else out, seen["torch_before"], seen["torch_during"]]))
"""


def test_analyze_loads_the_model_code_while_it_extracts_the_poses():
    """A video without poses: Analyze extracts them first; PyTorch and the models load meanwhile (in a thread), not
    after. (The jobs are stand-ins: what is checked is what the studio's process imports while extracting.)"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", CHILD_ANALYZE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["poses", False, True]
