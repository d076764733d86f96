"""What the user asks for on videos (open, extract poses, analyze), run as jobs that update the Session.

The controller holds no widgets: the main window connects its signals to messages and views.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, List, Optional

from PySide6.QtCore import QObject, Signal

from app.analysis import core_bridge
from app.shell.settings import StudioSettings
from app.common.state import Session, VideoEntry, expand_paths
from app.common.workers import Job, JobManager

OPEN, CACHE, EXTRACT, ANALYZE = "open", "cache", "extract", "analyze"
#: share of an Analyze job's progress that is pose extraction, when it extracts the poses first
POSE_SHARE = 0.6
PROGRESS_TOTAL = 1000


def frame_phases(frames: int, *, poses: bool, model: bool) -> list:
    """A job's progress units -> video frames, for its frames/s (:class:`~app.common.eta.EtaEstimator`):
    extraction reports frames; Analyze reports 0..1000, the first 60 % its pose extraction (when it extracts)."""
    frames = int(frames or 0)
    if not model:
        return [("poses", None, frames)]  # units are frames, whatever the total
    if not poses:
        return [("model", PROGRESS_TOTAL, frames)]
    split = int(PROGRESS_TOTAL * POSE_SHARE)
    return [("poses", split, frames), ("model", PROGRESS_TOTAL, frames)]


def analyze_with_poses(path: Path, settings: StudioSettings, poses) -> Callable[..., object]:
    """An Analyze job: the poses first when there are none (with the pose engine and device of the settings,
    the first 60 % of the progress), then EPAM-Net on them."""

    def run(progress=None, cancel=None):
        found = poses
        start = 0
        if found is None:
            core_bridge.load_model_code_ahead()  # the model's code loads while the poses are made
            start = int(PROGRESS_TOTAL * POSE_SHARE)
            scaled = None if progress is None else (lambda done, total: progress(start * done // max(total, 1),
                                                                                  PROGRESS_TOTAL))
            found = core_bridge.extract_job(path, settings.max_people, **settings.pose_options())(
                progress=scaled, cancel=cancel)
        rest = None if progress is None else (
            lambda done, total: progress(start + (PROGRESS_TOTAL - start) * done // max(total, 1), PROGRESS_TOTAL))
        return core_bridge.analyze_job(path, settings, poses=found)(progress=rest, cancel=cancel)

    return run


class OpenBatch:
    """The videos of one open request (a drop, a dialog, a folder): it makes one of them current, once,
    and reports its failures together when the last open ends."""

    def __init__(self, entries: List[VideoEntry]) -> None:
        self.entries = list(entries)  # in the order asked for
        self.target = entries[-1] if entries else None  # becomes current when it opens
        self.pending = 0
        self.opened: List[VideoEntry] = []
        self.failures: List[str] = []
        self.warnings: List[str] = []  # files opened up to a cut (truncated)
        self.switched = False

    def failure_report(self) -> Optional[tuple]:
        """(title, message) for the failures (and, with them, the files opened with a warning), or None."""
        if not self.failures:
            return None
        warned = [f"• opened with a warning: {m}" for m in self.warnings]
        if len(self.failures) == 1 and not warned:
            return "Cannot open video", self.failures[0]
        title = "Cannot open video" if len(self.failures) == 1 else f"Cannot open {len(self.failures)} videos"
        return title, "\n".join([f"• {m}" for m in self.failures] + warned)


class VideoController(QObject):
    """Opens videos and runs the per-video jobs; results land in ``session`` entries."""

    opened = Signal(object, object)  # entry, VideoInfo (with an open reader for the decoder)
    message = Signal(str)  # a one-line status
    error = Signal(str, str)  # title, one-line message
    pipelineDone = Signal(object)  # entry: the chain started by run_pipeline finished

    def __init__(self, session: Session, jobs: JobManager, settings: Callable[[], StudioSettings],
                 parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.jobs = jobs
        self._settings = settings
        jobs.failed.connect(self._on_failed)
        jobs.cancelled.connect(self._on_cancelled)
        jobs.ended.connect(self._on_ended)

    # open ----------------------------------------------------------------------------------
    def open_paths(self, paths: Iterable[str | Path], *, load_cache: bool = True) -> List[VideoEntry]:
        """Open files (a folder opens the videos in it). The last one becomes current once opened (or, if it
        cannot be opened, the last one that could): the current video switches once per request, and the
        files that cannot be opened are listed in one message when every open has ended."""
        paths = expand_paths(list(paths))
        entries = [self.session.add(p) for p in paths]  # the open entry when the file is already listed
        batch = OpenBatch(entries)
        for entry in entries:
            if entry.is_open:
                batch.opened.append(entry)
                continue
            if entry.busy == "opening":  # already on its way: do not open twice
                continue
            self.session.update(entry, busy="opening", error=None)
            batch.pending += 1
            job = self.jobs.start(OPEN, f"Opening {entry.name}", lambda progress=None, cancel=None, p=entry.path:
                                  core_bridge.open_video(p), target=entry,
                                  on_done=lambda info, e=entry, lc=load_cache: self._on_opened(e, info, lc))
            job.group = batch
        if batch.target is not None and batch.target.is_open:
            batch.switched = True
            self.session.set_current(batch.target)
        if batch.pending == 0:
            self._finish_batch(batch)
        return entries

    def _on_opened(self, entry: VideoEntry, info, load_cache: bool) -> None:
        warning = " ".join(getattr(info, "warnings", ()) or ()) or None
        self.session.update(entry, frame_count=info.frame_count, fps=info.fps, width=info.width,
                            height=info.height, timestamps=info.timestamps, busy=None, error=None, warning=warning)
        self.opened.emit(entry, info)
        if entry not in self.session.entries:  # the same file as a listed project video: that row stays
            return
        if warning:  # read up to the cut, as the CLI does, saying how much was readable
            self.message.emit(f"Warning: {warning}")
        if load_cache:
            self.load_cache(entry)

    def _open_ended(self, job: Job, opened: bool) -> None:
        """One open of a batch ended (opened or not): switch to its target, report the batch at its end."""
        batch = job.group
        if not isinstance(batch, OpenBatch):
            return
        batch.pending -= 1
        if opened:
            batch.opened.append(job.target)
            if job.target.warning:
                batch.warnings.append(job.target.warning)
            if job.target is batch.target and not batch.switched:
                batch.switched = True
                self.session.set_current(job.target)
        if batch.pending <= 0:
            self._finish_batch(batch)

    def _finish_batch(self, batch: OpenBatch) -> None:
        opened = [e for e in batch.entries if e in batch.opened and e in self.session.entries and e.is_open]
        if not batch.switched and opened:
            batch.switched = True
            self.session.set_current(opened[-1])
        report = batch.failure_report()
        if report is not None:
            self.error.emit(*report)

    def load_cache(self, entry: VideoEntry, then: Optional[Callable[[], None]] = None) -> Job:
        """Fill poses/analysis from the caches only (nothing is computed)."""
        settings = self._settings()

        def done(found) -> None:
            poses, result = found
            fields = {}
            if poses is not None and entry.poses is None:
                fields["poses"] = poses
            if result is not None and entry.result is None:
                fields["result"] = result
            if fields:
                self.session.update(entry, **fields)
            if then is not None:
                then()

        return self.jobs.start(CACHE, f"Loading cached results — {entry.name}",
                               core_bridge.load_cache_job(entry.path, settings), target=entry, on_done=done)

    # jobs ----------------------------------------------------------------------------------
    def extract(self, entry: Optional[VideoEntry], then: Optional[Callable[[], None]] = None) -> Optional[Job]:
        """Extract poses of ``entry`` (cached poses come back at once)."""
        if not self._ready(entry, EXTRACT):
            return None
        self.session.update(entry, busy="extracting poses")
        settings = self._settings()
        extract = core_bridge.extract_job(entry.path, settings.max_people, **settings.pose_options())
        previous = entry.poses

        def run(progress=None, cancel=None):
            poses = extract(progress=progress, cancel=cancel)
            return poses, core_bridge.same_poses(previous, poses)  # compared here, off the GUI thread

        def done(found) -> None:
            poses, same = found
            # the analysis stays when the poses are the same (e.g. from the cache): it was made from them
            self.session.update(entry, poses=poses, result=entry.result if same else None)
            from core_model.pose.track_summary import summarize

            self.message.emit(f"Poses of {entry.name}, {poses.num_frames} frames: {summarize(poses).sentence()}")
            if then is not None:
                then()

        job = self.jobs.start(EXTRACT, f"Extracting poses — {entry.name}", run, target=entry, on_done=done)
        job.estimator.phases = frame_phases(entry.frame_count, poses=True, model=False)  # progress is in frames
        return job

    def analyze(self, entry: Optional[VideoEntry], then: Optional[Callable[[], None]] = None) -> Optional[Job]:
        """Run EPAM-Net over ``entry`` (extracting poses first if needed, inside the same job)."""
        if not self._ready(entry, ANALYZE):
            return None
        self.session.update(entry, busy="analyzing")

        def done(result) -> None:
            self.session.update(entry, result=result)
            note = "" if result.trained else " (untrained model: not a prediction)"
            self.message.emit(f"Analyzed {entry.name}: {result.num_windows} windows, "
                              f"{len(result.segments)} segments{note}.")
            if then is not None:
                then()

        settings = self._settings()
        job = self.jobs.start(ANALYZE, f"Analyzing — {entry.name}", analyze_with_poses(entry.path, settings, entry.poses),
                              target=entry, on_done=done)
        job.estimator.phases = frame_phases(entry.frame_count, poses=entry.poses is None, model=True)
        return job

    def run_pipeline(self, entry: VideoEntry) -> None:
        """Extract poses (if missing) then analyze; ``pipelineDone`` when both are there."""
        def analyze() -> None:
            if entry.result is not None:
                self.pipelineDone.emit(entry)
            else:
                self.analyze(entry, then=lambda: self.pipelineDone.emit(entry))

        if entry.poses is None:
            self.extract(entry, then=analyze)
        else:
            analyze()

    def close(self, entry: Optional[VideoEntry]) -> None:
        """Cancel the jobs of ``entry`` and remove it from the session."""
        if entry is not None:
            self.cancel(entry)
            self.session.remove(entry)

    def cancel(self, entry: Optional[VideoEntry] = None) -> None:
        """Cancel the jobs of ``entry`` (all jobs when None)."""
        for job in self.jobs.jobs:
            if entry is None or job.target is entry:
                self.jobs.cancel(job)

    # internals -----------------------------------------------------------------------------
    def _ready(self, entry: Optional[VideoEntry], kind: str) -> bool:
        if entry is None or not entry.is_open:
            self.message.emit("Open a video first (Ctrl+O).")
            return False
        running = next((j for j in self.jobs.jobs if j.target is entry and j.kind in (EXTRACT, ANALYZE)), None)
        if running is not None:
            self.message.emit(f"{running.title} is already running.")
            return False
        return True

    def _on_failed(self, job: Job, message: str) -> None:
        entry = job.target
        if job.kind == OPEN and isinstance(entry, VideoEntry):
            self.session.remove(entry)
            if isinstance(job.group, OpenBatch):
                job.group.failures.append(message)
            else:
                self.error.emit("Cannot open video", message)
            return
        if job.kind == CACHE:
            self.message.emit(f"Cached results not loaded: {message}")
            return
        self.error.emit(f"{job.title} failed", message)

    def _on_cancelled(self, job: Job) -> None:
        self.message.emit(f"Cancelled: {job.title}.")

    def _on_ended(self, job: Job) -> None:
        if job.kind == OPEN:
            self._open_ended(job, opened=isinstance(job.target, VideoEntry) and job.target.is_open
                             and job.target in self.session.entries)
        entry = job.target
        if not isinstance(entry, VideoEntry) or entry not in self.session.entries or job.kind == CACHE:
            return
        still_busy = any(j.target is entry and j.kind in (EXTRACT, ANALYZE) for j in self.jobs.jobs)
        if entry.busy is not None and not still_busy:
            self.session.update(entry, busy=None)
