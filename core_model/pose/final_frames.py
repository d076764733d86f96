"""Which frames' detections are final while the pose workers are still running ("final up to frame F").

The video is cut into fixed chunks (:mod:`.scheduling`); a worker runs a chunk from a fresh extractor, then goes
on into the next chunk (its *continuation*), whose results replace that chunk's cold-start results at its
start. So the frames of chunk ``j`` are final once they have arrived (a chunk's own frames arrive in order)
and every chunk before ``j`` has ended, its continuation included (the worker's
``(CHUNK_DONE, slot)`` message, :data:`.parallel.CHUNK_DONE`). Final frames form a prefix of the video,
``[0, F)``, which only grows: :meth:`FinalFrames.frontier`.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np


class FinalFrames:
    """The final prefix of a video's detections, from the chunks' own frames arrived and the chunks ended."""

    def __init__(self, chunks: Sequence[Tuple[int, int]]) -> None:
        self.chunks = np.asarray(chunks, np.int64).reshape(-1, 2)
        self._starts = self.chunks[:, 0]
        #: per chunk: its own frames have arrived up to (not including) this frame
        self.arrived = [int(start) for start in self._starts]
        #: per chunk: the worker finished it and its continuation
        self.ended = [False] * len(self.chunks)

    def own_frame(self, index: int) -> None:
        """Frame ``index`` of a chunk's own range arrived (and, the chunk's frames arriving in order, those before)."""
        j = int(np.searchsorted(self._starts, int(index), side="right")) - 1
        if 0 <= j < len(self.chunks):
            self.arrived[j] = max(self.arrived[j], int(index) + 1)

    def chunk_done(self, slot: int) -> None:
        """Chunk ``slot`` and its continuation are complete (frames it could not decode stay missing)."""
        self.ended[slot] = True
        self.arrived[slot] = int(self.chunks[slot, 1])

    def frontier(self) -> int:
        """``F``: the detections of frames ``[0, F)`` are final (no message still to come changes them)."""
        upto = 0
        for j, (_start, stop) in enumerate(self.chunks):
            if j > 0 and not self.ended[j - 1]:  # its continuation may still replace this chunk's first frames
                break
            upto = self.arrived[j]
            if upto < stop:
                break
        return int(upto)
