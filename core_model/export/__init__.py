"""Fine-tuning sets: export a project's labeled segments, render synthetic sets, read sets back.

Layout and fields: ``core_model.export.layout`` and docs/INTERFACES.md "Fine-tuning sets".
Reading a set (``load_set``) needs numpy only; writers (video, OpenCV) are imported on first use.
"""
import importlib

from .errors import ExportError
from .layout import MANIFEST_FIELDS, SET_FORMAT, SET_VERSION, SetRow
from .reader import ExportedSet, load_set

_LAZY = {"make_synthetic_set": ".synthetic", "export_set": ".project", "ExportOptions": ".project",
         "ClipSpec": ".writer", "SetOptions": ".writer", "write_set": ".writer"}

__all__ = ["ClipSpec", "ExportError", "ExportOptions", "ExportedSet", "MANIFEST_FIELDS", "SET_FORMAT", "SET_VERSION",
           "SetOptions", "SetRow", "export_set", "load_set", "make_synthetic_set", "write_set"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
