"""Work sharing between pose workers: contiguous frame ranges split by stealing.

The first worker owns the whole video. A worker with nothing to do steals the second half of the
range with the most frames left, split at a key frame near the middle when there is one (cheap
seek). Ranges stay long and contiguous (MediaPipe tracks people from frame to frame, every range
start costs a fresh detection), yet late starters and fast workers balance out automatically.

The table lives in shared memory (``multiprocessing`` ``Array`` with its lock) so workers in
other processes see it; all operations take the lock.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

_FIELDS = 3  # start, position (next frame to do), stop


class RangeTable:
    """Shared table of ``[start, stop)`` ranges with the position reached in each."""

    def __init__(self, ctx, frame_count: int, capacity: int, key_frames: Optional[Sequence[int]] = None,
                 min_steal: int = 40) -> None:
        self.frame_count = int(frame_count)
        self.capacity = int(capacity)
        self.min_steal = int(min_steal)
        self.key_frames = np.asarray(key_frames if key_frames is not None else [], dtype=np.int64)
        self._slots = ctx.Array("q", _FIELDS * self.capacity)  # zeros: empty slots
        self._used = ctx.Value("i", 0, lock=False)
        self._lock = self._slots.get_lock()

    # -- helpers (lock held) --------------------------------------------------------------
    def _get(self, slot: int):
        base = _FIELDS * slot
        return self._slots[base], self._slots[base + 1], self._slots[base + 2]

    def _set(self, slot: int, start: int, pos: int, stop: int) -> None:
        base = _FIELDS * slot
        self._slots[base], self._slots[base + 1], self._slots[base + 2] = start, pos, stop

    def _split_point(self, pos: int, stop: int) -> int:
        middle = (pos + stop) // 2
        window = (stop - pos) * 0.2
        near = self.key_frames[(self.key_frames > pos + 1) & (np.abs(self.key_frames - middle) <= window)]
        return int(near[np.argmin(np.abs(near - middle))]) if len(near) else middle

    # -- API ------------------------------------------------------------------------------
    def take(self) -> Optional[int]:
        """A new slot to work on: the whole video for the first caller, else half of the largest range left."""
        with self._lock:
            used = self._used.value
            if used == 0:
                if self.frame_count <= 0:
                    return None
                self._set(0, 0, 0, self.frame_count)
                self._used.value = 1
                return 0
            if used >= self.capacity:
                return None
            left = [(self._get(s)[2] - self._get(s)[1], s) for s in range(used)]
            remaining, victim = max(left)
            if remaining < self.min_steal:
                return None
            start, pos, stop = self._get(victim)
            split = self._split_point(pos, stop)
            self._set(victim, start, pos, split)
            self._set(used, split, split, stop)
            self._used.value = used + 1
            return used

    def start(self, slot: int) -> int:
        with self._lock:
            return self._get(slot)[0]

    def advance(self, slot: int, frame: int) -> bool:
        """Claim ``frame`` for ``slot``: False once ``frame`` is at or past the (maybe shrunk) stop."""
        with self._lock:
            start, _pos, stop = self._get(slot)
            if frame >= stop:
                return False
            self._set(slot, start, frame + 1, stop)
            return True

    def finish(self, slot: int) -> int:
        """Mark ``slot`` done (nothing left to steal) and return its final stop."""
        with self._lock:
            start, _pos, stop = self._get(slot)
            self._set(slot, start, stop, stop)
            return stop

    def ranges(self) -> list:
        """``[(start, stop), ...]`` of the slots handed out so far (for tests and diagnostics)."""
        with self._lock:
            return sorted((self._get(s)[0], self._get(s)[2]) for s in range(self._used.value))
