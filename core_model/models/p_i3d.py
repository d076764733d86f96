"""P-I3D (Das thesis, 004 §4.3, eqs. 4.5–4.8): pose-driven attention over three body-part RGB streams.

::

    part crops (B, 3, 3, T, H, W) ── X3D per part (left/right hand, body) ── g_k (B, C, t, h, w)
    keypoints (B, T_k, M, 17, 3) ── 3-layer LSTM ── h ── s = W2 tanh(W1 h + b1) + b2 ── α = softmax(s) (B, 3)
    F = Σ_k α_k ∘ g_k ── GAP ── fc1 + ReLU ── dropout 0.3 ── W (classifier) ── softmax

Loss (eq. 4.8): ``CE + λ1 Σ_k (1 − α_k)² + λ2 ‖W‖²`` with λ1 = 1e-5, λ2 = 1e-3 and W the classification
layer's weight (the thesis' "regularization with a weighting factor of 0.001 between the penultimate layer and
the classification layer"; the authors' ``l1_reg`` is ``0.001 * sum(W²)``).

``variant``: ``"paper"`` (default) follows the text: h is the concatenation of the last LSTM layer's outputs at
all T_k steps (h_s of eq. 4.5), default-initialised scores. ``"code"`` follows the authors' Keras code
(srijandas07/P-I3D ``models_attention.py``): h is the last LSTM state, the score layer is zero-initialised so
every part starts at α = 1/3. Where α multiplies the features (after GAP in the text, at Mixed_5c in the code)
makes no difference: α is one scalar per part and clip and the average pool is linear, so both variants weight
the conv5 maps. ``shared_backbone``: False (default, as the thesis' three separately trained I3Ds) gives each part
its own X3D; True runs one X3D on all three parts.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from ..preprocess import parts as _parts
from ..preprocess.normalization import DEFAULT, Normalization
from .products import ProductSpec
from .registry import ModelOutput, ModelSpec, register
from .x3d import X3D, create_x3d, round_repeats, round_width
from .base import ConfiguredModel

VARIANTS = ("paper", "code")
NUM_PARTS = 3
NUM_JOINTS = 17

#: network-size overrides small and fast enough for unit tests (the input sizes come from the caller)
TINY_CONFIG: Dict[str, Any] = {"rgb_width": 0.25, "rgb_depth": 0.2, "fc1_dim": 64, "lstm_units": 16,
                               "lstm_layers": 3, "attention_hidden": 16}


def _part_x3d(width: float, depth: float, dropout_rate: float) -> X3D:
    """The project's X3D (X3D-M at width = depth = 1) without its own classifier: ``features`` gives conv5."""
    net = create_x3d(num_classes=1, stem_dim=round_width(24, width),
                     depths=[round_repeats(d, depth) for d in (3, 5, 11, 7)],
                     inner_dims=[round_width(c, width) for c in (54, 108, 216, 432)],
                     out_dims=[round_width(c, width) for c in (24, 48, 96, 192)],
                     conv5_dim=round_width(432, width), fc1_dim=None, dropout_rate=dropout_rate)
    net.blocks[-1].proj = nn.Identity()  # the fused head classifies; unused weights would get no gradient
    return net


class PoseAttention(nn.Module):
    """Eqs. 4.5–4.6: a 3-layer LSTM over the pose, ``α = softmax(W2 tanh(W1 h + b1) + b2)`` over the parts."""

    def __init__(self, *, variant: str, units: int, layers: int, hidden: int, steps: int, dropout: float) -> None:
        super().__init__()
        self.variant = variant
        self.lstm = nn.LSTM(NUM_JOINTS * 3, units, num_layers=layers, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.score_hidden = nn.Linear(units * steps if variant == "paper" else units, hidden)  # W1, b1
        self.score = nn.Linear(hidden, NUM_PARTS)  # W2, b2
        if variant == "code":  # Keras Dense(kernel_initializer='zeros', bias_initializer='zeros')
            nn.init.zeros_(self.score.weight)
            nn.init.zeros_(self.score.bias)
        self.steps = steps

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        """``keypoints`` (B, T_k, M, 17, 3) -> α (B, 3); the first person (M index 0) drives the attention."""
        if keypoints.dim() != 5 or tuple(keypoints.shape[-2:]) != (NUM_JOINTS, 3):
            raise ConfigError(f"P-I3D needs keypoints (B, T, M, 17, 3), got {tuple(keypoints.shape)}.")
        if self.variant == "paper" and keypoints.shape[1] != self.steps:
            raise ConfigError(f"P-I3D (paper variant) was built for {self.steps} pose frames, "
                              f"got {keypoints.shape[1]}.")
        seq = keypoints[:, :, 0].flatten(2)  # (B, T_k, 51)
        states, _ = self.lstm(seq)
        h = states.flatten(1) if self.variant == "paper" else states[:, -1]
        return torch.softmax(self.score(torch.tanh(self.score_hidden(self.dropout(h)))), dim=1)


class PI3D(ConfiguredModel, nn.Module):
    """P-I3D on the project's X3D; build with :func:`build`, ``config`` rebuilds it."""

    model_name = "p-i3d"

    def __init__(self, *, config: Dict[str, Any], normalization: Normalization = DEFAULT,
                 class_names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        c = self._config = dict(config)
        self.normalization = normalization
        self.class_names: Optional[List[str]] = list(class_names) if class_names is not None else None
        count = 1 if c["shared_backbone"] else NUM_PARTS
        self.parts = nn.ModuleList(_part_x3d(c["rgb_width"], c["rgb_depth"], c["dropout"]) for _ in range(count))
        self.attention = PoseAttention(variant=c["variant"], units=c["lstm_units"], layers=c["lstm_layers"],
                                       hidden=c["attention_hidden"], steps=c["keypoint_frames"],
                                       dropout=c["dropout"])
        conv5 = round_width(432, c["rgb_width"])
        self.fc1 = nn.Linear(conv5, c["fc1_dim"]) if c["fc1_dim"] else None
        self.dropout = nn.Dropout(c["dropout"])
        self.classifier = nn.Linear(c["fc1_dim"] or conv5, c["num_classes"])  # W of λ2 ‖W‖²


    def part_features(self, part_crops: torch.Tensor) -> torch.Tensor:
        """g_k: conv5 maps (B, 3, C, t, h, w) of the three parts."""
        if part_crops.dim() != 6 or part_crops.shape[1] != NUM_PARTS:
            raise ConfigError(f"P-I3D needs part crops (B, 3, 3, T, H, W), got {tuple(part_crops.shape)}.")
        if len(self.parts) == 1:
            b = part_crops.shape[0]
            g = self.parts[0].features(part_crops.flatten(0, 1))
            return g.view(b, NUM_PARTS, *g.shape[1:])
        return torch.stack([net.features(part_crops[:, k]) for k, net in enumerate(self.parts)], dim=1)

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]) -> ModelOutput:
        g = self.part_features(inputs["part_crops"])
        alpha = self.attention(inputs["keypoints"]).to(g.dtype)  # (B, 3)
        fused = (alpha[:, :, None, None, None, None] * g).sum(dim=1)  # eq. 4.7, F = Σ α_k ∘ g_k
        x = fused.mean(dim=(2, 3, 4))  # GAP
        if self.fc1 is not None:
            x = F.relu(self.fc1(x))
        logits = self.classifier(self.dropout(x))
        aux = {
            "attention_regularizer": self._config["lambda_attention"] * ((1.0 - alpha) ** 2).sum(dim=1).mean(),
            "weight_regularizer": self._config["lambda_weight"] * self.classifier.weight.pow(2).sum(),
        }
        return ModelOutput(logits={"parts": logits}, scores=torch.softmax(logits, dim=1),
                           products={"part_weights": alpha}, aux_losses=aux)

    def forward(self, part_crops: torch.Tensor, keypoints: torch.Tensor) -> ModelOutput:
        return self.forward_inputs({"part_crops": part_crops, "keypoints": keypoints})

    def loss(self, output: ModelOutput, labels: torch.Tensor) -> torch.Tensor:
        """Eq. 4.8: cross-entropy of the fused logits + the weighted regularisers (``aux_losses``)."""
        return F.cross_entropy(output.logits["parts"], labels) + sum(output.aux_losses.values())


def build(*, num_classes: int, class_names=None, normalization: Normalization = DEFAULT, model: str = "p-i3d",
          variant: str = "paper", shared_backbone: bool = False, rgb_width: float = 1.0, rgb_depth: float = 1.0,
          fc1_dim: Optional[int] = 2048, lstm_units: int = 128, lstm_layers: int = 3, attention_hidden: int = 128,
          keypoint_frames: int = 20, rgb_frames: int = 16, part_size: int = 224, dropout: float = 0.3,
          lambda_attention: float = 1e-5, lambda_weight: float = 1e-3,
          score_threshold: float = _parts.SCORE_THRESHOLD, hand_scale: float = _parts.HAND_SCALE,
          hand_extend: float = _parts.HAND_EXTEND, body_padding: float = _parts.BODY_PADDING) -> PI3D:
    """Build P-I3D. ``rgb_width``/``rgb_depth`` scale the X3D-M of each part (1 = X3D-M); ``lstm_units`` 512 for
    NTU-sized sets, 128 otherwise (thesis §4.6.1); ``rgb_frames``/``part_size``/``keypoint_frames`` are the input
    sizes (``keypoint_frames`` fixes the paper variant's h_s size). ``score_threshold``, ``hand_scale``,
    ``hand_extend``, ``body_padding``: the part-crop geometry (:func:`core_model.preprocess.parts.part_boxes`),
    recorded so that a checkpoint's inputs are cropped as in its training."""
    if model != "p-i3d":
        raise ConfigError(f"The P-I3D builder cannot build model {model!r}.")
    if variant not in VARIANTS:
        raise ConfigError(f"P-I3D variant {variant!r} is not one of {', '.join(VARIANTS)}.")
    if num_classes < 1 or lstm_units < 1 or lstm_layers < 1 or keypoint_frames < 1 or attention_hidden < 1:
        raise ConfigError("P-I3D needs at least one class, LSTM unit, LSTM layer, hidden unit and pose frame.")
    config = dict(model="p-i3d", num_classes=int(num_classes), variant=variant, shared_backbone=bool(shared_backbone),
                  rgb_width=float(rgb_width), rgb_depth=float(rgb_depth), fc1_dim=fc1_dim, lstm_units=int(lstm_units),
                  lstm_layers=int(lstm_layers), attention_hidden=int(attention_hidden),
                  keypoint_frames=int(keypoint_frames), rgb_frames=int(rgb_frames), part_size=int(part_size),
                  dropout=float(dropout), lambda_attention=float(lambda_attention),
                  lambda_weight=float(lambda_weight), score_threshold=float(score_threshold),
                  hand_scale=float(hand_scale), hand_extend=float(hand_extend), body_padding=float(body_padding))
    return PI3D(config=config, normalization=normalization, class_names=class_names)


P_I3D_PRODUCTS = (
    ProductSpec("part_weights", kind="parts", value_range="softmax", axis=0, time_base="clip", frame="parts",
                shape="(3,)", description="pose-driven attention α over left hand, right hand, full body (eq. 4.6); "
                                          "draw on the part boxes of core_model.preprocess.parts.part_boxes"),
)

_SPEC_FIELDS = dict(
    name="p-i3d",
    title="P-I3D: X3D on left-hand, right-hand, full-body crops, LSTM pose attention over the parts (004)",
    build=build, inputs=("part_crops", "keypoints"), products=P_I3D_PRODUCTS,
    defaults={"variant": "paper", "rgb_frames": 16, "part_size": 224, "keypoint_frames": 20},
    paper="004 Das thesis §4.3 (P-I3D), eqs. 4.5–4.8",
    notes="RGB streams are the project's X3D-M, not I3D (no I3D weights exist here); variant 'code' follows the "
          "authors' Keras code (last LSTM state, zero-initialised scores).")
if "tiny" in getattr(ModelSpec, "__dataclass_fields__", {}):
    _SPEC_FIELDS["tiny"] = TINY_CONFIG
P_I3D = register(ModelSpec(**_SPEC_FIELDS))
