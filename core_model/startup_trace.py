"""Start-up milestones for benchmarks: with ``EPAM_TRACE_FILE`` set, the first time of each event is appended
to that file as ``EVENT UNIX_TIME PID CPU_SECONDS`` (e.g. ``first_frame``: the first video frame decoded in a process;
``CPU_SECONDS``: the CPU time that process had used by then, user and system).

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
            # process_time: user + system CPU at nanosecond resolution (os.times counts 10 ms clock ticks)
            out.write(f"{event} {time.time():.6f} {os.getpid()} {time.process_time():.4f}\n")
    except OSError:  # a benchmark aid: never a reason to fail
        pass


def read_trace(path) -> dict:
    """``{event: earliest unix time}`` from a trace file (every process that wrote to it)."""
    return {event: t for event, (t, _cpu) in _earliest(path).items()}


def read_cpu(path) -> dict:
    """``{event: CPU seconds its process had used}`` at the earliest line of each event (``None`` where the line
    has no CPU column: written by an older version)."""
    return {event: cpu for event, (_t, cpu) in _earliest(path).items()}


def _earliest(path) -> dict:
    """``{event: (unix time, CPU seconds or None)}`` of the earliest line of each event."""
    events: dict = {}
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        return events
    for line in lines:
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            t = float(parts[1])
            cpu = float(parts[3]) if len(parts) >= 4 else None
        except ValueError:
            continue
        if parts[0] not in events or t < events[parts[0]][0]:
            events[parts[0]] = (t, cpu)
    return events
