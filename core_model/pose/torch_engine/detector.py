"""The person detector's post-processing, as MediaPipe's calculators do it (settings: :mod:`.graph_settings`).

SsdAnchorsCalculator -> anchors; TensorsToDetectionsCalculator -> boxes and keypoints decoded against
them, scores clipped and passed through a sigmoid, thresholded; NonMaxSuppressionCalculator
(weighted) -> merged detections; DetectionLetterboxRemovalCalculator -> coordinates of the image.
Decoding and thresholding run batched on the device; NMS runs per image on the few survivors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np
import torch

from .graph_settings import PoseSettings


@dataclass
class RawDetection:
    """One detection in normalized image coordinates: score, box (xmin, ymin, xmax, ymax), keypoints (K, 2)."""

    score: float
    box: np.ndarray
    keypoints: np.ndarray


def decode(raw_boxes: torch.Tensor, raw_scores: torch.Tensor, anchors: torch.Tensor,
           s: PoseSettings) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batched decode: (N, A, 12), (N, A, 1) -> scores (N, A), boxes (N, A, 4), keypoints (N, A, K, 2)."""
    raw_boxes = raw_boxes.float()
    xs, ys, ws, hs = s.box_scale
    if s.reverse_output_order:
        cx, cy, w, h = raw_boxes[..., 0], raw_boxes[..., 1], raw_boxes[..., 2], raw_boxes[..., 3]
    else:
        cy, cx, h, w = raw_boxes[..., 0], raw_boxes[..., 1], raw_boxes[..., 2], raw_boxes[..., 3]
    ax, ay, aw, ah = anchors[:, 0], anchors[:, 1], anchors[:, 2], anchors[:, 3]
    cx = cx / xs * aw + ax
    cy = cy / ys * ah + ay
    w = w / ws * aw
    h = h / hs * ah
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    k = raw_boxes[..., s.keypoint_coord_offset: s.keypoint_coord_offset + s.num_keypoints * s.values_per_keypoint]
    k = k.reshape(*k.shape[:2], s.num_keypoints, s.values_per_keypoint)
    kx, ky = (k[..., 0], k[..., 1]) if s.reverse_output_order else (k[..., 1], k[..., 0])
    kps = torch.stack([kx / xs * aw[:, None] + ax[:, None], ky / ys * ah[:, None] + ay[:, None]], -1)
    scores = raw_scores.float()[..., 0]
    if s.score_clipping:
        scores = scores.clamp(-s.score_clipping, s.score_clipping)
    if s.sigmoid_score:
        scores = torch.sigmoid(scores)
    return scores, boxes, kps


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, kps: np.ndarray, threshold: float) -> List[RawDetection]:
    """NonMaxSuppressionCalculator, algorithm WEIGHTED, IoU: each kept detection is the score-weighted
    mean of the boxes and keypoints that overlap the best remaining one by more than ``threshold``."""
    order = np.argsort(-scores, kind="stable")
    out: List[RawDetection] = []
    while len(order):
        best = order[0]
        overlap = _iou(boxes[best], boxes[order]) > threshold
        members, rest = order[overlap], order[~overlap]
        w = scores[members][:, None]
        total = float(w.sum())
        box = (boxes[members] * w).sum(0) / total if total > 0 else boxes[best]
        kp = (kps[members] * w[:, :, None]).sum(0) / total if total > 0 else kps[best]
        out.append(RawDetection(float(scores[best]), box.astype(np.float64), kp.astype(np.float64)))
        if len(rest) == len(order):
            break
        order = rest
    return out


def remove_letterbox(det: RawDetection, pad: Tuple[float, float]) -> RawDetection:
    """DetectionLetterboxRemovalCalculator: letterboxed-tensor coordinates -> image coordinates."""
    left, top = pad
    sx, sy = 1.0 - 2 * left, 1.0 - 2 * top
    box = (det.box - np.array([left, top, left, top])) / np.array([sx, sy, sx, sy])
    kps = (det.keypoints - np.array([left, top])) / np.array([sx, sy])
    return RawDetection(det.score, box, kps)
