"""Fine-tuning sets: export a project's labeled segments, render synthetic sets, read sets back.

Layout and fields: ``core_model.export.layout`` and docs/INTERFACES.md "Fine-tuning sets".
"""
from .errors import ExportError
from .layout import MANIFEST_FIELDS, SET_FORMAT, SET_VERSION, SetRow
from .project import ExportOptions, export_set
from .reader import ExportedSet, load_set
from .synthetic import make_synthetic_set
from .writer import ClipSpec, SetOptions, write_set

__all__ = ["ClipSpec", "ExportError", "ExportOptions", "ExportedSet", "MANIFEST_FIELDS", "SET_FORMAT", "SET_VERSION",
           "SetOptions", "SetRow", "export_set", "load_set", "make_synthetic_set", "write_set"]
