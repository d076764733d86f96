"""Work sharing between pose workers: fixed chunks of the video, handed out in order.

The chunk borders depend on the video only (its frame count and key frames), never on the number
of workers or on timing, and every chunk starts from a fresh extractor state: so the poses are the
same whichever worker runs which chunk, how many there are and how busy the machine is. A chunk
border lies on a key frame near its ideal place when there is one (cheap seek).

The next-chunk counter lives in shared memory (``multiprocessing`` ``Value`` with its lock) so
workers in other processes see it.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np

#: a chunk has at least this many frames (each border costs a cold start plus a short re-tracked overlap)
MIN_CHUNK_FRAMES = 120
#: long videos are cut into about this many chunks (enough to balance many workers)
TARGET_CHUNKS = 32
#: a video shorter than two chunks but at least this long is still cut in two, at :data:`SHORT_BORDER` of its
#: length: two cores work on a short clip (the first chunk's worker goes on into the second chunk for its
#: continuation, hence a first chunk shorter than the second). Not shorter: a second worker's start and the
#: continuation cost ~1.2 s of CPU, and the command's own process takes a core meanwhile (PyTorch's import):
#: cold ``epam analyze`` on 2 cores, 6-s clip 1.12x as fast cut in two, 4-s clip 0.96x (benchmarks/cold_analyze.py)
SHORT_SPLIT_FRAMES = 125
SHORT_BORDER = 0.4


def chunk_length(frame_count: int) -> int:
    """The ideal chunk length for a video of ``frame_count`` frames.

    A video of two and a half or more :data:`MIN_CHUNK_FRAMES` chunks and fewer than :data:`TARGET_CHUNKS` is cut into
    a power of two of equal chunks (as many as fit), so 2, 4 or 8 workers share them evenly: 400 frames cut
    120 + 120 + 160 left one of two workers twice the other's frames (the wall time of a 400-frame classroom
    was the busier worker's). Shorter and longer videos keep the plain rule.
    """
    n = max(int(frame_count), 0)
    count = min(TARGET_CHUNKS, n // MIN_CHUNK_FRAMES)
    if count < 2 or (count == 2 and n < 2.5 * MIN_CHUNK_FRAMES):  # the demo's 250 frames: 120 + 130, as before
        return MIN_CHUNK_FRAMES
    return max(MIN_CHUNK_FRAMES, math.ceil(n / (1 << (count.bit_length() - 1))))


def plan_chunks(frame_count: int, chunk_frames: Optional[int] = None,
                key_frames: Optional[Sequence[int]] = None) -> List[Tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(frame_count)``: a function of its arguments only.

    Borders are at multiples of ``chunk_frames`` (default :func:`chunk_length`), moved to the
    nearest key frame within 20 % of the length; a tail shorter than half a chunk joins the last one.
    By default a video of :data:`SHORT_SPLIT_FRAMES` up to two :data:`MIN_CHUNK_FRAMES` is cut in two at
    :data:`SHORT_BORDER` of its length (or the nearest key frame within 20 % of that).
    """
    n = int(frame_count)
    if n <= 0:
        return []
    keys = np.asarray(key_frames if key_frames is not None else [], dtype=np.int64)
    if chunk_frames is None and SHORT_SPLIT_FRAMES <= n < 2 * MIN_CHUNK_FRAMES:
        ideal = int(round(SHORT_BORDER * n))
        near = keys[(keys > 0) & (np.abs(keys - ideal) <= 0.2 * ideal)]
        border = int(near[np.argmin(np.abs(near - ideal))]) if len(near) else ideal
        return [(0, border), (border, n)]
    length = int(chunk_frames or chunk_length(n))
    borders = [0]
    ideal = length
    while ideal < n:
        near = keys[(keys > borders[-1]) & (np.abs(keys - ideal) <= 0.2 * length)]
        border = int(near[np.argmin(np.abs(near - ideal))]) if len(near) else ideal
        if n - border < length / 2:
            break
        borders.append(border)
        ideal = border + length
    borders.append(n)
    return list(zip(borders[:-1], borders[1:]))


class RangeTable:
    """The fixed chunks of one video and which of them have been handed out (shared between processes)."""

    def __init__(self, ctx, frame_count: int, chunk_frames: Optional[int] = None,
                 key_frames: Optional[Sequence[int]] = None, counter=None) -> None:
        """``counter``: a shared ``Value("i")`` to count in (a warm worker pool's, set to 0 by its owner)."""
        self.frame_count = int(frame_count)
        self.chunks = np.asarray(plan_chunks(frame_count, chunk_frames, key_frames), np.int64).reshape(-1, 2)
        self._next = counter if counter is not None else ctx.Value("i", 0)

    @classmethod
    def of_chunks(cls, chunks, counter) -> "RangeTable":
        """A table over chunks planned elsewhere (sent to a warm worker), counting in the shared ``counter``."""
        table = cls.__new__(cls)
        table.chunks = np.asarray(chunks, np.int64).reshape(-1, 2)
        table.frame_count = int(table.chunks[-1, 1]) if len(table.chunks) else 0
        table._next = counter
        return table

    def __len__(self) -> int:
        return int(len(self.chunks))

    def take(self) -> Optional[int]:
        """The next chunk nobody has taken, or ``None`` when all are taken."""
        with self._next.get_lock():
            slot = self._next.value
            if slot >= len(self.chunks):
                return None
            self._next.value = slot + 1
            return slot

    def start(self, slot: int) -> int:
        return int(self.chunks[slot, 0])

    def advance(self, slot: int, frame: int) -> bool:
        """Whether ``frame`` belongs to chunk ``slot`` (False once at or past its stop)."""
        return frame < int(self.chunks[slot, 1])

    def finish(self, slot: int) -> int:
        """The stop of chunk ``slot``."""
        return int(self.chunks[slot, 1])

    def ranges(self) -> list:
        """``[(start, stop), ...]`` of the chunks handed out so far (for tests and diagnostics)."""
        with self._next.get_lock():
            return [tuple(int(v) for v in c) for c in self.chunks[: self._next.value]]
