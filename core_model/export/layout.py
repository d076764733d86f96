"""The fine-tuning set layout: file names, ``set.json`` tags and the manifest row.

```
SET/
  set.json  label_map.txt  manifest.csv  manifest.json  skeleton.pkl
  clips/<clip>.mp4  (absent in pose-only sets)   poses/<clip>.npz
  balance.json  balance.txt  README.md
```
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Optional

SET_FORMAT = "epam-set"
SET_VERSION = 1

SET_JSON = "set.json"
LABEL_MAP = "label_map.txt"
MANIFEST_CSV = "manifest.csv"
MANIFEST_JSON = "manifest.json"
SKELETON_PKL = "skeleton.pkl"
CLIPS_DIR = "clips"
POSES_DIR = "poses"
BALANCE_JSON = "balance.json"
BALANCE_TXT = "balance.txt"
README = "README.md"

SPLITS = ("train", "val")
SPLIT_BY = ("video", "person", "random")


@dataclass
class SetRow:
    """One clip of a set (one manifest line).

    ``start_frame``/``end_frame`` (exclusive) are the source-video frames the clip holds (context
    padding included); ``segment_start_frame``/``segment_end_frame`` the labeled part; ``frames`` the
    clip's frame count; times are seconds in the source video. ``person`` is the track id whose poses
    come first in the clip's pose file (-1 = everybody). ``width``/``height`` are the clip's picture
    size (after a person crop), ``crop`` the crop box in source pixels ("x0 y0 x1 y1", "" = none).
    """

    clip: str
    split: str
    video: str
    video_key: str
    start_frame: int
    end_frame: int
    frames: int
    start_time: float
    end_time: float
    person: int
    label: str
    label_index: int
    source: str
    author: str
    confidence: Optional[float]
    segment_start_frame: int = 0
    segment_end_frame: int = 0
    width: int = 0
    height: int = 0
    crop: str = ""

    @property
    def seconds(self) -> float:
        return max(0.0, float(self.end_time) - float(self.start_time))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SetRow":
        known = {f.name: f for f in fields(cls)}
        values = {}
        for name, f in known.items():
            if name not in data:
                continue
            value = data[name]
            if f.type in ("int",):
                value = int(value)
            elif f.type in ("float",):
                value = float(value)
            elif f.type == "Optional[float]":
                value = None if value in (None, "") else float(value)
            elif f.type == "str":
                value = "" if value is None else str(value)
            values[name] = value
        return cls(**values)


MANIFEST_FIELDS = tuple(f.name for f in fields(SetRow))

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str, limit: int = 40) -> str:
    """``text`` reduced to characters safe in a file name on every platform."""
    name = _UNSAFE.sub("-", str(text)).strip("-.") or "x"
    return name[:limit]
