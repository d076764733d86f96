"""Read a fine-tuning set back: ``load_set(path) -> ExportedSet`` (what training uses)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from ..pose.format import Poses
from .errors import ExportError
from .layout import (CLIPS_DIR, LABEL_MAP, MANIFEST_JSON, POSES_DIR, SET_FORMAT, SET_JSON, SET_VERSION, SKELETON_PKL,
                     SetRow)


@dataclass
class ExportedSet:
    """A set on disk: ``classes`` (index = label_index), ``rows`` (one :class:`SetRow` per clip), ``pose_only``."""

    path: Path
    classes: List[str]
    rows: List[SetRow]
    pose_only: bool
    info: dict = field(default_factory=dict)

    def split(self, name: str) -> List[SetRow]:
        """Rows of the ``'train'`` or ``'val'`` split."""
        return [r for r in self.rows if r.split == name]

    @property
    def train(self) -> List[SetRow]:
        return self.split("train")

    @property
    def val(self) -> List[SetRow]:
        return self.split("val")

    def clip_path(self, row: SetRow) -> Optional[Path]:
        """The clip's mp4, or ``None`` in a pose-only set."""
        return None if self.pose_only else self.path / CLIPS_DIR / f"{row.clip}.mp4"

    def pose_path(self, row: SetRow) -> Path:
        return self.path / POSES_DIR / f"{row.clip}.npz"

    def poses(self, row: SetRow) -> Poses:
        """The clip's poses (frames from 0; the labeled person is row 0 unless ``person`` is -1)."""
        return Poses.load(self.pose_path(row))

    @property
    def skeleton_path(self) -> Path:
        return self.path / SKELETON_PKL

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return (f"ExportedSet({self.path.name}: {len(self.rows)} clips, {len(self.classes)} classes, "
                f"train {len(self.train)}, val {len(self.val)}{', pose-only' if self.pose_only else ''})")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path.parent} is not a fine-tuning set (no {path.name}).") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ExportError(f"Cannot read {path}: {err}.") from err


def load_set(path) -> ExportedSet:
    """Open the set folder ``path`` (checks format, version, classes and that every file is there)."""
    root = Path(path)
    if not root.is_dir():
        raise ExportError(f"{root} is not a fine-tuning set folder.")
    info = _read_json(root / SET_JSON)
    if not isinstance(info, dict) or info.get("format") != SET_FORMAT:
        raise ExportError(f"{root} is not a fine-tuning set ({SET_JSON} has another format).")
    if int(info.get("version", 0)) > SET_VERSION:
        raise ExportError(f"{root.name} was written by a newer EPAM Studio (set version {info.get('version')}).")
    try:
        classes = [line.rstrip("\r\n") for line in (root / LABEL_MAP).read_text(encoding="utf-8").splitlines()]
    except OSError as err:
        raise ExportError(f"Cannot read the label map of {root.name}: {err.strerror or err}.") from err
    classes = [c for c in classes if c]
    if list(info.get("classes", classes)) != classes:
        raise ExportError(f"{root.name}: {LABEL_MAP} does not match the classes in {SET_JSON}.")
    raw = _read_json(root / MANIFEST_JSON)
    if not isinstance(raw, list):
        raise ExportError(f"{root.name}: {MANIFEST_JSON} is not a list of clips.")
    try:
        rows = [SetRow.from_dict(item) for item in raw]
    except (TypeError, ValueError) as err:
        raise ExportError(f"{root.name}: a manifest row is malformed ({err}).") from err
    out = ExportedSet(root, classes, rows, bool(info.get("pose_only", False)), info)
    real_root = root.resolve()
    for number, row in enumerate(rows, 1):
        if not 0 <= row.label_index < len(classes) or classes[row.label_index] != row.label:
            raise ExportError(f"{root.name}: clip {row.clip} has label {row.label!r} at a wrong index.")
        clip = out.clip_path(row)
        for needed in ([clip] if clip is not None else []) + [out.pose_path(row)]:
            _inside(root, real_root, needed, number, row.clip)
            if not needed.is_file():
                raise ExportError(f"{root.name} is incomplete: {needed.relative_to(root)} is missing.")
    return out


def _inside(root: Path, real_root: Path, path: Path, number: int, clip: str) -> None:
    """Refuse a manifest row whose file leaves the set: a name with a folder part (``../../x``, ``/abs``) or a
    link (of the file or of its folder) to somewhere outside the set folder."""
    plain = clip not in ("", ".", "..") and "/" not in clip and "\\" not in clip and "\0" not in clip
    try:
        real = path.resolve()
        inside = plain and real.is_relative_to(real_root) and real != real_root
    except (OSError, RuntimeError, ValueError):  # a link loop, a bad name
        inside = False
    if not inside:
        raise ExportError(f"{root.name}: manifest row {number} (clip {clip!r}) points outside the set, to "
                          f"{_shown(path)}; a set may only use its own files, so it is refused.")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path)
