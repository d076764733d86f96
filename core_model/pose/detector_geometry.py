"""The pose detector's input geometry and anchors, as MediaPipe's calculators make them (numpy only).

Shared by the OpenVINO detector (:mod:`.openvino_detector`) and the torch engine (:mod:`.torch_engine`):
``cv::RotatedRect`` corners (:func:`box_points`), ImageToTensor's ``keep_aspect_ratio`` letterbox
(:func:`letterbox`), SsdAnchorsCalculator (:func:`ssd_anchors`), the weighted NMS and the letterbox removal.
Imports neither OpenVINO nor PyTorch.
"""
from __future__ import annotations

import math
from typing import List, Tuple

import numpy as np

from .torch_engine.graph_settings import AnchorOptions  # (a dataclass: that module imports no torch)


def box_points(cx: float, cy: float, width: float, height: float, rotation: float) -> np.ndarray:
    """``cv::RotatedRect(center, size, degrees(rotation)).points()``: (4, 2) bottom-left, top-left, top-right,
    bottom-right."""
    b = math.cos(rotation) * 0.5
    a = math.sin(rotation) * 0.5
    p0 = (cx - a * height - b * width, cy + b * height - a * width)
    p1 = (cx + a * height - b * width, cy - b * height - a * width)
    return np.array([p0, p1, (2 * cx - p0[0], 2 * cy - p0[1]), (2 * cx - p1[0], 2 * cy - p1[1])], np.float64)


def letterbox(width: int, height: int, out_w: int, out_h: int) -> Tuple[np.ndarray, Tuple[float, float]]:
    """The whole image padded to the output's aspect ratio (ImageToTensor ``keep_aspect_ratio``): its box points
    (:func:`box_points`) and the (horizontal, vertical) padding as fractions of each side."""
    target, aspect = out_h / out_w, height / width
    if target > aspect:
        new_w, new_h = float(width), width * target
        pad = (0.0, (1.0 - aspect / target) / 2.0)
    else:
        new_w, new_h = height / target, float(height)
        pad = ((1.0 - target / aspect) / 2.0, 0.0)
    return box_points(width / 2.0, height / 2.0, new_w, new_h, 0.0), pad


def _scale(min_scale: float, max_scale: float, index: int, count: int) -> float:
    if count == 1:
        return (min_scale + max_scale) * 0.5
    return min_scale + (max_scale - min_scale) * index / (count - 1.0)


def _layer_sizes(a: AnchorOptions, layer: int) -> Tuple[list, int]:
    """The (w, h) of the anchors of each cell of the layers with ``layer``'s stride, and the next layer."""
    ratios, scales = [], []
    last, count = layer, len(a.strides)
    while last < count and a.strides[last] == a.strides[layer]:
        scale = _scale(a.min_scale, a.max_scale, last, count)
        if last == 0 and a.reduce_boxes_in_lowest_layer:
            ratios += [1.0, 2.0, 0.5]
            scales += [0.1, scale, scale]
        else:
            ratios += list(a.aspect_ratios)
            scales += [scale] * len(a.aspect_ratios)
            if a.interpolated_scale_aspect_ratio > 0.0:
                nxt = 1.0 if last == count - 1 else _scale(a.min_scale, a.max_scale, last + 1, count)
                scales.append(float(np.sqrt(scale * nxt)))
                ratios.append(a.interpolated_scale_aspect_ratio)
        last += 1
    return [(s * np.sqrt(r), s / np.sqrt(r)) for r, s in zip(ratios, scales)], last


def ssd_anchors(a: AnchorOptions) -> np.ndarray:
    """SsdAnchorsCalculator: (num_anchors, 4) x_center, y_center, w, h (normalized), in MediaPipe's order."""
    anchors = []
    layer = 0
    while layer < len(a.strides):
        sizes, following = _layer_sizes(a, layer)
        stride = a.strides[layer]
        rows, cols = int(np.ceil(a.input_size[1] / stride)), int(np.ceil(a.input_size[0] / stride))
        for y in range(rows):
            for x in range(cols):
                for w, h in sizes:
                    cx, cy = (x + a.anchor_offset[0]) / cols, (y + a.anchor_offset[1]) / rows
                    anchors.append((cx, cy, 1.0, 1.0) if a.fixed_anchor_size else (cx, cy, w, h))
        layer = following
    return np.asarray(anchors, np.float32)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x1, y1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, kps: np.ndarray, threshold: float
                 ) -> List[Tuple[float, np.ndarray, np.ndarray]]:
    """NonMaxSuppressionCalculator, WEIGHTED, IoU: each kept detection (score, box, keypoints) is the score-
    weighted mean of the boxes and keypoints that overlap the best remaining one by more than ``threshold``."""
    order = np.argsort(-scores, kind="stable")
    out = []
    while len(order):
        best = order[0]
        overlap = _iou(boxes[best], boxes[order]) > threshold
        members, rest = order[overlap], order[~overlap]
        w = scores[members][:, None]
        total = float(w.sum())
        box = (boxes[members] * w).sum(0) / total if total > 0 else boxes[best]
        kp = (kps[members] * w[:, :, None]).sum(0) / total if total > 0 else kps[best]
        out.append((float(scores[best]), box.astype(np.float64), kp.astype(np.float64)))
        if len(rest) == len(order):
            break
        order = rest
    return out


def remove_letterbox(box: np.ndarray, kps: np.ndarray, pad: Tuple[float, float]) -> Tuple[np.ndarray, np.ndarray]:
    """DetectionLetterboxRemovalCalculator: letterboxed-input coordinates -> image coordinates."""
    left, top = pad
    sx, sy = 1.0 - 2 * left, 1.0 - 2 * top
    return (box - np.array([left, top, left, top])) / np.array([sx, sy, sx, sy]), \
        (kps - np.array([left, top])) / np.array([sx, sy])
