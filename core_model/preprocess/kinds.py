"""One input builder per input kind (``rgb``, ``heatmaps``, ``keypoints``, ``part_crops``, ``flow``).

Analysis and training build, for each window or clip, only the kinds the model's registry entry lists
(:attr:`~core_model.models.registry.ModelSpec.inputs`), all from one :class:`WindowSource`: the people's
poses, the sampled frames, the crop box and the frame crops made while the video is decoded. A kind
that reads pixels says which boxes of each sampled RGB frame it needs (:attr:`InputBuilder.frame_boxes`);
the decoder crops those and drops the frame, so no full frame is kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from core_model.errors import ConfigError
from core_model.preprocess.normalization import DEFAULT, Normalization
from core_model.preprocess.spec import InputSpec


#: config keys of a model that shape its part crops (passed to core_model.preprocess.parts.part_boxes)
PART_GEOMETRY = ("score_threshold", "hand_scale", "hand_extend", "body_padding")


@dataclass(frozen=True)
class InputSizes:
    """The sizes of every input of one model: the recorded :class:`InputSpec` and the model's own config."""

    rgb_size: int = 224
    heatmap_size: int = 56
    rgb_frames: int = 16
    pose_frames: int = 48
    keypoint_frames: int = 48
    part_size: int = 224
    people: int = 1
    #: part-crop geometry from the model's config (score_threshold, hand_scale, hand_extend, body_padding)
    part_geometry: Tuple[Tuple[str, float], ...] = ()

    @classmethod
    def of(cls, config: Optional[Mapping] = None, spec: Optional[InputSpec] = None) -> "InputSizes":
        """Sizes from the model's ``config`` (``rgb_frames``, ``rgb_size``, ``keypoint_frames``, ``part_size``,
        ``people`` where it has them), else from ``spec`` (default: the paper's)."""
        config, spec = dict(config or {}), spec or InputSpec()
        rgb_frames = int(config.get("rgb_frames", spec.rgb_frames))
        ratio = max(1, spec.pose_frames // spec.rgb_frames)
        pose_frames = spec.pose_frames if rgb_frames == spec.rgb_frames else rgb_frames * ratio
        rgb_size = int(config.get("rgb_size", spec.rgb_size))
        return cls(rgb_size=rgb_size, heatmap_size=spec.heatmap_size, rgb_frames=rgb_frames, pose_frames=pose_frames,
                   keypoint_frames=int(config.get("keypoint_frames", pose_frames)),
                   part_size=int(config.get("part_size", rgb_size)), people=int(config.get("people", 1)),
                   part_geometry=tuple((k, float(config[k])) for k in PART_GEOMETRY if k in config))

    def sampling(self) -> InputSpec:
        """The :class:`InputSpec` the window sampling uses (RGB and pose frames, crop sides)."""
        return InputSpec(rgb_size=self.rgb_size, heatmap_size=self.heatmap_size, rgb_frames=self.rgb_frames,
                         pose_frames=self.pose_frames)


@dataclass
class WindowSource:
    """What every builder reads for one window or training clip (frame indices are source indices)."""

    keypoint: np.ndarray  # (N, T, 17, 2) the window's people, whole video
    score: Optional[np.ndarray]  # (N, T, 17)
    img_shape: Tuple[int, int]
    pose_frames: np.ndarray  # (T_pose,)
    rgb_frames: np.ndarray  # (T_rgb,)
    box: Tuple[int, int, int, int]  # the person crop, source pixels
    flip: bool = False
    #: kind -> (T_rgb, P, S, S, 3) uint8 crops of the boxes :attr:`InputBuilder.frame_boxes` asked for
    crops: Dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class InputBuilder:
    """How one input kind is made; ``frame_boxes``/``crop_size`` only for kinds that read pixels."""

    kind: str
    build: Callable[[WindowSource, InputSizes, Normalization], np.ndarray]
    frame_boxes: Optional[Callable[[WindowSource, InputSizes], np.ndarray]] = None  # (T_rgb, P, 4)
    crop_size: Optional[Callable[[InputSizes], int]] = None
    #: crops one frame: (frame, boxes (P, 4), size) -> (P, size, size, 3) uint8 (default: crop_resize per box)
    crop: Optional[Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = None


def _rgb_boxes(source: WindowSource, sizes: InputSizes) -> np.ndarray:
    return np.tile(np.asarray(source.box, np.float64), (len(source.rgb_frames), 1, 1))


def _rgb(source: WindowSource, sizes: InputSizes, normalization: Normalization) -> np.ndarray:
    from core_model.preprocess.rgb import normalize_clip

    return normalize_clip(source.crops["rgb"][:, 0], normalization=normalization, flip=source.flip)


def _heatmaps(source: WindowSource, sizes: InputSizes, normalization: Normalization) -> np.ndarray:
    from core_model.preprocess.heatmaps import heatmap_volume

    kp = np.asarray(source.keypoint)[:, source.pose_frames]
    sc = None if source.score is None else np.asarray(source.score)[:, source.pose_frames]
    return heatmap_volume(kp, sc, source.box, size=sizes.heatmap_size, flip=source.flip)


def _keypoints(source: WindowSource, sizes: InputSizes, normalization: Normalization) -> np.ndarray:
    from core_model.preprocess.keypoints import keypoint_frames, keypoint_sequence

    frames = keypoint_frames(source.pose_frames, sizes.keypoint_frames)
    return keypoint_sequence(source.keypoint, source.score, frames, source.box, people=sizes.people,
                             flip=source.flip)


def _main_person(source: WindowSource) -> int:
    """The row of ``source`` with the most joint evidence over its pose frames (the person of a part crop)."""
    if source.score is None or len(source.keypoint) <= 1:
        return 0
    return int(np.argmax(np.asarray(source.score)[:, source.pose_frames].sum(axis=(1, 2))))


def _part_boxes(source: WindowSource, sizes: InputSizes) -> np.ndarray:
    from types import SimpleNamespace

    from core_model.preprocess.parts import part_boxes

    keypoint = np.asarray(source.keypoint)
    score = np.ones(keypoint.shape[:3], np.float32) if source.score is None else np.asarray(source.score)
    poses = SimpleNamespace(keypoint=keypoint, keypoint_score=score, img_shape=tuple(source.img_shape),
                            num_people=keypoint.shape[0], num_frames=keypoint.shape[1])
    return np.asarray(part_boxes(poses, _main_person(source), source.rgb_frames, **dict(sizes.part_geometry)),
                      np.float64)


def _crop_parts(frame: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """(P, size, size, 3) uint8 crops of one frame, resampled as :func:`core_model.preprocess.parts.part_crops`."""
    from core_model.preprocess.parts import crop_boxes

    return crop_boxes(frame[None], np.asarray(boxes)[None], size)[:, 0]


def _part_crops(source: WindowSource, sizes: InputSizes, normalization: Normalization) -> np.ndarray:
    """(P, 3, T, S, S): each part normalised like the RGB stream; a flip mirrors and swaps the hands."""
    from core_model.preprocess.rgb import normalize_clip

    crops = source.crops["part_crops"]  # (T, P, S, S, 3)
    order = (1, 0, 2) if source.flip else (0, 1, 2)
    return np.stack([normalize_clip(crops[:, k], normalization=normalization, flip=source.flip) for k in order])


def _flow(source: WindowSource, sizes: InputSizes, normalization: Normalization) -> np.ndarray:
    """(2, T, S, S) Farnebäck flow of the person crops (cached; core_model.video.flow); a flip mirrors it."""
    from core_model.video.flow import clip_flow, flip_flow

    flow = clip_flow(source.crops["flow"][:, 0])  # (T, 2, S, S) of the unflipped crops
    return (flip_flow(flow) if source.flip else flow).transpose(1, 0, 2, 3)


def _hand_boxes(source: WindowSource, sizes: InputSizes) -> np.ndarray:
    """(T, 4, 4) glimpse boxes on the wrists of up to two people (core_model.preprocess.hands)."""
    from core_model.preprocess.hands import window_hand_boxes

    return window_hand_boxes(source, sizes)


def _crop_hands(frame: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    from core_model.preprocess.hands import crop_hands

    return crop_hands(frame, boxes, size)


def _hand_crops(source: WindowSource, sizes: InputSizes, normalization: Normalization) -> np.ndarray:
    """(T, 4, 3, S, S): hand glimpses; absent people zeros; a flip mirrors and swaps each person's hands."""
    from core_model.preprocess.hands import window_hand_crops

    return window_hand_crops(source, sizes, normalization)


BUILDERS: Dict[str, InputBuilder] = {
    "rgb": InputBuilder("rgb", _rgb, _rgb_boxes, lambda s: s.rgb_size),
    "heatmaps": InputBuilder("heatmaps", _heatmaps),
    "keypoints": InputBuilder("keypoints", _keypoints),
    "part_crops": InputBuilder("part_crops", _part_crops, _part_boxes, lambda s: s.part_size, _crop_parts),
    "flow": InputBuilder("flow", _flow, _rgb_boxes, lambda s: s.rgb_size),
    "hand_crops": InputBuilder("hand_crops", _hand_crops, _hand_boxes, lambda s: s.part_size, _crop_hands),
}


def builders_for(kinds: Sequence[str]) -> Dict[str, InputBuilder]:
    """The builders of ``kinds`` (a model's inputs); one sentence for a kind this version cannot make."""
    out = {}
    for kind in kinds:
        if kind not in BUILDERS:
            raise ConfigError(f"No input builder for {kind!r}: this version makes {', '.join(BUILDERS)}.")
        out[kind] = BUILDERS[kind]
    return out


def crop_frame_for(builders: Mapping[str, InputBuilder], source: WindowSource, sizes: InputSizes,
                   boxes: Mapping[str, np.ndarray], frame: np.ndarray, k: int) -> None:
    """Crop the boxes every pixel-reading kind needs from ``frame`` (the window's ``k``-th RGB frame)."""
    from core_model.preprocess.rgb import crop_resize

    for kind, builder in builders.items():
        if builder.frame_boxes is None:
            continue
        size = builder.crop_size(sizes)
        kind_boxes = boxes[kind][k]
        store = source.crops.get(kind)
        if store is None:
            store = source.crops[kind] = np.empty((len(source.rgb_frames), len(kind_boxes), size, size, 3), np.uint8)
        if builder.crop is not None:
            store[k] = builder.crop(frame, kind_boxes, size)
            continue
        for p, box in enumerate(kind_boxes):
            store[k, p] = crop_resize(frame, tuple(int(round(float(v))) for v in box), size)


def frame_boxes(builders: Mapping[str, InputBuilder], source: WindowSource, sizes: InputSizes) -> Dict[str, np.ndarray]:
    """``kind -> (T_rgb, P, 4)`` boxes to crop from each sampled RGB frame, for the kinds that read pixels."""
    return {kind: b.frame_boxes(source, sizes) for kind, b in builders.items() if b.frame_boxes is not None}


def build_all(builders: Mapping[str, InputBuilder], source: WindowSource, sizes: InputSizes,
              normalization: Normalization = DEFAULT) -> Dict[str, np.ndarray]:
    """Every kind's array (no batch axis) once the crops are made."""
    return {kind: np.asarray(b.build(source, sizes, normalization), np.float32) for kind, b in builders.items()}
