"""Progress and cancellation plumbing shared by long-running core functions.

Long functions take ``progress: Callable[[int, int], None] | None`` (done, total) and
``cancel: CancelToken | None``; they call ``cancel.raise_if_cancelled()`` between units
of work. Both are plain Python, so the Qt workers and the CLI use them the same way.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional

from .errors import Cancelled

ProgressFn = Callable[[int, int], None]


class CancelToken:
    """Thread-safe cancel flag; also usable from another process via ``multiprocessing.Event``."""

    def __init__(self, event=None) -> None:
        self._event = event if event is not None else threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def check_cancel(cancel: Optional[CancelToken]) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set (no-op for ``None``)."""
    if cancel is not None:
        cancel.raise_if_cancelled()


def report(progress: Optional[ProgressFn], done: int, total: int) -> None:
    """Call ``progress(done, total)`` if given."""
    if progress is not None:
        progress(done, total)
