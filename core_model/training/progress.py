"""JSON progress lines on stdout, one object per line (what the studio's Fine-tune dialog reads).

Events: ``start``, ``batch``, ``epoch``, ``checkpoint``, ``stopped``, ``done`` and ``error``; every
line has ``"event"`` and ``"time"`` (seconds since the start). See docs/guide/export-and-training.md.
"""
from __future__ import annotations

import json
import math
import sys
import time
from typing import Callable, Optional

Emit = Callable[[dict], None]


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class JsonLines:
    """Callable ``emit(event_dict)`` writing one JSON object a line to ``stream`` (flushed)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.t0 = time.perf_counter()

    def __call__(self, event: dict) -> None:
        line = json.dumps(_clean({**event, "time": round(time.perf_counter() - self.t0, 3)}))
        self.stream.write(line + "\n")
        self.stream.flush()


def quiet(_event: dict) -> None:
    """An emitter that drops everything (other ranks, library use)."""


def chain(*emitters: Optional[Emit]) -> Emit:
    live = [e for e in emitters if e is not None]

    def emit(event: dict) -> None:
        for e in live:
            e(event)

    return emit
