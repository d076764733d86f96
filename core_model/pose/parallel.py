"""Run a pose extractor over a whole video, in the calling process plus spawned worker processes.

The calling process and ``workers - 1`` spawned processes share the video through a
:class:`~.scheduling.RangeTable` of fixed chunks (borders that depend on the video only); each
takes the next chunk nobody has taken and starts it from a fresh extractor state, so the result
does not depend on the number of workers or on timing. Each worker decodes its own chunks with its
own :class:`~core_model.video.VideoReader` and sends compact per-frame arrays back (with ``appearances``,
the colour descriptors of every detection too, measured on the frame it decoded); tracking then
runs once, in frame order, in the caller, which links tracks across chunk borders. MediaPipe is
not fork-safe, hence the ``spawn`` context.

Worker processes and the caller's own extractor stay warm between videos of one command (a batch):
the spawned workers wait for the next video for :data:`.worker_pool.WARM_SECONDS`, their imports done
and models loaded; every chunk still starts from a reset extractor, so the poses do not change.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import queue
import sys
import threading
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import Cancelled, ConfigError, EpamError, PoseError, VideoError
from ..jobs import CancelToken, ProgressFn, report
from ..startup_trace import mark
from .detection import Detection
from .extractor import create_extractor
from .native_stderr import silenced_native_stderr
from . import worker_pool
from .scheduling import RangeTable, plan_chunks

FrameDetections = Tuple[np.ndarray, np.ndarray]  # keypoints (n,17,2) float32, scores (n,17) float32
#: ``(index, keypoints, scores)`` per frame, plus ``(n, SIZE)`` appearances (:func:`.appearance.describe_frame`)
#: when asked for
Batch = List[tuple]
_BATCH_FRAMES = 8
#: frames decoded ahead in a thread while the pose model works on the current one
_DECODE_AHEAD = 3
_MIN_OVERLAP = 10
_ERRORS = {"PoseError": PoseError, "VideoError": VideoError}
#: ``emit([], 0, (CHUNK_DONE, slot))``: chunk ``slot`` and its continuation are complete (a continuation-like
#: message with no frames: receivers that only store frames ignore it)
CHUNK_DONE = "chunk_done"
#: the calling process's own extractor, kept warm between videos (by settings; see ``_run_ranges``)
_LOCAL_KEPT: dict = {}
#: settings key -> thread making the caller's extractor ahead of use (:func:`prepare`)
_PREPARING: dict = {}


def release_warm() -> None:
    """Close the extractor this process keeps warm and the warm worker processes (no video follows)."""
    while _PREPARING:
        _PREPARING.popitem()[1].join()
    while _LOCAL_KEPT:
        _LOCAL_KEPT.popitem()[1].close()
    worker_pool.shutdown()


atexit.register(release_warm)


@dataclass
class VideoInfo:
    """What the caller needs to know about the video to build a :class:`~.format.Poses`."""

    frame_count: int
    fps: float
    timestamps: np.ndarray
    img_shape: Tuple[int, int]
    #: per frame, one colour descriptor (or ``None``) per detection, ``None`` for frames without any, as
    #: :func:`.appearance.frame_appearances` gives them (measured by the workers when asked for)
    appearances: Optional[list] = None


def default_workers(chunks: int, workers: Optional[int] = None) -> int:
    """``workers`` (default: one per core), at most one per chunk."""
    wanted = workers if workers is not None else (os.cpu_count() or 1)
    if int(wanted) < 1:
        raise ConfigError(f"The number of workers must be at least 1, got {wanted}.")
    return max(1, min(int(wanted), int(chunks)))


def pack(detections: Sequence[Detection], num_joints: int = 17) -> FrameDetections:
    """Detections of one frame as two arrays (cheap to send between processes)."""
    if not detections:
        return np.zeros((0, num_joints, 2), np.float32), np.zeros((0, num_joints), np.float32)
    return (np.stack([d.keypoint for d in detections]).astype(np.float32, copy=False),
            np.stack([d.score for d in detections]).astype(np.float32, copy=False))


class _LocalCounter:
    """The next-chunk counter of an extraction without worker processes (a shared ``Value`` would start
    multiprocessing's resource tracker, a Python process, for its lock: ~0.1 s of CPU beside the first frames)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def get_lock(self) -> threading.Lock:
        return self._lock


def _run_ranges(path: str, table: RangeTable, backend: str, options: dict, emit: Callable[[Batch, int, bool], None],
                stopped: Callable[[], bool], overlap: int, reader=None, kept: Optional[dict] = None,
                looks: bool = False, first_poses: Optional[threading.Event] = None) -> None:
    """Take chunks from ``table`` until none is left, emitting ``(batch, frames_advanced, is_continuation)``.

    Every chunk starts from a fresh extractor state (whoever ran before). After its own chunk a worker
    goes on into the next one (up to ``overlap`` frames) until it sees nobody: those frames, tracked
    with history, replace the cold-start results of the next chunk, so chunk borders do not lose
    people that MediaPipe was tracking but would not detect afresh. ``reader``: an open
    :class:`~core_model.video.VideoReader` of ``path`` to use (and leave open) instead of opening one.
    ``kept``: extractors kept warm between videos (by settings); the one used is reset and kept again.
    ``looks``: send each frame's appearances with its detections (not with the torch engine's batched streams).
    ``first_poses``: set once the first frame's poses are known.
    """
    from ..video import VideoReader

    if int(options.get("streams") or 1) > 1:  # torch engine: several chunks at once, batched (torch_engine/batching.py)
        from .torch_engine.batching import Source, run_sources

        run_sources([Source(path, table, emit, overlap, reader)], options, int(options["streams"]), stopped,
                    run_range=_run_one_range)
        return
    own = reader is None
    reader = VideoReader(path) if own else reader
    timestamps = reader.timestamps
    key = _settings_key(backend, options)
    if kept is _LOCAL_KEPT and key in _PREPARING:
        _PREPARING.pop(key).join()  # being made ahead: waiting is quicker than making another
    extractor = kept.pop(key, None) if kept else None
    used = extractor is not None  # warm from an earlier video: reset before its first chunk
    try:
        extractor = extractor or create_extractor(backend, **options)
    except BaseException:
        if own:
            reader.close()
        raise
    finished = False
    try:
        slot = table.take()
        while slot is not None and not stopped():
            start = table.start(slot)
            if used:
                extractor.reset()  # a chunk's poses must not depend on which chunk this worker did before
            used = True
            if _run_one_range(reader, timestamps, extractor, table, slot, start, emit, stopped, overlap,
                              looks, first_poses) is None:
                return
            slot = table.take()
        finished = True
    finally:
        _keep_or_close(extractor, kept if finished else None, key)
        if own:
            reader.close()


def _settings_key(backend: str, options: dict) -> str:
    return repr((backend, sorted(options.items())))


def prepare(path: str, *, backend: str, options: dict, workers: Optional[int] = None, local_worker: bool = True,
            reader=None, chunk_frames: Optional[int] = None) -> None:
    """Start what :func:`extract_frame_detections` with these arguments will need, without waiting: the worker
    processes (Python start-up, imports) and every worker's extractor (model loading, in a thread here).

    The caller goes on with its own work meanwhile (the detection probe, hashing the video). Harmless when
    the extraction then runs with other options: what was made ahead is closed.
    """
    options = dict(options or {})
    info, key_frames = video_info(path, reader)
    workers = default_workers(len(plan_chunks(info.frame_count, chunk_frames, key_frames)), workers)
    spawned = workers - 1 if local_worker else workers
    pool = worker_pool.acquire(mp.get_context("spawn"), spawned, _worker_main, shared_only=True) if spawned else None
    if pool is not None:  # (None: another extraction in this process is using the warm pool)
        pool.submit((None, None, backend, options, 0, False))
        worker_pool.release(pool, True)  # warm and idle: the extraction takes it
    key = _settings_key(backend, options)
    if local_worker and key not in _LOCAL_KEPT and key not in _PREPARING:
        thread = threading.Thread(target=_prepare_here, args=(backend, options, _LOCAL_KEPT),
                                  name="epam-pose-prepare", daemon=True)
        _PREPARING[key] = thread
        thread.start()


def _keep_or_close(extractor, kept: Optional[dict], key: str) -> None:
    """Keep ``extractor`` warm in ``kept`` (closing any kept with other settings), else close it."""
    if kept is None:
        extractor.close()
        return
    for other in [k for k in kept if k != key]:
        kept.pop(other).close()
    kept[key] = extractor


def _run_one_range(reader, timestamps, extractor, table: RangeTable, slot: int, start: int, emit, stopped,
                   overlap: int, looks: bool = False, first_poses: Optional[threading.Event] = None) -> Optional[int]:
    """Process one range plus its continuation; returns the next frame index (None when stopped).
    ``looks``: each frame's entry carries the appearances of its detections too; ``first_poses`` is set once the
    first frame's poses are known."""
    describe = None
    if looks:
        from .appearance import describe_frame as describe
    batch: Batch = []
    position = start
    stop = None  # known once the own range is done
    last = start - 1
    frames = reader.iter_frames(start, ahead=_DECODE_AHEAD)
    if hasattr(extractor, "look_ahead"):  # it may start on the next frame while on this one (mediapipe_backend)
        frames = extractor.look_ahead(frames, timestamps)
    for idx, frame in frames:
        if stopped():
            return None
        if stop is None and not table.advance(slot, idx):
            stop = table.finish(slot)
            emit(batch, stop - position, False)
            batch = []
        if stop is not None and idx >= stop + overlap:
            break
        keypoints, scores = pack(extractor.process(frame, float(timestamps[idx])))
        mark("first_pose")
        if first_poses is not None:
            first_poses.set()
        batch.append((idx, keypoints, scores) if describe is None else
                     (idx, keypoints, scores, describe(frame, keypoints, scores)))
        last = idx
        if stop is not None and len(keypoints) == 0:
            break  # nobody tracked: a fresh start sees the same from here on
        if len(batch) >= _BATCH_FRAMES:
            emit(batch, 0 if stop is not None else idx + 1 - position, stop is not None)
            batch, position = [], idx + 1
    if stop is None:  # the video ended (or could not be decoded further) inside the own range
        stop = table.finish(slot)
        emit(batch, stop - position, False)
    elif batch:
        emit(batch, 0, True)
    emit([], 0, (CHUNK_DONE, slot))  # its own range and its continuation are complete (:class:`FinalFrames`)
    return last + 1


def exit_with_parent() -> None:
    """Make this spawned process end as soon as its parent does (killed, crashed or exited).

    Two guards: on Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``), and
    everywhere a daemon thread waits on multiprocessing's parent sentinel (a pipe that reaches EOF
    when the parent is gone) and ends the process at once. Without them a worker whose parent was
    killed keeps computing, then blocks forever flushing its result queue, under PID 1.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    parent = mp.parent_process()
    if parent is None:
        return
    from multiprocessing.connection import wait

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="epam-parent-watch", daemon=True).start()
    if not parent.is_alive():  # the parent died before the guards were in place
        os._exit(1)


def _worker_main(jobs, results, counter, stop_event) -> None:
    """Entry point of a spawned worker process (:mod:`.worker_pool`): runs jobs until told to end (``None``).

    A job is ``(number, path, chunks, backend, options, overlap, looks)``; every message sent back carries its
    number.
    The extractor stays warm between jobs with the same settings (reset before each chunk).
    """
    exit_with_parent()
    kept: dict = {}
    with silenced_native_stderr():  # the whole life of the worker: errors go through the queue
        while True:
            job = jobs.get()
            if job is None:
                break
            number, path, chunks, backend, options, overlap, looks = job
            if path is None:  # made ahead (``prepare``): load the model while the caller still decides things
                _prepare_here(backend, options, kept)
                continue
            _worker_job(number, path, RangeTable.of_chunks(chunks, counter), backend, options, overlap,
                        results, stop_event, kept, looks)
        for extractor in kept.values():
            extractor.close()


def _prepare_here(backend: str, options: dict, kept: dict) -> None:
    key = _settings_key(backend, options)
    if key in kept:
        return
    try:
        _keep_or_close(create_extractor(backend, **options), kept, key)
    except Exception:  # noqa: BLE001 - the job itself makes it again and reports the error
        pass


def _worker_job(number, path, table, backend, options, overlap, results, stop_event, kept: dict,
                looks: bool) -> None:
    try:
        _run_ranges(path, table, backend, options, lambda b, n, c: results.put((number, "frames", (b, c), n)),
                    stop_event.is_set, overlap=overlap, kept=kept, looks=looks)
        results.put((number, "done", None, 0))
    except EpamError as exc:
        results.put((number, "error", type(exc).__name__, str(exc)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as one line
        results.put((number, "error", "PoseError", f"A pose worker failed: {type(exc).__name__}: {exc}"))


def video_info(path: str, reader=None) -> Tuple[VideoInfo, Optional[np.ndarray]]:
    """Frame count, fps, timestamps and size of ``path``, plus its key frames when the reader knows them.

    ``reader``: an open reader of ``path`` to ask instead of opening (and indexing) the file again.
    """
    if reader is None:
        from ..video import VideoReader

        with VideoReader(path) as opened:
            return video_info(path, opened)
    info = VideoInfo(reader.frame_count, float(reader.fps), np.asarray(reader.timestamps, np.float64),
                     (int(reader.height), int(reader.width)))
    return info, getattr(reader, "key_frames", None)


def extract_frame_detections(path: str, *, backend: str = "mediapipe", options: Optional[dict] = None,
                             workers: Optional[int] = None, progress: Optional[ProgressFn] = None,
                             cancel: Optional[CancelToken] = None, overlap_seconds: float = 1.0,
                             local_worker: bool = True, chunk_frames: Optional[int] = None,
                             reader=None, on_final: Optional[Callable] = None, appearances: bool = False,
                             first_poses: Optional[threading.Event] = None
                             ) -> Tuple[List[Optional[FrameDetections]], VideoInfo]:
    """Per-frame detections of the whole video (``None`` for frames that could not be decoded).

    ``local_worker``: the calling thread is one of the ``workers`` (fastest start). MediaPipe holds
    the GIL while it runs, so a GUI should pass False: then all workers are spawned processes.
    ``chunk_frames`` overrides the chunk length (:func:`~.scheduling.chunk_length`; for tests): the
    result depends on it, never on ``workers``. ``reader``: the caller's open reader of ``path``
    (the video is then not opened and indexed again in this process). ``on_final(frames, upto, info)``
    is called whenever more frames are final (:class:`.final_frames.FinalFrames`): ``frames[:upto]`` are
    the detections returned in the end (continuations merged in); last with ``upto`` = the frame count.
    ``appearances``: the workers measure every detection's colours on the frame they decoded
    (:func:`.appearance.describe_frame`), given as ``info.appearances`` (``[:upto]`` final when ``on_final`` is
    called; ``None`` in the end if some frames came without them). ``first_poses`` (an event) is set once
    this process's own worker has the poses of its first frame (without one: at the end).
    """
    options = dict(options or {})
    info, key_frames = video_info(path, reader)
    total = info.frame_count
    ctx = mp.get_context("spawn")
    workers = default_workers(len(plan_chunks(total, chunk_frames, key_frames)), workers)
    spawned = workers - 1 if local_worker else workers
    pool = worker_pool.acquire(ctx, spawned, _worker_main) if spawned else None  # warm from an earlier video
    table = RangeTable(ctx, total, chunk_frames=chunk_frames, key_frames=key_frames,
                       counter=pool.counter if pool else _LocalCounter())
    overlap = max(_MIN_OVERLAP, int(round(info.fps * overlap_seconds)))
    collected = _Collected(total, progress, appearances)
    frames, info.appearances = collected.frames, collected.appearances
    if on_final is not None:
        collected.final = _Publisher(table.chunks, collected, info, on_final)
    pending = {"workers": spawned}
    error: List[EpamError] = []
    job = None

    def drain(block: bool) -> None:
        """Handle worker messages of this job (all queued ones; wait up to 0.1 s for one when ``block``)."""
        _drain(pool, job, block, collected.store, pending, error)

    def stopped() -> bool:
        drain(block=False)
        return bool(error) or (cancel is not None and cancel.cancelled)

    ok = False
    try:
        report(progress, 0, total)
        if pool is not None:
            job = pool.submit((path, table.chunks, backend, options, overlap, appearances))
        if local_worker:
            _run_ranges(path, table, backend, options, collected.store, stopped, overlap, reader=reader,
                        kept=_LOCAL_KEPT, looks=appearances, first_poses=first_poses)
        _wait_for_workers(pool.procs if pool else [], pending, stopped, drain, error)
        if error:
            raise error[0]
        if cancel is not None and cancel.cancelled:
            # cancelled (by the user, or the speculative ``full`` run of ``auto`` when the probe says ``tiles``): the
            # workers are kept warm once they have dropped the job (a new worker costs ~1 s to start)
            ok = _workers_dropped(pool, job, pending)
            raise Cancelled()
        ok = True
    finally:
        if pool is not None:
            worker_pool.release(pool, ok)  # kept warm for the next video, or stopped and closed
    collected.merge(total)
    if not collected.complete():
        info.appearances = None
    if on_final is not None:
        on_final(frames, total, info)
    return frames, info


#: a cancelled job's workers have this long to drop it (then they are closed, not kept warm)
DROP_SECONDS = 2.0


def _workers_dropped(pool, job, pending: dict) -> bool:
    """Stop the workers of a cancelled ``job``; whether all said they dropped it within :data:`DROP_SECONDS`
    (their messages are thrown away). Only then may the pool take the next job: its chunk counter is reset then."""
    import time

    if pool is None or job is None:
        return pool is not None
    pool.stop_event.set()
    deadline = time.monotonic() + DROP_SECONDS
    error: list = []
    while pending["workers"] > 0 and not error and time.monotonic() < deadline and pool.healthy():
        _drain(pool, job, True, lambda *_a: None, pending, error)
    return pending["workers"] == 0 and not error


class _Collected:
    """The detections of one video as the workers send them: the frames of each range's own part, and
    continuations (the frames a range ran past its end, kept apart until merged)."""

    def __init__(self, total: int, progress: Optional[ProgressFn], appearances: bool = False) -> None:
        self.frames: List[Optional[FrameDetections]] = [None] * total
        self.continued: dict = {}
        #: frame -> ``(n, SIZE)`` appearances of its detections (when sent), of the frames and of the continuations
        self.looks: dict = {}
        self.continued_looks: dict = {}
        #: with ``appearances``: per frame, its detections' appearances as :func:`.appearance.frame_appearances`
        #: gives them, filled up to where :meth:`merge` was called
        self.appearances: Optional[list] = [None] * total if appearances else None
        self._merged = 0
        self.final: Optional["_Publisher"] = None
        self._done, self._total, self._progress = 0, total, progress

    def store(self, batch: Batch, advanced: int, continuation) -> None:
        if isinstance(continuation, tuple):  # (CHUNK_DONE, slot)
            if self.final is not None:
                self.final.chunk_done(int(continuation[1]))
            return
        target, looks = (self.continued, self.continued_looks) if continuation else (self.frames, self.looks)
        for idx, keypoints, scores, *look in batch:
            target[idx] = (keypoints, scores)
            if look:
                looks[idx] = look[0]
        self._done += advanced
        report(self._progress, self._done, self._total)
        if self.final is not None and batch and not continuation:
            self.final.own_frame(batch[-1][0])

    def merge(self, upto: int) -> None:
        """Frames before ``upto`` are final: the continuations replace their cold-start results, and their
        appearances are filled in."""
        for idx in [i for i in self.continued if i < upto]:
            self.frames[idx] = self.continued.pop(idx)
            if idx in self.continued_looks:
                self.looks[idx] = self.continued_looks.pop(idx)
        if self.appearances is not None and upto > self._merged:
            from .appearance import unpack

            for idx in range(self._merged, upto):
                det = self.frames[idx]
                if det is not None and len(det[0]) and idx in self.looks:
                    self.appearances[idx] = unpack(self.looks[idx])
        self._merged = max(self._merged, upto)

    def complete(self) -> bool:
        """Whether every merged frame with detections has its appearances (when asked for)."""
        return self.appearances is None or all(
            det is None or len(det[0]) == 0 or idx in self.looks for idx, det in enumerate(self.frames))


def _drain(pool, job, block: bool, store: Callable, pending: dict, error: list) -> None:
    """Handle the pool's messages of ``job`` (all queued ones; wait up to 0.1 s for one when ``block``)."""
    while pool is not None:
        try:
            number, kind, a, b = pool.results.get(timeout=0.1) if block else pool.results.get_nowait()
        except queue.Empty:
            return
        block = False
        if number != job:
            continue  # an earlier job's (stopped) worker
        if kind == "frames":
            store(a[0], b, a[1])
        elif kind == "done":
            pending["workers"] -= 1
        else:
            error.append(_ERRORS.get(a, PoseError)(b))
            pool.stop_event.set()


class _Publisher:
    """Tells ``on_final`` each time the final prefix grows, the continuations of its frames merged in."""

    def __init__(self, chunks, collected: _Collected, info: VideoInfo, on_final: Callable) -> None:
        from .final_frames import FinalFrames

        self._final, self._collected = FinalFrames(chunks), collected
        self._info, self._on_final, self._upto = info, on_final, 0

    def own_frame(self, index: int) -> None:
        self._final.own_frame(index)
        self._publish()

    def chunk_done(self, slot: int) -> None:
        self._final.chunk_done(slot)
        self._publish()

    def _publish(self) -> None:
        upto = self._final.frontier()
        if upto <= self._upto:
            return
        self._collected.merge(upto)  # final: no other continuation reaches them
        self._upto = upto
        self._on_final(self._collected.frames, upto, self._info)


def _wait_for_workers(procs, pending: dict, stopped, drain, error: list) -> None:
    """Drain worker messages until every worker is done, one failed or died, or the job is stopped."""
    while pending["workers"] > 0 and not stopped():
        drain(block=True)
        if pending["workers"] > 0 and not all(p.is_alive() for p in procs):  # warm workers never end on their own
            drain(block=False)
            if pending["workers"] > 0:
                error.append(PoseError("A pose worker process stopped unexpectedly (out of memory?)."))
