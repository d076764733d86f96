"""Per-frame label codes from segments: the common ground of agreement and statistics."""
from __future__ import annotations

from typing import Iterable, Tuple

import numpy as np

NO_LABEL = -1  # a frame no segment covers


def frame_codes(segments: Iterable[Tuple[int, int, int]], frame_count: int) -> np.ndarray:
    """``(frame_count,)`` int32 array: the code of the segment covering each frame, :data:`NO_LABEL` elsewhere.

    ``segments`` are ``(start_frame, end_frame_exclusive, code)``; later segments win where they overlap.
    """
    out = np.full(int(frame_count), NO_LABEL, np.int32)
    for start, end, code in segments:
        lo, hi = max(0, int(start)), min(int(frame_count), int(end))
        if hi > lo:
            out[lo:hi] = int(code)
    return out
