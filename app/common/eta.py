"""Time-left and throughput estimates from (done, total) progress reports (Qt-free)."""
from __future__ import annotations

import time
from typing import Callable, List, Optional, Tuple

from core_model.formatting import format_time

#: (name, last progress unit of the phase or None = the job's total, video frames the phase goes through)
Phase = Tuple[str, Optional[int], int]


class EtaEstimator:
    """Smoothed rate over the reports so far; ``None`` until there is enough to say.

    ``phases`` (optional) say how progress units map to video frames, for :meth:`frames_per_second`: an
    Analyze job goes through the video's frames twice (poses, then the model), each phase at its own speed,
    so the rate starts again at each phase. The time left carries on at the last phase's rate until the new
    phase has its own (the panel would otherwise say "estimating…" at every change of phase)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, smoothing: float = 0.3) -> None:
        self._clock = clock
        self._smoothing = smoothing
        self._start = clock()
        self._last: Optional[tuple] = None
        self._rate: Optional[float] = None  # units per second
        self._carried: Optional[float] = None  # the last phase's rate, for the time left until this one has its own
        self.phases: List[Phase] = []
        self._phase: Optional[int] = None
        self._total = 0

    def _phase_of(self, done: int, total: int) -> Optional[int]:
        for i, (_name, end, _frames) in enumerate(self.phases):
            if end is None or done < end or i == len(self.phases) - 1:
                return i
        return None

    def update(self, done: int, total: int) -> Optional[float]:
        """Record a report; return the estimated seconds left (or None)."""
        now = self._clock()
        self._total = total
        phase = self._phase_of(done, total)
        if phase != self._phase and self._phase is not None:  # another speed from here: measure it afresh
            self._carried = self._rate or self._carried
            self._rate, self._last = None, (now, done)
        self._phase = phase
        if self._last is not None:
            t0, d0 = self._last
            if now > t0 and done > d0:
                rate = (done - d0) / (now - t0)
                self._rate = rate if self._rate is None else (1 - self._smoothing) * self._rate + self._smoothing * rate
        elif done > 0 and now > self._start:
            self._rate = done / (now - self._start)
        if self._last is None or done != self._last[1]:
            self._last = (now, done)
        rate = self._rate or self._carried  # a new phase says "estimating…" only when nothing was measured before
        if not rate or total <= 0:
            return None
        return max(0.0, (total - done) / rate)

    def frames_per_second(self) -> Optional[Tuple[str, float]]:
        """(phase name, video frames per second) of the current phase, or None (no phases, or no rate yet)."""
        if self._phase is None or not self._rate:
            return None
        name, end, frames = self.phases[self._phase]
        start = self.phases[self._phase - 1][1] or 0 if self._phase > 0 else 0
        span = (end if end is not None else self._total) - start
        if frames <= 0 or span <= 0:
            return None
        return name, self._rate * frames / span


def format_eta(seconds: Optional[float]) -> str:
    """'~1:05 left', '~12 s left' or 'estimating…'."""
    if seconds is None:
        return "estimating…"
    seconds = int(round(seconds))
    return f"~{seconds} s left" if seconds < 60 else f"~{format_time(seconds)} left"


def format_throughput(rate: Optional[Tuple[str, float]]) -> str:
    """'poses 8.3 frames/s' (or '' when unknown)."""
    if rate is None:
        return ""
    name, fps = rate
    return f"{name} {fps:.1f} frames/s" if fps < 100 else f"{name} {fps:.0f} frames/s"
