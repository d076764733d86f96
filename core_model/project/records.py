"""Plain records the project store returns, the change event and the project error."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..errors import EpamError

#: person value of the "everybody" lane
EVERYBODY = -1
SOURCES = ("user", "accepted")


class ProjectError(EpamError):
    """A project cannot be opened, read or changed (message: one sentence)."""


class ProjectDamaged(ProjectError):
    """The project file has damaged pages; it is left untouched (the message names the last backup)."""


class ProjectWarning(UserWarning):
    """Something the user must know about an opened project (saved changes missing, …); one sentence."""


def now_iso() -> str:
    """UTC time as ISO 8601 with milliseconds (the format of created/modified)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class VideoRecord:
    """A video of the project; ``path`` is where it was last known (absolute)."""

    id: int
    rel_path: str
    content_key: str
    frame_count: int
    fps: float
    duration: float
    path: Path
    size: int = 0
    width: int = 0
    height: int = 0

    @property
    def abs_path(self) -> Path:
        return self.path

    @property
    def name(self) -> str:
        return Path(self.rel_path).name


@dataclass(frozen=True)
class LabelRecord:
    """A label of the project's label set; ``key`` is its shortcut (or None)."""

    id: int
    name: str
    color: str
    key: Optional[str]
    order: int
    kind: str = "state"  # 'state' (a segment) or 'point' (a moment: a one-frame segment)
    category: str = ""  # behaviour category ('' = none; see core_model.project.scheme)
    modifiers: str = ""  # JSON {"values": [...], "free": bool} or ''


@dataclass(frozen=True)
class SegmentRecord:
    """A labeled segment: frames ``[start_frame, end_frame)`` of one person (-1 = everybody) of a video."""

    id: Optional[int]
    video_id: int
    person: int
    start_frame: int
    end_frame: int
    label_id: int
    source: str = "user"
    model_key: Optional[str] = None
    confidence: Optional[float] = None
    author: Optional[str] = None
    note: str = ""
    created: str = ""
    modified: str = ""
    modifier: str = ""  # the chosen modifier of the label ('' = none)

    @property
    def lane(self) -> tuple:
        return (self.video_id, self.person)

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame

    def with_(self, **changes) -> "SegmentRecord":
        return replace(self, **changes)


@dataclass(frozen=True)
class Change:
    """What changed after a commit: a segment range of one lane, or ``kind`` 'labels' / 'videos' / 'project'.

    ``start``/``end`` (end exclusive) bound the affected frames; None means "all" (or not applicable).
    """

    video_id: Optional[int] = None
    person: Optional[int] = None
    start: Optional[int] = None
    end: Optional[int] = None
    kind: str = "segments"
    segment_ids: tuple = field(default=(), compare=False)
