"""Faces kept private: find faces (MediaPipe's face detector shipped in its wheel, plus the pose's head joints
where the detector misses) and pixelate them, for the studio view and for exported clips.

The detector is MediaPipe's full-range BlazeFace (``mediapipe/modules/face_detection/
face_detection_full_range_sparse.tflite``) through the legacy ``solutions.face_detection`` graph: it finds
faces from close-ups down to about 1/20 of the frame. A person whose face it misses (turned away, small, blurred
by motion) is still covered when the poses know their head: a box around nose, eyes and ears sized from the
ears, eyes or shoulders. Boxes of the previous frame are kept one frame more, so a face the detector loses for
a single frame stays hidden.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence

import numpy as np

from ..errors import EpamError

#: COCO-17 joints of the head (nose, eyes, ears) and the shoulders
HEAD_JOINTS = (0, 1, 2, 3, 4)
SHOULDERS = (5, 6)
#: a face box grows by this share of its size on every side (hair, ears, chin)
MARGIN = 0.25
#: pixel blocks across a hidden face (fewer = coarser)
BLOCKS = 5


class FaceBlurError(EpamError):
    """The face detector cannot run."""


class FaceDetector:
    """MediaPipe's full-range face detector on RGB frames; boxes in pixels ``(x0, y0, x1, y1)``."""

    def __init__(self, min_confidence: float = 0.5) -> None:
        import importlib

        from ..pose.mediapipe_light import load_mediapipe
        from ..pose.native_stderr import silenced_native_stderr

        try:
            load_mediapipe()  # one MediaPipe import for the whole program (threads share it)
            face_detection = importlib.import_module("mediapipe.python.solutions.face_detection")
        except ImportError as err:  # pragma: no cover - mediapipe is a dependency
            raise FaceBlurError(f"The face detector needs MediaPipe ({err}).") from err

        with silenced_native_stderr():
            self._graph = face_detection.FaceDetection(model_selection=1, min_detection_confidence=min_confidence)
        self._warm = False

    def detect(self, rgb: np.ndarray) -> np.ndarray:
        """Face boxes found in one ``(H, W, 3)`` uint8 RGB frame, shape ``(N, 4)`` float32."""
        from ..pose.native_stderr import silenced_native_stderr

        height, width = rgb.shape[:2]
        with silenced_native_stderr(not self._warm):  # the first run prints TFLite's start-up lines
            result = self._graph.process(np.ascontiguousarray(rgb))
        self._warm = True
        boxes = []
        for det in result.detections or []:
            rel = det.location_data.relative_bounding_box
            x0, y0 = rel.xmin * width, rel.ymin * height
            boxes.append((x0, y0, x0 + rel.width * width, y0 + rel.height * height))
        return np.asarray(boxes, np.float32).reshape(-1, 4)

    def close(self) -> None:
        self._graph.close()

    def __enter__(self) -> "FaceDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def head_boxes(keypoint: np.ndarray, score: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """Head boxes of the people of one frame from COCO-17 joints ``(P, 17, 2)`` and scores ``(P, 17)``."""
    boxes = []
    for kp, sc in zip(np.asarray(keypoint, np.float32), np.asarray(score, np.float32)):
        seen = [j for j in HEAD_JOINTS if sc[j] > threshold]
        if not seen:
            continue
        centre = kp[seen].mean(axis=0)
        size = _head_size(kp, sc, threshold)
        if size <= 1:
            continue
        boxes.append((centre[0] - size / 2, centre[1] - size * 0.6, centre[0] + size / 2, centre[1] + size * 0.55))
    return np.asarray(boxes, np.float32).reshape(-1, 4)


def _head_size(kp: np.ndarray, sc: np.ndarray, threshold: float) -> float:
    def dist(a: int, b: int) -> float:
        if sc[a] > threshold and sc[b] > threshold:
            return float(np.hypot(*(kp[a] - kp[b])))
        return 0.0

    return max(dist(3, 4) * 1.6, dist(1, 2) * 3.2, dist(*SHOULDERS) * 0.6)


def expand(boxes: np.ndarray, margin: float = MARGIN) -> np.ndarray:
    """Boxes grown by ``margin`` of their width and height on every side."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return np.stack([boxes[:, 0] - w * margin, boxes[:, 1] - h * margin,
                     boxes[:, 2] + w * margin, boxes[:, 3] + h * margin], axis=1)


def _inside(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Per point: whether it lies in any box."""
    if not len(boxes) or not len(points):
        return np.zeros(len(points), bool)
    x, y = points[:, None, 0], points[:, None, 1]
    return ((x >= boxes[None, :, 0]) & (x <= boxes[None, :, 2]) & (y >= boxes[None, :, 1])
            & (y <= boxes[None, :, 3])).any(axis=1)


def merge_heads(faces: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Detected faces plus the head boxes whose centre no detected face covers (the detector missed them)."""
    faces, heads = np.asarray(faces, np.float32).reshape(-1, 4), np.asarray(heads, np.float32).reshape(-1, 4)
    centres = np.stack([(heads[:, 0] + heads[:, 2]) / 2, (heads[:, 1] + heads[:, 3]) / 2], axis=1)
    missed = heads[~_inside(centres, faces)]
    return np.concatenate([faces, missed]).reshape(-1, 4)


def pixelate(rgb: np.ndarray, boxes: Sequence[Sequence[float]], blocks: int = BLOCKS) -> np.ndarray:
    """A copy of ``rgb`` with every box replaced by ``blocks`` x ``blocks`` flat cells (each its mean colour)."""
    out = np.array(rgb, copy=True)
    height, width = out.shape[:2]
    for box in boxes:
        x0, y0 = max(0, int(math.floor(box[0]))), max(0, int(math.floor(box[1])))
        x1, y1 = min(width, int(math.ceil(box[2]))), min(height, int(math.ceil(box[3])))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1].astype(np.float32)
        ys = np.linspace(0, y1 - y0, min(blocks, y1 - y0) + 1).astype(int)
        xs = np.linspace(0, x1 - x0, min(blocks, x1 - x0) + 1).astype(int)
        for ya, yb in zip(ys[:-1], ys[1:]):
            for xa, xb in zip(xs[:-1], xs[1:]):
                region[ya:yb, xa:xb] = region[ya:yb, xa:xb].mean(axis=(0, 1))
        out[y0:y1, x0:x1] = region.astype(np.uint8)
    return out


class FaceBlur:
    """Hide the faces of a sequence of frames (one video, in order): detector + head joints + one frame of memory.

    ``apply(rgb, keypoint, score)`` returns the frame with the faces pixelated; ``last_boxes`` are the boxes
    it hid (pixels, after the margin). Pass the frame's poses (``(P, 17, 2)``, ``(P, 17)``) when known.
    """

    def __init__(self, detector: Optional[FaceDetector] = None, *, margin: float = MARGIN,
                 blocks: int = BLOCKS) -> None:
        self.detector = detector if detector is not None else FaceDetector()
        self.margin, self.blocks = margin, blocks
        self._previous = np.zeros((0, 4), np.float32)
        self.last_boxes = np.zeros((0, 4), np.float32)

    def boxes(self, rgb: np.ndarray, keypoint: Optional[np.ndarray] = None,
              score: Optional[np.ndarray] = None) -> np.ndarray:
        """The boxes to hide in this frame (faces found now, heads the detector missed, last frame's faces)."""
        faces = self.detector.detect(rgb)
        heads = head_boxes(keypoint, score) if keypoint is not None and len(keypoint) else np.zeros((0, 4))
        found = merge_heads(faces, heads)
        boxes = expand(np.concatenate([found, self._previous]), self.margin)
        self._previous = faces
        return boxes

    def apply(self, rgb: np.ndarray, keypoint: Optional[np.ndarray] = None,
              score: Optional[np.ndarray] = None) -> np.ndarray:
        self.last_boxes = self.boxes(rgb, keypoint, score)
        return pixelate(rgb, self.last_boxes, self.blocks)

    def reset(self) -> None:
        """Forget the previous frame (a jump in the video)."""
        self._previous = np.zeros((0, 4), np.float32)

    def close(self) -> None:
        self.detector.close()


def count_faces(frames: List[np.ndarray], detector: Optional[FaceDetector] = None) -> List[int]:
    """Faces the detector finds in each frame (the measure that a blurred clip shows none)."""
    own = detector is None
    detector = detector or FaceDetector()
    try:
        return [len(detector.detect(f)) for f in frames]
    finally:
        if own:
            detector.close()
