"""Device choice, mixed precision and batched inference (CPU, CUDA, Apple MPS)."""
from __future__ import annotations

import contextlib
from typing import Callable, Iterable, Iterator, List, Sequence, TypeVar

import torch

from .errors import ConfigError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
T = TypeVar("T")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """``"auto"`` picks cuda > mps > cpu; an explicit device that is not there raises :class:`ConfigError`.

    ``"cuda:1"`` style indices are accepted.
    """
    name = (name or "auto").strip().lower()
    kind = name.split(":", 1)[0]
    if kind not in DEVICE_CHOICES:
        raise ConfigError(f"Unknown device {name!r}: choose one of {', '.join(DEVICE_CHOICES)}.")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("CUDA was requested but no CUDA GPU is available to PyTorch here.")
        device = torch.device(name)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ConfigError(f"{name} was requested but only {torch.cuda.device_count()} CUDA GPU(s) exist.")
        return device
    if kind == "mps" and not _mps_available():
        raise ConfigError("MPS was requested but Apple's Metal backend is not available here.")
    return torch.device(name)


def autocast_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 on CUDA GPUs that support it, float16 on other CUDA GPUs."""
    with torch.cuda.device(device):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def autocast_context(device: torch.device, enabled: bool = True):
    """Mixed precision on CUDA (bf16 where supported, else fp16); a no-op context elsewhere."""
    device = torch.device(device)
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=autocast_dtype(device))
    return contextlib.nullcontext()


def to_device(batch, device: torch.device):
    """Move a tensor, or a tuple/list/dict of tensors, to ``device`` (non-blocking from pinned memory)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch


def batched_forward(model: torch.nn.Module, batches: Iterable, device: torch.device, *,
                    autocast: bool = True, collect: Callable = lambda out: out) -> List:
    """Run ``model`` in eval mode without gradients over ``batches`` on ``device``.

    Each batch is a tensor (``model(batch)``) or a tuple of tensors (``model(*batch)``); the results
    of ``collect(output)`` are returned per batch, moved to the CPU (tensors, dataclasses of tensors).
    """
    device = torch.device(device)
    model = model.to(device).eval()
    results = []
    with torch.inference_mode(), autocast_context(device, autocast):
        for batch in batches:
            batch = to_device(batch, device)
            out = model(*batch) if isinstance(batch, (tuple, list)) else model(batch)
            results.append(_to_cpu(collect(out)))
    return results


def _to_cpu(value):
    if isinstance(value, torch.Tensor):
        return value.float().cpu() if value.is_floating_point() else value.cpu()
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return type(value)(**{k: _to_cpu(getattr(value, k)) for k in value.__dataclass_fields__})
    return value


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    if size < 1:
        raise ConfigError("The batch size must be at least 1.")
    for start in range(0, len(items), size):
        yield items[start:start + size]
