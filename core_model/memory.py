"""Keep the resident memory of long sessions bounded.

Decoded video frames are large (2.7 MB at 720p) and short-lived, and they are allocated in
several threads. glibc keeps such freed blocks in per-thread heaps instead of giving them back,
so stepping through an hour of 720p video grew to ~1 GB resident. Calling ``malloc_trim``
now and then (the app does it every few seconds) returns that memory; pinning glibc's mmap
threshold would too, but costs a page fault per 4 KB of every new frame (+3 ms a 720p step).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - musl and others have no malloc_trim
    except (OSError, AttributeError):
        return None
    return libc


def trim_heap() -> bool:
    """Give freed heap memory back to the system (glibc ``malloc_trim``). False where unsupported."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
