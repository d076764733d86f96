"""What ``epam train`` reads: an exported/synthetic set folder, or a PYSKL pickle with its videos.

Both become a :class:`TrainingData`: class names plus train and validation :class:`ClipItem` lists.
Problems with the data (missing videos, labels out of range, an empty split) raise
:class:`DataError` with one sentence, before any training starts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..errors import ConfigError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm")


class DataError(ConfigError):
    """The training data cannot be used as it is (message: one sentence)."""


@dataclass
class ClipItem:
    """One training clip: its label, video (None: pose only) and poses (a file, or arrays in memory).

    ``everybody``: the clip shows an interaction, use every person; otherwise only the first
    person of the pose file (exported sets put the labeled person first).
    """

    name: str
    label: int
    video: Optional[Path]
    pose_file: Optional[Path] = None
    keypoint: Optional[np.ndarray] = None  # (M, T, 17, 2) pixels
    keypoint_score: Optional[np.ndarray] = None  # (M, T, 17)
    img_shape: Optional[tuple] = None  # (H, W)
    everybody: bool = True

    def load_poses(self):
        """(keypoint (M,T,17,2), score (M,T,17), img_shape (H, W)) of the people to use."""
        if self.pose_file is not None:
            from ..pose.format import Poses

            poses = Poses.load(self.pose_file)
            kp, score, shape = poses.keypoint, poses.keypoint_score, tuple(poses.img_shape)
        else:
            kp, score, shape = self.keypoint, self.keypoint_score, tuple(self.img_shape)
        if not self.everybody and kp.shape[0] > 1:
            kp, score = kp[:1], score[:1]
        return np.asarray(kp, np.float32), np.asarray(score, np.float32), (int(shape[0]), int(shape[1]))


@dataclass
class TrainingData:
    classes: List[str]
    train: List[ClipItem]
    val: List[ClipItem]
    pose_only: bool
    source: Dict[str, object] = field(default_factory=dict)  # provenance: path, kind, counts

    def describe(self) -> dict:
        return {**self.source, "classes": len(self.classes), "train_clips": len(self.train),
                "val_clips": len(self.val), "pose_only": self.pose_only}


def load_training_data(path, *, classes: Optional[Sequence[str]] = None, videos: Optional[Path] = None,
                       split: Optional[str] = None, need_rgb: bool = True, no_val: bool = False) -> TrainingData:
    """Read DATA: a set folder (``core_model.export.load_set``) or a ``.pkl`` (with ``videos`` folder).

    ``classes`` (names, in output order) replaces the data's own list; every clip's label must be in it.
    ``need_rgb``: the phases to run use the RGB stream, so every clip needs its video.
    ``no_val``: train without validation (``--no-val``): validation clips, if any, are left out.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"The training data '{path}' does not exist.")
    if path.is_dir():
        data = _from_set(path)
    elif path.suffix.lower() in (".pkl", ".pickle"):
        data = _from_pickle(path, videos=videos, split=split, need_rgb=need_rgb)
    else:
        raise DataError(f"'{path.name}' is neither a fine-tuning set folder nor a PYSKL .pkl file.")
    if no_val:
        data = TrainingData(data.classes, data.train, [], data.pose_only, data.source)
    if classes is not None:
        data = _remap(data, [str(c) for c in classes])
    _check(data, need_rgb, no_val)
    return data


def _from_set(path: Path) -> TrainingData:
    from ..export import load_set

    s = load_set(path)

    def items(rows) -> List[ClipItem]:
        return [ClipItem(r.clip, int(r.label_index), s.clip_path(r), pose_file=s.pose_path(r),
                         everybody=int(r.person) < 0) for r in rows]

    kind = (s.info.get("source") or {}).get("kind", "set")
    return TrainingData(list(s.classes), items(s.train), items(s.val), bool(s.pose_only),
                        {"path": str(path.resolve()), "kind": str(kind), "name": path.name})


def _split_names(splits: dict, split: Optional[str], name: str):
    if split:
        for train, val in ((f"{split}_train", f"{split}_val"), (f"{split}_train", f"{split}_test"), (split, None)):
            if train in splits and (val is None or val in splits):
                if val is None:
                    raise DataError(f"{name}: give a split with a training and a validation part, e.g. "
                                    f"{', '.join(sorted(k[:-6] for k in splits if k.endswith('_train'))) or 'train'}.")
                return train, val
        raise DataError(f"{name} has no split '{split}' (it has {', '.join(sorted(splits)) or 'none'}).")
    if "train" in splits and "val" in splits:
        return "train", "val"
    pairs = sorted(k[:-6] for k in splits if k.endswith("_train") and f"{k[:-6]}_val" in splits)
    if not pairs:
        raise DataError(f"{name} has no train/val split (it has {', '.join(sorted(splits)) or 'none'}).")
    return f"{pairs[0]}_train", f"{pairs[0]}_val"


def find_video(folder: Path, clip: str) -> Optional[Path]:
    """``folder/clip.mp4`` (or another video suffix), or NTU's ``clip_rgb.avi``."""
    for suffix in VIDEO_SUFFIXES:
        candidate = folder / f"{clip}{suffix}"
        if candidate.is_file():
            return candidate
    candidate = folder / f"{clip}_rgb.avi"
    return candidate if candidate.is_file() else None


def _from_pickle(path: Path, *, videos: Optional[Path], split: Optional[str], need_rgb: bool) -> TrainingData:
    from ..errors import PoseError
    from ..pose.importers import read_pyskl_pickle

    try:
        raw = read_pyskl_pickle(path)
    except PoseError as exc:
        raise DataError(str(exc)) from None
    splits = raw.get("split") or {}
    train_name, val_name = _split_names(splits, split, path.name)
    if videos is None:
        videos = path.parent / "clips" if (path.parent / "clips").is_dir() else path.parent
    videos = Path(videos)
    by_name = {}
    for ann in raw["annotations"]:
        if isinstance(ann, dict) and "frame_dir" in ann:
            by_name[str(ann["frame_dir"])] = ann
    labels = [int(a.get("label", -1)) for a in by_name.values()]
    classes = _pickle_classes(path, max(labels) + 1 if labels else 0)
    missing_videos: List[str] = []

    def items(names) -> List[ClipItem]:
        out = []
        for name in names:
            ann = by_name.get(str(name))
            if ann is None:
                raise DataError(f"{path.name}: the split lists '{name}' but there is no annotation for it.")
            try:
                kp = np.asarray(ann["keypoint"], np.float32)[..., :2]
                score = ann.get("keypoint_score")
                score = np.ones(kp.shape[:3], np.float32) if score is None else np.asarray(score, np.float32)
                shape = tuple(int(v) for v in ann["img_shape"])[:2]
            except (KeyError, TypeError, ValueError):
                raise DataError(f"{path.name}: the annotation of '{name}' lacks keypoint or img_shape.") from None
            if kp.ndim != 4 or kp.shape[:3] != score.shape:
                raise DataError(f"{path.name}: the keypoints of '{name}' are not (people, frames, joints, 2).")
            video = find_video(videos, str(name))
            if video is None and need_rgb:
                missing_videos.append(str(name))
            out.append(ClipItem(str(name), int(ann.get("label", -1)), video, keypoint=kp, keypoint_score=score,
                                img_shape=shape, everybody=True))
        return out

    train, val = items(splits[train_name]), items(splits[val_name])
    if missing_videos:
        raise DataError(f"{len(missing_videos)} of the videos of {path.name} are missing from {videos} "
                        f"(e.g. {missing_videos[0]}); give --videos DIR, or train only the pose stream "
                        f"with --phase pose.")
    return TrainingData(classes, train, val, pose_only=not need_rgb,
                        source={"path": str(path.resolve()), "kind": "pyskl", "name": path.name,
                                "split": [train_name, val_name], "videos": str(videos)})


def _pickle_classes(path: Path, count: int) -> List[str]:
    """Names from a ``label_map.txt`` beside the pickle, else NTU's when the labels fit, else ``class i``."""
    from ..labels import generic_class_names, load_class_names

    beside = path.parent / "label_map.txt"
    if beside.is_file():
        return load_class_names(str(beside))
    if 0 < count <= 60:
        names = load_class_names("ntu60")
    elif 60 < count <= 120:
        names = load_class_names("ntu120")
    else:
        return generic_class_names(count)
    return names[: max(count, 1)] if count <= 60 else names


def _remap(data: TrainingData, names: List[str]) -> TrainingData:
    index = {n: i for i, n in enumerate(names)}
    if len(index) != len(names):
        raise DataError("The class list names a class twice.")

    def move(items: List[ClipItem]) -> List[ClipItem]:
        out = []
        for item in items:
            if not 0 <= item.label < len(data.classes):
                return items  # reported by _check
            name = data.classes[item.label]
            if name not in index:
                raise DataError(f"Clip {item.name} is labeled '{name}', which is not in the class list given.")
            out.append(ClipItem(**{**vars(item), "label": index[name]}))
        return out

    return TrainingData(names, move(data.train), move(data.val), data.pose_only, data.source)


def _check(data: TrainingData, need_rgb: bool, no_val: bool = False) -> None:
    if not data.classes:
        raise DataError("The training data names no classes.")
    if not data.train:
        raise DataError("The training split of the data is empty: export the set with clips in both splits.")
    if not data.val and not no_val:
        raise DataError("The validation split of the data is empty: export the set again split by segment "
                        "(--split-by random, stratified by class), or train without validation with --no-val.")
    for items in (data.train, data.val):
        for item in items:
            if not 0 <= item.label < len(data.classes):
                raise DataError(f"Clip {item.name} has label {item.label}, outside the {len(data.classes)} classes.")
    if need_rgb and data.pose_only:
        raise DataError("The set is pose-only (no videos): train only the pose stream with --phase pose.")
    if len({i.label for i in data.train}) < 2:
        raise DataError("The training split holds a single class: a classifier needs at least two.")
