"""Spawned pose worker processes kept warm between the videos of one command or studio session.

Starting a worker costs a new Python process, its imports and MediaPipe's graphs (about a second on a
laptop). :func:`acquire` hands out the process-wide pool when it has the size asked for and is idle,
else a new one; :func:`release` keeps a pool that finished its job for the next video and closes it
after :data:`WARM_SECONDS` without work (or at once when the job failed or was cancelled). Workers keep
their extractor between jobs and reset it before each chunk, so the poses equal a fresh worker's.

Each worker has its own job queue (a job goes to exactly the workers it was given to); all answer on one
results queue, every message tagged with its job number; the chunk counter is one shared value that a
job resets (:class:`~.scheduling.RangeTable` ``counter``).
"""
from __future__ import annotations

import atexit
import threading
import time
from typing import Callable, List, Optional

#: a pool with no job for this long is closed (its processes end)
WARM_SECONDS = 120.0
_lock = threading.Lock()
_shared: Optional["WorkerPool"] = None
_watcher: Optional[threading.Thread] = None


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
        for proc in self.procs:
            proc.start()

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


def acquire(ctx, size: int, target: Callable) -> WorkerPool:
    """A pool of ``size`` workers for one job: the warm shared one when it fits and is idle, else a new one."""
    global _shared
    with _lock:
        pool = _shared
        if pool is not None and not pool.busy and pool.size == size and pool.healthy():
            pool.busy = True
            return pool
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
