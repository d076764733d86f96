"""Device choice and mixed precision (CPU, CUDA, Apple MPS)."""
from __future__ import annotations

import contextlib

import torch

from .errors import ConfigError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


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
