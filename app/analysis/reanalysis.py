"""Analyze every video of the open project again (after training a new model), one job after another.

Each video runs as the app's Analyze job (``core_bridge.analyze_job`` on the window's ``JobManager``: progress,
time left and Cancel in the job panel), with the poses the session or the project already has. Each result is
recorded in the project (``store.set_analysis``) and handed to the open video, if any. The results held before
are kept, so the caller can show what changed (``app/training/what_changed.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from PySide6.QtCore import QObject, Signal

from core_model.formatting import format_percent
from core_model.review.project_review import ResultCache

from app.analysis import core_bridge, streamed
from app.analysis.controller import ANALYZE

ANALYZING = "analyzing"


@dataclass
class ReanalysisOutcome:
    before: Dict[int, object]  # video id -> the result shown before (None: not analyzed)
    after: Dict[int, object]  # video id -> the new result (videos that were analyzed)
    failed: List[Tuple[str, str]] = field(default_factory=list)  # (video name, one sentence)
    cancelled: bool = False

    def summary(self) -> str:
        done = len(self.after)
        text = f"Analyzed {done} video{'s' if done != 1 else ''} again"
        if self.failed:
            text += f"; {len(self.failed)} failed ({self.failed[0][0]}: {self.failed[0][1]})"
        if self.cancelled:
            text += "; cancelled before the end"
        return text + "."


def _poses_for(store, rec, path, entry):
    """Poses the app or the project already has for a video (None: the analysis finds or extracts them)."""
    if entry is not None and entry.poses is not None:
        return entry.poses
    from core_model.export.project import find_poses

    try:
        found = find_poses(store, rec, path)
    except Exception:  # noqa: BLE001 - no cached poses: the analysis extracts them
        return None
    if isinstance(found, (str, Path)):
        from core_model.pose.format import Poses

        return Poses.load(found)
    return found


class Reanalysis(QObject):
    """``progressed(fraction, text)`` while it runs; ``finished(ReanalysisOutcome)`` once."""

    progressed = Signal(float, str)
    finished = Signal(object)

    def __init__(self, store, settings, jobs, session=None, results: Optional[ResultCache] = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.store, self.settings, self.jobs, self.session = store, settings, jobs, session
        self.results = results or ResultCache()
        self.videos = list(store.videos())
        self.outcome = ReanalysisOutcome({}, {})
        self.job = None
        self._index = -1
        self._cancelled = False
        self._running = False
        jobs.progressed.connect(self._on_progress)
        jobs.failed.connect(self._on_failed)
        jobs.cancelled.connect(self._on_cancelled)
        jobs.ended.connect(self._on_ended)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Remember the current results, then analyze the videos one by one."""
        for rec in self.videos:
            self.outcome.before[rec.id] = self._entry_result(rec.id) or self.results.get(self.store, rec.id)
        self._running = True
        self._next()

    def cancel(self) -> None:
        """Stop after cancelling the running video (results already made are kept)."""
        self._cancelled = True
        if self.job is not None:
            self.jobs.cancel(self.job)
        elif self._running:
            self._finish()

    # ---- internals -------------------------------------------------------------------------
    def _entry(self, video_id: int):
        if self.session is None:
            return None
        return next((e for e in self.session.entries if e.project_id == video_id), None)

    def _entry_result(self, video_id: int):
        entry = self._entry(video_id)
        return entry.result if entry is not None else None

    def _next(self) -> None:
        self.job = None
        self._index += 1
        if self._cancelled or self._index >= len(self.videos):
            self._finish()
            return
        rec = self.videos[self._index]
        path = self.store.resolve_video(rec.id)
        if path is None:
            self.outcome.failed.append((rec.name, "the video file is missing (locate it in the project first)"))
            self._next()
            return
        entry = self._entry(rec.id)
        settings, store = self.settings, self.store

        def run(progress=None, cancel=None):
            poses = _poses_for(store, rec, path, entry)
            if poses is None:  # extracted while the model runs (every pose worker a process: the GUI stays free)
                return streamed.analyze_streamed(path, settings, progress, cancel)[1]
            return core_bridge.analyze_job(path, settings, poses=poses)(progress=progress, cancel=cancel)

        if entry is not None:
            self.session.update(entry, busy=ANALYZING)
        self.progressed.emit(self._index / max(1, len(self.videos)), self._text(rec, 0.0))
        self.job = self.jobs.start(ANALYZE, f"Analyzing — {rec.name}", run, target=entry if entry is not None else rec,
                                   on_done=lambda result, r=rec: self._record(r, result))

    def _text(self, rec, fraction: float) -> str:
        return (f"Analyzing {rec.name} ({self._index + 1} of {len(self.videos)} videos, "
                f"{format_percent(fraction, 0)})")

    def _record(self, rec, result) -> None:
        self.outcome.after[rec.id] = result
        folder = getattr(result, "path", None)
        if folder is not None and not self.store.read_only:
            info = result.summary.get("model_info", {}) if isinstance(result.summary, dict) else {}
            self.store.set_analysis(rec.id, folder, str(info.get("key") or result.model))
            self.results.put(folder, result)
        entry = self._entry(rec.id)
        if entry is not None and entry in self.session.entries:
            self.session.update(entry, result=result)

    def _mine(self, job) -> bool:
        return self.job is not None and job is self.job

    def _on_progress(self, job) -> None:
        if self._mine(job):
            overall = (self._index + job.fraction) / max(1, len(self.videos))
            self.progressed.emit(overall, self._text(self.videos[self._index], job.fraction))

    def _on_failed(self, job, message: str) -> None:
        if self._mine(job):
            self.outcome.failed.append((self.videos[self._index].name, message))

    def _on_cancelled(self, job) -> None:
        if self._mine(job):
            self._cancelled = True

    def _on_ended(self, job) -> None:
        if self._mine(job):
            self._next()

    def _finish(self) -> None:
        if not self._running:
            return
        self._running = False
        self.outcome.cancelled = self._cancelled
        self.progressed.emit(1.0, self.outcome.summary())
        self.finished.emit(self.outcome)
