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

from .. import detector_geometry as geometry
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


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, kps: np.ndarray, threshold: float) -> List[RawDetection]:
    """NonMaxSuppressionCalculator, WEIGHTED, IoU (:func:`..detector_geometry.weighted_nms`)."""
    return [RawDetection(s, b, k) for s, b, k in geometry.weighted_nms(scores, boxes, kps, threshold)]


def remove_letterbox(det: RawDetection, pad: Tuple[float, float]) -> RawDetection:
    """DetectionLetterboxRemovalCalculator: letterboxed-tensor coordinates -> image coordinates."""
    return RawDetection(det.score, *geometry.remove_letterbox(det.box, det.keypoints, pad))
