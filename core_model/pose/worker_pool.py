"""Spawned pose worker processes kept warm between the videos of one command or studio session.

Starting a worker costs a new Python process, its imports and MediaPipe's graphs (about a second on a
laptop). :func:`acquire` hands out the process-wide pool when it has the size asked for and is idle,
else a new one; :func:`release` keeps a pool that finished its job for the next video and closes it
after :data:`WARM_SECONDS` without work (or at once when the job failed, or was cancelled and a worker did not drop
it within :data:`.parallel.DROP_SECONDS`: a cancelled job whose workers dropped it keeps them warm). Workers keep
their extractor between jobs and reset it before each chunk, so the poses equal a fresh worker's.

Each worker has its own job queue (a job goes to exactly the workers it was given to); all answer on one
results queue, every message tagged with its job number; the chunk counter is one shared value that a
job resets (:class:`~.scheduling.RangeTable` ``counter``).
"""
from __future__ import annotations

import atexit
import queue
import threading
import time
from typing import Callable, List, Optional

#: a pool with no job for this long is closed (its processes end)
WARM_SECONDS = 120.0
_lock = threading.RLock()  # re-entered: acquire() makes a pool, which may start the starter thread
_shared: Optional["WorkerPool"] = None
_watcher: Optional[threading.Thread] = None
_starter: Optional[threading.Thread] = None
_to_start: "queue.Queue" = queue.Queue()


class WorkerPool:
    """``size`` spawned processes running ``target(jobs, results, counter, stop_event)``."""

    def __init__(self, ctx, size: int, target: Callable) -> None:
        self.size = int(size)
        self.results = ctx.Queue()
        self.counter = ctx.Value("i", 0)
        self.stop_event = ctx.Event()
        self.jobs = [ctx.Queue() for _ in range(self.size)]
        self.procs = [ctx.Process(target=target, name=f"epam-pose-{i}", daemon=True,
                                  args=(self.jobs[i], self.results, self.counter, self.stop_event))
                      for i in range(self.size)]
        self.job = 0
        self.busy = False
        self.jobs_done = 0
        self.last_used = time.monotonic()
        _start(self.procs)

    def healthy(self) -> bool:
        return all(proc.is_alive() for proc in self.procs)

    def submit(self, job: tuple) -> int:
        """Give every worker ``job`` (its arguments); returns the job number its messages carry."""
        self.job += 1
        self.stop_event.clear()
        with self.counter.get_lock():
            self.counter.value = 0
        for queue in self.jobs:
            queue.put((self.job, *job))
        return self.job

    def pids(self) -> List[int]:
        return [proc.pid for proc in self.procs]

    def close(self) -> None:
        """Ask the workers to end (they finish or drop their job), then terminate whoever does not."""
        self.stop_event.set()
        for queue in self.jobs:
            try:
                queue.put(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 1.0
        for proc in self.procs:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=1.0)
        for queue in [*self.jobs, self.results]:
            queue.cancel_join_thread()
            queue.close()


def _start(procs: list) -> None:
    """Start ``procs`` from the main thread or from a thread that lives as long as this process: on Linux a
    worker gets SIGKILL when the *thread* that started it ends (``PR_SET_PDEATHSIG``, set by the workers so
    that they die with a killed parent), and a warm worker must outlive the job thread that needed it first."""
    if threading.current_thread() is threading.main_thread():
        for proc in procs:
            proc.start()
        return
    global _starter
    with _lock:
        if _starter is None or not _starter.is_alive():
            _starter = threading.Thread(target=_starter_loop, name="epam-pose-pool-starter", daemon=True)
            _starter.start()
    done: "queue.Queue" = queue.Queue()
    _to_start.put((procs, done))
    failure = done.get()
    if failure is not None:
        raise failure


def _starter_loop() -> None:
    while True:
        procs, done = _to_start.get()
        try:
            for proc in procs:
                proc.start()
            done.put(None)
        except BaseException as exc:  # noqa: BLE001 - raised in the thread that asked
            done.put(exc)


def acquire(ctx, size: int, target: Callable, shared_only: bool = False) -> Optional[WorkerPool]:
    """A pool of ``size`` workers for one job: the warm shared one when it fits and is idle, else a new one
    (``shared_only``: ``None`` when the shared pool is busy with another job)."""
    global _shared
    with _lock:
        pool = _shared
        if pool is not None and not pool.busy and pool.size == size and pool.healthy():
            pool.busy = True
            return pool
        if shared_only and pool is not None and pool.busy:
            return None
        if pool is not None and not pool.busy:
            _shared = None
            pool.close()
        pool = WorkerPool(ctx, size, target)
        pool.busy = True
        if _shared is None:
            _shared = pool
        return pool


def release(pool: WorkerPool, ok: bool) -> None:
    """The job of ``pool`` ended: keep it warm (``ok``) or close it (failed, cancelled, or not the shared one)."""
    global _shared
    with _lock:
        pool.busy = False
        pool.last_used = time.monotonic()
        pool.jobs_done += 1
        keep = ok and pool is _shared and pool.healthy()
        if not keep and pool is _shared:
            _shared = None
    if not keep:
        pool.close()
        return
    _watch_idle()


def shared_pool() -> Optional[WorkerPool]:
    """The warm pool kept for the next job, if any (for tests and diagnostics)."""
    return _shared


def shutdown() -> None:
    """Close the warm pool now (at exit, or when the caller knows no video follows)."""
    global _shared
    with _lock:
        pool, _shared = _shared, None
    if pool is not None and not pool.busy:
        pool.close()


def _watch_idle() -> None:
    """One daemon thread closes the shared pool once it has been idle for :data:`WARM_SECONDS`."""
    global _watcher
    with _lock:
        if _watcher is not None and _watcher.is_alive():
            return
        _watcher = threading.Thread(target=_idle_loop, name="epam-pose-pool-idle", daemon=True)
        _watcher.start()


def _idle_loop() -> None:
    global _shared
    while True:
        time.sleep(min(5.0, WARM_SECONDS / 4))
        with _lock:
            pool = _shared
            if pool is None:
                return
            if pool.busy or time.monotonic() - pool.last_used < WARM_SECONDS:
                continue
            _shared = None
        pool.close()
        return


atexit.register(shutdown)
