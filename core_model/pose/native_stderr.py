"""Silence native (C++) log chatter written straight to file descriptor 2."""
from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"depth": 0, "saved": -1}  # threads inside (fd 2 is silenced while > 0) and the real fd 2's copy


@contextmanager
def silenced_native_stderr(enabled: bool = True):
    """Send file descriptor 2 to /dev/null (MediaPipe's C++ start-up chatter); Python errors are re-raised.

    Thread-safe: fd 2 is process-wide, so it is silenced while any thread is inside and restored when the last
    one leaves (two threads each saving and restoring it could leave it pointing at /dev/null for good)."""
    if not enabled:
        yield
        return
    with _lock:
        if _state["depth"] == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError, AttributeError):
                saved = -1
            if saved >= 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            _state["saved"] = saved
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["saved"] >= 0:
                os.dup2(_state["saved"], 2)
                os.close(_state["saved"])
                _state["saved"] = -1
