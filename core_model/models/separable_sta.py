"""Separable spatio-temporal attention (Das thesis 004, §4.4, eqs. 4.10–4.13) on the project's X3D RGB stream.

::

    rgb (3 x 16 x 224 x 224) -> X3D-M blocks 0-4 -> conv5 -> g (432 x t_c x 7 x 7), t_c = 16
    keypoints (T_k x M x 17 x 3) -> 3-layer LSTM (512) -> h* = all T_k hidden states concatenated
    s_r = W_sr tanh(W_hr h* + b_hr) + b_sr                              (eq. 4.10, r = 1, 2)
    α = sigmoid(s_1) (7 x 7, one map per clip),  β = softmax(s_2) (t_c)   (eq. 4.11)
    g_s = inflate(α) ∘ g,  g_t = inflate(β) ∘ g                           (eq. 4.12)
    [GAP(g_s), GAP(g_t)] -> dropout 0.3 -> 1x1x1 conv (linear) -> logits
    L = CE + λ1 Σ_j α_j² + λ2 Σ_j (1 − β_j)²,  λ1 = λ2 = 1e-5            (eq. 4.13)

Differences from the thesis, all forced by what exists here: X3D-M (16 frames, conv5 432 channels, no
temporal stride, so t_c = 16) instead of I3D (64 frames, Mixed_5c 1024 channels, t_c = 8): no I3D
weights exist here. The pose is 2D COCO-17 (x, y in the crop's [0, 1] + the joint score, 51 numbers per
person and frame) instead of Kinect 3D joints. The thesis pre-trains the LSTM alone for classification
(Algorithm 2, step 3); here it is trained jointly (pre-train it by any means and load its weights).
``α`` is one 7×7 map per clip, as eq. 4.11 says (its product's time base is "clip"). The score layers
start with near-zero weights so the attention starts (almost) equal, as Algorithm 2 asks ("Initialize
the attention scores with equal values"), while gradients still reach the pose backbone at step one.
No code of the authors for this model is public, so there is no ``variant``.

The helpers :func:`create_rgb_stream` and :class:`AttentionScores` are shared with VPN (§4.5), whose
first attention step "is equivalent to the separable STA framework".
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from ..pose.coco import NUM_COCO_JOINTS
from ..preprocess.normalization import DEFAULT, Normalization
from .products import ProductSpec
from .registry import ModelOutput, ModelSpec, register
from .x3d import X3D, create_x3d, round_repeats, round_width
from .base import ConfiguredModel

#: X3D's total spatial stride: a 224² crop gives a 7×7 conv5 map (other sizes: see :func:`feature_grid`).
RGB_STRIDE = 32
#: X3D-M's widths and depths, scaled by ``rgb_width`` / ``rgb_depth``.
X3D_M = dict(stem=24, depths=(3, 5, 11, 7), inner=(54, 108, 216, 432), out=(24, 48, 96, 192), conv5=432)
#: std of the score layers' initial weights: scores start near 0, attention near equal (Algorithms 2–3).
SCORE_INIT_STD = 1e-3


def check_classes(num_classes: Any, class_names: Optional[Sequence[str]]) -> None:
    """One-sentence errors for a bad class count or a class list of the wrong length."""
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ConfigError(f"The number of classes must be a positive integer, not {num_classes!r}.")
    if class_names is not None and len(class_names) != num_classes:
        raise ConfigError(f"{len(class_names)} class names were given for {num_classes} classes.")


def check_positive(**values: Any) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, not {value!r}.")


def feature_grid(rgb_size: int) -> int:
    """Side of the conv5 map for an ``rgb_size`` crop: five stride-2 convolutions (224 -> 7, 112 -> 4)."""
    if not isinstance(rgb_size, int) or isinstance(rgb_size, bool) or rgb_size < RGB_STRIDE:
        raise ConfigError(f"rgb_size must be a whole number of at least {RGB_STRIDE} pixels, not {rgb_size!r}.")
    side = rgb_size
    for _ in range(5):
        side = (side + 1) // 2
    return side


def create_rgb_stream(*, classifier_in_factor: int, num_classes: int, rgb_width: float = 1.0,
                      rgb_depth: float = 1.0, dropout_rate: float = 0.3) -> X3D:
    """X3D-M (``rgb_width = rgb_depth = 1``) without fc1: conv5 -> GAP -> dropout -> linear (the thesis's head).

    The thesis's classifier is GAP -> dropout 0.3 -> 1x1x1 conv, so X3D's fc1 (2048) is left out.
    ``classifier_in_factor``: how many pooled conv5 vectors the classifier reads (2 for separable STA's
    ``[g_s, g_t]``, 1 for VPN's ``g'``). Smaller ``rgb_width``/``rgb_depth`` make tiny test models.
    """
    if not (0 < rgb_width <= 4 and 0 < rgb_depth <= 4):
        raise ConfigError(f"rgb_width and rgb_depth must be in (0, 4], not {rgb_width!r} and {rgb_depth!r}.")
    out = [round_width(c, rgb_width) for c in X3D_M["out"]]
    net = create_x3d(num_classes=num_classes, stem_dim=round_width(X3D_M["stem"], rgb_width),
                     depths=[round_repeats(d, rgb_depth) for d in X3D_M["depths"]],
                     inner_dims=[round_width(c, rgb_width) for c in X3D_M["inner"]], out_dims=out,
                     conv5_dim=round_width(X3D_M["conv5"], rgb_width), fc1_dim=None, dropout_rate=dropout_rate)
    conv5 = net.head.pool.pre_conv.out_channels
    net.head.proj = nn.Linear(classifier_in_factor * conv5, num_classes)
    return net


def conv5_channels(rgb: X3D) -> int:
    return int(rgb.head.pool.pre_conv.out_channels)


class AttentionScores(nn.Module):
    """Eq. 4.10 / 4.15: ``s = W_s tanh(W_h h* + b_h) + b_s`` (scores before the sigmoid / softmax).

    ``init``: "paper" (Gaussian W_h; W_s ~ N(0, 1e-3²), b_s = 0: scores start nearly equal) or "zeros"
    (the authors' VPN code: W_s = b_s = 0, scores start exactly equal).
    """

    def __init__(self, in_dim: int, hidden: int, out_dim: int, *, init: str = "paper") -> None:
        super().__init__()
        self.hidden = nn.Linear(in_dim, hidden)
        self.score = nn.Linear(hidden, out_dim)
        nn.init.xavier_normal_(self.hidden.weight)
        nn.init.zeros_(self.hidden.bias)
        nn.init.zeros_(self.score.bias)
        if init == "zeros":
            nn.init.zeros_(self.score.weight)
        else:
            nn.init.normal_(self.score.weight, std=SCORE_INIT_STD)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.score(torch.tanh(self.hidden(h)))


def check_feature_map(g: torch.Tensor, steps: int, grid: int, model: str) -> None:
    if tuple(g.shape[2:]) != (steps, grid, grid):
        raise ConfigError(f"The {model} model was built for a {steps}x{grid}x{grid} feature map "
                          f"({steps} frames) but the clip gives "
                          f"{'x'.join(str(s) for s in g.shape[2:])}.")


def keypoint_features(keypoints: torch.Tensor, frames: int, people: int, model: str) -> torch.Tensor:
    """(B, T_k, M, 17, 3) -> (B, T_k, M·17·3), checking the sizes the model was built for."""
    if keypoints.dim() != 5 or tuple(keypoints.shape[1:]) != (frames, people, NUM_COCO_JOINTS, 3):
        raise ConfigError(f"The {model} model needs keypoints of shape (B, {frames}, {people}, 17, 3), "
                          f"not {tuple(keypoints.shape)}.")
    return keypoints.flatten(2)


class SeparableSTA(ConfiguredModel, nn.Module):
    """Pose-driven separable spatio-temporal attention on X3D; build with :func:`create_separable_sta`."""

    model_name = "separable-sta"

    def __init__(self, rgb: X3D, lstm: nn.LSTM, spatial: AttentionScores, temporal: AttentionScores, *,
                 config: Dict[str, Any], normalization: Normalization = DEFAULT,
                 class_names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.rgb = rgb
        self.lstm = lstm
        self.spatial = spatial
        self.temporal = temporal
        self._set_identity(config, normalization, class_names)


    def attention(self, keypoints: torch.Tensor):
        """``(α (B, m, n), β (B, t_c))`` from the keypoints (eqs. 4.10–4.11)."""
        c = self._config
        x = keypoint_features(keypoints, c["keypoint_frames"], c["people"], self.model_name)
        states, _ = self.lstm(x)  # (B, T_k, H): the hidden state of every time step
        h_star = states.flatten(1)
        grid = feature_grid(c["rgb_size"])
        alpha = torch.sigmoid(self.spatial(h_star)).view(-1, grid, grid)
        beta = F.softmax(self.temporal(h_star), dim=1)
        return alpha, beta

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        """``inputs["rgb"]`` (B, 3, T, H, W) and ``inputs["keypoints"]`` (B, T_k, M, 17, 3)."""
        c = self._config
        g = self.rgb.features(inputs["rgb"])  # (B, C, t_c, m, n)
        check_feature_map(g, c["rgb_frames"], feature_grid(c["rgb_size"]), self.model_name)
        alpha, beta = self.attention(inputs["keypoints"])
        g_s = alpha[:, None, None].to(g.dtype) * g  # eq. 4.12
        g_t = beta[:, None, :, None, None].to(g.dtype) * g
        pooled = torch.cat([g_s.mean(dim=(2, 3, 4)), g_t.mean(dim=(2, 3, 4))], dim=1)
        head = self.rgb.head
        logits = head.proj(head.dropout(pooled))
        aux = {"spatial_regularizer": c["lambda_spatial"] * alpha.pow(2).flatten(1).sum(1).mean(),
               "temporal_regularizer": c["lambda_temporal"] * (1.0 - beta).pow(2).sum(1).mean()}
        return ModelOutput(logits={"rgb": logits}, scores=F.softmax(logits.float(), dim=1),
                           products={"spatial_attention": alpha, "temporal_attention": beta}, aux_losses=aux)

    def forward(self, rgb: torch.Tensor, keypoints: torch.Tensor) -> ModelOutput:
        return self.forward_inputs({"rgb": rgb, "keypoints": keypoints})

    def loss(self, output: ModelOutput, labels: torch.Tensor) -> torch.Tensor:
        """Eq. 4.13: ``CE + λ1 Σ‖α‖² + λ2 Σ(1 − β)²`` (the regularisers are ``output.aux_losses``)."""
        return F.cross_entropy(output.logits["rgb"], labels) + sum(output.aux_losses.values())


def create_separable_sta(num_classes: int, *, rgb_frames: int = 16, rgb_size: int = 224, keypoint_frames: int = 20,
                         people: int = 1, lstm_hidden: int = 512, lstm_layers: int = 3, attention_hidden: int = 256,
                         lambda_spatial: float = 1e-5, lambda_temporal: float = 1e-5, dropout_rate: float = 0.3,
                         rgb_width: float = 1.0, rgb_depth: float = 1.0, normalization: Normalization = DEFAULT,
                         class_names: Optional[Sequence[str]] = None) -> SeparableSTA:
    """Build separable STA (defaults: the thesis's NTU sizes on X3D-M; see the module docstring).

    ``keypoint_frames`` = the thesis's t_p (20 for NTU); ``lstm_hidden`` 512 (NTU) or 128 (Smarthome,
    N-UCLA); ``attention_hidden``: width of the tanh layers of eq. 4.10 (the thesis does not say; 256 as
    the authors' VPN code).
    """
    check_classes(num_classes, class_names)
    check_positive(rgb_frames=rgb_frames, keypoint_frames=keypoint_frames, people=people, lstm_hidden=lstm_hidden,
                   lstm_layers=lstm_layers, attention_hidden=attention_hidden)
    grid = feature_grid(rgb_size)
    rgb = create_rgb_stream(classifier_in_factor=2, num_classes=num_classes, rgb_width=rgb_width,
                            rgb_depth=rgb_depth, dropout_rate=dropout_rate)
    lstm = nn.LSTM(people * NUM_COCO_JOINTS * 3, lstm_hidden, num_layers=lstm_layers, batch_first=True)
    h_star = keypoint_frames * lstm_hidden
    spatial = AttentionScores(h_star, attention_hidden, grid * grid)
    temporal = AttentionScores(h_star, attention_hidden, rgb_frames)
    config = dict(model=SeparableSTA.model_name, num_classes=num_classes, rgb_frames=rgb_frames, rgb_size=rgb_size,
                  keypoint_frames=keypoint_frames, people=people, lstm_hidden=lstm_hidden, lstm_layers=lstm_layers,
                  attention_hidden=attention_hidden, lambda_spatial=float(lambda_spatial),
                  lambda_temporal=float(lambda_temporal), dropout_rate=float(dropout_rate),
                  rgb_width=float(rgb_width), rgb_depth=float(rgb_depth))
    return SeparableSTA(rgb, lstm, spatial, temporal, config=config, normalization=normalization,
                        class_names=class_names)


def _build(*, num_classes: int, class_names=None, model: Optional[str] = None, **config) -> SeparableSTA:
    """Registry builder (a checkpoint's config carries ``model``; it names this builder, nothing to pass on)."""
    return create_separable_sta(num_classes, class_names=class_names, **config)


SEPARABLE_STA_PRODUCTS = (
    ProductSpec("spatial_attention", kind="grid", value_range="sigmoid", time_base="clip", frame="crop",
                shape="(7, 7)", description="α = sigmoid(s1), one 7x7 map on the person crop per clip (eq. 4.11: "
                                            "the same map weights every time step)"),
    ProductSpec("temporal_attention", kind="curve", value_range="softmax", axis=0, time_base="feature_steps",
                frame="none", shape="(t_c,)", description="β = softmax(s2) over the t_c steps of X3D's conv5 "
                                                          "(eq. 4.11; X3D keeps time, t_c = rgb_frames)"),
)

#: Overrides for a small, fast network (tests, ``--tiny``): small X3D, small LSTM; input sizes come from the preset.
TINY_CONFIG = {"lstm_hidden": 16, "lstm_layers": 2, "attention_hidden": 16, "rgb_width": 0.25, "rgb_depth": 0.2}

_TINY = {"tiny": TINY_CONFIG} if "tiny" in getattr(ModelSpec, "__dataclass_fields__", {}) else {}

SEPARABLE_STA = register(ModelSpec(
    name=SeparableSTA.model_name,
    title="Separable STA: X3D RGB + LSTM over the pose, sigmoid 7x7 map and softmax over time, separately (004 §4.4)",
    build=_build, inputs=("rgb", "keypoints"), products=SEPARABLE_STA_PRODUCTS,
    defaults={"rgb_frames": 16, "rgb_size": 224, "keypoint_frames": 20, "people": 1},
    paper="004 (Das thesis, ch. 4.4, eqs. 4.10-4.13)",
    notes="On the project's X3D-M (no I3D weights exist here), 2D COCO-17 keypoints instead of 3D skeletons.",
    **_TINY))
