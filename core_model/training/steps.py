"""Pieces of a training step: the loss, predictions per stream, the learning-rate schedule, a weights digest."""
from __future__ import annotations

from typing import Dict

import torch
from torch.nn import functional as F

from .presets import PhaseRecipe


def _loss(rgb_logits, pose_logits, labels):
    parts = {}
    if rgb_logits is not None:
        parts["rgb"] = F.cross_entropy(rgb_logits.float(), labels)
    if pose_logits is not None:
        parts["pose"] = F.cross_entropy(pose_logits.float(), labels)
    return sum(parts.values()), parts


def _predictions(rgb_logits, pose_logits) -> Dict[str, torch.Tensor]:
    preds, probs = {}, []
    for name, logits in (("rgb", rgb_logits), ("pose", pose_logits)):
        if logits is not None:
            p = torch.softmax(logits.float(), dim=1)
            preds[name] = p.argmax(1)
            probs.append(p)
    if len(probs) == 2:
        preds["fused"] = (0.5 * (probs[0] + probs[1])).argmax(1)
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
