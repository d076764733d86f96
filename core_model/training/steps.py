"""Pieces of a training step: the loss, predictions per stream, the learning-rate schedule, a weights digest."""
from __future__ import annotations

from typing import Dict

import torch
from torch.nn import functional as F

from .presets import PhaseRecipe


def _loss(model, out, labels):
    """(loss, parts): the model's whole loss (``model.loss``) for the whole network, else the cross-entropy of
    the one stream a phase trains; parts (for progress lines): each stream's cross-entropy and each aux loss."""
    from ..models.registry import ModelOutput

    parts = {name: F.cross_entropy(logits.float(), labels) for name, logits in out.logits.items()}
    if out.scores is None:  # one stream alone (EPAM-Net's rgb / pose phases)
        return sum(parts.values()), parts
    loss = model.loss(ModelOutput({k: v.float() for k, v in out.logits.items()}, out.scores, out.products,
                                  out.aux_losses), labels)
    parts = {k: v.detach() for k, v in parts.items()}
    parts.update({k: v.detach() for k, v in out.aux_losses.items()})
    return loss, parts


def _predictions(out) -> Dict[str, torch.Tensor]:
    """Predicted class per stream, and ``fused`` from the model's fused scores (the whole network only)."""
    preds = {name: logits.float().argmax(1) for name, logits in out.logits.items()}
    if out.scores is not None:
        preds["fused"] = out.scores.float().argmax(1)
    return preds


def _base_lr(optimizer, recipe: PhaseRecipe) -> float:
    """The phase's current learning rate before per-part multipliers."""
    group = optimizer.param_groups[0]
    return float(group["lr"] * recipe.lr / group.get("initial_lr", recipe.lr))


class _WarmupCosine:
    """Learning-rate factor per iteration: linear warm-up, then cosine decay to 0 (stepped every batch)."""

    def __init__(self, total: int, warmup: int) -> None:
        self.total, self.warmup = max(1, total), max(0, min(warmup, total - 1))

    def __call__(self, it: int) -> float:
        import math

        if it < self.warmup:
            return (it + 1) / (self.warmup + 1)
        t = (it - self.warmup) / max(1, self.total - self.warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(t, 1.0)))


def _weights_digest(model: torch.nn.Module) -> str:
    """SHA-256 (16 hex digits) of every parameter and buffer: equal digests = identical weights."""
    import hashlib

    h = hashlib.sha256()
    for name, value in model.state_dict().items():
        h.update(name.encode())
        h.update(value.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


#: the inputs each of EPAM-Net's stream phases feeds (the joint phase feeds all the model takes)
PHASE_INPUTS = {"rgb": ("rgb",), "pose": ("heatmaps",)}


class _PhaseNet(torch.nn.Module):
    """The part of the model a phase trains (what DDP wraps): ``(logits, scores, products, aux_losses)``,
    scores None for one stream alone."""

    def __init__(self, model, phase: str) -> None:
        super().__init__()
        self.model, self.phase = model, phase

    def forward(self, inputs):
        if self.phase in PHASE_INPUTS:
            stream = getattr(self.model, self.phase)
            return {self.phase: stream(inputs[PHASE_INPUTS[self.phase][0]])}, None, {}, {}
        out = self.model.forward_inputs(inputs)
        return out.logits, out.scores, out.products, out.aux_losses


def _forward(net, inputs):
    """A :class:`~core_model.models.registry.ModelOutput` of ``net`` (a _PhaseNet, maybe DDP-wrapped)."""
    from ..models.registry import ModelOutput

    logits, scores, products, aux = net(inputs)
    return ModelOutput(logits, scores, products, aux)
