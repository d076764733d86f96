"""What the user asks for on videos (open, extract poses, analyze), run as jobs that update the Session.

The controller holds no widgets: the main window connects its signals to messages and views.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, List, Optional

from PySide6.QtCore import QObject, Signal

from app.analysis import core_bridge, streamed
from app.shell.settings import StudioSettings
from app.common.state import Session, VideoEntry, expand_paths
from app.common.workers import Job, JobManager

OPEN, CACHE, EXTRACT, ANALYZE = "open", "cache", "extract", "analyze"
PROGRESS_TOTAL = streamed.PROGRESS_TOTAL


def frame_phases(frames: int, *, poses: bool, model: bool) -> list:
    """A job's progress units -> video frames, for its frames/s (:class:`~app.common.eta.EtaEstimator`):
    extraction reports frames; Analyze reports 0..1000, the first 85 % its pose extraction (when it extracts:
    the model runs on the first windows meanwhile, :mod:`.streamed`)."""
    frames = int(frames or 0)
    if not model:
        return [("poses", None, frames)]  # units are frames, whatever the total
    if not poses:
        return [("model", PROGRESS_TOTAL, frames)]
    return streamed.frame_phases(frames)


def analyze_with_poses(path: Path, settings: StudioSettings, poses) -> Callable[..., object]:
    """An Analyze job returning ``(poses, result)``: EPAM-Net on ``poses``, or, when there are none, on the poses
    as they are extracted (the two stages overlapped, :func:`.streamed.analyze_streamed`)."""

    def run(progress=None, cancel=None):
        if poses is None:
            return streamed.analyze_streamed(path, settings, progress, cancel)
        return poses, core_bridge.analyze_job(path, settings, poses=poses)(progress=progress, cancel=cancel)

    return run


def first_look(name: str, poses) -> str:
    """The status line after poses are made: "Poses of a.mp4, 250 frames: Found up to 2 people at once, 3 tracks."
    Where there are clearly more tracks than people, short enough for the status bar (the People dock holds the
    whole sentence): "a.mp4: 13 tracks, 2 people at once — People ▸ Merge / Split" (fits at 1280 px)."""
    from core_model.pose.track_summary import summarize

    look = summarize(poses)
    if look.fragmented:
        return (f"{name}: {look.tracks} tracks, {look.most_at_once} {'person' if look.most_at_once == 1 else 'people'}"
                " at once — People ▸ Merge / Split")
    return f"Poses of {name}, {poses.num_frames} frames: {look.sentence()}"


def analyzed_text(name: str, result) -> str:
    """The status line after an analysis: "Analyzed a.mp4: 9 windows, 2 segments (untrained model)." (the model
    label and the banner say what an untrained model means)."""
    segments = len(result.segments)
    note = "" if result.trained else " (untrained model)"
    from core_model.formatting import count_noun

    return (f"Analyzed {name}: {count_noun(result.num_windows, 'window')}, {count_noun(segments, 'segment')}"
            f"{note}.")


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
    firstLook = Signal(str)  # what new poses hold (people, tracks, fragmented?): a status line that stays longer
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
            self.firstLook.emit(first_look(entry.name, poses))
            if then is not None:
                then()

        job = self.jobs.start(EXTRACT, f"Extracting poses — {entry.name}", run, target=entry, on_done=done)
        job.estimator.phases = frame_phases(entry.frame_count, poses=True, model=False)  # progress is in frames
        return job

    def analyze(self, entry: Optional[VideoEntry], then: Optional[Callable[[], None]] = None) -> Optional[Job]:
        """Run EPAM-Net over ``entry`` (its poses, or, when it has none, the poses extracted in the same job while
        the model runs on the first windows)."""
        if not self._ready(entry, ANALYZE):
            return None
        self.session.update(entry, busy="analyzing")

        had_poses = entry.poses is not None

        def done(found) -> None:
            poses, result = found
            self.session.update(entry, poses=entry.poses if entry.poses is not None else poses, result=result)
            self.message.emit(analyzed_text(entry.name, result))
            if not had_poses:  # the poses were made (or found) by this job: the first look at them, next
                self.firstLook.emit(first_look(entry.name, poses))
            if then is not None:
                then()

        settings = self._settings()
        job = self.jobs.start(ANALYZE, f"Analyzing — {entry.name}", analyze_with_poses(entry.path, settings, entry.poses),
                              target=entry, on_done=done)
        job.estimator.phases = frame_phases(entry.frame_count, poses=entry.poses is None, model=True)
        return job

    def run_pipeline(self, entry: VideoEntry) -> None:
        """Poses and analysis (the poses made while the model runs, when both are missing); ``pipelineDone``
        when both are there."""
        def finished() -> None:
            self.pipelineDone.emit(entry)

        if entry.result is None:
            self.analyze(entry, then=finished)  # the poses streamed into it when there are none
        elif entry.poses is None:
            self.extract(entry, then=finished)
        else:
            finished()

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
