"""MediaPipe's pose pre- and post-processing settings, read from the graphs inside the mediapipe wheel.

The subgraphs ``PoseDetectionCpu``, ``PoseLandmarkByRoiCpu``, ``PoseDetectionToRoi`` and
``PoseLandmarksToRoi`` are registered in the wheel (compiled from its ``.pbtxt`` files). A
``CalculatorGraph`` built from one node of each expands them; its ``binary_config`` is the expanded
``CalculatorGraphConfig`` with every calculator's options, parsed here with the wheel's own option
protos. Nothing below is a number taken from memory: a different mediapipe wheel gives its settings.
"""
from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass
from typing import Dict, Tuple

from ...errors import PoseError
from ..native_stderr import silenced_native_stderr

_GRAPH = """
input_stream: "det_image"
input_stream: "image"
input_stream: "roi"
input_stream: "det"
input_stream: "size"
input_stream: "aux"
node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:det_image" output_stream: "DETECTIONS:detections" }
node { calculator: "PoseLandmarkByRoiCpu" input_side_packet: "MODEL_COMPLEXITY:model_complexity"
       input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation" input_stream: "IMAGE:image"
       input_stream: "ROI:roi" output_stream: "LANDMARKS:landmarks" output_stream: "AUXILIARY_LANDMARKS:aux_out" }
node { calculator: "PoseDetectionToRoi" input_stream: "DETECTION:det" input_stream: "IMAGE_SIZE:size"
       output_stream: "ROI:det_roi" }
node { calculator: "PoseLandmarksToRoi" input_stream: "LANDMARKS:aux" input_stream: "IMAGE_SIZE:size"
       output_stream: "ROI:aux_roi" }
"""


@dataclass(frozen=True)
class AnchorOptions:
    input_size: Tuple[int, int]  # (width, height)
    min_scale: float
    max_scale: float
    anchor_offset: Tuple[float, float]
    strides: Tuple[int, ...]
    aspect_ratios: Tuple[float, ...]
    interpolated_scale_aspect_ratio: float
    reduce_boxes_in_lowest_layer: bool
    fixed_anchor_size: bool


@dataclass(frozen=True)
class PoseSettings:
    """Everything the torch engine needs to do what MediaPipe's pose graphs do."""

    detector_model: str  # path inside the wheel (relative to site-packages)
    landmark_model: str
    detector_input: Tuple[int, int]  # (width, height)
    detector_range: Tuple[float, float]
    detector_keep_aspect: bool
    anchors: AnchorOptions
    num_boxes: int
    num_coords: int
    box_scale: Tuple[float, float, float, float]  # x, y, w, h scales
    keypoint_coord_offset: int
    num_keypoints: int
    values_per_keypoint: int
    reverse_output_order: bool
    sigmoid_score: bool
    score_clipping: float
    min_score: float
    nms_threshold: float
    nms_algorithm: str
    nms_overlap: str
    roi_keypoints: Tuple[int, int]  # alignment points (start, end) of the detection
    roi_target_angle: float  # degrees
    roi_scale: Tuple[float, float]
    roi_square_long: bool
    tracking_keypoints: Tuple[int, int]  # the same from the auxiliary landmarks
    tracking_scale: Tuple[float, float]
    landmark_input: Tuple[int, int]
    landmark_range: Tuple[float, float]
    landmark_border: str  # "zero" or "replicate" (ImageToTensor: BORDER_UNSPECIFIED means replicate)
    num_landmarks: int
    landmark_activation: Tuple[str, str]  # visibility, presence
    pose_flag_threshold: float
    heatmap_kernel: int
    heatmap_min_confidence: float
    landmark_split: Tuple[Tuple[int, int], Tuple[int, int]]  # the 33 landmarks, the auxiliary points

    def as_dict(self) -> dict:
        return asdict(self)


def _expanded_nodes() -> Dict[str, object]:
    from ..mediapipe_light import load_mediapipe

    mediapipe = load_mediapipe()
    from google.protobuf import text_format
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import calculator_graph, resource_util

    resource_util.set_resource_dir(os.path.dirname(os.path.dirname(os.path.abspath(mediapipe.__file__))))
    config = text_format.Parse(_GRAPH, calculator_pb2.CalculatorGraphConfig())
    try:
        with silenced_native_stderr(True):
            graph = calculator_graph.CalculatorGraph(graph_config=config)
            expanded = calculator_pb2.CalculatorGraphConfig()
            expanded.ParseFromString(graph.binary_config)
    except Exception as exc:  # noqa: BLE001 - MediaPipe raises plain RuntimeError
        raise PoseError(f"MediaPipe's pose graphs could not be read from the wheel: {exc}.") from exc
    return {node.name: node for node in expanded.node}


def _node(nodes, suffix: str):
    found = [n for name, n in nodes.items() if name.endswith(suffix)]
    if len(found) != 1:
        raise PoseError(f"MediaPipe's pose graph has {len(found)} nodes named *{suffix} (expected one).")
    return found[0]


def _ext(node, ext):
    return node.options.Extensions[ext]


def _enum_name(message, field: str) -> str:
    return message.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number[getattr(message, field)].name


def _model_paths(nodes) -> Tuple[str, str]:
    from mediapipe.calculators.core import constant_side_packet_calculator_pb2 as csp
    from mediapipe.calculators.tensor import inference_calculator_pb2 as inf
    from mediapipe.framework.tool import switch_container_pb2 as sw

    detector = _ext(_node(nodes, "posedetectioncpu__InferenceCalculator"), inf.InferenceCalculatorOptions.ext).model_path
    select = _ext(_node(nodes, "switchcontainer__SwitchMuxCalculator"), sw.SwitchContainerOptions.ext).select
    packets = sorted((name, n) for name, n in nodes.items() if "poselandmarkmodelloader__switchcontainer__Constant" in name)
    landmark = _ext(packets[select][1], csp.ConstantSidePacketCalculatorOptions.ext).packet[0].string_value
    return detector, landmark


def _roi_options(nodes, prefix: str):
    from mediapipe.calculators.util import detections_to_rects_calculator_pb2 as d2r
    from mediapipe.calculators.util import rect_transformation_calculator_pb2 as rt

    align = _ext(_node(nodes, prefix + "__AlignmentPointsRectsCalculator"), d2r.DetectionsToRectsCalculatorOptions.ext)
    trans = _ext(_node(nodes, prefix + "__RectTransformationCalculator"), rt.RectTransformationCalculatorOptions.ext)
    if trans.shift_x or trans.shift_y or trans.rotation or trans.rotation_degrees or trans.square_short:
        raise PoseError("MediaPipe's pose ROI transformation has settings this engine does not implement.")
    return ((align.rotation_vector_start_keypoint_index, align.rotation_vector_end_keypoint_index),
            align.rotation_vector_target_angle_degrees, (trans.scale_x, trans.scale_y), trans.square_long)


@functools.lru_cache(maxsize=1)
def read_settings() -> PoseSettings:
    """The settings of mediapipe's legacy pose graphs (model complexity 1 = ``pose_landmark_full``)."""
    from mediapipe.calculators.core import split_vector_calculator_pb2 as split
    from mediapipe.calculators.tensor import image_to_tensor_calculator_pb2 as itt
    from mediapipe.calculators.tensor import tensors_to_detections_calculator_pb2 as ttd
    from mediapipe.calculators.tensor import tensors_to_landmarks_calculator_pb2 as ttl
    from mediapipe.calculators.tflite import ssd_anchors_calculator_pb2 as ssd
    from mediapipe.calculators.util import non_max_suppression_calculator_pb2 as nms
    from mediapipe.calculators.util import refine_landmarks_from_heatmap_calculator_pb2 as refine
    from mediapipe.calculators.util import thresholding_calculator_pb2 as thr

    nodes = _expanded_nodes()
    det_in = _ext(_node(nodes, "posedetectioncpu__ImageToTensorCalculator"), itt.ImageToTensorCalculatorOptions.ext)
    lm_in = _ext(_node(nodes, "poselandmarkbyroicpu__ImageToTensorCalculator"), itt.ImageToTensorCalculatorOptions.ext)
    a = _ext(_node(nodes, "SsdAnchorsCalculator"), ssd.SsdAnchorsCalculatorOptions.ext)
    t = _ext(_node(nodes, "posedetectioncpu__TensorsToDetectionsCalculator"), ttd.TensorsToDetectionsCalculatorOptions.ext)
    n = _ext(_node(nodes, "NonMaxSuppressionCalculator"), nms.NonMaxSuppressionCalculatorOptions.ext)
    lm = _ext(_node(nodes, "TensorsToLandmarksCalculator_1"), ttl.TensorsToLandmarksCalculatorOptions.ext)
    flag = _ext(_node(nodes, "ThresholdingCalculator"), thr.ThresholdingCalculatorOptions.ext)
    hm = _ext(_node(nodes, "RefineLandmarksFromHeatmapCalculator"), refine.RefineLandmarksFromHeatmapCalculatorOptions.ext)
    parts = _ext(_node(nodes, "SplitNormalizedLandmarkListCalculator"), split.SplitVectorCalculatorOptions.ext)
    if not det_in.keep_aspect_ratio or _enum_name(det_in, "border_mode") != "BORDER_ZERO" or hm.refine_presence \
            or hm.refine_visibility or len(parts.ranges) != 2 or t.flip_vertically or t.num_classes != 1:
        raise PoseError("MediaPipe's pose graphs have settings this engine does not implement.")
    det_path, lm_path = _model_paths(nodes)
    det_roi, lm_roi = _roi_options(nodes, "posedetectiontoroi"), _roi_options(nodes, "poselandmarkstoroi")
    anchors = AnchorOptions((a.input_size_width, a.input_size_height), a.min_scale, a.max_scale,
                            (a.anchor_offset_x, a.anchor_offset_y), tuple(a.strides), tuple(a.aspect_ratios),
                            a.interpolated_scale_aspect_ratio, a.reduce_boxes_in_lowest_layer, a.fixed_anchor_size)
    return PoseSettings(
        detector_model=det_path, landmark_model=lm_path,
        detector_input=(det_in.output_tensor_width, det_in.output_tensor_height),
        detector_range=(det_in.output_tensor_float_range.min, det_in.output_tensor_float_range.max),
        detector_keep_aspect=det_in.keep_aspect_ratio, anchors=anchors, num_boxes=t.num_boxes,
        num_coords=t.num_coords, box_scale=(t.x_scale, t.y_scale, t.w_scale, t.h_scale),
        keypoint_coord_offset=t.keypoint_coord_offset, num_keypoints=t.num_keypoints,
        values_per_keypoint=t.num_values_per_keypoint, reverse_output_order=t.reverse_output_order,
        sigmoid_score=t.sigmoid_score, score_clipping=t.score_clipping_thresh, min_score=t.min_score_thresh,
        nms_threshold=n.min_suppression_threshold, nms_algorithm=_enum_name(n, "algorithm"),
        nms_overlap=_enum_name(n, "overlap_type"), roi_keypoints=det_roi[0], roi_target_angle=det_roi[1],
        roi_scale=det_roi[2], roi_square_long=det_roi[3], tracking_keypoints=lm_roi[0],
        tracking_scale=lm_roi[2], landmark_input=(lm_in.output_tensor_width, lm_in.output_tensor_height),
        landmark_range=(lm_in.output_tensor_float_range.min, lm_in.output_tensor_float_range.max),
        landmark_border="zero" if _enum_name(lm_in, "border_mode") == "BORDER_ZERO" else "replicate",
        num_landmarks=lm.num_landmarks,
        landmark_activation=(_enum_name(lm, "visibility_activation"), _enum_name(lm, "presence_activation")),
        pose_flag_threshold=flag.threshold, heatmap_kernel=hm.kernel_size,
        heatmap_min_confidence=hm.min_confidence_to_refine,
        landmark_split=tuple((r.begin, r.end) for r in parts.ranges))


def model_path(relative: str) -> str:
    """The absolute path of a model file named as in the graphs (``mediapipe/modules/...``)."""
    import mediapipe

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(mediapipe.__file__))), relative)

