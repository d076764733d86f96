"""MediaPipe's pose detector and its per-ROI landmark model, run separately (MediaPipe's graph or OpenVINO).

The Tasks ``PoseLandmarker`` decides itself where to run its detector and landmark model (always on
the whole frame). The ``mediapipe==0.10.21`` wheel also registers the subgraphs of its legacy pose
solution: ``PoseDetectionCpu`` (image -> person detections) and ``PoseLandmarkByRoiCpu`` (image + a
rotated region of interest -> 33 landmarks). Both read the model files inside the wheel, so they run
offline. :class:`PoseGraph` exposes them as two calls that each take a batch:

- :meth:`PoseGraph.detect` on images (the whole frame and zoomed tiles of it);
- :meth:`PoseGraph.landmarks` on one frame and any number of ROIs (one per person).

A ROI is MediaPipe's: centre, side of a square (pixels) and rotation (radians), made from the
detector's alignment keypoints (hip centre and a point on the body circle) or, when tracking, from
the previous frame's auxiliary landmarks, exactly as the legacy solution does
(``rotation_vector_target_angle 90``, scale 1.25, square).

The same models and steps run on OpenVINO where it is installed (:mod:`.openvino_detector`,
:mod:`.openvino_landmarks`: about half the CPU of the subgraphs, the same detections and landmarks within float
noise); ``EPAM_POSE_RUNTIME=mediapipe`` (or ``PoseGraph(runtime="mediapipe")``) keeps MediaPipe's subgraphs.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..errors import PoseError
from .native_stderr import silenced_native_stderr

#: ROI side = this factor x 2 x (hip centre -> body circle point), as the legacy solution
ROI_SCALE = 1.25

_DETECTOR = """
input_stream: "det_image"
output_stream: "detections"
node {
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:det_image"
  output_stream: "DETECTIONS:detections"
}
"""
_LANDMARKS = """
input_stream: "image"
input_stream: "roi"
output_stream: "landmarks"
output_stream: "aux"
node {
  calculator: "PoseLandmarkByRoiCpu"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks"
  output_stream: "AUXILIARY_LANDMARKS:aux"
}
"""


@dataclass(frozen=True)
class Roi:
    """A square region of interest: centre ``(cx, cy)`` and ``side`` in pixels, ``rotation`` in radians."""

    cx: float
    cy: float
    side: float
    rotation: float = 0.0

    def box(self) -> np.ndarray:
        """The axis-aligned box around the (unrotated) square, ``(x0, y0, x1, y1)``."""
        h = self.side / 2.0
        return np.array([self.cx - h, self.cy - h, self.cx + h, self.cy + h], np.float64)


@dataclass
class PersonDetection:
    """One detector hit in frame pixels: ``score``, body ``box`` (the circle around the body) and the ROI."""

    score: float
    box: np.ndarray
    roi: Roi


@dataclass
class RoiLandmarks:
    """Landmarks found in one ROI: ``raw (33, 4)`` = normalized x, y, visibility, presence; next ``roi``."""

    raw: np.ndarray
    roi: Roi


def roi_from_alignment(x0: float, y0: float, x1: float, y1: float, scale: float = ROI_SCALE) -> Roi:
    """MediaPipe's ROI from two alignment points in pixels (hip centre, then the body circle point)."""
    side = 2.0 * float(np.hypot(x1 - x0, y1 - y0)) * scale
    rotation = np.pi / 2 - np.arctan2(-(y1 - y0), x1 - x0)
    rotation = (rotation + np.pi) % (2 * np.pi) - np.pi
    return Roi(float(x0), float(y0), max(side, 1.0), float(rotation))


def _pose_runtime(choice: Optional[str]) -> str:
    from .openvino_landmarks import pose_runtime

    return pose_runtime(choice)


def _openvino_models(quiet: bool, choice: Optional[str], landmarks: bool, threads: int):
    """The detector and (``landmarks``) the landmark model on OpenVINO, ``threads`` each; None where they cannot
    load and OpenVINO was not asked for by name (``auto``: MediaPipe then)."""
    from .openvino_detector import OpenVinoDetector
    from .openvino_landmarks import OpenVinoLandmarks, requested

    try:
        with silenced_native_stderr(quiet):
            # one after the other: OpenVINO sets the C locale while it loads a model, so two loads at once could
            # leave the process in it (runtime.openvino_graph.model_load_lock serializes them anyway)
            return OpenVinoDetector(threads=threads), (OpenVinoLandmarks(threads=threads) if landmarks else None)
    except PoseError:
        if requested(choice) == "openvino":
            raise
        return None


def _resource_root() -> str:
    from .mediapipe_light import load_mediapipe

    return os.path.dirname(os.path.dirname(os.path.abspath(load_mediapipe().__file__)))


class PoseGraph:
    """The detector and ROI landmark subgraphs of MediaPipe's legacy pose solution (see the module docstring)."""

    def __init__(self, quiet: bool = True, landmarks: bool = True, runtime: Optional[str] = None,
                 threads: int = 1) -> None:
        """``landmarks=False``: the detector only (quicker to load; :meth:`landmarks` is then refused).
        ``runtime``: ``openvino`` (:mod:`.openvino_detector`, :mod:`.openvino_landmarks`: the same models and
        steps, about half the CPU), ``mediapipe`` (the subgraphs) or ``auto``/None (``$EPAM_POSE_RUNTIME``, else
        OpenVINO where it is installed); :attr:`runtime` says which runs. ``threads``: OpenVINO's threads per model
        call (1: each pose worker process keeps to one core; MediaPipe's subgraphs choose their own)."""
        os.environ.setdefault("GLOG_minloglevel", "2")
        self.runtime = _pose_runtime(runtime)
        self.has_landmarks = landmarks
        self._quiet = quiet
        self._lock = threading.Lock()
        self._closed = False
        self._openvino = _openvino_models(quiet, runtime, landmarks, threads) if self.runtime == "openvino" else None
        if self._openvino is None:
            self.runtime = "mediapipe"
            self._start_mediapipe(quiet, landmarks)

    def _start_mediapipe(self, quiet: bool, landmarks: bool) -> None:
        from .mediapipe_light import load_mediapipe

        load_mediapipe()  # the framework only, not the whole package
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python import packet_creator, packet_getter
        from mediapipe.python._framework_bindings import calculator_graph, image_frame, resource_util
        from mediapipe.framework.formats import detection_pb2, landmark_pb2, rect_pb2  # noqa: F401 - the
        # packet getters find these message types by name: they must be registered (the whole package did)

        self._creator, self._getter, self._rect_pb2 = packet_creator, packet_getter, rect_pb2
        self._srgb = image_frame.ImageFormat.SRGB
        self._outputs: Dict[str, Dict[int, object]] = {"detections": {}}
        if landmarks:
            self._outputs.update(landmarks={}, aux={})
        self._ts = 0
        resource_util.set_resource_dir(_resource_root())
        config = text_format.Parse(_DETECTOR + (_LANDMARKS if landmarks else ""), calculator_pb2.CalculatorGraphConfig())
        try:
            with silenced_native_stderr(quiet):
                self._graph = calculator_graph.CalculatorGraph(graph_config=config)
                for name in self._outputs:
                    self._graph.observe_output_stream(name, self._observer(name))
                self._graph.start_run({"model_complexity": packet_creator.create_int(1),
                                       "enable_segmentation": packet_creator.create_bool(False)} if landmarks else {})
                self._graph.wait_until_idle()  # the models open (and log) now, while stderr is silenced
        except Exception as exc:  # noqa: BLE001 - MediaPipe raises plain RuntimeError/ValueError
            raise PoseError(f"MediaPipe could not load its pose detector and landmark models: {exc}.") from exc
        self._ran: set = set()

    def _observer(self, name: str):
        getter = self._getter
        if name == "detections":
            def keep(_stream, packet) -> None:
                self._outputs[name][packet.timestamp.value] = getter.get_proto_list(packet)
        else:
            def keep(_stream, packet) -> None:
                self._outputs[name][packet.timestamp.value] = getter.get_proto(packet)
        return keep

    def _next_ts(self) -> int:
        self._ts += 1
        return self._ts

    def _run(self, kind: str) -> None:
        first = kind not in self._ran
        with silenced_native_stderr(self._quiet and first):  # one-off C++ warnings of each model's first run
            self._graph.wait_until_idle()
        self._ran.add(kind)

    @staticmethod
    def _check_image(image: np.ndarray) -> None:
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise PoseError(f"Frames must be RGB uint8 (H, W, 3), got {image.dtype} {image.shape}.")

    def _image_packet(self, image: np.ndarray):
        self._check_image(image)
        return self._creator.create_image_frame(data=np.ascontiguousarray(image), image_format=self._srgb)

    def detect(self, images: Sequence[np.ndarray], offsets: Sequence[Sequence[float]]) -> List[List[PersonDetection]]:
        """Person detections in each image, in frame pixels (``offsets[i]`` = the image's top-left in the frame)."""
        if self._closed:
            raise PoseError("The pose graph was used after close().")
        if self._openvino is not None:
            for image in images:
                self._check_image(image)
            found = [[(score, kps) for score, _box, kps in dets] for dets in self._openvino[0].detect(images)]
        else:
            found = [[(float(d.score[0]) if d.score else 0.0, [(k.x, k.y) for k in d.location_data.relative_keypoints])
                      for d in protos] for protos in self._mediapipe_detect(images)]
        out: List[List[PersonDetection]] = []
        for image, (ox, oy), dets in zip(images, offsets, found):
            h, w = image.shape[:2]
            people = []
            for score, kps in dets:
                if len(kps) < 2:
                    continue
                x0, y0 = ox + kps[0][0] * w, oy + kps[0][1] * h
                x1, y1 = ox + kps[1][0] * w, oy + kps[1][1] * h
                radius = float(np.hypot(x1 - x0, y1 - y0))
                box = np.array([x0 - radius, y0 - radius, x0 + radius, y0 + radius], np.float64)
                people.append(PersonDetection(score, box, roi_from_alignment(x0, y0, x1, y1)))
            out.append(people)
        return out

    def _mediapipe_detect(self, images: Sequence[np.ndarray]) -> list:
        """The subgraph's detection protos of each image."""
        with self._lock:
            stamps = []
            for image in images:
                ts = self._next_ts()
                self._graph.add_packet_to_input_stream("det_image", self._image_packet(image).at(ts))
                stamps.append(ts)
            self._run("detect")
            return [self._outputs["detections"].pop(ts, []) for ts in stamps]

    def landmarks(self, frame: np.ndarray, rois: Sequence[Roi]) -> List[Optional[RoiLandmarks]]:
        """Landmarks of the person in each ROI of ``frame`` (``None`` where the model sees nobody)."""
        if self._closed or not self.has_landmarks:
            raise PoseError("The pose graph was used after close(), or was made without the landmark model.")
        if not rois:
            return []
        if self._openvino is not None:
            self._check_image(frame)
            return self._openvino_people(frame, rois)
        height, width = frame.shape[:2]
        with self._lock:
            image = self._image_packet(frame)
            stamps = []
            for roi in rois:
                ts = self._next_ts()
                rect = self._rect_pb2.NormalizedRect(x_center=roi.cx / width, y_center=roi.cy / height,
                                                     width=roi.side / width, height=roi.side / height,
                                                     rotation=roi.rotation)
                self._graph.add_packet_to_input_stream("image", image.at(ts))
                self._graph.add_packet_to_input_stream("roi", self._creator.create_proto(rect).at(ts))
                stamps.append(ts)
            self._run("landmarks")
            results = [(self._outputs["landmarks"].pop(ts, None), self._outputs["aux"].pop(ts, None))
                       for ts in stamps]
        out: List[Optional[RoiLandmarks]] = []
        for landmarks, aux in results:
            if landmarks is None or aux is None or len(aux.landmark) < 2:
                out.append(None)
                continue
            raw = np.array([(lm.x, lm.y, lm.visibility, lm.presence) for lm in landmarks.landmark], np.float32)
            a, b = aux.landmark[0], aux.landmark[1]
            out.append(RoiLandmarks(raw, roi_from_alignment(a.x * width, a.y * height, b.x * width, b.y * height)))
        return out

    def _openvino_people(self, frame: np.ndarray, rois: Sequence[Roi]) -> List[Optional[RoiLandmarks]]:
        """:meth:`landmarks` on the OpenVINO engine: the pose flag's threshold, the auxiliary points' ROI."""
        s = self._openvino[1].settings
        points, flags = self._openvino[1].infer(frame, rois)
        height, width = frame.shape[:2]
        (b0, b1), (a0, _a1) = s.split
        out: List[Optional[RoiLandmarks]] = []
        for lms, flag in zip(points, flags):
            if flag < s.flag_threshold:
                out.append(None)
                continue
            a, b = lms[a0], lms[a0 + 1]
            out.append(RoiLandmarks(np.ascontiguousarray(lms[b0:b1]),
                                    roi_from_alignment(a[0] * width, a[1] * height, b[0] * width, b[1] * height)))
        return out

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._openvino is not None:
            self._openvino = None
            return
        try:
            self._graph.close()
        except Exception:  # noqa: BLE001 - closing a graph that failed is not worth an error
            pass
