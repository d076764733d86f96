"""Labeling projects: the SQLite store, edits with apply/revert, undo history, import/export (no Qt)."""
from .edits import (AcceptPredictions, Compound, CreateSegment, DeleteSegments, Edit, MergeSegments, Relabel,
                    SetBounds, SetNote, SplitSegment)
from .history import History
from .label_edits import (AddLabel, ApplyScheme, DeleteLabel, LabelEdit, RecolorLabel, ReorderLabels, RenameLabel,
                          SetCategoryExclusive, SetLabelKey, SetLabelScheme, SetModifier)
from .records import (EVERYBODY, Change, LabelRecord, ProjectDamaged, ProjectError, ProjectWarning, SegmentRecord,
                      VideoRecord)
from .schema import SCHEMA_VERSION
from .store import ProjectStore

__all__ = [
    "AcceptPredictions", "AddLabel", "ApplyScheme", "Change", "Compound", "CreateSegment", "DeleteLabel",
    "DeleteSegments", "SetCategoryExclusive", "SetLabelScheme", "SetModifier",
    "EVERYBODY", "Edit", "History", "LabelEdit", "LabelRecord", "RecolorLabel", "RenameLabel", "ReorderLabels",
    "SetLabelKey", "MergeSegments", "ProjectDamaged", "ProjectError", "ProjectStore", "ProjectWarning", "Relabel",
    "SCHEMA_VERSION", "SegmentRecord", "SetBounds", "SetNote", "SplitSegment", "VideoRecord", "export_labels",
    "import_labels",
]


def export_labels(store, path):
    """Write the project's segments to ``path`` (.csv or .json); see :mod:`core_model.project.io`."""
    from .io import export_labels as _export

    return _export(store, path)


def import_labels(store, path, **kwargs):
    """Import segments from ``path`` (.csv or .json), all or nothing; see :mod:`core_model.project.io`."""
    from .io import import_labels as _import

    return _import(store, path, **kwargs)
