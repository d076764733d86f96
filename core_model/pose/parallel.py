"""Run a pose extractor over a whole video, in the calling process plus spawned worker processes.

The calling process and ``workers - 1`` spawned processes share the video through a
:class:`~.scheduling.RangeTable` of fixed chunks (borders that depend on the video only); each
takes the next chunk nobody has taken and starts it from a fresh extractor state, so the result
does not depend on the number of workers or on timing. Each worker decodes its own chunks with its
own :class:`~core_model.video.VideoReader` and sends compact per-frame arrays back; tracking then
runs once, in frame order, in the caller, which links tracks across chunk borders. MediaPipe is
not fork-safe, hence the ``spawn`` context.
"""
from __future__ import annotations

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
from .scheduling import RangeTable

FrameDetections = Tuple[np.ndarray, np.ndarray]  # keypoints (n,17,2) float32, scores (n,17) float32
Batch = List[Tuple[int, np.ndarray, np.ndarray]]
_BATCH_FRAMES = 8
#: frames decoded ahead in a thread while the pose model works on the current one
_DECODE_AHEAD = 3
_MIN_OVERLAP = 10
_ERRORS = {"PoseError": PoseError, "VideoError": VideoError}


@dataclass
class VideoInfo:
    """What the caller needs to know about the video to build a :class:`~.format.Poses`."""

    frame_count: int
    fps: float
    timestamps: np.ndarray
    img_shape: Tuple[int, int]


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


def _run_ranges(path: str, table: RangeTable, backend: str, options: dict, emit: Callable[[Batch, int, bool], None],
                stopped: Callable[[], bool], overlap: int, reader=None) -> None:
    """Take chunks from ``table`` until none is left, emitting ``(batch, frames_advanced, is_continuation)``.

    Every chunk starts from a fresh extractor state (whoever ran before). After its own chunk a worker
    goes on into the next one (up to ``overlap`` frames) until it sees nobody: those frames, tracked
    with history, replace the cold-start results of the next chunk, so chunk borders do not lose
    people that MediaPipe was tracking but would not detect afresh. ``reader``: an open
    :class:`~core_model.video.VideoReader` of ``path`` to use (and leave open) instead of opening one.
    """
    from ..video import VideoReader

    if int(options.get("streams") or 1) > 1:  # torch engine: several chunks at once, batched (torch_engine/batching.py)
        from .torch_engine.batching import Source, run_sources

        run_sources([Source(path, table, emit, overlap, reader)], options, int(options["streams"]), stopped)
        return
    own = reader is None
    reader = VideoReader(path) if own else reader
    timestamps = reader.timestamps
    try:
        extractor = create_extractor(backend, **options)
    except BaseException:
        if own:
            reader.close()
        raise
    try:
        previous_end = None
        slot = table.take()
        while slot is not None and not stopped():
            start = table.start(slot)
            if previous_end is not None:
                extractor.reset()  # a chunk's poses must not depend on which chunk this worker did before
            previous_end = _run_one_range(reader, timestamps, extractor, table, slot, start, emit, stopped, overlap)
            if previous_end is None:
                return
            slot = table.take()
    finally:
        extractor.close()
        if own:
            reader.close()


def _run_one_range(reader, timestamps, extractor, table: RangeTable, slot: int, start: int, emit, stopped,
                   overlap: int) -> Optional[int]:
    """Process one range plus its continuation; returns the next frame index (None when stopped)."""
    batch: Batch = []
    position = start
    stop = None  # known once the own range is done
    last = start - 1
    for idx, frame in reader.iter_frames(start, ahead=_DECODE_AHEAD):
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
        batch.append((idx, keypoints, scores))
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


def _worker_main(path, table, backend, options, results, stop_event, overlap) -> None:
    """Entry point of a spawned worker process."""
    exit_with_parent()
    try:
        with silenced_native_stderr():  # the whole life of the worker: errors go through the queue
            _run_ranges(path, table, backend, options, lambda b, n, c: results.put(("frames", (b, c), n)),
                        stop_event.is_set, overlap=overlap)
        results.put(("done", None, 0))
    except EpamError as exc:
        results.put(("error", type(exc).__name__, str(exc)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as one line
        results.put(("error", "PoseError", f"A pose worker failed: {type(exc).__name__}: {exc}"))


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
                             reader=None) -> Tuple[List[Optional[FrameDetections]], VideoInfo]:
    """Per-frame detections of the whole video (``None`` for frames that could not be decoded).

    ``local_worker``: the calling thread is one of the ``workers`` (fastest start). MediaPipe holds
    the GIL while it runs, so a GUI should pass False: then all workers are spawned processes.
    ``chunk_frames`` overrides the chunk length (:func:`~.scheduling.chunk_length`; for tests): the
    result depends on it, never on ``workers``. ``reader``: the caller's open reader of ``path``
    (the video is then not opened and indexed again in this process).
    """
    options = dict(options or {})
    info, key_frames = video_info(path, reader)
    total = info.frame_count
    ctx = mp.get_context("spawn")
    table = RangeTable(ctx, total, chunk_frames=chunk_frames, key_frames=key_frames)
    workers = default_workers(len(table), workers)
    overlap = max(_MIN_OVERLAP, int(round(info.fps * overlap_seconds)))
    frames: List[Optional[FrameDetections]] = [None] * total
    continued: dict = {}
    done = 0

    def store(batch: Batch, advanced: int, continuation: bool) -> None:
        nonlocal done
        target = continued if continuation else frames
        for idx, keypoints, scores in batch:
            target[idx] = (keypoints, scores)
        done += advanced
        report(progress, done, total)

    spawned = workers - 1 if local_worker else workers
    results = ctx.Queue() if spawned else None
    stop_event = ctx.Event()
    procs = [ctx.Process(target=_worker_main, name=f"epam-pose-{i}", daemon=True,
                         args=(path, table, backend, options, results, stop_event, overlap))
             for i in range(spawned)]
    pending = {"workers": len(procs)}
    error: List[EpamError] = []

    def drain(block: bool) -> None:
        """Handle worker messages (all queued ones; wait up to 0.1 s for one when ``block``)."""
        while results is not None:
            try:
                kind, a, b = results.get(timeout=0.1) if block else results.get_nowait()
            except queue.Empty:
                return
            block = False
            if kind == "frames":
                store(a[0], b, a[1])
            elif kind == "done":
                pending["workers"] -= 1
            else:
                error.append(_ERRORS.get(a, PoseError)(b))
                stop_event.set()

    def stopped() -> bool:
        drain(block=False)
        return bool(error) or (cancel is not None and cancel.cancelled)

    try:
        report(progress, 0, total)
        for proc in procs:
            proc.start()
        if local_worker:
            _run_ranges(path, table, backend, options, store, stopped, overlap, reader=reader)
        _wait_for_workers(procs, pending, stopped, drain, error)
        if error:
            raise error[0]
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
    finally:
        _shutdown(procs, stop_event, drain)
    for idx, det in continued.items():
        frames[idx] = det
    return frames, info


def _wait_for_workers(procs, pending: dict, stopped, drain, error: list) -> None:
    """Drain worker messages until every worker is done, one failed or died, or the job is stopped."""
    while pending["workers"] > 0 and not stopped():
        drain(block=True)
        if pending["workers"] > 0 and not any(p.is_alive() for p in procs):
            drain(block=False)
            if pending["workers"] > 0:
                error.append(PoseError("A pose worker process stopped unexpectedly (out of memory?)."))


def _shutdown(procs, stop_event, drain) -> None:
    """Stop workers promptly: ask, wait briefly while draining their queue, then terminate."""
    stop_event.set()
    for proc in procs:
        if proc.pid is None:
            continue
        for _ in range(10):
            drain(block=False)
            proc.join(timeout=0.05)
            if not proc.is_alive():
                break
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=1.0)
