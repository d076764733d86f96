"""Write frame-exact clips and hash video files for caches."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from core_model import fileio
from core_model.errors import VideoError
from core_model.video.encoding import encode_frames
from core_model.video.reader import VideoReader


def write_clip(src_path: str | Path, start: int, stop: int, out_path: str | Path, *, crf: int = 18) -> int:
    """Write frames ``[start, stop)`` of ``src_path`` as an H.264 (yuv420p) mp4; returns frames written.

    Timestamps keep their spacing, shifted so the clip starts at 0 (variable frame rate is kept).
    An odd width or height loses its last column or row (H.264 4:2:0 needs even sizes).
    Audio is not copied.
    """
    with VideoReader(src_path) as reader:
        n = reader.frame_count
        if not 0 <= start < stop <= n:
            raise VideoError(f"Clip range [{start}, {stop}) is outside the {n} frames of {Path(src_path).name}.")
        index = reader._index
        if index.time_base == 0:  # no timestamps in the source: constant rate
            time_base = 1 / Fraction(reader.fps).limit_denominator(1001)
            pts = list(range(n))
        else:
            time_base, pts = index.time_base, [int(p) for p in index.pts]
        even_h, even_w = reader.height - reader.height % 2, reader.width - reader.width % 2
        if even_h == 0 or even_w == 0:
            raise VideoError(f"{Path(src_path).name} is too small to encode as H.264.")
        timed_frames = ((pts[i] - pts[start], frame[:even_h, :even_w]) for i, frame in reader.iter_frames(start, stop))
        return encode_frames(out_path, timed_frames, fps=reader.fps, codec="libx264", pix_fmt="yuv420p",
                             options={"crf": str(crf), "preset": "veryfast"}, pts="paired", time_base=time_base,
                             container_options={"movflags": "+faststart"})


def content_key(path: str | Path) -> str:
    """:func:`core_model.fileio.content_key` of a video (the cache key of its content); :class:`VideoError` if unreadable."""
    try:
        return fileio.content_key(path)
    except OSError as err:
        raise VideoError(f"Cannot read {Path(path).name}: {err.strerror or err}.") from err
