"""Silence native (C++) log chatter written straight to file descriptor 2."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager


@contextmanager
def silenced_native_stderr(enabled: bool = True):
    """Send file descriptor 2 to /dev/null (MediaPipe's C++ start-up chatter); Python errors are re-raised."""
    if not enabled:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
