"""The label formats: names, file suffixes, and how ``auto`` recognises a file.

Each format is a small module with ``read(store, path) -> Parsed`` and/or ``write(store, path, video_ids) ->
count``; ``csv`` and ``json`` are the project's own label files (:mod:`core_model.project.io`).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from ..project.records import ProjectError


@dataclass(frozen=True)
class Format:
    name: str
    title: str  # what the studio's file dialog says
    suffixes: Tuple[str, ...]
    module: Optional[str]  # core_model.interop.<module> (None: the project's own CSV/JSON)
    can_read: bool = True
    can_write: bool = True

    def impl(self):
        return importlib.import_module(f"core_model.interop.{self.module}")

    @property
    def pattern(self) -> str:
        return f"{self.title} ({' '.join('*' + s for s in self.suffixes)})"


FORMATS = {f.name: f for f in (
    Format("csv", "EPAM labels CSV", (".csv",), None),
    Format("json", "EPAM labels JSON", (".json",), None),
    Format("boris", "BORIS project", (".boris",), "boris"),
    Format("boris-table", "BORIS tabular events", (".csv", ".tsv"), "boris_table", can_write=False),
    Format("elan", "ELAN annotation", (".eaf",), "elan"),
    Format("cvat", "CVAT for video 1.1 XML", (".xml",), "cvat"),
    Format("labelstudio", "Label Studio video JSON", (".json",), "labelstudio"),
)}
#: the names ``--format`` takes
CHOICES = ("auto", "csv", "json", "boris", "elan", "cvat", "labelstudio")


def _head(path: Path, size: int = 65536) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(size).decode("utf-8", "replace").lstrip("\ufeff")
    except FileNotFoundError:
        raise ProjectError(f"Label file not found: {path}.") from None
    except OSError as err:
        raise ProjectError(f"Cannot read {path.name}: {err.strerror or err}.") from None


def detect(path) -> Format:
    """The format of a label file to import, from its suffix and its first bytes."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.name.lower().endswith(".boris.gz"):  # BORIS's compressed project
        return FORMATS["boris"]
    head = _head(path)
    if suffix == ".boris" or '"behaviors_conf"' in head:
        return FORMATS["boris"]
    if suffix == ".eaf" or "<ANNOTATION_DOCUMENT" in head:
        return FORMATS["elan"]
    if suffix == ".xml" or "<annotations" in head[:2000]:
        return FORMATS["cvat"]
    if suffix in (".csv", ".tsv", ".txt"):
        first = head.splitlines()[0] if head else ""
        if "Observation id" in first and "Behavior" in first:
            return FORMATS["boris-table"]
        return FORMATS["csv"]
    if suffix == ".json":
        if '"epam-labels"' in head[:400]:
            return FORMATS["json"]
        if any(k in head for k in ('"timelinelabels"', '"videorectangle"', '"from_name"')) \
                or head.lstrip().startswith("[") and '"data"' in head:
            return FORMATS["labelstudio"]
        return FORMATS["json"]
    raise ProjectError(f"{path.name}: the format of this file is not known (label files are .csv, .json, .boris, "
                       ".eaf or CVAT .xml; choose the format with --format).")


def chosen(path, name: str, *, writing: bool) -> Format:
    """The format ``name`` (or the one ``auto`` finds) for ``path``."""
    path = Path(path)
    if name in (None, "", "auto"):
        if not writing:
            return detect(path)
        suffix = path.suffix.lower()
        match = [f for f in FORMATS.values() if suffix in f.suffixes and f.can_write]
        if not match:
            raise ProjectError(f"{path.name}: give the file a known suffix (.csv, .json, .boris, .eaf, .xml) or "
                               "choose the format with --format.")
        return match[0]
    if name == "boris" and not writing and path.suffix.lower() in (".csv", ".tsv"):
        return FORMATS["boris-table"]
    fmt = FORMATS.get(name)
    if fmt is None:
        raise ProjectError(f"Unknown label format '{name}' (choose {', '.join(CHOICES)}).")
    return fmt
