"""Independent streams of frames (chunks of a video, several videos) through one batched torch graph.

Tracking makes the frames of one stream sequential: a frame's regions come from the previous frame's
landmarks. Streams that do not depend on each other (the fixed chunks of :mod:`..scheduling`, each
started from a fresh tracker, or other videos) can go through the networks together. Each stream
runs in a thread with its own tracker (:class:`~..tiled_backend.TiledPoseExtractor`) whose graph is a
:class:`StreamGraph`: a call waits until every stream still running has made its call (or ended),
then the last one to arrive runs all of them at once on the shared :class:`~.graph.TorchPoseGraph`:
one detector forward for every stream's images (whole frames, tiles, crops), one landmark forward
for every stream's regions. A stream's result does not depend on the others (only batch sizes
change, so results agree within float rounding); the Python of the trackers runs in turns (GIL),
the forwards run once for all.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np


@dataclass
class _Call:
    kind: str  # "detect" or "landmarks"
    args: tuple
    result: Any = None
    error: Optional[BaseException] = None
    done: bool = False


@dataclass
class BatchStats:
    """Forwards run and calls they served (a step batches ``calls / forwards`` calls on average)."""

    forwards: int = 0
    calls: int = 0
    largest: int = 0  # most network inputs (images or ROIs) in one forward
    sizes: List[int] = field(default_factory=list)


class BatchedGraph:
    """One :class:`~.graph.TorchPoseGraph` shared by ``streams`` threads (see the module docstring)."""

    def __init__(self, graph, streams: int) -> None:
        self.graph = graph
        self.stats = BatchStats()
        self._cond = threading.Condition()
        self._active = int(streams)
        self._pending: List[_Call] = []

    def client(self) -> "StreamGraph":
        return StreamGraph(self)

    def leave(self) -> None:
        """A stream ended: the others no longer wait for it."""
        with self._cond:
            self._active -= 1
            if self._pending and len(self._pending) >= self._active:
                self._run_pending()

    def call(self, kind: str, *args) -> Any:
        request = _Call(kind, args)
        with self._cond:
            self._pending.append(request)
            if len(self._pending) >= self._active:
                self._run_pending()
            while not request.done:
                self._cond.wait()
        if request.error is not None:
            raise request.error
        return request.result

    def _run_pending(self) -> None:
        """Run every waiting call (lock held; every other stream is waiting): one forward per kind."""
        calls, self._pending = self._pending, []
        try:
            for kind in ("detect", "landmarks"):
                group = [c for c in calls if c.kind == kind]
                if group:
                    self._run(kind, group)
        except BaseException as exc:  # noqa: BLE001 - every waiting stream gets the error
            for c in calls:
                if not c.done:
                    c.error, c.done = exc, True
        finally:
            self._cond.notify_all()

    def _run(self, kind: str, group: List[_Call]) -> None:
        if kind == "detect":
            images = [image for c in group for image in c.args[0]]
            offsets = [offset for c in group for offset in c.args[1]]
            found = self.graph.detect(images, offsets)
            size = len(images)
            start = 0
            for c in group:
                c.result, c.done = found[start: start + len(c.args[0])], True
                start += len(c.args[0])
        else:
            results = self.graph.landmarks_batch([c.args for c in group])
            size = sum(len(c.args[1]) for c in group)
            for c, result in zip(group, results):
                c.result, c.done = result, True
        self.stats.forwards += 1
        self.stats.calls += len(group)
        self.stats.largest = max(self.stats.largest, size)
        self.stats.sizes.append(size)


class StreamGraph:
    """What one stream's tracker sees: :class:`~.graph.TorchPoseGraph`'s two calls, batched with the other streams'."""

    has_landmarks = True

    def __init__(self, shared: BatchedGraph) -> None:
        self._shared = shared
        self.device = shared.graph.device

    def detect(self, images: Sequence[np.ndarray], offsets: Sequence[Sequence[float]]) -> list:
        if not len(images):
            return []
        return self._shared.call("detect", list(images), list(offsets))

    def landmarks(self, frame: np.ndarray, rois) -> list:
        if not len(rois):
            return []
        return self._shared.call("landmarks", frame, list(rois))

    def close(self) -> None:
        """The shared graph is closed by whoever made it."""


def run_sources(sources: Sequence["Source"], options: dict, streams: int, stopped, graph=None, *,
                run_range) -> BatchStats:
    """Extract the chunks of every source on ``streams`` threads sharing one batched torch graph.

    Each thread takes the next chunk nobody has taken (sources in order, chunks in order), tracks it
    from a fresh state exactly as a worker process does (:func:`..parallel._run_one_range`: its own
    chunk, then the continuation into the next), and emits through the source's ``emit``. ``stopped()``
    is polled between frames (a failed stream stops the others); the first error is raised.
    ``graph``: a :class:`~.graph.TorchPoseGraph` to use (and leave open) instead of loading one.
    ``run_range``: :func:`..parallel._run_one_range` (passed in: the worker code imports this module).
    """
    from .backend import create_torch_extractor, resolve_precision
    from .graph import TorchPoseGraph

    options = {k: v for k, v in options.items() if k not in ("streams", "engine")}
    device = options.get("device", "auto")
    own = graph is None
    if own:
        graph = TorchPoseGraph(device=device, precision=resolve_precision(device, options.get("precision")),
                               threads=options.get("threads"))
    shared = BatchedGraph(graph, streams)
    lock = threading.Lock()
    errors: List[BaseException] = []
    queue = _ChunkQueue(sources)

    def halted() -> bool:
        with lock:
            return bool(errors) or bool(stopped())

    def stream() -> None:
        readers: dict = {}
        try:
            extractor = create_torch_extractor(graph=shared.client(), **options)
            while not halted():
                taken = queue.take()
                if taken is None:
                    return
                source, slot = taken
                reader = readers[source.path] if source.path in readers else source.open_reader(readers)
                extractor.reset()
                emit = _locked(source.emit, lock)
                if run_range(reader, reader.timestamps, extractor, source.table, slot, source.table.start(slot),
                                  emit, halted, source.overlap) is None:
                    return
        except BaseException as exc:  # noqa: BLE001 - raised in the caller
            with lock:
                errors.append(exc)
        finally:
            shared.leave()
            for path, reader in readers.items():
                if not any(s.reader is reader for s in sources):
                    reader.close()

    threads = [threading.Thread(target=stream, name=f"epam-pose-stream-{i}", daemon=True) for i in range(streams)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if own:
            graph.close()
    if errors:
        raise errors[0]
    return shared.stats


def _locked(fn, lock):
    def call(*args):
        with lock:
            fn(*args)
    return call


@dataclass
class Source:
    """One video's chunks: ``table`` (:class:`~..scheduling.RangeTable`), where results go (``emit(batch,
    frames_advanced, is_continuation)``), the continuation length, and the caller's open reader (used by
    the first stream that takes a chunk of it; the others open their own)."""

    path: str
    table: Any
    emit: Any
    overlap: int
    reader: Any = None
    _lent: bool = False

    def open_reader(self, readers: dict):
        from ...video import VideoReader

        with _OPEN_LOCK:
            lend = self.reader is not None and not self._lent
            self._lent = self._lent or lend
        readers[self.path] = self.reader if lend else VideoReader(self.path)
        return readers[self.path]


_OPEN_LOCK = threading.Lock()


class _ChunkQueue:
    """The next chunk nobody has taken, over several sources (all of the first, then the next ...)."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources = list(sources)
        self._lock = threading.Lock()

    def take(self) -> Optional[Tuple[Source, int]]:
        with self._lock:
            for source in self._sources:
                slot = source.table.take()
                if slot is not None:
                    return source, slot
        return None
