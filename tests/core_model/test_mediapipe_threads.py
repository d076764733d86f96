"""MediaPipe is imported once for the whole program, whichever threads ask for it first.

The studio builds the face detector (faces blurred) on its main thread while a worker thread starts pose
extraction: a second, real ``import mediapipe`` beside the light one broke protobuf's descriptor pool
("Depends on file 'mediapipe/framework/calculator.proto', but it has not been loaded").
"""
from __future__ import annotations

import subprocess
import sys

CODE = """
import threading
from core_model.pose.roi_graph import PoseGraph
from core_model.video.face_blur import FaceDetector

errors, start = [], threading.Barrier(2)

def run(make):
    try:
        start.wait()
        make().close()
    except BaseException as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=run, args=(FaceDetector,)),
           threading.Thread(target=run, args=(lambda: PoseGraph(landmarks=False, runtime="mediapipe"),))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("ERRORS", errors)
"""


def test_face_detector_and_pose_graph_load_mediapipe_together_from_two_threads():
    for _ in range(2):  # a fresh process each time: the first import is what races
        out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=180)
        assert "ERRORS []" in out.stdout, out.stdout + out.stderr[-2000:]
