"""Time-left estimate from (done, total) progress reports (Qt-free)."""
from __future__ import annotations

import time
from typing import Callable, Optional

from core_model.formatting import format_time


class EtaEstimator:
    """Smoothed rate over the reports so far; ``None`` until there is enough to say."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, smoothing: float = 0.3) -> None:
        self._clock = clock
        self._smoothing = smoothing
        self._start = clock()
        self._last: Optional[tuple] = None
        self._rate: Optional[float] = None  # units per second

    def update(self, done: int, total: int) -> Optional[float]:
        """Record a report; return the estimated seconds left (or None)."""
        now = self._clock()
        if self._last is not None:
            t0, d0 = self._last
            if now > t0 and done > d0:
                rate = (done - d0) / (now - t0)
                self._rate = rate if self._rate is None else (1 - self._smoothing) * self._rate + self._smoothing * rate
        elif done > 0 and now > self._start:
            self._rate = done / (now - self._start)
        if self._last is None or done != self._last[1]:
            self._last = (now, done)
        if not self._rate or total <= 0:
            return None
        return max(0.0, (total - done) / self._rate)


def format_eta(seconds: Optional[float]) -> str:
    """'~1:05 left', '~12 s left' or 'estimating…'."""
    if seconds is None:
        return "estimating…"
    seconds = int(round(seconds))
    return f"~{seconds} s left" if seconds < 60 else f"~{format_time(seconds)} left"
