"""MediaPipe's per-ROI pose landmark subgraph (``PoseLandmarkByRoiCpu``) on OpenVINO, numpy and OpenCV.

The same model file as MediaPipe's (``pose_landmark_full.tflite`` in the mediapipe wheel, read by OpenVINO's
TFLite frontend) and the same steps as the subgraph (numpy translations of :mod:`.torch_engine.warp` and
:mod:`.torch_engine.landmarks`, which follow MediaPipe's calculators):

- ImageToTensorCalculator (OpenCV converter): ``cv::boxPoints`` of the rotated ROI, a perspective transform
  of its corners onto the 256x256 input, ``warpPerspective`` (bilinear, BORDER_REPLICATE: the graph's
  BORDER_UNSPECIFIED), uint8 -> float in [0, 1];
- the model (one thread, not pinned: two pose workers share two cores; fp32: OpenVINO's default on CPUs with
  bf16 instructions is bf16, ~1.5x faster here but landmarks move by 0.3 px median, 7 px at the 99th percentile;
  the segmentation mask and world landmarks, unused, are pruned from the compiled graph: 9.4 against 13.9 ms);
- TensorsToLandmarksCalculator (x, y / 256, sigmoid visibility and presence),
  RefineLandmarksFromHeatmapCalculator (7x7 kernel on the sigmoid heatmap, refined where its maximum >= 0.5),
  ThresholdingCalculator (pose flag >= 0.5), LandmarkProjectionCalculator (ROI -> frame).

The graph's settings are :data:`SETTINGS` (reading them from the wheel's graphs costs ~1-2 s of start-up:
``tests/core_model/test_pose_openvino_landmarks.py`` checks them against
:func:`.torch_engine.graph_settings.read_settings`). OpenVINO keeps the compiled model in the runtime cache
(``cache_root()/openvino``), with the pruned model as IR beside it, so later processes load it instead of
reading and compiling (0.37 against 0.55 s for both models). Importing this module imports neither OpenVINO nor
PyTorch.
"""
from __future__ import annotations

import importlib.util
import math
import os
import threading
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from ..errors import ConfigError, PoseError
from ..runtime.openvino_quiet import import_openvino

#: what runs MediaPipe's pose models in the ROI pipeline (:class:`.roi_graph.PoseGraph`): the setting
#: ``EPAM_POSE_RUNTIME`` (``auto``: OpenVINO where installed, else MediaPipe's own subgraphs)
POSE_RUNTIMES = ("auto", "openvino", "mediapipe")
ENV = "EPAM_POSE_RUNTIME"


@dataclass(frozen=True)
class LandmarkSettings:
    """What ``PoseLandmarkByRoiCpu`` (model complexity 1) does, as its graph in mediapipe 0.10.21 says."""

    model: str = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
    input_size: Tuple[int, int] = (256, 256)  # (width, height)
    value_range: Tuple[float, float] = (0.0, 1.0)
    border: str = "replicate"
    num_landmarks: int = 39
    activation: Tuple[str, str] = ("SIGMOID", "SIGMOID")  # visibility, presence
    flag_threshold: float = 0.5
    heatmap_kernel: int = 7
    heatmap_min_confidence: float = 0.5
    split: Tuple[Tuple[int, int], Tuple[int, int]] = ((0, 33), (33, 35))  # the landmarks, the auxiliary points


SETTINGS = LandmarkSettings()


def from_pose_settings(s) -> LandmarkSettings:
    """The same fields from :class:`~.torch_engine.graph_settings.PoseSettings` (read from the wheel's graphs)."""
    return LandmarkSettings(s.landmark_model, tuple(s.landmark_input), tuple(s.landmark_range), s.landmark_border,
                            s.num_landmarks, tuple(s.landmark_activation), s.pose_flag_threshold, s.heatmap_kernel,
                            s.heatmap_min_confidence, tuple(tuple(r) for r in s.landmark_split))


def openvino_installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def requested(choice: Optional[str] = None) -> str:
    """``choice``, else ``$EPAM_POSE_RUNTIME``, else ``auto`` (checked, not resolved)."""
    choice = (choice or os.environ.get(ENV) or "auto").strip().lower()
    if choice not in POSE_RUNTIMES:
        raise ConfigError(f"Unknown pose runtime {choice!r} ({ENV}); choose one of: {', '.join(POSE_RUNTIMES)}.")
    return choice


def pose_runtime(choice: Optional[str] = None) -> str:
    """What runs the pose models: :func:`requested` resolved (``auto``: OpenVINO where it is installed, else
    MediaPipe's subgraphs). Loads nothing."""
    choice = requested(choice)
    if choice == "auto":
        return "openvino" if openvino_installed() else "mediapipe"
    if choice == "openvino" and not openvino_installed():
        raise ConfigError("The OpenVINO pose runtime was asked for, but OpenVINO is not installed "
                          "(pip install 'openvino>=2024.4,<2027').")
    return choice


def box_points(cx: float, cy: float, side: float, rotation: float) -> np.ndarray:
    """``cv::boxPoints`` of the square ROI (float32, as MediaPipe's ``RotatedRect``): bottom-left, top-left,
    top-right, bottom-right."""
    import cv2

    return cv2.boxPoints(((np.float32(cx), np.float32(cy)), (np.float32(side), np.float32(side)),
                          np.float32(rotation) * np.float32(180.0 / math.pi)))


def crop(frame: np.ndarray, roi, size: Tuple[int, int], value_range: Tuple[float, float],
         border: str = "replicate", out: Optional[np.ndarray] = None) -> np.ndarray:
    """ImageToTensorCalculator's OpenCV converter: the ROI of ``frame`` (uint8 RGB) as (h, w, 3) float32."""
    import cv2

    w, h = size
    src = box_points(roi.cx, roi.cy, roi.side, roi.rotation).astype(np.float32)
    dst = np.array([[0, h], [0, 0], [w, 0], [w, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    warped = cv2.warpPerspective(frame, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=mode)
    lo, hi = value_range
    target = out if out is not None else np.empty((h, w, 3), np.float32)
    np.multiply(warped, np.float32((hi - lo) / 255.0), out=target, casting="unsafe")
    if lo:
        target += np.float32(lo)
    return target


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-x) of a very negative logit: inf, and the sigmoid 0 as it should
        return 1.0 / (1.0 + np.exp(-x))


def decode(raw: np.ndarray, s: LandmarkSettings = SETTINGS) -> np.ndarray:
    """TensorsToLandmarksCalculator: (N, L*5) -> (N, L, 4) x, y normalized in the ROI, visibility, presence."""
    v = raw.reshape(raw.shape[0], s.num_landmarks, -1).astype(np.float32)
    w, h = s.input_size
    act = [_sigmoid if name == "SIGMOID" else (lambda x: x) for name in s.activation]
    return np.stack([v[..., 0] / w, v[..., 1] / h, act[0](v[..., 3]), act[1](v[..., 4])], -1)


def refine(lms: np.ndarray, heatmap: np.ndarray, kernel: int, min_confidence: float) -> np.ndarray:
    """RefineLandmarksFromHeatmapCalculator on (N, L, 4) landmarks and (N, Hh, Wh, L) raw heatmaps (the sigmoid
    is taken of each landmark's window only)."""
    n, count = lms.shape[:2]
    hh, hw = heatmap.shape[1], heatmap.shape[2]
    col = np.trunc(lms[..., 0] * hw).astype(np.int64)  # C++ float -> int truncates
    row = np.trunc(lms[..., 1] * hh).astype(np.int64)
    inside = (col >= 0) & (col < hw) & (row >= 0) & (col < hh)  # (MediaPipe compares the column with the height)
    offset = (kernel - 1) // 2
    steps = np.arange(-offset, offset + 1)
    rows, cols = row[..., None] + steps, col[..., None] + steps  # (N, L, K)
    valid = ((rows >= 0) & (rows < hh))[..., :, None] & ((cols >= 0) & (cols < hw))[..., None, :]
    ni = np.arange(n)[:, None, None, None]
    li = np.arange(count)[None, :, None, None]
    window = heatmap[ni, np.clip(rows, 0, hh - 1)[..., :, None], np.clip(cols, 0, hw - 1)[..., None, :], li]
    window = np.where(valid, _sigmoid(window.astype(np.float32)), np.float32(0))  # (N, L, K, K)
    total = window.sum((-1, -2))
    best = window.max((-1, -2))
    wx = (window * cols[..., None, :]).sum((-1, -2))
    wy = (window * rows[..., :, None]).sum((-1, -2))
    use = inside & (best >= min_confidence) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    out = lms.copy()
    out[..., 0] = np.where(use, wx / hw / safe, lms[..., 0])
    out[..., 1] = np.where(use, wy / hh / safe, lms[..., 1])
    return out


def project(lms: np.ndarray, rois: np.ndarray, width: int, height: int) -> np.ndarray:
    """LandmarkProjectionCalculator: ROI-normalized (N, L, 4) -> frame-normalized; ``rois`` (N, 4) = centre x,
    centre y, side (pixels), rotation."""
    x, y = lms[..., 0] - 0.5, lms[..., 1] - 0.5
    cos, sin = np.cos(rois[:, 3:4]), np.sin(rois[:, 3:4])
    side = rois[:, 2:3]
    nx = (cos * x - sin * y) * side / width + rois[:, 0:1] / width
    ny = (sin * x + cos * y) * side / height + rois[:, 1:2] / height
    return np.stack([nx, ny, lms[..., 2], lms[..., 3]], -1).astype(np.float32)


def model_path(relative: str) -> str:
    """A model file of the mediapipe wheel (``mediapipe/modules/...``), found without importing mediapipe."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise PoseError("MediaPipe (the wheel that holds the pose models) is not installed.")
    return os.path.join(os.path.dirname(os.path.abspath(list(spec.submodule_search_locations)[0])), relative)


def _cache_dir() -> Optional[str]:
    try:
        from ..runtime import cache_root

        path = cache_root() / "openvino"
        path.mkdir(parents=True, exist_ok=True)
        return str(path)
    except OSError:  # a read-only cache: compile every time
        return None


def _pruned_ir(cache_dir: Optional[str], relative: str) -> Optional[str]:
    """Where the pruned model of ``relative`` is kept as OpenVINO IR (named by the model file's path, size and
    time, and OpenVINO's version): compiled by path, OpenVINO loads its cached blob without reading the model
    (~0.1 s less per model and process than reading the .tflite)."""
    if not cache_dir:
        return None
    import hashlib

    ov = import_openvino()

    source = model_path(relative)
    stat = os.stat(source)
    tag = hashlib.sha1(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{ov.__version__}".encode()).hexdigest()[:16]
    return os.path.join(cache_dir, f"{os.path.splitext(os.path.basename(source))[0]}-{tag}.xml")


def _save_ir(model, xml: str) -> None:
    """``model`` as IR at ``xml``, written aside and renamed (the .bin first: a reader looks for the .xml)."""
    ov = import_openvino()

    aside = f"{xml[:-4]}.{os.getpid()}.{threading.get_ident()}"
    try:
        ov.save_model(model, aside + ".xml", compress_to_fp16=False)
        os.replace(aside + ".bin", xml[:-4] + ".bin")
        os.replace(aside + ".xml", xml)
    except (OSError, RuntimeError):  # a read-only or full cache: the model is read from the wheel every time
        for path in (aside + ".xml", aside + ".bin"):
            if os.path.exists(path):
                os.remove(path)


def _load(core, relative: str, outputs, config: dict):
    """The pruned model compiled: from its IR where it is kept (checked to hold the outputs wanted, in order),
    else read from the wheel, pruned (and kept as IR)."""
    ov = import_openvino()

    xml = _pruned_ir(config.get("CACHE_DIR"), relative)
    if xml and os.path.exists(xml):
        try:
            compiled = core.compile_model(xml, "CPU", config)
            if outputs(compiled) == list(range(len(compiled.outputs))):
                return compiled
        except (PoseError, RuntimeError):
            pass  # a damaged or other IR: read the wheel's model again
    model = core.read_model(model_path(relative))
    pruned = ov.Model([model.outputs[i] for i in outputs(model)], model.get_parameters(), "pruned")
    if xml:
        _save_ir(pruned, xml)
    return core.compile_model(pruned, "CPU", config)


def compile_model(relative: str, threads: int, cache: bool, outputs) -> tuple:
    """A model of the mediapipe wheel compiled by OpenVINO's CPU plugin with only the outputs ``outputs(model)``
    picks (their indices, in the order wanted): (compiled model, infer request, its shared input array). Each graph
    compiles its own: the process's spare detector shares nothing
    with the main graph's, since one compiled model (one stream) runs its requests one at a time, and the
    detect-ahead helper's detector then waits for the main thread's (measured: 0.1 CPU s less, 0.15-0.3 s more
    wall on the 4-s close-up).
    """
    from ..runtime.openvino_graph import compile_settings, model_load_lock, shared_core

    core = shared_core()
    try:
        ov = import_openvino()

        config = compile_settings(threads)
        cache_dir = _cache_dir() if cache else None
        if cache_dir:
            config["CACHE_DIR"] = cache_dir
        with model_load_lock:  # (the process's locale: see model_load_lock)
            compiled = _load(core, relative, outputs, config)
        request = compiled.create_infer_request()
        shape = tuple(compiled.inputs[0].get_shape())
        data = np.zeros(shape, np.float32)  # the request reads its input from here (shared memory)
        request.set_input_tensor(ov.Tensor(data, shared_memory=True))
    except PoseError:
        raise
    except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError with its own text
        raise PoseError(f"OpenVINO could not load MediaPipe's pose model {os.path.basename(relative)}: {exc}.") from exc
    return compiled, request, data


class OpenVinoLandmarks:
    """The landmark model on OpenVINO's CPU plugin and MediaPipe's pre- and post-processing in numpy.

    ``threads``: OpenVINO's inference threads (1: each pose worker process keeps to one core).
    """

    def __init__(self, threads: int = 1, settings: LandmarkSettings = SETTINGS, cache: bool = True) -> None:
        self.settings = settings
        self._compiled, self._request, self._input = compile_model(settings.model, threads, cache, self._outputs)
        self._heatmaps = np.zeros((0,) + tuple(self._compiled.outputs[2].get_shape())[1:], np.float32)
        self._lock = threading.Lock()

    def _outputs(self, model) -> list:
        """The landmarks (1, 195), pose flag (1, 1) and heatmap (1, 64, 64, 39) outputs, by shape (the names are
        TFLite's ``Identity``, ``Identity_1``, ...; the segmentation mask and world landmarks are left out)."""
        count = self.settings.num_landmarks
        shapes = [tuple(o.get_partial_shape().to_shape()) for o in model.outputs]
        wanted = [lambda sh: sh == (1, count * 5), lambda sh: sh == (1, 1), lambda sh: len(sh) == 4 and sh[-1] == count]
        found = [[i for i, shape in enumerate(shapes) if match(shape)] for match in wanted]
        if any(len(f) != 1 for f in found):
            raise PoseError(f"the landmark model's outputs are not the expected ones: {shapes}")
        return [f[0] for f in found]

    def infer(self, frame: np.ndarray, rois: Sequence) -> Tuple[np.ndarray, np.ndarray]:
        """Each ROI through the model: (N, L, 4) frame-normalized x, y, visibility, presence (all 39 points,
        refined) and the (N,) pose flags."""
        s = self.settings
        n = len(rois)
        height, width = frame.shape[:2]
        raws, flags = np.zeros((n, s.num_landmarks * 5), np.float32), np.zeros(n, np.float32)
        if not n:
            return np.zeros((0, s.num_landmarks, 4), np.float32), flags
        request = self._request
        with self._lock:
            if len(self._heatmaps) < n:
                self._heatmaps = np.zeros((n,) + self._heatmaps.shape[1:], np.float32)
            heatmaps = self._heatmaps[:n]
            for i, roi in enumerate(rois):
                crop(frame, roi, s.input_size, s.value_range, s.border, out=self._input[0])
                request.infer()
                raws[i] = request.get_output_tensor(0).data.reshape(-1)
                flags[i] = request.get_output_tensor(1).data.reshape(-1)[0]
                heatmaps[i] = request.get_output_tensor(2).data[0]
            lms = refine(decode(raws, s), heatmaps, s.heatmap_kernel, s.heatmap_min_confidence)
        boxes = np.array([[r.cx, r.cy, r.side, r.rotation] for r in rois], np.float64)
        return project(lms, boxes, width, height), flags


def settings_key(choice: Optional[str] = None) -> dict:
    """The pose cache key's part for the pose runtime: ``{"pose_runtime": "openvino"}`` with OpenVINO, nothing
    with MediaPipe's subgraphs (their keys stay those of before this runtime). Loads nothing."""
    return {"pose_runtime": "openvino"} if pose_runtime(choice) == "openvino" else {}
