"""Time budgets: per label (and video, person) total time, share of the video, bouts and mean bout length."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple


@dataclass
class Budget:
    """Time spent under one label by one person in one video (``person`` -1 = everybody)."""

    video: str
    person: int
    label: str
    seconds: float
    share: float  # of the video's duration
    bouts: int
    mean_bout: float  # seconds
    coder: str = ""  # whose labels (project budgets are per coder: two coders of one person are never added up)

    def to_dict(self) -> dict:
        return {"video": self.video, "person": self.person, "label": self.label, "seconds": round(self.seconds, 4),
                "share": round(self.share, 6), "bouts": self.bouts, "mean_bout": round(self.mean_bout, 4),
                "coder": self.coder}


#: a segment for statistics: (video name, person, start_frame, end_frame, label name)
StatSegment = Tuple[str, int, int, int, str]


def time_budgets(segments: Iterable[StatSegment], frame_time: Callable[[str, int], float],
                 duration: Callable[[str], float]) -> List[Budget]:
    """Budgets per (video, person, label); touching segments of one label form one bout.

    ``frame_time(video, frame)`` gives a frame's time (frame_count gives the end), ``duration(video)`` seconds.
    """
    groups: Dict[Tuple[str, int, str], List[Tuple[int, int]]] = {}
    for video, person, start, end, label in segments:
        groups.setdefault((video, int(person), label), []).append((int(start), int(end)))
    out = []
    for (video, person, label), spans in sorted(groups.items()):
        spans.sort()
        bouts: List[List[int]] = []
        for start, end in spans:
            if bouts and start <= bouts[-1][1]:
                bouts[-1][1] = max(bouts[-1][1], end)
            else:
                bouts.append([start, end])
        seconds = sum(frame_time(video, e) - frame_time(video, s) for s, e in bouts)
        total = duration(video)
        out.append(Budget(video, person, label, seconds, seconds / total if total > 0 else 0.0, len(bouts),
                          seconds / len(bouts)))
    return out


def summarize(budgets: Iterable[Budget], by: str = "label") -> Dict[str, Dict[str, float]]:
    """Totals over budgets grouped by ``label``, ``video`` or ``person``: seconds and bouts."""
    out: Dict[str, Dict[str, float]] = {}
    for b in budgets:
        key = str(getattr(b, by))
        entry = out.setdefault(key, {"seconds": 0.0, "bouts": 0})
        entry["seconds"] += b.seconds
        entry["bouts"] += b.bouts
    return out
