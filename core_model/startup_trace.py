"""Start-up milestones for benchmarks: with ``EPAM_TRACE_FILE`` set, the first time of each event is appended
to that file as ``EVENT UNIX_TIME PID`` (e.g. ``first_frame``: the first video frame decoded in a process).

Costs one set lookup per call once an event was written, nothing else when the variable is unset.
"""
from __future__ import annotations

import os
import time

ENV = "EPAM_TRACE_FILE"
_written: set = set()


def mark(event: str) -> None:
    """Append ``event`` with the current time to ``$EPAM_TRACE_FILE`` (once per event and process)."""
    if event in _written:
        return
    _written.add(event)
    path = os.environ.get(ENV)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{event} {time.time():.6f} {os.getpid()}\n")
    except OSError:  # a benchmark aid: never a reason to fail
        pass


def read_trace(path) -> dict:
    """``{event: earliest unix time}`` from a trace file (every process that wrote to it)."""
    events: dict = {}
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        return events
    for line in lines:
        parts = line.split()
        if len(parts) >= 2:
            try:
                t = float(parts[1])
            except ValueError:
                continue
            events[parts[0]] = min(events.get(parts[0], t), t)
    return events
