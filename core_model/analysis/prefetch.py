"""Run an iterator in a background thread, a few items ahead of its consumer.

Used to decode and preprocess the next windows while the network runs on the current batch
(numpy, FFmpeg and torch release the GIL for their heavy parts).
"""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator, Optional, TypeVar

from ..jobs import CancelToken

T = TypeVar("T")
_DONE = object()



def put_unless(target: "queue.Queue", item, stopped: Callable[[], bool]) -> bool:
    """Put ``item`` on the bounded ``target``, waiting for room, unless ``stopped()`` becomes true first
    (checked every 0.1 s); whether it was put."""
    while not stopped():
        try:
            target.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False

class prefetch:  # noqa: N801 - used like a function returning an iterator
    """Iterate ``source`` in a daemon thread, keeping up to ``depth`` items ready.

    Errors raised by ``source`` re-raise in the consumer; :meth:`close` (or leaving a ``with``
    block) stops the producer early.
    """

    def __init__(self, source: Iterator[T], depth: int = 2, cancel: Optional[CancelToken] = None) -> None:
        self._queue: "queue.Queue" = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._cancel = cancel
        self._thread = threading.Thread(target=self._produce, args=(source,), daemon=True, name="epam-prefetch")
        self._thread.start()

    def _put(self, item) -> bool:
        return put_unless(self._queue, item, self._stop.is_set)

    def _produce(self, source) -> None:
        try:
            for item in source:
                if self._stop.is_set() or (self._cancel is not None and self._cancel.cancelled):
                    break
                if not self._put(item):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put(_Failure(exc))
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        self._put(_DONE)

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                item = self._queue.get(timeout=0.1)
                break
            except queue.Empty:
                if self._cancel is not None and self._cancel.cancelled:
                    self._cancel.raise_if_cancelled()
                if not self._thread.is_alive() and self._queue.empty():
                    raise StopIteration
        if item is _DONE:
            raise StopIteration
        if isinstance(item, _Failure):
            raise item.exc
        return item

    def close(self) -> None:
        """Stop the producer and wait for its thread."""
        self._stop.set()
        self._thread.join(timeout=5.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
