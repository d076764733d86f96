"""Shared by the GUI benchmarks: synthetic poses/results for a video and a blocking wait on a signal."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


def synthetic_poses(frame_count: int, size, fps: float, people: int = 2):
    """Stick-figure poses (core_model.video.synthetic) as a ``Poses`` covering every frame."""
    from core_model.pose.format import Poses
    from core_model.video.synthetic import stick_figure_keypoints

    w, h = size
    kp = stick_figure_keypoints(people, frame_count, (w, h), fps)
    return Poses(kp, np.full(kp.shape[:3], 0.9, np.float32), np.arange(people) + 1,
                 np.arange(frame_count) / fps, (h, w), fps)


def synthetic_result(poses, fps: float, window_s: float = 3.0, stride_s: float = 1.5):
    """An ``AnalysisResult`` with real window boxes for ``poses`` and random attention."""
    from app.common.synthetic import synthetic_result as make
    from core_model.preprocess.crop import compact_box

    window, stride = int(round(window_s * fps)), int(round(stride_s * fps))
    result = make(poses.num_frames, fps, window=window, stride=stride, num_classes=60)
    result.img_shape = poses.img_shape
    boxes = [compact_box(poses.keypoint[:, s:e], poses.img_shape, score=poses.keypoint_score[:, s:e])
             for s, e in zip(result.window_start, result.window_end)]
    result.boxes = np.asarray(boxes, np.float32)
    return result


def wait_for(signal, predicate: Callable[..., bool], timeout_s: float = 30.0) -> None:
    """Run the Qt event loop until ``signal`` fires with arguments satisfying ``predicate``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()

    def on_signal(*args) -> None:
        if predicate(*args):
            loop.quit()

    signal.connect(on_signal)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(on_signal)


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def now() -> float:
    return time.perf_counter()
