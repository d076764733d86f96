"""Hand glimpses (Baradel, Wolf, Mille, seed 001 §3–4): pose-conditioned spatio-temporal attention on hand crops.

::

    keypoints (B, T_k, M=2, 17, 3) ── joint path (25 columns × x, y × 2 people = 100) ── X (B, 3, T_k, 100)
        channels: coordinates (origin: the first person's hip centre), velocity, acceleration
        conv 8×2 → max-pool 2 → ReLU → conv 8×2 → max-pool 2 → ReLU → conv 5×25 (whole map) → ReLU → s (1024)
        s ── dropout 0.5 ── linear ── pose logits                                                      (eq. 1)
    hand_crops (B, T, N=4, 3, h, w) ── X3D-M per hand track (conv5, spatial mean) ── v_t,n (432)      (eq. 2)
        p_t = softmax(f_p(h_{t−1}, s))          f_p: 256 sigmoid hidden units               (eq. 4)
        ṽ_t = Σ_n p_t,n v_t,n;  h_t = LSTM(h_{t−1}, ṽ_t)   one layer, 1024 units           (eqs. 3, 5)
        u_t = ReLU(W h_t);  p′ = softmax(f′_p(P, s))   f′_p: 512 sigmoid hidden units         (eqs. 6, 7)
        ũ = Σ_t p′_t u_t ── dropout 0.5 ── linear ── rgb logits
    scores = softmax(pose logits + rgb logits)                                               (§3.4)
    loss = CE(pose) + CE(rgb)

Pose tensor sizes scaled to COCO-17 2D: the paper's 20 × 300 × 3 input is T = 20 frames × (2 people × ~50 path
columns × x, y, z) × (coordinates, velocity, acceleration), its kernels 8×3, 8×3, 5×75. Here a path column pair
holds x, y (2 instead of 3), so the first two kernels are 8×2; the path has 25 columns per person (2 × 25 × 2 =
100 columns), so the maps are 20×100 → 10×50 → 5×25 and the last kernel 5×25 covers the whole map, as the paper's
5×75 does (1×1×1024). The paper does not give the first two layers' channels: 64 and 128 here.

Differences from the paper: the glimpse sensor is the project's X3D-M (conv5, 432 channels, spatially averaged)
run on each hand's crop track instead of an ImageNet Inception-V3 per crop (2048-d; no Inception weights exist
here); X3D keeps every frame (no temporal stride), so v_t,n is still one vector per glimpse and step, with a few
frames of motion context, and it is trained with the RGB stream (the paper freezes its ImageNet sensor).
Eq. 4 uses h_{t−1} (the text writes h_t, which is circular with eq. 3). The pose feature enters the attention
detached (``end_to_end`` False, the default): the paper trains the pose stream first and the RGB stream with the
pose frozen, so the RGB loss never moves the pose network; training both at once then gives each stream only its
own cross-entropy. The pose tensor is multiplied by ``input_scale`` = 4 (coordinates in quarter crop sides): in
crop units the velocities are ~1e-4 and the SGD presets barely moved the first convolution (10 cpu-quick-like
epochs on a 3-class synthetic set, pose stream alone: 0.67 → 1.0 accuracy on 12 held-out clips). Glimpses of a person who is absent from the clip (all joint scores 0) get no attention.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from ..preprocess import hands as _hands
from ..preprocess.normalization import DEFAULT, Normalization
from .products import ProductSpec
from .registry import ModelOutput, ModelSpec, register
from .x3d import X3D, create_x3d, round_repeats, round_width
from .base import ConfiguredModel

NUM_JOINTS = 17
NUM_HANDS = 4
PEOPLE = _hands.MAX_PEOPLE
COORDS = 2  # x, y per path column (the paper's x, y, z)

#: network-size overrides small and fast enough for unit tests (the input sizes come from the caller)
TINY_CONFIG: Dict[str, Any] = {"rgb_width": 0.25, "rgb_depth": 0.2, "pose_channels": (8, 16), "pose_dim": 32,
                               "lstm_units": 32, "spatial_hidden": 16, "temporal_hidden": 16, "keypoint_frames": 8}


def pose_tensor(keypoints: torch.Tensor, people: int = PEOPLE) -> torch.Tensor:
    """X (B, 3, T, people·25·2) from keypoints (B, T, M, 17, 3): path columns (joint, x/y) per person; channels
    coordinates, velocity, acceleration. Origin: the first person's hip centre per frame (a frame without hips
    takes the clip's mean hip centre). Missing joints (score 0) and absent people are zeros; a velocity or
    acceleration is zero unless its joint is seen in the frames it compares."""
    if keypoints.dim() != 5 or tuple(keypoints.shape[-2:]) != (NUM_JOINTS, 3):
        raise ConfigError(f"hand-glimpse needs keypoints (B, T, M, 17, 3), got {tuple(keypoints.shape)}.")
    kp = keypoints[:, :, :people].float()
    if kp.shape[2] < people:
        kp = F.pad(kp, (0, 0, 0, 0, 0, people - kp.shape[2]))
    xy, seen = kp[..., :2], (kp[..., 2] > 0).to(kp.dtype)
    hips = seen[:, :, 0, list(_hands.ORIGIN_JOINTS)]  # (B, T, 2)
    count = hips.sum(-1, keepdim=True)
    centre = (xy[:, :, 0, list(_hands.ORIGIN_JOINTS)] * hips[..., None]).sum(2) / count.clamp(min=1)  # (B, T, 2)
    frames_ok = (count > 0).to(kp.dtype)
    mean = (centre * frames_ok).sum(1, keepdim=True) / frames_ok.sum(1, keepdim=True).clamp(min=1)
    origin = torch.where(count > 0, centre, mean)
    coords = (xy - origin[:, :, None, None, :]) * seen[..., None]  # (B, T, M, 17, 2)
    both = seen[:, 1:] * seen[:, :-1]
    vel = F.pad((coords[:, 1:] - coords[:, :-1]) * both[..., None], (0, 0, 0, 0, 0, 0, 1, 0))
    vel_ok = F.pad(both, (0, 0, 0, 0, 1, 0))
    acc = F.pad((vel[:, 1:] - vel[:, :-1]) * (vel_ok[:, 1:] * vel_ok[:, :-1])[..., None], (0, 0, 0, 0, 0, 0, 1, 0))
    path = list(_hands.JOINT_PATH)
    channels = [c[:, :, :, path].flatten(2) for c in (coords, vel, acc)]  # (B, T, M·25·2)
    return torch.stack(channels, dim=1)


def _pooled(n: int, times: int) -> int:
    for _ in range(times):
        n = (n + 1) // 2  # max-pool 2 with ceil_mode
    return n


class PoseStream(nn.Module):
    """f_sk (eq. 1): three convolutions over the joint-path tensor, each max-pool + ReLU; s; linear head."""

    def __init__(self, *, frames: int, channels: Sequence[int], dim: int, num_classes: int, dropout: float,
                 input_scale: float = 1.0) -> None:
        super().__init__()
        self.input_scale = float(input_scale)
        columns = PEOPLE * len(_hands.JOINT_PATH) * COORDS
        c1, c2 = (int(c) for c in channels)
        kernel, same = (8, COORDS), (0, COORDS - 1, 3, 4)  # "same" zero padding of the even kernels
        self.convs = nn.Sequential(
            nn.ZeroPad2d(same), nn.Conv2d(3, c1, kernel), nn.MaxPool2d(2, ceil_mode=True), nn.ReLU(),
            nn.ZeroPad2d(same), nn.Conv2d(c1, c2, kernel), nn.MaxPool2d(2, ceil_mode=True), nn.ReLU(),
            nn.Conv2d(c2, dim, (_pooled(frames, 2), _pooled(columns, 2))), nn.ReLU())
        self.frames = frames
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(dim, num_classes)

    def features(self, keypoints: torch.Tensor) -> torch.Tensor:
        """s (B, dim) from keypoints (B, T_k, M, 17, 3)."""
        if keypoints.dim() == 5 and keypoints.shape[1] != self.frames:
            raise ConfigError(f"hand-glimpse was built for {self.frames} keypoint frames, got {keypoints.shape[1]}.")
        return self.convs(pose_tensor(keypoints) * self.input_scale).flatten(1)

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(keypoints)))


def _glimpse_x3d(width: float, depth: float, dropout: float) -> X3D:
    """The project's X3D (X3D-M at width = depth = 1) without a classifier: ``features`` gives conv5."""
    net = create_x3d(num_classes=1, stem_dim=round_width(24, width),
                     depths=[round_repeats(d, depth) for d in (3, 5, 11, 7)],
                     inner_dims=[round_width(c, width) for c in (54, 108, 216, 432)],
                     out_dims=[round_width(c, width) for c in (24, 48, 96, 192)],
                     conv5_dim=round_width(432, width), fc1_dim=None, dropout_rate=dropout)
    net.blocks[-1].proj = nn.Identity()
    return net


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.Sigmoid(), nn.Linear(hidden, outputs))


class GlimpseStream(nn.Module):
    """The RGB stream: glimpse sensor, LSTM with spatial attention, temporal attention, linear head."""

    def __init__(self, *, c: Dict[str, Any]) -> None:
        super().__init__()
        self.glimpse = _glimpse_x3d(c["rgb_width"], c["rgb_depth"], c["dropout"])
        feature, units, steps = round_width(432, c["rgb_width"]), c["lstm_units"], c["rgb_frames"]
        self.lstm = nn.LSTMCell(feature, units)
        self.spatial = _mlp(units + c["pose_dim"], c["spatial_hidden"], NUM_HANDS)  # f_p (eq. 4)
        self.temporal_features = nn.Linear(units, units)  # W of u_t = ReLU(W h_t) (eq. 6)
        self.temporal = _mlp(steps * NUM_HANDS + c["pose_dim"], c["temporal_hidden"], steps)  # f′_p (eq. 7)
        self.dropout = nn.Dropout(c["dropout"])
        self.head = nn.Linear(units, c["num_classes"])
        self.steps = steps

    def glimpses(self, hand_crops: torch.Tensor) -> torch.Tensor:
        """V (B, T, N, C): the conv5 features of each hand's crop track, averaged over space."""
        if hand_crops.dim() != 6 or hand_crops.shape[2] != NUM_HANDS or hand_crops.shape[3] != 3:
            raise ConfigError(f"hand-glimpse needs hand crops (B, T, 4, 3, H, W), got {tuple(hand_crops.shape)}.")
        if hand_crops.shape[1] != self.steps:
            raise ConfigError(f"hand-glimpse was built for {self.steps} RGB frames, got {hand_crops.shape[1]}.")
        b, t = hand_crops.shape[:2]
        tracks = hand_crops.permute(0, 2, 3, 1, 4, 5).flatten(0, 1)  # (B·N, 3, T, H, W)
        v = self.glimpse.features(tracks).mean(dim=(3, 4))  # (B·N, C, T)
        return v.view(b, NUM_HANDS, -1, t).permute(0, 3, 1, 2)

    def forward(self, hand_crops: torch.Tensor, s: torch.Tensor, present: torch.Tensor):
        """(logits, hand weights P (B, T, N), temporal weights p′ (B, T)); ``present`` (B, N) masks absent hands."""
        v = self.glimpses(hand_crops)
        b, t = v.shape[:2]
        s = s.to(v.dtype)
        h = v.new_zeros(b, self.lstm.hidden_size)
        cell = torch.zeros_like(h)
        weights, states = [], []
        for step in range(t):
            scores = self.spatial(torch.cat([h, s], dim=1)).masked_fill(~present, float("-inf"))
            p = torch.softmax(scores.float(), dim=1).to(v.dtype)  # eq. 4 (h_{t−1})
            h, cell = self.lstm((p[:, :, None] * v[:, step]).sum(1), (h, cell))  # eqs. 5, 3
            weights.append(p)
            states.append(h)
        big_p, hs = torch.stack(weights, 1), torch.stack(states, 1)  # (B, T, N), (B, T, units)
        u = F.relu(self.temporal_features(hs))  # eq. 6
        p_time = torch.softmax(self.temporal(torch.cat([big_p.flatten(1), s], dim=1)).float(), dim=1).to(v.dtype)
        pooled = (p_time[:, :, None] * u).sum(1)  # ũ = U p′ (eq. 7)
        return self.head(self.dropout(pooled)), big_p, p_time


class HandGlimpse(ConfiguredModel, nn.Module):
    """Baradel et al.'s pose + hand-glimpse model; build with :func:`build`, ``config`` rebuilds it.

    Two top-level parts, ``pose`` and ``rgb``, so ``epam train --freeze rgb|pose`` trains one stream at a time
    (the paper's order: pose first, then RGB with the pose frozen; presets ``hand-glimpse-pose``,
    ``hand-glimpse-rgb``)."""

    model_name = "hand-glimpse"

    def __init__(self, *, config: Dict[str, Any], normalization: Normalization = DEFAULT,
                 class_names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        c = self._config = dict(config)
        self.normalization = normalization
        self.class_names: Optional[List[str]] = list(class_names) if class_names is not None else None
        self.pose = PoseStream(frames=c["keypoint_frames"], channels=c["pose_channels"], dim=c["pose_dim"],
                               num_classes=c["num_classes"], dropout=c["dropout"], input_scale=c["input_scale"])
        self.rgb = GlimpseStream(c=c)


    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        keypoints = inputs["keypoints"]
        s = self.pose.features(keypoints)
        pose_logits = self.pose.head(self.pose.dropout(s))
        people = (keypoints[:, :, :PEOPLE, :, 2] > 0).any(dim=1).any(dim=-1)  # (B, M)
        if people.shape[1] < PEOPLE:
            people = F.pad(people, (0, PEOPLE - people.shape[1]))
        present = people.repeat_interleave(2, dim=1)  # (B, N): slots 2m, 2m+1 belong to person m
        present = present | ~present.any(dim=1, keepdim=True)  # nobody seen: attend to all four
        s_rgb = s if self._config["end_to_end"] else s.detach()
        rgb_logits, hand_w, time_w = self.rgb(inputs["hand_crops"], s_rgb, present)
        fused = pose_logits.float() + rgb_logits.float()
        return ModelOutput(logits={"pose": pose_logits, "rgb": rgb_logits}, scores=torch.softmax(fused, dim=1),
                           products={"hand_weights": hand_w, "temporal_weights": time_w})

    def forward(self, keypoints: torch.Tensor, hand_crops: torch.Tensor) -> ModelOutput:
        return self.forward_inputs({"keypoints": keypoints, "hand_crops": hand_crops})

    def loss(self, output: ModelOutput, labels: torch.Tensor) -> torch.Tensor:
        """Per-stream cross-entropies (§4: every output softmax-activated and trained with cross-entropy)."""
        return (F.cross_entropy(output.logits["pose"], labels) + F.cross_entropy(output.logits["rgb"], labels)
                + sum(output.aux_losses.values()))


def build(*, num_classes: int, class_names=None, normalization: Normalization = DEFAULT,
          model: str = "hand-glimpse", rgb_width: float = 1.0, rgb_depth: float = 1.0,
          pose_channels: Sequence[int] = (64, 128), pose_dim: int = 1024, lstm_units: int = 1024,
          spatial_hidden: int = 256, temporal_hidden: int = 512, keypoint_frames: int = 20, rgb_frames: int = 16,
          part_size: int = 112, people: int = PEOPLE, dropout: float = 0.5, end_to_end: bool = False,
          input_scale: float = 4.0,
          score_threshold: float = _hands.SCORE_THRESHOLD, hand_scale: float = _hands.HAND_SCALE,
          hand_extend: float = _hands.HAND_EXTEND) -> HandGlimpse:
    """Build the hand-glimpse model. ``rgb_width``/``rgb_depth`` scale the glimpse X3D (1 = X3D-M);
    ``pose_channels``/``pose_dim``: the pose convolutions' channels and s (1024 in the paper); ``lstm_units``
    1024, ``spatial_hidden`` 256 and ``temporal_hidden`` 512 as the paper; ``keypoint_frames`` (T = 20),
    ``rgb_frames`` (LSTM steps) and ``part_size`` (the glimpse crop side) are input sizes; ``end_to_end``: let the
    RGB loss reach the pose network through s; ``input_scale`` multiplies the pose tensor (crop-side units × 4).
    ``score_threshold``, ``hand_scale``, ``hand_extend``: the glimpse
    geometry (:mod:`core_model.preprocess.hands`), recorded so a checkpoint's inputs are cropped as in training."""
    if model != "hand-glimpse":
        raise ConfigError(f"The hand-glimpse builder cannot build model {model!r}.")
    if int(people) != PEOPLE:
        raise ConfigError(f"hand-glimpse takes the hands of {PEOPLE} people (four glimpses), not {people}.")
    sizes = (num_classes, pose_dim, lstm_units, spatial_hidden, temporal_hidden, keypoint_frames, rgb_frames,
             part_size, *pose_channels)
    if len(pose_channels) != 2 or min(int(v) for v in sizes) < 1:
        raise ConfigError("hand-glimpse needs two pose channel counts and positive sizes, classes and frames.")
    config = dict(model="hand-glimpse", num_classes=int(num_classes), rgb_width=float(rgb_width),
                  rgb_depth=float(rgb_depth), pose_channels=[int(v) for v in pose_channels], pose_dim=int(pose_dim),
                  lstm_units=int(lstm_units), spatial_hidden=int(spatial_hidden),
                  temporal_hidden=int(temporal_hidden), keypoint_frames=int(keypoint_frames),
                  rgb_frames=int(rgb_frames), part_size=int(part_size), people=PEOPLE, dropout=float(dropout),
                  end_to_end=bool(end_to_end), input_scale=float(input_scale), score_threshold=float(score_threshold),
                  hand_scale=float(hand_scale),
                  hand_extend=float(hand_extend))
    return HandGlimpse(config=config, normalization=normalization, class_names=class_names)


HAND_GLIMPSE_PRODUCTS = (
    ProductSpec("hand_weights", kind="points", value_range="softmax", axis=1, time_base="rgb_samples",
                frame="hands", shape="(T, 4)",
                description="pose-conditioned spatial attention p_t over the four hands (eq. 4), slots person 1 "
                            "left/right, person 2 left/right; draw as discs on the wrists and on the glimpse boxes "
                            "of core_model.preprocess.hands.glimpse_boxes"),
    ProductSpec("temporal_weights", kind="curve", value_range="softmax", axis=0, time_base="rgb_samples",
                frame="none", shape="(T,)", description="temporal attention p′ over the LSTM steps (eq. 7)"),
)

HAND_GLIMPSE = register(ModelSpec(
    name="hand-glimpse",
    title="Hand glimpses: pose-conditioned spatial and temporal attention on the hands of two people (001)",
    build=build, inputs=("keypoints", "hand_crops"), products=HAND_GLIMPSE_PRODUCTS,
    defaults={"rgb_frames": 16, "part_size": 112, "keypoint_frames": 20, "people": PEOPLE},
    paper="001 Baradel, Wolf, Mille §3–4, eqs. 1–7",
    notes="Glimpse sensor = the project's X3D-M per hand track (no Inception weights exist here); pose tensor "
          "on a 25-column COCO-17 joint path; train the pose stream first (preset hand-glimpse-pose), then the "
          "RGB stream with the pose frozen (preset hand-glimpse-rgb with --init).",
    tiny=TINY_CONFIG))
