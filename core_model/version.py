"""EPAM Studio's version and those of the libraries it runs on (``--version``, the About box, bug reports)."""
from __future__ import annotations

import importlib
import platform
from typing import Dict

from . import __version__
from .errors import EpamError

#: shown name -> module whose ``__version__`` is read
LIBRARIES = {"PyTorch": "torch", "MediaPipe": "mediapipe", "PyAV": "av", "NumPy": "numpy"}


def module_version(module: str) -> str:
    """``module.__version__`` (imported if needed), ``"not installed"`` or ``"unknown"``."""
    try:
        return str(getattr(importlib.import_module(module), "__version__", "unknown"))
    except Exception:  # noqa: BLE001 - a broken optional library must not break the About box
        return "not installed"


def runtime_versions() -> Dict[str, str]:
    """EPAM Studio, Python and library versions, in display order."""
    versions = {"EPAM Studio": __version__, "Python": platform.python_version()}
    versions.update({name: module_version(module) for name, module in LIBRARIES.items()})
    return versions


def device_description(name: str = "auto") -> str:
    """The device the models run on for the ``name`` setting, e.g. ``"cpu"`` or ``"cuda:0 (NVIDIA H200)"``."""
    import torch

    from .device import resolve_device

    try:
        device = resolve_device(name)
    except EpamError as exc:
        return f"none, {str(exc).rstrip('.')}"
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return str(device)
