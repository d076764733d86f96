""":class:`TorchPoseGraph`: MediaPipe's pose detector and ROI landmark model in PyTorch, batched.

The same two calls as :class:`~core_model.pose.roi_graph.PoseGraph` (so the tiled extractor and its
tracking run on either engine): :meth:`detect` on a batch of images (the frame and its tiles: one
forward) and :meth:`landmarks` on one frame and all its ROIs (one forward). Crops are warped on the
device (``grid_sample``), the networks run on ``device`` in ``precision`` (``fp32``; ``fp16`` or
``bf16`` on CUDA), decoding and heatmap refinement run batched on the device.
"""
from __future__ import annotations

import contextlib
import math
import threading
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from ...errors import ConfigError, PoseError
from ..roi_graph import PersonDetection, Roi, RoiLandmarks
from . import detector as D
from . import landmarks as L
from .graph_settings import PoseSettings, model_path, read_settings
from .interpreter import TFLiteNet
from .tflite_reader import read_model
from ..detector_geometry import box_points, ssd_anchors
from .warp import crop_affine, letterbox_roi, stack_images, warp, warp_images

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_device(device: str = "auto") -> torch.device:
    """``auto``: CUDA when available, else the CPU; ``cuda`` where there is none is a readable error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("The torch pose engine was asked for CUDA, but PyTorch sees no CUDA device here.")
    if not (device == "cpu" or device.startswith("cuda")):
        raise ConfigError(f"Unknown device {device!r} for the torch pose engine; choose auto, cpu or cuda.")
    return torch.device(device)


def roi_from_points(x0: float, y0: float, x1: float, y1: float, target_deg: float, scale: float) -> Roi:
    """AlignmentPointsRectsCalculator + RectTransformationCalculator (square_long) in pixels."""
    side = 2.0 * math.hypot(x1 - x0, y1 - y0) * scale
    rotation = math.radians(target_deg) - math.atan2(-(y1 - y0), x1 - x0)
    rotation = rotation - 2 * math.pi * math.floor((rotation + math.pi) / (2 * math.pi))
    return Roi(float(x0), float(y0), max(side, 1.0), float(rotation))


class TorchPoseGraph:
    """See the module docstring. ``device``: ``auto``/``cpu``/``cuda[:n]``; ``precision``: fp32/fp16/bf16."""

    def __init__(self, device: str = "auto", precision: str = "fp32", threads: Optional[int] = None) -> None:
        if precision not in PRECISIONS:
            raise ConfigError(f"Unknown precision {precision!r}; choose one of: {', '.join(PRECISIONS)}.")
        self.device = resolve_device(device)
        if self.device.type == "cpu" and precision != "fp32":
            precision = "fp32"  # half precision convolutions on a CPU are slow and gain nothing
        self.precision = precision
        self.dtype = PRECISIONS[precision]
        self.threads = int(threads) if threads else None  # CPU threads of a forward (None: PyTorch's)
        self.settings: PoseSettings = read_settings()
        self._detector = self._load(self.settings.detector_model)
        self._landmarker = self._load(self.settings.landmark_model)
        self._anchors = torch.from_numpy(ssd_anchors(self.settings.anchors)).to(self.device)
        if len(self._anchors) != self.settings.num_boxes:
            raise PoseError(f"The detector's anchors ({len(self._anchors)}) do not match its {self.settings.num_boxes} boxes.")
        self._lock = threading.Lock()
        self.has_landmarks = True
        self._closed = False

    def _load(self, relative: str) -> TFLiteNet:
        net = TFLiteNet(read_model(model_path(relative))).eval()
        return net.to(self.device, self.dtype)

    @contextlib.contextmanager
    def _threads(self):
        """``threads`` for this call only (the process's setting stays: analysis runs its model after)."""
        if not self.threads or self.device.type != "cpu":
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def _check(self) -> None:
        if self._closed:
            raise PoseError("The pose graph was used after close().")

    @staticmethod
    def _check_image(image: np.ndarray) -> None:
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise PoseError(f"Frames must be RGB uint8 (H, W, 3), got {image.dtype} {image.shape}.")

    # -- detector ------------------------------------------------------------------------------
    def detect_raw(self, images: Sequence[np.ndarray]) -> List[List[D.RawDetection]]:
        """Detections per image in normalized image coordinates (one forward for all images)."""
        self._check()
        if not images:
            return []
        for image in images:
            self._check_image(image)
        s = self.settings
        out_w, out_h = s.detector_input
        affines, pads = [], []
        for image in images:
            points, pad = letterbox_roi(image.shape[1], image.shape[0], out_w, out_h)
            affines.append(crop_affine(points, out_w, out_h))
            pads.append(pad)
        with self._lock, self._threads(), torch.inference_mode():
            x = warp_images(images, np.stack(affines), out_w, out_h, s.detector_range, self.dtype, self.device)
            boxes, scores = self._detector(x)
            scores, boxes, kps = D.decode(boxes, scores, self._anchors, s)
            keep = scores >= s.min_score
            found = []
            for i in range(len(images)):
                idx = torch.nonzero(keep[i]).flatten()
                found.append((scores[i, idx].cpu().numpy(), boxes[i, idx].cpu().numpy(), kps[i, idx].cpu().numpy()))
        return [[D.remove_letterbox(d, pad) for d in D.weighted_nms(sc, bx, kp, s.nms_threshold)]
                for (sc, bx, kp), pad in zip(found, pads)]

    def detect(self, images: Sequence[np.ndarray], offsets: Sequence[Sequence[float]]) -> List[List[PersonDetection]]:
        """Person detections in each image, in frame pixels (``offsets[i]`` = the image's top-left in the frame)."""
        s = self.settings
        a, b = s.roi_keypoints
        out: List[List[PersonDetection]] = []
        for image, (ox, oy), dets in zip(images, offsets, self.detect_raw(images)):
            h, w = image.shape[:2]
            people = []
            for det in dets:
                x0, y0 = ox + det.keypoints[a, 0] * w, oy + det.keypoints[a, 1] * h
                x1, y1 = ox + det.keypoints[b, 0] * w, oy + det.keypoints[b, 1] * h
                radius = float(np.hypot(x1 - x0, y1 - y0))
                box = np.array([x0 - radius, y0 - radius, x0 + radius, y0 + radius], np.float64)
                people.append(PersonDetection(det.score, box, roi_from_points(x0, y0, x1, y1, s.roi_target_angle,
                                                                              s.roi_scale[0])))
            out.append(people)
        return out

    # -- landmarks -----------------------------------------------------------------------------
    def landmarks_raw(self, frame: np.ndarray, rois: Sequence[Roi]) -> Tuple[np.ndarray, np.ndarray]:
        """All ROIs of ``frame`` in one forward: (N, L, 4) image-normalized x, y, visibility, presence
        (all 39 points, refined) and the (N,) pose flags."""
        return self.landmarks_raw_batch([(frame, rois)])[0]

    def landmarks_raw_batch(self, items: Sequence[Tuple[np.ndarray, Sequence[Roi]]]
                            ) -> List[Tuple[np.ndarray, np.ndarray]]:
        """:meth:`landmarks_raw` of several frames (of one video or several) in one forward: every
        frame is warped on the device with its own ROIs, the crops of all frames go through the
        network together."""
        self._check()
        s = self.settings
        out_w, out_h = s.landmark_input
        items = [(frame, list(rois)) for frame, rois in items]
        for frame, _rois in items:
            self._check_image(frame)
        with self._lock, self._threads(), torch.inference_mode():
            crops = []
            for frame, rois in items:
                if not rois:
                    continue
                height, width = frame.shape[:2]
                affines = np.stack([crop_affine(box_points(r.cx, r.cy, r.side, r.side, r.rotation), out_w, out_h)
                                    for r in rois])
                image, _ = stack_images([frame], self.device)
                crops.append(warp(image, [(width, height)], affines, out_w, out_h, s.landmark_range, self.dtype,
                                  s.landmark_border))
            if not crops:
                return [(np.zeros((0, s.num_landmarks, 4), np.float32), np.zeros(0, np.float32)) for _ in items]
            raw, flag, _segmentation, heatmap, _world = self._landmarker(torch.cat(crops) if len(crops) > 1 else crops[0])
            lms = L.refine(L.decode(raw, s), heatmap, s.heatmap_kernel, s.heatmap_min_confidence)
            sizes = torch.tensor([[f.shape[1], f.shape[0]] for f, rois in items for _ in rois], dtype=torch.float32,
                                 device=self.device)
            roi_t = torch.tensor([[r.cx, r.cy, r.side, r.rotation] for _f, rois in items for r in rois],
                                 dtype=torch.float32, device=self.device)
            lms = L.project(lms, roi_t, sizes[:, 0:1], sizes[:, 1:2]).cpu().numpy()
            flags = flag.float().reshape(-1).cpu().numpy()
        out, start = [], 0
        for _frame, rois in items:
            out.append((lms[start: start + len(rois)], flags[start: start + len(rois)]))
            start += len(rois)
        return out

    def landmarks(self, frame: np.ndarray, rois: Sequence[Roi]) -> List[Optional[RoiLandmarks]]:
        """Landmarks of the person in each ROI of ``frame`` (``None`` where the model sees nobody)."""
        return self.landmarks_batch([(frame, rois)])[0]

    def landmarks_batch(self, items: Sequence[Tuple[np.ndarray, Sequence[Roi]]]) -> List[List[Optional[RoiLandmarks]]]:
        """:meth:`landmarks` of several (frame, ROIs) in one forward."""
        if not any(len(rois) for _frame, rois in items):
            self._check()
            return [[] for _ in items]
        return [self._people(frame, lms, flags)
                for (frame, _rois), (lms, flags) in zip(items, self.landmarks_raw_batch(items))]

    def _people(self, frame: np.ndarray, lms: np.ndarray, flags: np.ndarray) -> List[Optional[RoiLandmarks]]:
        s = self.settings
        height, width = frame.shape[:2]
        (b0, b1), (a0, _a1) = s.landmark_split
        i, j = a0 + s.tracking_keypoints[0], a0 + s.tracking_keypoints[1]
        out: List[Optional[RoiLandmarks]] = []
        for points, flag in zip(lms, flags):
            if flag < s.pose_flag_threshold:
                out.append(None)
                continue
            roi = roi_from_points(points[i, 0] * width, points[i, 1] * height, points[j, 0] * width,
                                  points[j, 1] * height, s.roi_target_angle, s.tracking_scale[0])
            out.append(RoiLandmarks(points[b0:b1].astype(np.float32), roi))
        return out

    def close(self) -> None:
        self._closed = True
