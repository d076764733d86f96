"""Clips for fine-tuning sets: frame-exact H.264 from an open reader, optionally cropped, cancellable.

Frames are written upright (the source's display rotation applied, as :class:`VideoReader` shows
them). Frames of a 4:2:0 source with an even size are passed on in YUV (turned and cropped on the
chroma grid), not through RGB: at ``crf=0`` (lossless) a clip's decoded frames equal the source's decoded frames
exactly, and the two colour conversions per frame are saved.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple

import av
import numpy as np

from core_model.errors import VideoError
from core_model.jobs import CancelToken, check_cancel
from core_model.video.reader import VideoReader, _Cursor, _quarter_turns, _to_rgb


def even_box(box: Sequence[float], width: int, height: int) -> tuple:
    """``box`` (x0, y0, x1, y1) clipped to the image, with an even corner, width and height.

    H.264 4:2:0 needs an even size; an even corner keeps the source's chroma grid, so the pixels of
    a cropped clip match the source's as closely as those of an uncropped one.
    """
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x0, y0 = x0 - x0 % 2, y0 - y0 % 2
    x1, y1 = min(width, int(round(box[2]))), min(height, int(round(box[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        x0, y0, x1, y1 = 0, 0, width, height
    return x0, y0, x1 - (x1 - x0) % 2, y1 - (y1 - y0) % 2


def _source_frames(reader: VideoReader, start: int, stop: int) -> Iterator[Tuple[int, "av.VideoFrame"]]:
    """Decoded frames ``[start, stop)`` in presentation order, as PyAV frames (no conversion)."""
    cursor = _Cursor(reader.path, reader._index)
    expected = start
    try:
        for idx, frame in cursor.frames_from(start):
            if idx >= stop:
                break
            if idx != expected:
                raise VideoError(f"Frames {expected}..{idx - 1} of {reader.path.name} cannot be decoded.")
            expected = idx + 1
            yield idx, frame
    finally:
        cursor.close()
    if expected < stop:
        raise VideoError(f"Frames {expected}..{stop - 1} of {reader.path.name} cannot be decoded.")


def _cropped(frame: "av.VideoFrame", box: Sequence[int]) -> "av.VideoFrame":
    """``frame`` turned upright (display rotation) and cropped to ``box``, as a yuv420p frame.

    4:2:0 frames of even size are cut (and turned) plane by plane on the chroma grid, so the clip's
    YUV samples are the source's; other formats go through RGB.
    """
    x0, y0, x1, y1 = box
    h, w = frame.height, frame.width
    turns = _quarter_turns(frame)
    if frame.format.name == "yuv420p" and h % 2 == 0 and w % 2 == 0:
        arr = frame.to_ndarray()
        planes = [arr[:h], arr[h:h + h // 4].reshape(h // 2, w // 2), arr[h + h // 4:].reshape(h // 2, w // 2)]
        if turns:
            planes = [np.rot90(p, turns) for p in planes]
        cx0, cy0, cx1, cy1 = x0 // 2, y0 // 2, x1 // 2, y1 // 2
        packed = np.concatenate([planes[0][y0:y1, x0:x1].ravel(), planes[1][cy0:cy1, cx0:cx1].ravel(),
                                 planes[2][cy0:cy1, cx0:cx1].ravel()]).reshape((y1 - y0) * 3 // 2, x1 - x0)
        return av.VideoFrame.from_ndarray(packed, format="yuv420p")
    rgb = _to_rgb(frame)[y0:y1, x0:x1]
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(format="yuv420p")


def write_reader_clip(reader: VideoReader, start: int, stop: int, out_path: str | Path, *,
                      box: Optional[Sequence[int]] = None, crf: int = 18, preset: str = "veryfast",
                      cancel: Optional[CancelToken] = None) -> int:
    """Write frames ``[start, stop)`` of an open ``reader`` as an H.264 (yuv420p) mp4; returns frames written.

    Like :func:`core_model.video.write_clip` (timestamps keep their spacing, shifted to start at 0;
    variable frame rate is kept), plus a crop ``box`` from :func:`even_box` and a cancel check
    every few frames. Without a box an odd width or height loses its last column or row.
    """
    n = reader.frame_count
    name = reader.path.name
    if not 0 <= start < stop <= n:
        raise VideoError(f"Clip range [{start}, {stop}) is outside the {n} frames of {name}.")
    index = reader._index
    if index.time_base == 0:  # no timestamps in the source: constant rate
        time_base = 1 / Fraction(reader.fps).limit_denominator(1001)
        pts = np.arange(n, dtype=np.int64)
    else:
        time_base, pts = index.time_base, np.asarray(index.pts, np.int64)
    if box is None:
        box = (0, 0, reader.width - reader.width % 2, reader.height - reader.height % 2)
    box = tuple(int(v) for v in box)
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        raise VideoError(f"{name} is too small to encode as H.264.")
    out = None
    count = 0
    try:
        out = av.open(str(out_path), "w", format="mp4", options={"movflags": "+faststart"})
        stream = out.add_stream("libx264", rate=Fraction(reader.fps).limit_denominator(1001),
                                options={"crf": str(int(crf)), "preset": preset})
        stream.width, stream.height = box[2] - box[0], box[3] - box[1]
        stream.pix_fmt = "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        for i, frame in _source_frames(reader, start, stop):
            if count % 8 == 0:
                check_cancel(cancel)
            clip_frame = _cropped(frame, box)
            clip_frame.pts = int(pts[i] - pts[start])
            clip_frame.time_base = time_base
            for packet in stream.encode(clip_frame):
                out.mux(packet)
            count += 1
        for packet in stream.encode():
            out.mux(packet)
    except (av.FFmpegError, ValueError) as err:
        raise VideoError(f"Could not write video {Path(out_path).name}: {err}.") from err
    finally:
        if out is not None:
            out.close()
    return count
