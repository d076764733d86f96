"""Qt-free session model: the open videos, the current one and the selected person.

Widgets subscribe to the model's events (napari style) and the model never imports Qt,
so it is tested without a display.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, List, Optional

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")


class Event:
    """A list of callbacks called with the emitted arguments."""

    def __init__(self) -> None:
        self._callbacks: List[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)


@dataclass(eq=False)
class VideoEntry:
    """One open video and what is known about it (poses, analysis, labels, errors)."""

    path: Path
    frame_count: int = 0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    timestamps: Any = None  # (frame_count,) seconds of each frame (VFR aware)
    poses: Any = None  # core_model.pose.Poses
    result: Any = None  # core_model.analysis.AnalysisResult
    labels: int = 0  # labeled segments (project videos)
    covered: Optional[float] = None  # fraction of the frames covered by labels (project videos)
    project_id: Optional[int] = None  # id in the open project, None outside a project
    error: Optional[str] = None
    warning: Optional[str] = None  # the file could be opened but not fully read (a truncated download)
    busy: Optional[str] = None  # "extracting poses", "analyzing", ...

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0

    @property
    def is_open(self) -> bool:
        return self.frame_count > 0

    def frame_time(self, frame: int) -> float:
        """Seconds of frame ``frame`` (from the reader's timestamps when known)."""
        if self.timestamps is not None and 0 <= frame < len(self.timestamps):
            return float(self.timestamps[frame])
        return frame / self.fps if self.fps else 0.0

    def status_text(self) -> str:
        """One short line: what has been done on this video."""
        if self.error:
            return f"error: {self.error}" + (f" · {self.label_text()}" if self.project_id is not None else "")
        if not self.is_open and self.busy is None:
            parts = ["not opened yet"]
        else:
            parts = ["poses ✓" if self.poses is not None else "no poses"]
            if self.result is not None:
                parts.append("analyzed ✓" if getattr(self.result, "trained", False) else "analyzed (untrained)")
            else:
                parts.append("not analyzed")
        if self.project_id is not None:
            parts.append(self.label_text())
        if self.warning:
            parts.append("⚠ " + ("truncated" if "truncated" in self.warning else "damaged"))
        if self.busy:
            parts.append(f"{self.busy}…")
        return " · ".join(parts)


    def label_text(self) -> str:
        """'12 labels · 43% covered' (project videos)."""
        text = f"{self.labels} label{'s' if self.labels != 1 else ''}"
        if self.covered is not None:
            pct = 100.0 * self.covered
            text += f" · {pct:.0f}% covered" if pct >= 1 or pct == 0 else " · <1% covered"
        return text


@dataclass(eq=False)
class Session:
    """The open videos, the current one and the selected person (track id or None = all)."""

    entries: List[VideoEntry] = field(default_factory=list)
    current: Optional[VideoEntry] = None
    person: Optional[int] = None

    def __post_init__(self) -> None:
        self.added = Event()  # (entry)
        self.changed = Event()  # (entry)
        self.removed = Event()  # (entry)
        self.current_changed = Event()  # (entry | None)
        self.person_changed = Event()  # (person | None)

    def find(self, path: Path | str) -> Optional[VideoEntry]:
        resolved = Path(path).resolve()
        return next((e for e in self.entries if e.path == resolved), None)

    def add(self, path: Path | str) -> VideoEntry:
        """Add a video (or return the already-open entry for the same file)."""
        existing = self.find(path)
        if existing is not None:
            return existing
        entry = VideoEntry(path=Path(path).resolve())
        self.entries.append(entry)
        self.added.emit(entry)
        return entry

    def project_entry(self, video_id: Optional[int], besides: Optional[VideoEntry] = None) -> Optional[VideoEntry]:
        """The entry listed for project video ``video_id`` (other than ``besides``), or None."""
        if video_id is None:
            return None
        return next((e for e in self.entries if e.project_id == video_id and e is not besides), None)

    def replace(self, entry: VideoEntry, twin: VideoEntry) -> None:
        """``entry`` is the same video as ``twin`` (a copy under another name): one row, ``twin``'s."""
        was_current = self.current is entry
        if entry in self.entries:
            self.entries.remove(entry)
            self.removed.emit(entry)
        if was_current or self.current is None:
            self.set_current(twin)

    def remove(self, entry: VideoEntry) -> None:
        if entry not in self.entries:
            return
        self.entries.remove(entry)
        self.removed.emit(entry)
        if self.current is entry:
            self.set_current(self.entries[-1] if self.entries else None)

    def update(self, entry: VideoEntry, **fields: Any) -> None:
        """Set attributes of ``entry`` and notify subscribers."""
        for key, value in fields.items():
            if not hasattr(entry, key):
                raise AttributeError(key)
            setattr(entry, key, value)
        self.changed.emit(entry)

    def set_current(self, entry: Optional[VideoEntry]) -> None:
        if entry is self.current:
            return
        self.current = entry
        self.person = None
        self.current_changed.emit(entry)

    def set_person(self, person: Optional[int]) -> None:
        if person == self.person:
            return
        self.person = person
        self.person_changed.emit(person)


def expand_paths(paths: List[str | Path]) -> List[Path]:
    """Files stay as they are; a folder becomes the videos inside it (sorted)."""
    out: List[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(c for c in p.iterdir() if c.suffix.lower() in VIDEO_SUFFIXES))
        else:
            out.append(p)
    return out
