"""Several videos' poses in one batched torch graph: their chunks stacked into each forward (see :mod:`.batching`)."""
from __future__ import annotations

from typing import Optional, Sequence

from ..parallel import _MIN_OVERLAP, _run_one_range, video_info
from .batching import Source, run_sources


def detect_videos(paths: Sequence, options: dict, streams: int, *, chunk_frames: Optional[int] = None,
                  overlap_seconds: float = 1.0, cancel=None) -> list:
    """Per-frame detections of several videos, their chunks batched together on ``streams`` threads:
    ``[(frames, info), ...]`` in the order of ``paths``, each as :func:`..parallel.extract_frame_detections`
    gives it for one video (the same chunks, continuations and results)."""
    import multiprocessing as mp

    from ..scheduling import RangeTable

    ctx = mp.get_context("spawn")
    sources, outputs = [], []
    for path in paths:
        info, key_frames = video_info(str(path))
        frames: list = [None] * info.frame_count
        continued: dict = {}

        def emit(batch, _advanced, continuation, frames=frames, continued=continued) -> None:
            target = continued if continuation else frames
            for idx, keypoints, scores in batch:
                target[idx] = (keypoints, scores)

        table = RangeTable(ctx, info.frame_count, chunk_frames=chunk_frames, key_frames=key_frames)
        overlap = max(_MIN_OVERLAP, int(round(info.fps * overlap_seconds)))
        sources.append(Source(str(path), table, emit, overlap))
        outputs.append((frames, continued, info))
    run_sources(sources, options, streams, lambda: cancel is not None and cancel.cancelled, run_range=_run_one_range)
    if cancel is not None and cancel.cancelled:
        from ...errors import Cancelled

        raise Cancelled()
    results = []
    for frames, continued, info in outputs:
        for idx, det in continued.items():
            frames[idx] = det
        results.append((frames, info))
    return results
