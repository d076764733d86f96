"""MediaPipe's pose detector subgraph (``PoseDetectionCpu``) on OpenVINO, numpy and OpenCV.

The same model file as MediaPipe's (``pose_detection.tflite`` in the mediapipe wheel) and the same steps as the
subgraph, translated to numpy from :mod:`.torch_engine.detector` (which follows MediaPipe's calculators):

- ImageToTensorCalculator (OpenCV converter, ``keep_aspect_ratio``): the whole image padded to a square
  (letterbox), ``warpPerspective`` to 224x224 (bilinear, BORDER_ZERO), uint8 -> float in [-1, 1];
- the model (one thread, not pinned);
- SsdAnchorsCalculator (2254 anchors), TensorsToDetectionsCalculator (boxes and 4 keypoints against the
  anchors, scores clipped to +-100, sigmoid, >= 0.5), NonMaxSuppressionCalculator (WEIGHTED, IoU 0.3),
  DetectionLetterboxRemovalCalculator.

The settings are :data:`SETTINGS` (``tests/core_model/test_pose_openvino_detector.py`` checks them against the
wheel's graphs, :func:`.torch_engine.graph_settings.read_settings`). Importing this module imports neither
OpenVINO nor PyTorch.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from ..errors import PoseError
from . import detector_geometry
from .detector_geometry import remove_letterbox, ssd_anchors, weighted_nms
from .torch_engine.graph_settings import AnchorOptions  # (a dataclass: that module imports no torch)


@dataclass(frozen=True)
class DetectorSettings:
    """What ``PoseDetectionCpu`` does, as its graph in mediapipe 0.10.21 says."""

    model: str = "mediapipe/modules/pose_detection/pose_detection.tflite"
    input_size: Tuple[int, int] = (224, 224)  # (width, height)
    value_range: Tuple[float, float] = (-1.0, 1.0)
    anchors: AnchorOptions = AnchorOptions((224, 224), 0.1484375, 0.75, (0.5, 0.5), (8, 16, 32, 32, 32), (1.0,),
                                           1.0, False, True)
    num_boxes: int = 2254
    box_scale: Tuple[float, float, float, float] = (224.0, 224.0, 224.0, 224.0)
    keypoint_offset: int = 4
    num_keypoints: int = 4
    values_per_keypoint: int = 2
    reverse_output_order: bool = True
    sigmoid_score: bool = True
    score_clipping: float = 100.0
    min_score: float = 0.5
    nms_threshold: float = 0.30000001192092896  # float32(0.3), as the graph stores it


SETTINGS = DetectorSettings()


def from_pose_settings(s) -> DetectorSettings:
    """The same fields from :class:`~.torch_engine.graph_settings.PoseSettings` (read from the wheel's graphs)."""
    if s.nms_algorithm != "WEIGHTED" or s.nms_overlap != "INTERSECTION_OVER_UNION" or not s.detector_keep_aspect:
        raise PoseError("MediaPipe's pose detector graph has settings this engine does not implement.")
    return DetectorSettings(s.detector_model, tuple(s.detector_input), tuple(s.detector_range), s.anchors,
                            s.num_boxes, tuple(s.box_scale), s.keypoint_coord_offset, s.num_keypoints,
                            s.values_per_keypoint, s.reverse_output_order, s.sigmoid_score, s.score_clipping,
                            s.min_score, s.nms_threshold)


def letterbox(width: int, height: int, s: DetectorSettings = SETTINGS) -> Tuple[np.ndarray, Tuple[float, float]]:
    """The whole image padded to the input's aspect ratio: its ``cv::boxPoints`` (float32) and the padding."""
    points, pad = detector_geometry.letterbox(width, height, *s.input_size)
    return points.astype(np.float32), pad


def tensor(image: np.ndarray, s: DetectorSettings, out: np.ndarray) -> Tuple[float, float]:
    """ImageToTensorCalculator's OpenCV converter with the letterbox: ``image`` into ``out`` (h, w, 3) float32;
    returns the padding."""
    import cv2

    w, h = s.input_size
    points, pad = letterbox(image.shape[1], image.shape[0], s)
    dst = np.array([[0, h], [0, 0], [w, 0], [w, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(points, dst)
    warped = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    lo, hi = s.value_range
    np.multiply(warped, np.float32((hi - lo) / 255.0), out=out, casting="unsafe")
    out += np.float32(lo)
    return pad


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, s: DetectorSettings
           ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TensorsToDetectionsCalculator on one image, (A, 12), (A, 1) -> the detections scoring at least
    ``min_score``: scores (D,), boxes (D, 4) xmin, ymin, xmax, ymax, keypoints (D, K, 2); normalized in the
    (letterboxed) input."""
    scores = raw_scores[:, 0].astype(np.float32)
    if s.score_clipping:
        scores = np.clip(scores, -s.score_clipping, s.score_clipping)
    if s.sigmoid_score:
        with np.errstate(over="ignore"):  # exp(100) overflows float32: the sigmoid is 0, as it should be
            scores = 1.0 / (1.0 + np.exp(-scores))
    keep = np.flatnonzero(scores >= s.min_score)
    raw, anchor = raw_boxes[keep].astype(np.float32), anchors[keep]
    xs, ys, ws, hs = s.box_scale
    c = (0, 1, 2, 3) if s.reverse_output_order else (1, 0, 3, 2)  # x, y, w, h
    ax, ay, aw, ah = anchor[:, 0], anchor[:, 1], anchor[:, 2], anchor[:, 3]
    cx, cy = raw[:, c[0]] / xs * aw + ax, raw[:, c[1]] / ys * ah + ay
    w, h = raw[:, c[2]] / ws * aw, raw[:, c[3]] / hs * ah
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    k = raw[:, s.keypoint_offset: s.keypoint_offset + s.num_keypoints * s.values_per_keypoint]
    k = k.reshape(len(keep), s.num_keypoints, s.values_per_keypoint)
    kx, ky = (k[..., 0], k[..., 1]) if s.reverse_output_order else (k[..., 1], k[..., 0])
    kps = np.stack([kx / xs * aw[:, None] + ax[:, None], ky / ys * ah[:, None] + ay[:, None]], -1)
    return scores[keep], boxes, kps


class OpenVinoDetector:
    """The pose detector on OpenVINO's CPU plugin, MediaPipe's pre- and post-processing in numpy (one thread)."""

    def __init__(self, threads: int = 1, settings: DetectorSettings = SETTINGS, cache: bool = True) -> None:
        from .openvino_landmarks import compile_model

        self.settings = settings
        self._compiled, self._request, self._input = compile_model(settings.model, threads, cache, self._outputs)
        self._anchors = ssd_anchors(settings.anchors)
        if len(self._anchors) != settings.num_boxes:
            raise PoseError(f"The detector's anchors ({len(self._anchors)}) do not match its {settings.num_boxes} boxes.")
        self._lock = threading.Lock()

    def _outputs(self, model) -> List[int]:
        """The boxes (1, A, 12) and scores (1, A, 1) outputs, by shape."""
        shapes = [tuple(o.get_partial_shape().to_shape()) for o in model.outputs]
        s = self.settings
        boxes = [i for i, shape in enumerate(shapes) if shape[1:] == (s.num_boxes, s.keypoint_offset
                                                                          + s.num_keypoints * s.values_per_keypoint)]
        scores = [i for i, shape in enumerate(shapes) if shape[1:] == (s.num_boxes, 1)]
        if len(boxes) != 1 or len(scores) != 1:
            raise PoseError(f"the pose detector's outputs are not the expected ones: {shapes}")
        return boxes + scores

    def detect(self, images: Sequence[np.ndarray]) -> List[List[Tuple[float, np.ndarray, np.ndarray]]]:
        """Detections of each image: (score, box (4,), keypoints (K, 2)), normalized in the image."""
        s = self.settings
        found = []
        with self._lock:
            for image in images:
                pad = tensor(image, s, self._input[0])
                self._request.infer()
                raw_boxes = self._request.get_output_tensor(0).data[0]
                raw_scores = self._request.get_output_tensor(1).data[0]
                found.append((decode(raw_boxes, raw_scores, self._anchors, s), pad))
        return [[(score, *remove_letterbox(box, kp, pad)) for score, box, kp in weighted_nms(*dets, s.nms_threshold)]
                for dets, pad in found]
