"""Analyse all videos…: extract poses and analyse every video of the open project, one after another.

One queue with its progress (``progressed(fraction, text)``) and ``cancel()``; videos already analysed (an open
video with its poses and a result, or a video not open whose analysis the project records) are skipped. Each video runs
through the studio's own controller (``VideoController.open_paths`` then ``run_pipeline``: the same Extract
and Analyze jobs, shown in the job panel), and the result lands in the video's entry, from where the review
controller records it in the project.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

from PySide6.QtCore import QObject, Signal

from app.analysis.controller import ANALYZE, EXTRACT


def videos_to_analyse(store, session) -> list:
    """The project's video records still to analyse: an open video lacking its poses or its result, or a video
    not open whose analysis the project does not record (or whose folder is gone)."""
    entries = {e.project_id: e for e in session.entries if e.project_id is not None}
    out = []
    for rec in store.videos():
        entry = entries.get(rec.id)
        if entry is not None and entry.is_open:
            done = entry.result is not None and entry.poses is not None
        else:
            folder = store.analysis_folder(rec.id)
            done = folder is not None and (Path(folder) / "summary.json").is_file()
        if not done:
            out.append(rec)
    return out


class ProjectQueue(QObject):
    """``progressed(fraction, text)`` while it runs, ``finished(text)`` once (one sentence)."""

    progressed = Signal(float, str)
    finished = Signal(str)

    def __init__(self, store, session, controller, jobs, parent=None) -> None:
        super().__init__(parent)
        self.store, self.session, self.controller, self.jobs = store, session, controller, jobs
        self.todo = videos_to_analyse(store, session)
        self.skipped = len(store.videos()) - len(self.todo)
        self.done: List[str] = []
        self.failed: List[str] = []
        self.entry = None
        self._index = -1
        self._running = False
        self._cancelled = False
        self._fraction = 0.0
        self._started = self._broken = False
        controller.opened.connect(self._on_opened)
        controller.pipelineDone.connect(self._on_done)
        jobs.progressed.connect(self._on_progress)
        jobs.failed.connect(self._on_failed)
        jobs.cancelled.connect(self._on_cancelled)
        jobs.ended.connect(self._on_ended)

    @property
    def running(self) -> bool:
        return self._running

    def _entry(self, video_id: int):
        return next((e for e in self.session.entries if e.project_id == video_id), None)

    def start(self) -> None:
        self._running = True
        self._next()

    def cancel(self) -> None:
        """Stop: the running video's jobs are cancelled, the videos after it are not started."""
        if not self._running:
            return
        self._cancelled = True
        if self.entry is not None:
            self.controller.cancel(self.entry)
        self._finish()

    # ---- internals -------------------------------------------------------------------------
    def _next(self) -> None:
        self.entry = None
        self._index += 1
        self._fraction = 0.0
        if self._cancelled or self._index >= len(self.todo):
            self._finish()
            return
        rec = self.todo[self._index]
        path = self.store.resolve_video(rec.id)
        if path is None:
            self.failed.append(f"{rec.name}: the video file is missing")
            self._next()
            return
        self._emit()
        entry = self._entry(rec.id)
        if entry is not None and entry.is_open:
            self._run(entry)
            return
        entries = self.controller.open_paths([path], load_cache=False)
        self.entry = entries[0] if entries else None
        if self.entry is not None and self.entry.is_open:
            self._run(self.entry)

    def _run(self, entry) -> None:
        self.entry = entry
        self._started, self._broken = True, False
        self.controller.run_pipeline(entry)

    def _on_opened(self, entry, _info) -> None:
        if self._running and entry is self.entry and not self._started:
            self._run(entry)

    def _on_done(self, entry) -> None:
        if self._running and entry is self.entry:
            self.done.append(entry.name)
            self._started = False
            self._next()

    def _mine(self, job) -> bool:
        return self._running and self.entry is not None and job.target is self.entry

    def _on_progress(self, job) -> None:
        if self._mine(job) and job.kind in (EXTRACT, ANALYZE):
            self._fraction = (0.0 if job.kind == EXTRACT else 0.5) + 0.5 * job.fraction
            self._emit()

    def _on_failed(self, job, message: str) -> None:
        if self._mine(job):
            self.failed.append(f"{self.entry.name}: {message}")
            self._broken = True

    def _on_cancelled(self, job) -> None:
        if self._mine(job):
            self._broken = True

    def _on_ended(self, job) -> None:
        """A job of the running video failed or was cancelled (the pipeline will not finish): next video."""
        if self._mine(job) and self._broken:
            self._broken = self._started = False
            self._next()

    def _emit(self) -> None:
        n = max(1, len(self.todo))
        rec = self.todo[self._index]
        self.progressed.emit((self._index + self._fraction) / n,
                             f"All videos: {self._index + 1} of {len(self.todo)} ({rec.name})")

    def summary(self) -> str:
        text = f"Analysed {len(self.done)} video{'s' if len(self.done) != 1 else ''}"
        if self.skipped:
            text += f", {self.skipped} already analysed"
        if self.failed:
            text += f"; {len(self.failed)} failed ({self.failed[0]})"
        if self._cancelled:
            text += "; cancelled"
        return text + "."

    def _finish(self) -> None:
        if not self._running:
            return
        self._running = False
        for signal, slot in ((self.controller.opened, self._on_opened), (self.controller.pipelineDone, self._on_done),
                             (self.jobs.progressed, self._on_progress), (self.jobs.failed, self._on_failed),
                             (self.jobs.cancelled, self._on_cancelled), (self.jobs.ended, self._on_ended)):
            signal.disconnect(slot)
        self.progressed.emit(1.0, self.summary())
        self.finished.emit(self.summary())
