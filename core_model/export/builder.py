"""Assemble a set folder: pose files, manifest, label map, skeleton pickle, balance report, README."""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from pathlib import Path
from typing import List, Sequence

from ..csv_safe import escape_dict
from ..fileio import atomic_path
from ..pose.format import Poses
from .balance import balance, balance_text
from .errors import ExportError
from .layout import (BALANCE_JSON, BALANCE_TXT, CLIPS_DIR, LABEL_MAP, MANIFEST_CSV, MANIFEST_FIELDS, MANIFEST_JSON,
                     POSES_DIR, README, SET_FORMAT, SET_JSON, SET_VERSION, SKELETON_PKL, SetRow)
from .pyskl import annotation, write_pickle
from .splits import assign_splits, check_split_by, group_key


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


#: the time written for every member of a set's .npz files (zip's earliest): a seeded export is byte-identical
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_poses_exactly(poses: Poses, path: Path) -> Path:
    """``poses.save(path)`` with the same bytes for the same poses: members in a fixed order (the format's
    arrays, then ``meta_*`` by name; metadata read back from a file comes in the hash seed's set order) and
    a fixed member time (``np.savez`` stamps the current time). ``Poses.load`` reads it as any pose file."""
    import zipfile

    import numpy as np

    arrays = poses.to_arrays()
    names = [k for k in arrays if not k.startswith("meta_")] + sorted(k for k in arrays if k.startswith("meta_"))
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(arrays[name]), allow_pickle=False)
    return path


class SetBuilder:
    """Collects clips into the (temporary) set folder ``root``; :meth:`finish` writes the set's own files."""

    def __init__(self, root: Path, classes: Sequence[str], *, pose_only: bool, source: dict) -> None:
        if not classes:
            raise ExportError("A set needs at least one class.")
        self.root = Path(root)
        self.classes = list(classes)
        self.pose_only = bool(pose_only)
        self.source = dict(source)
        self.rows: List[SetRow] = []
        self._annotations: List[dict] = []
        self._names: set = set()
        (self.root / POSES_DIR).mkdir(parents=True, exist_ok=True)
        if not self.pose_only:
            (self.root / CLIPS_DIR).mkdir(exist_ok=True)

    def clip_path(self, clip: str) -> Path:
        if self.pose_only:
            raise ExportError("A pose-only set holds no video clips.")
        return self.root / CLIPS_DIR / f"{clip}.mp4"

    def add(self, row: SetRow, poses: Poses, original_shape: Sequence[int]) -> None:
        """Record one clip: its pose file (frames from 0) and its manifest row."""
        if poses.num_frames != row.frames:
            raise ExportError(f"Clip {row.clip} has {row.frames} frames but its poses have {poses.num_frames}.")
        if row.clip in self._names:
            raise ExportError(f"Two clips are named {row.clip}.")
        save_poses_exactly(poses, self.root / POSES_DIR / f"{row.clip}.npz")
        self.rows.append(row)
        self._names.add(row.clip)
        self._annotations.append(annotation(row.clip, row.label_index, poses, original_shape))

    def finish(self, *, split_by: str = "video", ratio: float = 0.8, seed: int = 0) -> dict:
        """Assign splits and write the manifest, label map, pickle, balance report, README and set.json."""
        check_split_by(split_by)
        if not self.rows:
            raise ExportError("No clips to write: the set would be empty.")
        groups = [group_key(split_by, r.video_key, r.person, i) for i, r in enumerate(self.rows)]
        for row, split in zip(self.rows, assign_splits(groups, [r.label_index for r in self.rows],
                                                       ratio=ratio, seed=seed)):
            row.split = split
        split = {s: [r.clip for r in self.rows if r.split == s] for s in ("train", "val")}
        write_pickle(self.root / SKELETON_PKL, self._annotations, split)
        write_text(self.root / LABEL_MAP, "".join(f"{c}\n" for c in self.classes))
        self._write_manifest()
        report = balance(self.rows, self.classes)
        write_text(self.root / BALANCE_JSON, json.dumps(report, indent=2) + "\n")
        write_text(self.root / BALANCE_TXT, balance_text(report))
        info = {
            "format": SET_FORMAT, "version": SET_VERSION, "pose_only": self.pose_only, "classes": self.classes,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "source": self.source, "split": {"by": split_by, "seed": int(seed), "ratio": float(ratio)},
            "clips": len(self.rows),
        }
        write_text(self.root / README, readme_text(info, report))
        write_text(self.root / SET_JSON, json.dumps(info, indent=2) + "\n")
        return report

    def _write_manifest(self) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(MANIFEST_FIELDS), lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            data = row.to_dict()
            data["confidence"] = "" if row.confidence is None else f"{row.confidence:.4f}"
            data["start_time"], data["end_time"] = f"{row.start_time:.6f}", f"{row.end_time:.6f}"
            writer.writerow(escape_dict(data))
        write_text(self.root / MANIFEST_CSV, buf.getvalue())
        write_text(self.root / MANIFEST_JSON, json.dumps([r.to_dict() for r in self.rows], indent=1) + "\n")


def readme_text(info: dict, report: dict) -> str:
    """The short README written inside a set."""
    kind = info["source"].get("kind", "?")
    origin = ("rendered by `epam synth-dataset` (synthetic figures, exact poses)" if kind == "synthetic"
              else f"exported by `epam export` from project {info['source'].get('project', '?')}")
    t = report["total"]
    lines = [
        "# EPAM Studio fine-tuning set",
        "",
        f"{info['clips']} clips of {len(info['classes'])} classes, {origin}, on {info['created']}.",
        f"Split by {info['split']['by']} (train share {info['split']['ratio']:g}, seed {info['split']['seed']}): "
        f"{t['train_clips']} train clips ({t['train_seconds']:.1f} s), {t['val_clips']} val clips "
        f"({t['val_seconds']:.1f} s).",
        "",
        "- `label_map.txt`: class names, one per line (0-based index = line number - 1).",
        "- `manifest.csv` / `manifest.json`: one row per clip (source video and its content key, frames, times, "
        "person, label, source, author, confidence).",
        "- `skeleton.pkl`: PYSKL / MMAction2 skeleton annotations (`split`, `annotations` with `keypoint (M,T,17,2)`).",
        "- `poses/<clip>.npz`: the clip's poses (EPAM pose-file format, frames from 0); the labeled person first.",
    ]
    if info["pose_only"]:
        lines.append("- Pose-only set: no video was exported; it trains the pose stream only.")
    else:
        lines.append("- `clips/<clip>.mp4`: frame-exact H.264 clips with the source's frame timing.")
    lines += ["- `balance.txt` / `balance.json`: clips and seconds per class and split.", "",
              "Train on it with `epam train` or read it with `core_model.export.load_set(path)`.", "",
              "```", balance_text(report).rstrip(), "```", ""]
    return "\n".join(lines)
