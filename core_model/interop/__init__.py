"""Labels in and out of other tools: BORIS, ELAN, CVAT for video, Label Studio (and the project's CSV/JSON).

``import_file(store, path, fmt="auto", strict=False)`` adds a file's segments to the project in one
transaction (all or nothing; the file's coder stays the segments' author) and returns an
:class:`~.common.InteropReport`; ``export_file(store, path, fmt="auto")`` writes the project's segments
(written aside and renamed). The formats are listed in :mod:`.registry`; one small module each.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..fileio import atomic_path
from ..project.label_import import ImportSegments, apply_import
from ..project.records import ProjectError
from .common import InteropReport, Parsed
from .registry import CHOICES, FORMATS, chosen, detect

__all__ = ["CHOICES", "FORMATS", "InteropReport", "detect", "export_file", "import_file", "read_file"]


class InteropImport(ImportSegments):
    """The import of another tool's file: missing labels added, then the rows, in one transaction."""

    def __init__(self, path: Path, report: InteropReport, parsed: Parsed, strict: bool, keep_diff: bool) -> None:
        super().__init__(path, report, keep_diff)
        self.parsed, self.strict = parsed, strict
        self.rows = lambda: iter(parsed.rows)
        self.where = parsed.where

    @property
    def description(self) -> str:
        return super().description + f" from {self.report.format}"

    def apply(self, store) -> None:
        if self._diff is not None:  # redo: the labels it added stay in the label set
            super().apply(store)
            return
        with store.transaction():
            self._add_labels(store)
            super().apply(store)

    def _add_labels(self, store) -> None:
        from .scheme_io import apply_wanted

        for want in self.parsed.labels.values():
            if self.strict and store.label_by_name(want.name) is None:
                raise ProjectError(f"{self.path.name}: the label '{want.name}' is not in the project's label set "
                                   "(--strict refuses labels the project does not have); nothing was imported.")
        # labels with their kind, category and modifiers, categories, and tracks assigned to named subjects
        self.report.created_labels[:] = apply_wanted(store, self.parsed)


def read_file(store, path, fmt: str = "auto") -> Parsed:
    """Parse another tool's label file into rows (raises :class:`ProjectError` naming the bad element)."""
    f = chosen(path, fmt, writing=False)
    if f.module is None:
        raise ProjectError(f"{Path(path).name} is a {f.title} file: it is imported as it is.")
    return f.impl().read(store, Path(path)).finish()


def import_file(store, path, fmt: str = "auto", *, strict: bool = False, history=None,
                report: Optional[InteropReport] = None) -> InteropReport:
    """Add the segments of a label file of any known format; all or nothing. Returns the report."""
    path = Path(path)
    f = chosen(path, fmt, writing=False)
    report = report if report is not None else InteropReport()
    report.format = f.title
    if f.module is None:
        from ..project.io import import_labels

        import_labels(store, path, history=history, report=report)
        return report
    if store.read_only:
        raise ProjectError(store.write_refusal)
    parsed = f.impl().read(store, path).finish()
    report.skipped[:], report.mapped[:] = parsed.skipped, parsed.mapped
    report.authors = sorted({r.get("author") or store.author for _, r in parsed.rows})
    edit = InteropImport(path, report, parsed, strict, keep_diff=history is not None)
    apply_import(store, path, edit, history)
    return report


def export_file(store, path, fmt: str = "auto", *, video_ids=None) -> int:
    """Write the project's segments in a format (written aside and renamed); returns how many segments."""
    path = Path(path)
    f = chosen(path, fmt, writing=True)
    if not f.can_write:
        raise ProjectError(f"{f.title} files can be imported, not written (export as 'boris' instead).")
    if f.module is None:
        from ..project.io import export_labels

        if path.suffix.lower() != f".{f.name}":
            raise ProjectError(f"{path.name}: an EPAM labels {f.name.upper()} file must end in .{f.name}.")
        return export_labels(store, path, video_ids=video_ids)
    with atomic_path(path) as tmp:
        return f.impl().write(store, tmp, video_ids=video_ids, name=path.name)
