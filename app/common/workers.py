"""Background jobs: a core_model function run on a worker thread with progress, ETA and cancel.

A job function has the core_model shape ``fn(progress=..., cancel=...) -> result``. Progress
callbacks arrive on the worker thread and are forwarded as queued Qt signals; the GUI never
blocks and never spins ``processEvents``.
"""
from __future__ import annotations

import itertools
import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core_model.errors import Cancelled, EpamError
from core_model.jobs import CancelToken

from app.common.eta import EtaEstimator

JobFn = Callable[..., Any]
PROGRESS_INTERVAL = 0.05


_CLASS_NAME = re.compile(r"\s*\((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Interrupt)\)")


def error_message(exc: BaseException) -> str:
    """One readable line for a failure. EpamError messages are written for users: an exception class name
    some add in brackets ("... (KeyError).") is left out. Anything else is a bug: its class name stays."""
    if isinstance(exc, EpamError):
        return _CLASS_NAME.sub("", str(exc))
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _JobSignals(QObject):
    """Carries a job's reports from its worker thread (queued to the manager's thread)."""

    progress = Signal(int, int, int)  # job id, done, total
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)


class _Runnable(QRunnable):
    def __init__(self, job_id: int, fn: JobFn, token: CancelToken, signals: _JobSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._id, self._fn, self._token, self._signals = job_id, fn, token, signals
        self._last_report = 0.0

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()  # at most ~20 reports a second reach the GUI
        if done >= total or now - self._last_report >= PROGRESS_INTERVAL:
            self._last_report = now
            self._signals.progress.emit(self._id, int(done), int(total))

    def run(self) -> None:
        try:
            result = self._fn(progress=self._progress, cancel=self._token)
        except Cancelled:
            self._signals.cancelled.emit(self._id)
        except BaseException as exc:  # noqa: BLE001 - any failure becomes a message
            if self._token.cancelled:
                self._signals.cancelled.emit(self._id)
                return
            if not isinstance(exc, EpamError):  # user errors are one line in the GUI, nothing more
                traceback.print_exc()
            self._signals.failed.emit(self._id, error_message(exc))
        else:
            if self._token.cancelled:
                self._signals.cancelled.emit(self._id)
            else:
                self._signals.finished.emit(self._id, result)


@dataclass(eq=False)
class Job:
    """A running job as seen by the GUI."""

    id: int
    kind: str  # "extract", "analyze", ...
    title: str  # "Extracting poses — bikes.mp4"
    target: Any = None  # what it works on (a VideoEntry)
    token: CancelToken = field(default_factory=CancelToken)
    done: int = 0
    total: int = 0
    eta: Optional[float] = None
    estimator: EtaEstimator = field(default_factory=EtaEstimator)
    on_done: Optional[Callable[[Any], None]] = None
    group: Any = None  # what the job is part of (the open request of several files)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total > 0 else 0.0


class JobManager(QObject):
    """Starts jobs on a thread pool and reports on them with signals carrying the :class:`Job`."""

    started = Signal(object)  # Job
    progressed = Signal(object)  # Job (done/total/eta updated)
    finished = Signal(object, object)  # Job, result
    failed = Signal(object, str)  # Job, message
    cancelled = Signal(object)  # Job
    ended = Signal(object)  # Job, after any of the three above

    def __init__(self, parent=None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._jobs: Dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._signals = _JobSignals(self)
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)

    @property
    def jobs(self) -> list:
        return list(self._jobs.values())

    def find(self, kind: str, target: Any) -> Optional[Job]:
        return next((j for j in self._jobs.values() if j.kind == kind and j.target is target), None)

    def start(self, kind: str, title: str, fn: JobFn, *, target: Any = None,
              on_done: Optional[Callable[[Any], None]] = None) -> Job:
        """Run ``fn(progress=, cancel=)`` in the background; ``on_done(result)`` runs on the GUI thread."""
        job = Job(id=next(self._ids), kind=kind, title=title, target=target, on_done=on_done)
        self._jobs[job.id] = job
        self.started.emit(job)
        self._pool.start(_Runnable(job.id, fn, job.token, self._signals))
        return job

    def cancel(self, job: Job) -> None:
        job.token.cancel()

    def cancel_all(self) -> None:
        for job in self.jobs:
            job.token.cancel()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel everything and wait for the workers (on quit)."""
        self.cancel_all()
        return self._pool.waitForDone(timeout_ms)

    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        job.done, job.total = int(done), int(total)
        job.eta = job.estimator.update(job.done, job.total)
        self.progressed.emit(job)

    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id in self._jobs:
            self._end(self._jobs[job_id], self.failed, message)

    def _on_cancelled(self, job_id: int) -> None:
        if job_id in self._jobs:
            self._end(self._jobs[job_id], self.cancelled)

    def _on_finished(self, job_id: int, result: Any) -> None:
        job = self._jobs.pop(job_id, None)  # gone before on_done, so on_done may start a follow-up job
        if job is None:
            return
        if job.on_done is not None:
            try:
                job.on_done(result)
            except Exception as exc:  # noqa: BLE001
                if not isinstance(exc, EpamError):  # a bug in the follow-up: keep its traceback visible
                    traceback.print_exc()
                self._announce_end(job, self.failed, error_message(exc))
                return
        self._announce_end(job, self.finished, result)

    def _end(self, job: Job, signal, *args) -> None:
        if self._jobs.pop(job.id, None) is not None:
            self._announce_end(job, signal, *args)

    def _announce_end(self, job: Job, signal, *args) -> None:
        signal.emit(job, *args)
        self.ended.emit(job)
