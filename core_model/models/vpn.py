"""VPN, the Video-Pose Network (Das thesis 004, §4.5, eqs. 4.14–4.21) on the project's X3D RGB stream.

::

    rgb (3 x 16 x 224 x 224) -> X3D-M blocks 0-4 -> conv5 -> g (432 x t_c x 7 x 7), t_c = 16
    keypoints (T_k x M x 17 x 3) -> per-frame GCN  D^-½(E + I)D^-½ G_t W_t, 64-d, ELU   (eq. 4.14)
        -> concatenated with the input joints (the thesis's "residual connection")
        -> conv 3x3 64, BN, ReLU -> conv 64, BN, ReLU, max-pool 2 -> conv 128, BN, ReLU, max-pool 2
        -> FC 256, ReLU -> FC 128, ReLU -> h*                                            (authors' code)
    z_r = W_zr tanh(W_hr h* + b_hr) + b_zr;  A_S = σ(z_1) (7x7),  A_T = softmax(z_2) (t_c)  (eq. 4.15)
    A_ST = inflate(A_S) ∘ inflate(A_T)  (t_c x 7 x 7);  g' = g + A_ST ∘ g                  (eq. 4.16)
    g' -> GAP -> dropout 0.3 -> linear -> logits
    L_e = ‖ T_v g_s / ‖T_v g_s‖ − T_p z_1 / ‖T_p z_1‖ ‖²,  g_s = Σ_t g (flattened m·n·c)  (eqs. 4.17–4.19)
    L = λ1 CE + (1 − λ1) L_e + λ2 (Σ‖A_S‖² + Σ(1 − A_T)²),  λ1 = 0.8, λ2 = 1e-5            (eqs. 4.20–4.21)

``variant`` (where the thesis and the authors' Keras code, github.com/srijandas07/VPN, disagree):

- ``"paper"`` (the default): the equations above; the score layers start near zero (attention almost
  equal, as Algorithm 3 asks) with Gaussian weights elsewhere.
- ``"code"``: the score layers start at exactly zero (``kernel_initializer='zeros'``), the embedding
  distance is L1 (their ``manhattan_distance``, trained with MSE against 0, i.e. ``(Σ|ĝ − p̂|)²``) and the
  losses are weighted 99.9 CE + 0.1 L_e (``action_wt``/``embed_wt`` of their configs).

Why "paper" is the default: the issue asks for the equations; with 99.9/0.1 the embedding loss is a
thousandth of the objective, so the spatial embedding — the component the thesis credits with VPN's gain
over separable STA (Table 4.5) — barely acts; and exactly-zero score layers block every gradient into the
pose backbone and the tanh layers until the score layers have moved (one step later), which the thesis's
"initialise the attention scores with equal values" does not require.

Kept from the code in both variants, where the thesis is silent: ELU after the GCN, the concatenation of the
GCN output with the input joints, the max-pools and the FC 256/128 that make h*, tanh widths 256 (z_1) and
128 (z_2), embedding width D_e = 256. Not reproduced from the code in either variant: its embedding inputs
(Dense-256 sigmoid of the flattened map and of A_S instead of T_v Σ_t g and T_p z_1), its ``[I, Â]`` two-filter
graph convolution (eq. 4.14 has one ``Â``), and its attention regulariser 1e-5 (1 − Σ A)² (eq. 4.21 is used).
The constraint ‖T_v‖ = ‖T_p‖ = 1 of eq. 4.18 is not imposed: both projections are normalised to the unit
sphere before the distance, so scaling T_v or T_p changes nothing but the ε of eq. 4.19.

As for separable STA: X3D-M instead of I3D (no I3D weights exist here; t_c = 16 instead of 8), 2D COCO-17
keypoints (x, y, score) instead of 3D joints, with the COCO analogues of the thesis's long-range pairs
(:data:`.gcn.COCO17_LONG_RANGE`).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from ..pose.coco import NUM_COCO_JOINTS
from ..preprocess.normalization import DEFAULT, Normalization
from .gcn import FramewiseGCN, skeleton_adjacency
from .products import ProductSpec
from .registry import ModelOutput, ModelSpec, register
from .separable_sta import (AttentionScores, check_classes, check_feature_map, check_positive, conv5_channels,
                            create_rgb_stream, feature_grid)
from .x3d import X3D
from .base import ConfiguredModel

VARIANTS = ("paper", "code")
#: (CE weight, embedding weight) per variant: λ1 and 1 − λ1 of eq. 4.20, or the code's action_wt/embed_wt.
LOSS_WEIGHTS = {"paper": (0.8, 0.2), "code": (99.9, 0.1)}
EMBED_EPS = 1e-8  # ε of eq. 4.19 (guards 0/0 only; Keras's own epsilon is 1e-7)


class PoseBackbone(nn.Module):
    """GCN pose backbone (fig. 4.10 (A)): (B, T_k, M, 17, 3) keypoints -> h* (B, 128)."""

    def __init__(self, *, frames: int, people: int, gcn_dim: int = 64, dropout_rate: float = 0.3) -> None:
        super().__init__()
        self.gcn = FramewiseGCN(skeleton_adjacency(people), steps=frames, in_dim=3, out_dim=gcn_dim)
        self.gcn_dropout = nn.Dropout(dropout_rate)
        layers: List[nn.Module] = []
        dim = gcn_dim + 3
        for out, pool in ((64, False), (64, True), (128, True)):
            layers += [nn.Conv2d(dim, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
            if pool:
                layers.append(nn.MaxPool2d(2))
            dim = out
        self.convs = nn.Sequential(*layers)
        joints = people * NUM_COCO_JOINTS
        if frames < 4:
            raise ConfigError(f"VPN's pose backbone pools time twice by 2: it needs at least 4 keypoint frames, "
                              f"not {frames}.")
        flat = 128 * (frames // 4) * (joints // 4)
        self.fc = nn.Sequential(nn.Dropout(0.5), nn.Linear(flat, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                nn.Dropout(dropout_rate))

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        joints = keypoints.flatten(2, 3)  # (B, T_k, M·17, 3): one graph of M skeletons per frame
        p_plus = self.gcn_dropout(self.gcn(joints))
        x = torch.cat([p_plus, joints], dim=-1).permute(0, 3, 1, 2)  # (B, 64 + 3, T_k, J)
        return self.fc(self.convs(x).flatten(1))


def unit(x: torch.Tensor) -> torch.Tensor:
    """Projection to the unit hyper-sphere with eq. 4.19's ε: ``x / sqrt(Σ x² + ε)``."""
    return x / torch.sqrt(x.pow(2).sum(dim=1, keepdim=True) + EMBED_EPS)


class VPN(ConfiguredModel, nn.Module):
    """Video-Pose Network on X3D; build with :func:`create_vpn`."""

    model_name = "vpn"

    def __init__(self, rgb: X3D, pose: PoseBackbone, spatial: AttentionScores, temporal: AttentionScores,
                 t_v: nn.Linear, t_p: nn.Linear, *, config: Dict[str, Any], normalization: Normalization = DEFAULT,
                 class_names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.rgb = rgb
        self.pose = pose
        self.spatial = spatial
        self.temporal = temporal
        self.t_v = t_v
        self.t_p = t_p
        self._set_identity(config, normalization, class_names)


    def _keypoints(self, keypoints: torch.Tensor) -> torch.Tensor:
        c = self._config
        shape = (c["keypoint_frames"], c["people"], NUM_COCO_JOINTS, 3)
        if keypoints.dim() != 5 or tuple(keypoints.shape[1:]) != shape:
            raise ConfigError(f"The vpn model needs keypoints of shape (B, {', '.join(map(str, shape))}), "
                              f"not {tuple(keypoints.shape)}.")
        return keypoints

    def embedding_loss(self, g: torch.Tensor, z1: torch.Tensor) -> torch.Tensor:
        """Eq. 4.18 (variant "paper") or the code's squared L1 distance, averaged over the batch."""
        g_e = unit(self.t_v(g.sum(dim=2).flatten(1)).float())  # g_s = Σ_t g, the global spatial representation
        p_e = unit(self.t_p(z1).float())  # float32: under autocast, ε and small norms vanish in float16
        if self._config["variant"] == "code":
            return (g_e - p_e).abs().sum(1).pow(2).mean()
        return (g_e - p_e).pow(2).sum(1).mean()

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        """``inputs["rgb"]`` (B, 3, T, H, W) and ``inputs["keypoints"]`` (B, T_k, M, 17, 3)."""
        c = self._config
        grid = feature_grid(c["rgb_size"])
        g = self.rgb.features(inputs["rgb"])  # (B, C, t_c, m, n)
        check_feature_map(g, c["rgb_frames"], grid, self.model_name)
        h_star = self.pose(self._keypoints(inputs["keypoints"]))
        z1, z2 = self.spatial(h_star), self.temporal(h_star)
        a_s = torch.sigmoid(z1).view(-1, grid, grid)  # eq. 4.15
        a_t = F.softmax(z2, dim=1)
        a_st = a_s[:, None] * a_t[:, :, None, None]  # eq. 4.16: (B, t_c, m, n)
        g_mod = g + a_st[:, None].to(g.dtype) * g
        logits = self.rgb.head.classify(g_mod)
        regulariser = a_s.pow(2).flatten(1).sum(1) + (1.0 - a_t).pow(2).sum(1)  # eq. 4.21
        aux = {"embedding": c["embedding_weight"] * self.embedding_loss(g, z1),
               "attention_regularizer": c["lambda_attention"] * regulariser.mean()}
        return ModelOutput(logits={"rgb": logits}, scores=F.softmax(logits.float(), dim=1),
                           products={"spatial_attention": a_s, "temporal_attention": a_t,
                                     "spatiotemporal_attention": a_st}, aux_losses=aux)

    def forward(self, rgb: torch.Tensor, keypoints: torch.Tensor) -> ModelOutput:
        return self.forward_inputs({"rgb": rgb, "keypoints": keypoints})

    def loss(self, output: ModelOutput, labels: torch.Tensor) -> torch.Tensor:
        """Eq. 4.20: ``λ1 CE + (1 − λ1) L_e + λ2 L_a`` (the last two already weighted in ``aux_losses``)."""
        return self._config["ce_weight"] * F.cross_entropy(output.logits["rgb"], labels) + \
            sum(output.aux_losses.values())


def create_vpn(num_classes: int, *, variant: str = "paper", rgb_frames: int = 16, rgb_size: int = 224,
               keypoint_frames: int = 20, people: int = 1, gcn_dim: int = 64, embed_dim: int = 256,
               ce_weight: Optional[float] = None, embedding_weight: Optional[float] = None,
               lambda_attention: float = 1e-5, dropout_rate: float = 0.3, rgb_width: float = 1.0,
               rgb_depth: float = 1.0, normalization: Normalization = DEFAULT,
               class_names: Optional[Sequence[str]] = None) -> VPN:
    """Build VPN (see the module docstring; defaults: the thesis's NTU sizes on X3D-M, variant "paper").

    ``ce_weight``/``embedding_weight`` default to the variant's (0.8/0.2 paper, 99.9/0.1 code).
    """
    check_classes(num_classes, class_names)
    if variant not in VARIANTS:
        raise ConfigError(f"Unknown VPN variant {variant!r}: choose one of {', '.join(VARIANTS)}.")
    check_positive(rgb_frames=rgb_frames, keypoint_frames=keypoint_frames, people=people, gcn_dim=gcn_dim,
                   embed_dim=embed_dim)
    grid = feature_grid(rgb_size)
    default_ce, default_embed = LOSS_WEIGHTS[variant]
    ce_weight = float(default_ce if ce_weight is None else ce_weight)
    embedding_weight = float(default_embed if embedding_weight is None else embedding_weight)
    rgb = create_rgb_stream(classifier_in_factor=1, num_classes=num_classes, rgb_width=rgb_width,
                            rgb_depth=rgb_depth, dropout_rate=dropout_rate)
    pose = PoseBackbone(frames=keypoint_frames, people=people, gcn_dim=gcn_dim, dropout_rate=dropout_rate)
    init = "zeros" if variant == "code" else "paper"
    spatial = AttentionScores(128, 256, grid * grid, init=init)
    temporal = AttentionScores(128, 128, rgb_frames, init=init)
    t_v = nn.Linear(conv5_channels(rgb) * grid * grid, embed_dim, bias=False)
    t_p = nn.Linear(grid * grid, embed_dim, bias=False)
    config = dict(model=VPN.model_name, num_classes=num_classes, variant=variant, rgb_frames=rgb_frames,
                  rgb_size=rgb_size, keypoint_frames=keypoint_frames, people=people, gcn_dim=gcn_dim,
                  embed_dim=embed_dim, ce_weight=ce_weight, embedding_weight=embedding_weight,
                  lambda_attention=float(lambda_attention), dropout_rate=float(dropout_rate),
                  rgb_width=float(rgb_width), rgb_depth=float(rgb_depth))
    return VPN(rgb, pose, spatial, temporal, t_v, t_p, config=config, normalization=normalization,
               class_names=class_names)


def _build(*, num_classes: int, class_names=None, model: Optional[str] = None, **config) -> VPN:
    """Registry builder (a checkpoint's config carries ``model``; it names this builder, nothing to pass on)."""
    return create_vpn(num_classes, class_names=class_names, **config)


VPN_PRODUCTS = (
    ProductSpec("spatial_attention", kind="grid", value_range="sigmoid", time_base="clip", frame="crop",
                shape="(7, 7)", description="A_S = sigmoid(z1), one 7x7 map on the person crop per clip (eq. 4.15)"),
    ProductSpec("temporal_attention", kind="curve", value_range="softmax", axis=0, time_base="feature_steps",
                frame="none", shape="(t_c,)", description="A_T = softmax(z2) over the t_c steps of X3D's conv5 "
                                                          "(eq. 4.15; X3D keeps time, t_c = rgb_frames)"),
    ProductSpec("spatiotemporal_attention", kind="grid_time", value_range="unit", time_base="feature_steps",
                frame="crop", shape="(t_c, 7, 7)",
                description="A_ST = A_S ⊗ A_T (eq. 4.16), the weights applied as g' = g + A_ST ∘ g; in (0, 1), "
                            "summing over time to A_S (a flat A_T gives A_S / t_c at every step)"),
)

#: Overrides for a small, fast network (tests, ``--tiny``): small X3D, GCN and embedding; input sizes come
#: from the preset.
TINY_CONFIG = {"gcn_dim": 8, "embed_dim": 16, "rgb_width": 0.25, "rgb_depth": 0.2}

_TINY = {"tiny": TINY_CONFIG} if "tiny" in getattr(ModelSpec, "__dataclass_fields__", {}) else {}

VPN_SPEC = register(ModelSpec(
    name=VPN.model_name,
    title="VPN: X3D RGB + GCN pose backbone, spatial ⊗ temporal attention added to the features, "
          "video-pose embedding loss (004 §4.5)",
    build=_build, inputs=("rgb", "keypoints"), products=VPN_PRODUCTS,
    defaults={"rgb_frames": 16, "rgb_size": 224, "keypoint_frames": 20, "people": 1, "variant": "paper"},
    paper="004 (Das thesis, ch. 4.5, eqs. 4.14-4.21)",
    notes="On the project's X3D-M (no I3D weights exist here), 2D COCO-17 keypoints instead of 3D skeletons; "
          "variant 'paper' (eqs.) or 'code' (authors' Keras: zero-init heads, L1 embedding, 99.9/0.1 losses).",
    **_TINY))
