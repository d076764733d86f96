"""Skeleton-guided attention on motion (Magoulianitis, Psaltis; seed 003, §3–4), registered as ``skeleton-flow``.

::

    keypoints (T_k x M x 17 x 3) -> rows = M·17·3 joint-coordinate rows (x, y as 2·v − 1, score)
      Res-TCN:  conv 64 x 8  ->  9 pre-activation units (BN, ReLU, conv length 8) 3x64, 3x128, 3x256,
                stride 2 on each stage's first unit -> BN, ReLU, GAP over time          (256)
      BJCN:     transpose (rows become the sequence, time the channels), time averaged x5,
                conv 1-wide 128 -> 9 units 3x128, 3x256, 3x512 (twice the TCN's filters; stride 2 on the
                first unit of stages 2 and 3 only, so layers 1–4 keep one column per row)
                -> BN, ReLU, GAP over rows -> FC-512 softmax
      skeleton feature = ReLU(FC-768([TCN, BJCN])), dropout 0.5
      score_k = Σ_{l=1..4} Σ_filters Σ_{rows of joint k} A_l  (eq. 2; A_l = BN+ReLU of layer l, the activations
                the next unit convolves), scaled linearly to [0, 1] per clip (min -> 0, max -> 1)
    motion (flow 2 x T x S x S, or RGB 3 x T x S x S) -> the project's X3D-M with 2 (3) input channels;
      after every convolution (stem, every conv_a/b/c, every shortcut, conv5; after its BN where it has
      one, so the BN-folded inference copy is the same function) F = (1 + M) ∘ Y                (eq. 4)
      AT-1: M = 1 inside discs of radius ⌊0.05·w⌋ around the 2D joints, the joints rescaled to the
            layer's h x w and interpolated linearly to its T′ steps (X3D keeps T′ = T)            (eq. 3)
      AT-2: M = 1 + score_k inside joint k's disc, the mean where discs overlap, 0 elsewhere   (eq. 5)
      -> conv5 -> GAP -> dropout (the motion feature)
    logits = FC([motion feature, skeleton feature]) -> softmax; one cross-entropy, both streams trained
    jointly (the seed's Table 3), plus the L1 term 1e-4 Σ|W| over the skeleton model's convolutions.

Departures, all forced by what users have: 2-D optical flow of the video instead of scene flow (no depth:
motion toward/away from the camera is lost, see core_model/video/flow.py); the project's X3D-M instead of
C3D (no C3D or Sports-1M weights here); COCO-17 2-D joints with their detection score as the third row
instead of Kinect's 25 3-D joints. ``attention`` picks "at2" (default), "at1" or "none"; ``motion_input``
"flow" (default) or "rgb" puts the same masks on the RGB stream instead.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from ..pose.coco import NUM_COCO_JOINTS
from ..preprocess.normalization import DEFAULT, Normalization
from .products import ProductSpec
from .registry import ModelOutput, ModelSpec, register
from .separable_sta import X3D_M, check_classes, check_positive, feature_grid
from .x3d import X3D, Bottleneck, ProjectedPool, ResBlock, Stem, create_x3d, round_repeats, round_width
from .base import ConfiguredModel

ATTENTIONS = ("at2", "at1", "none")
MOTION_INPUTS = ("flow", "rgb")
DISC_FRACTION = 0.05  # r = ⌊0.05·w⌋ (§4)
BJCN_TIME_POOL = 5  # BJCN's time downsampling (§3.1)
INFORMATIVE_LAYERS = 4  # BJCN layers 1–4 feed eq. 2


# --------------------------------------------------------------------------- skeleton model
class PreActUnit(nn.Module):
    """Pre-activation residual unit: ``x + conv(ReLU(BN(x)))``; a 1-wide strided conv as shortcut on change."""

    def __init__(self, dim_in: int, dim_out: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(dim_in)
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv1d(dim_in, dim_out, kernel, stride=stride)
        self.shortcut = nn.Conv1d(dim_in, dim_out, 1, stride=stride) if (dim_in != dim_out or stride != 1) else None

    def activation(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(x))

    def forward_from(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """The unit's output given its input ``x`` and activation ``a`` (= :meth:`activation` of ``x``)."""
        left = (self.kernel - 1) // 2
        y = self.conv(F.pad(a, (left, self.kernel - 1 - left)))  # "same" length (ceil(L / stride))
        return (x if self.shortcut is None else self.shortcut(x)) + y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_from(x, self.activation(x))


def residual_units(first: int, widths: Sequence[int], kernel: int, strides: Sequence[int]) -> nn.ModuleList:
    """Three units per width; the first unit of stage ``i`` strides ``strides[i]``."""
    units, dim = [], first
    for width, stride in zip(widths, strides):
        for j in range(3):
            units.append(PreActUnit(dim, width, kernel, stride if j == 0 else 1))
            dim = width
    return nn.ModuleList(units)


class ResTCN(nn.Module):
    """Res-TCN over time: (B, rows, T_k) -> (B, 4·filters)."""

    def __init__(self, rows: int, filters: int = 64, kernel: int = 8) -> None:
        super().__init__()
        self.kernel = kernel
        self.conv1 = nn.Conv1d(rows, filters, kernel)
        widths = (filters, 2 * filters, 4 * filters)
        self.units = residual_units(filters, widths, kernel, (2, 2, 2))
        self.norm = nn.BatchNorm1d(widths[-1])
        self.out_dim = widths[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left = (self.kernel - 1) // 2
        x = self.conv1(F.pad(x, (left, self.kernel - 1 - left)))
        for unit in self.units:
            x = unit(x)
        return F.relu(self.norm(x)).mean(dim=2)


class BJCN(nn.Module):
    """Body-Joints ConvNet: (B, rows, T_k) -> (FC-512 softmax feature, activations of layers 1–4)."""

    def __init__(self, frames: int, filters: int = 128, fc_dim: int = 512) -> None:
        super().__init__()
        steps = math.ceil(frames / BJCN_TIME_POOL)
        self.conv1 = nn.Conv1d(steps, filters, 1)  # filters W ∈ R^{1 x N}: one motion template per filter
        widths = (filters, 2 * filters, 4 * filters)
        self.units = residual_units(filters, widths, 1, (1, 2, 2))
        self.norm = nn.BatchNorm1d(widths[-1])
        self.fc = nn.Linear(widths[-1], fc_dim)
        self.out_dim = fc_dim

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        x = F.avg_pool1d(x, BJCN_TIME_POOL, ceil_mode=True)  # (B, rows, N / 5): time smoothed x5
        x = self.conv1(x.transpose(1, 2))  # (B, filters, rows): the transpose layer, then 1-wide filters
        activations = []
        for unit in self.units:
            a = unit.activation(x)
            if len(activations) < INFORMATIVE_LAYERS:
                activations.append(a)  # BN + ReLU of layer l = 1..4, one column per joint-coordinate row
            x = unit.forward_from(x, a)
        pooled = F.relu(self.norm(x)).mean(dim=2)
        return F.softmax(self.fc(pooled), dim=1), activations


def informativeness(activations: Sequence[torch.Tensor], people: int) -> torch.Tensor:
    """Eq. 2: (B, 17) per-joint sums of BJCN layers 1–4 over filters and the joint's rows, scaled to [0, 1]."""
    score = 0
    for a in activations:  # (B, filters, M·17·3)
        score = score + a.reshape(a.shape[0], a.shape[1], people, NUM_COCO_JOINTS, 3).sum(dim=(1, 2, 4))
    low = score.min(dim=1, keepdim=True).values
    high = score.max(dim=1, keepdim=True).values
    return (score - low) / (high - low).clamp_min(1e-12)


# --------------------------------------------------------------------------- attention masks
def joints_at(keypoints: torch.Tensor, steps: int) -> torch.Tensor:
    """(B, T_k, M, 17, 3) -> (B, steps, M·17, 3): joints interpolated linearly to ``steps`` time steps;
    a joint counts (third value 1) at a step only when both frames it is interpolated from have it."""
    b, t = keypoints.shape[:2]
    kp = keypoints.detach().float().reshape(b, t, -1, 3)
    present = ((kp[..., 2] > 0) & (kp[..., 0] >= 0) & (kp[..., 0] <= 1) & (kp[..., 1] >= 0) &
               (kp[..., 1] <= 1)).float()
    if t == steps:
        return torch.cat([kp[..., :2], present[..., None]], dim=-1)
    xy = F.interpolate(kp[..., :2].permute(0, 2, 3, 1).reshape(b, -1, t), size=steps, mode="linear",
                       align_corners=True).reshape(b, kp.shape[2], 2, steps).permute(0, 3, 1, 2)
    pos = torch.linspace(0, t - 1, steps, device=kp.device) if steps > 1 else torch.zeros(1, device=kp.device)
    lo, hi = pos.floor().long(), pos.ceil().long()
    both = present[:, lo] * present[:, hi]
    return torch.cat([xy, both[..., None]], dim=-1)


def joint_discs(joints: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(B, T, J, h, w) bool: the cells within r = ⌊0.05·w⌋ of each present joint's cell (eq. 3)."""
    r = math.floor(DISC_FRACTION * width)
    cx = (joints[..., 0] * width).floor().clamp(0, width - 1)
    cy = (joints[..., 1] * height).floor().clamp(0, height - 1)
    xs = torch.arange(width, device=joints.device, dtype=joints.dtype)
    ys = torch.arange(height, device=joints.device, dtype=joints.dtype)
    d2 = (xs.view(1, 1, 1, 1, -1) - cx[..., None, None]) ** 2 + (ys.view(1, 1, 1, -1, 1) - cy[..., None, None]) ** 2
    return (d2 <= r * r) & (joints[..., 2] > 0)[..., None, None]


def boost_mask(joints: torch.Tensor, shape: Tuple[int, int, int], attention: str,
               scores: Optional[torch.Tensor] = None) -> torch.Tensor:
    """M (B, T′, h, w) of eq. 3 (``at1``) or eq. 5 (``at2``, ``scores`` (B, 17)); zeros for ``none``.

    ``joints``: (B, T_k, M, 17, 3) in the crop's [0, 1] (third value > 0 = present).
    """
    steps, height, width = shape
    b = joints.shape[0]
    if attention == "none":
        return joints.new_zeros((b, steps, height, width))
    discs = joint_discs(joints_at(joints, steps), height, width)  # (B, T′, J, h, w)
    if attention == "at1":
        return discs.any(dim=2).to(joints.dtype)
    people = discs.shape[2] // NUM_COCO_JOINTS
    value = (1.0 + scores).repeat(1, people)  # (B, M·17): joint k of every person
    d = discs.to(value.dtype)
    count = d.sum(dim=2)
    total = torch.einsum("btjhw,bj->bthw", d, value)
    return torch.where(count > 0, total / count.clamp_min(1.0), torch.zeros_like(total))


class _Boost:
    """The masks of the forward pass in progress, shared by the hooks after every convolution."""

    def __init__(self) -> None:
        self.joints: Optional[torch.Tensor] = None
        self.scores: Optional[torch.Tensor] = None
        self.attention = "none"
        self.masks: Dict[Tuple[int, int, int], torch.Tensor] = {}

    def mask(self, shape: Tuple[int, int, int]) -> torch.Tensor:
        if shape not in self.masks:
            self.masks[shape] = boost_mask(self.joints, shape, self.attention, self.scores)
        return self.masks[shape]


class _BoostHook:
    """Forward hook of one convolution: ``F = (1 + M) ∘ Y`` (eq. 4) while a forward pass sets the masks."""

    def __init__(self, state: _Boost) -> None:
        self.state = state

    def __call__(self, module, inputs, output):
        state = self.state
        if state.joints is None or state.attention == "none":
            return None
        m = state.mask(tuple(output.shape[2:]))
        return output * (1.0 + m[:, None].to(output.dtype))


def boost_points(motion: X3D) -> List[nn.Module]:
    """Where F = (1 + M) ∘ Y is applied: after every convolution of the X3D, after its BatchNorm when it has
    one (so the BN-folded inference copy, core_model.models.inference, computes the same: its folded
    convolution gives the BN's output). The squeeze-excitation gates (1x1x1 maps) are not convolutions of
    the feature map and are left alone."""
    pairs = []
    for module in motion.modules():
        if isinstance(module, Stem):
            conv = module.conv
            if isinstance(conv.conv_xy, nn.Conv3d):
                pairs += [(conv.conv_t, None), (conv.conv_xy, module.norm)]
            else:
                pairs.append((conv.conv_t, module.norm))
        elif isinstance(module, Bottleneck):
            pairs += [(module.conv_a, module.norm_a), (module.conv_b, module.norm_b[0]),
                      (module.conv_c, module.norm_c)]
        elif isinstance(module, ResBlock) and module.branch1_conv is not None:
            pairs.append((module.branch1_conv, module.branch1_norm))
        elif isinstance(module, ProjectedPool):
            pairs.append((module.pre_conv, module.pre_norm))
    return [norm if isinstance(norm, nn.BatchNorm3d) else conv for conv, norm in pairs]


def create_motion_stream(in_channels: int, width: float, depth: float, dropout_rate: float) -> X3D:
    """X3D-M (``width = depth = 1``) with ``in_channels`` inputs and no fc1/classifier: GAP -> dropout."""
    if not (0 < width <= 4 and 0 < depth <= 4):
        raise ConfigError(f"rgb_width and rgb_depth must be in (0, 4], not {width!r} and {depth!r}.")
    net = create_x3d(in_channels=in_channels, num_classes=1, stem_dim=round_width(X3D_M["stem"], width),
                     depths=[round_repeats(d, depth) for d in X3D_M["depths"]],
                     inner_dims=[round_width(c, width) for c in X3D_M["inner"]],
                     out_dims=[round_width(c, width) for c in X3D_M["out"]],
                     conv5_dim=round_width(X3D_M["conv5"], width), fc1_dim=None, dropout_rate=dropout_rate)
    net.head.proj = nn.Identity()
    return net


def layer_side(size: int, layer: int) -> int:
    """Side of X3D's output after the stem (``layer`` 0) or stage ``layer`` (1–4): each halves it (ceil)."""
    side = size
    for _ in range(layer + 1):
        side = (side + 1) // 2
    return side


# --------------------------------------------------------------------------- the model
class SkeletonFlow(ConfiguredModel, nn.Module):
    """Res-TCN-BJCN skeleton model + X3D motion stream with AT-1/AT-2 masks; build with :func:`create_skeleton_flow`."""

    model_name = "skeleton-flow"

    def __init__(self, tcn: ResTCN, bjcn: BJCN, motion: X3D, *, skeleton_dim: int, config: Dict[str, Any],
                 normalization: Normalization = DEFAULT, class_names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.tcn, self.bjcn, self.motion = tcn, bjcn, motion
        self.skeleton_fc = nn.Linear(tcn.out_dim + bjcn.out_dim, skeleton_dim)
        self.skeleton_dropout = nn.Dropout(config["dropout_rate"])
        motion_dim = int(motion.head.pool.pre_conv.out_channels)
        self.classifier = nn.Linear(motion_dim + skeleton_dim, config["num_classes"])
        self._set_identity(config, normalization, class_names)
        self._boost = _Boost()
        self._hook_boost_points()

    def _hook_boost_points(self) -> None:
        """Hook F = (1 + M) ∘ Y on every boost point that has no hook yet (a BN-folded copy has new ones)."""
        for module in boost_points(self.motion):
            if not getattr(module, "_epam_boost", False):
                module.register_forward_hook(_BoostHook(self._boost))
                module._epam_boost = True


    def _rows(self, keypoints: torch.Tensor) -> torch.Tensor:
        """(B, T_k, M, 17, 3) -> (B, M·17·3, T_k): x, y in [-1, 1] (as the seed's input), score; absent = 0."""
        c = self._config
        shape = (c["keypoint_frames"], c["people"], NUM_COCO_JOINTS, 3)
        if keypoints.dim() != 5 or tuple(keypoints.shape[1:]) != shape:
            raise ConfigError(f"The skeleton-flow model needs keypoints of shape (B, {', '.join(map(str, shape))}), "
                              f"not {tuple(keypoints.shape)}.")
        present = (keypoints[..., 2:] > 0).to(keypoints.dtype)
        rows = torch.cat([(2 * keypoints[..., :2] - 1) * present, keypoints[..., 2:]], dim=-1)
        return rows.flatten(2).transpose(1, 2)

    def skeleton(self, keypoints: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(skeleton feature (B, skeleton_dim), joint informativeness (B, 17))."""
        rows = self._rows(keypoints)
        bjcn, activations = self.bjcn(rows)
        feature = F.relu(self.skeleton_fc(torch.cat([self.tcn(rows), bjcn], dim=1)))
        return self.skeleton_dropout(feature), informativeness(activations, self._config["people"])

    def l1_penalty(self) -> torch.Tensor:
        """Σ|W| over the skeleton model's convolution kernels (the seed's L1 regulariser, before its weight)."""
        return sum(m.weight.abs().sum() for m in (*self.tcn.modules(), *self.bjcn.modules())
                   if isinstance(m, nn.Conv1d))

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        """``inputs[motion_input]`` (B, 2|3, T, S, S) and ``inputs["keypoints"]`` (B, T_k, M, 17, 3)."""
        c = self._config
        clip = inputs[c["motion_input"]]
        if clip.dim() != 5 or tuple(clip.shape[1:3]) != (2 if c["motion_input"] == "flow" else 3, c["rgb_frames"]):
            raise ConfigError(f"The skeleton-flow model was built for {c['rgb_frames']}-frame {c['motion_input']} "
                              f"clips, not {tuple(clip.shape[1:])}.")
        feature, scores = self.skeleton(inputs["keypoints"])
        self._hook_boost_points()
        state = self._boost
        state.joints, state.scores, state.attention, state.masks = inputs["keypoints"], scores, c["attention"], {}
        try:
            motion = self.motion.head.classify(self.motion.features(clip))  # GAP -> dropout (no classifier)
            side = layer_side(clip.shape[-1], c["boost_layer"])
            mask = state.mask((clip.shape[2], side, side))
        finally:
            state.joints = state.scores = None
            state.masks = {}
        logits = self.classifier(torch.cat([motion, feature.to(motion.dtype)], dim=1))
        shown = 1.0 + (mask / 2 if c["attention"] == "at2" else mask)  # boost range 1–2 (see the product)
        return ModelOutput(logits={"late_fusion": logits}, scores=F.softmax(logits.float(), dim=1),
                           products={"joint_informativeness": scores, "boost_attention": shown},
                           aux_losses={"l1": c["l1"] * self.l1_penalty()})

    def forward(self, motion: torch.Tensor, keypoints: torch.Tensor) -> ModelOutput:
        return self.forward_inputs({self._config["motion_input"]: motion, "keypoints": keypoints})

    def loss(self, output: ModelOutput, labels: torch.Tensor) -> torch.Tensor:
        """One cross-entropy on the fused logits (both streams trained jointly) + the L1 term."""
        return F.cross_entropy(output.logits["late_fusion"].float(), labels) + sum(output.aux_losses.values())


def create_skeleton_flow(num_classes: int, *, attention: str = "at2", motion_input: str = "flow",
                         rgb_frames: int = 16, rgb_size: int = 224, keypoint_frames: int = 48, people: int = 1,
                         tcn_filters: int = 64, skeleton_dim: int = 768, bjcn_fc: int = 512, l1: float = 1e-4,
                         boost_layer: int = 1, dropout_rate: float = 0.5, rgb_width: float = 1.0,
                         rgb_depth: float = 1.0, normalization: Normalization = DEFAULT,
                         class_names: Optional[Sequence[str]] = None) -> SkeletonFlow:
    """Build skeleton-flow (see the module docstring; defaults: the seed's sizes on X3D-M, AT-2 on flow)."""
    check_classes(num_classes, class_names)
    if attention not in ATTENTIONS:
        raise ConfigError(f"Unknown attention {attention!r}: choose one of {', '.join(ATTENTIONS)}.")
    if motion_input not in MOTION_INPUTS:
        raise ConfigError(f"Unknown motion input {motion_input!r}: choose one of {', '.join(MOTION_INPUTS)}.")
    check_positive(rgb_frames=rgb_frames, keypoint_frames=keypoint_frames, people=people, tcn_filters=tcn_filters,
                   skeleton_dim=skeleton_dim, bjcn_fc=bjcn_fc)
    feature_grid(rgb_size)
    if boost_layer not in range(5):
        raise ConfigError(f"boost_layer must be 0 (after the stem) to 4 (after the last stage), not {boost_layer!r}.")
    rows = people * NUM_COCO_JOINTS * 3
    tcn = ResTCN(rows, tcn_filters)
    bjcn = BJCN(keypoint_frames, 2 * tcn_filters, bjcn_fc)
    motion = create_motion_stream(2 if motion_input == "flow" else 3, rgb_width, rgb_depth, dropout_rate)
    config = dict(model=SkeletonFlow.model_name, num_classes=num_classes, attention=attention,
                  motion_input=motion_input, rgb_frames=rgb_frames, rgb_size=rgb_size,
                  keypoint_frames=keypoint_frames, people=people, tcn_filters=tcn_filters, skeleton_dim=skeleton_dim,
                  bjcn_fc=bjcn_fc, l1=float(l1), boost_layer=boost_layer, dropout_rate=float(dropout_rate),
                  rgb_width=float(rgb_width), rgb_depth=float(rgb_depth))
    return SkeletonFlow(tcn, bjcn, motion, skeleton_dim=skeleton_dim, config=config, normalization=normalization,
                        class_names=class_names)


def _build(*, num_classes: int, class_names=None, model: Optional[str] = None, **config) -> SkeletonFlow:
    """Registry builder (a checkpoint's config carries ``model``; it names this builder, nothing to pass on)."""
    return create_skeleton_flow(num_classes, class_names=class_names, **config)


SKELETON_FLOW_PRODUCTS = (
    ProductSpec("joint_informativeness", kind="joints", value_range="unit", time_base="clip", frame="joints",
                shape="(17,)", description="score_k of eq. 2: BJCN layers 1-4 summed over joint k's rows and all "
                                           "filters, scaled linearly to [0, 1] per clip (constant over the clip)"),
    ProductSpec("boost_attention", kind="grid_time", value_range="boost", time_base="rgb_samples", frame="crop",
                shape="(T, h, w)",
                description="the mask of the motion stream after layer boost_layer (default: X3D stage 1, a "
                            "quarter of the crop side): AT-1 shows the factor 1 + M applied (2 on the joints' "
                            "discs, 1 elsewhere); AT-2 shows 1 + M/2 (M = 1 + score_k inside "
                            "joint k's disc, so the applied factor 1 + M is 2·value - 1, 1-3); none: all 1"),
)

#: Overrides for a small, fast network (tests, ``--tiny``); input sizes come from the preset.
TINY_CONFIG = {"tcn_filters": 8, "skeleton_dim": 32, "bjcn_fc": 32, "rgb_width": 0.25, "rgb_depth": 0.2,
               "keypoint_frames": 12}

SKELETON_FLOW_SPEC = register(ModelSpec(
    name=SkeletonFlow.model_name,
    title="Skeleton-guided attention on motion: Res-TCN + BJCN skeleton model, joint informativeness, AT-1/AT-2 "
          "masks after every convolution of an X3D flow stream, late fusion (003)",
    build=_build, inputs=("flow", "rgb", "keypoints"), products=SKELETON_FLOW_PRODUCTS,
    defaults={"rgb_frames": 16, "rgb_size": 224, "keypoint_frames": 48, "people": 1, "attention": "at2",
              "motion_input": "flow"},
    paper="003 (Magoulianitis, Psaltis, §3-4, eqs. 1-5)",
    notes="2-D Farnebäck optical flow of the person crop instead of scene flow (no depth: motion toward or away "
          "from the camera is lost); the project's X3D-M with 2 input channels instead of C3D; COCO-17 2-D joints. "
          "motion_input 'rgb' puts the masks on an RGB stream instead (the 'rgb' input is then the one used).",
    tiny=TINY_CONFIG))
