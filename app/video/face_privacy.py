"""Faces blurred in the studio's view on demand (the same detector and pixelation as ``epam export --blur-faces``).

A :class:`FacePrivacy` is the ``frame_filter`` of the video views: while on, every decoded frame is shown with
its faces pixelated before it reaches the screen (the main view and the comparison pane share one filter, so a
frame is blurred once). The detector loads on first use; if it cannot run, the frame is shown black rather than
with faces, and the reason goes to ``failed``.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal


class FacePrivacy(QObject):
    """Pixelate faces of shown frames while :attr:`enabled`; ``poses_of()`` gives the current video's poses."""

    failed = Signal(str)

    def __init__(self, poses_of: Callable[[], object], parent=None) -> None:
        super().__init__(parent)
        self._poses_of = poses_of
        self.enabled = False
        self._blur = None
        self._last: tuple = (None, None, None)  # (index, source frame, blurred frame)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self._last = (None, None, None)

    def __call__(self, index: int, frame: np.ndarray) -> np.ndarray:
        if not self.enabled:
            return frame
        last_index, last_source, last_out = self._last
        if last_index == index and last_source is frame:
            return last_out
        out = self._blurred(index, frame)
        self._last = (index, frame, out)
        return out

    def _blurred(self, index: int, frame: np.ndarray) -> np.ndarray:
        try:
            blur = self._detector()
            if self._last[0] is None or index != self._last[0] + 1:
                blur.reset()
            keypoint, score = self._pose_rows(index)
            return blur.apply(frame, keypoint, score)
        except Exception as exc:  # noqa: BLE001 - never show faces because the detector failed
            self.failed.emit(f"Faces cannot be hidden: {exc}")
            return np.zeros_like(frame)

    def _detector(self):
        if self._blur is None:
            from core_model.video.face_blur import FaceBlur

            self._blur = FaceBlur()
        return self._blur

    def _pose_rows(self, index: int):
        poses = self._poses_of()
        if poses is None or not 0 <= index < poses.keypoint.shape[1]:
            return None, None
        return poses.keypoint[:, index], poses.keypoint_score[:, index]

    def close(self) -> None:
        if self._blur is not None:
            self._blur.close()
            self._blur = None
