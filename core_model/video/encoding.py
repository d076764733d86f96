"""Low-level video encoding with PyAV: write RGB frames with chosen codec and timestamps."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterable, Optional, Sequence

import av
import numpy as np

from core_model.errors import VideoError

#: Pixel format each codec is written with by default.
DEFAULT_PIX_FMT = {"mjpeg": "yuvj420p", "ffv1": "yuv444p", "libvpx-vp9": "yuv420p"}


def _rate(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def encode_frames(
    path: str | Path,
    frames: Iterable,
    *,
    fps: float = 25.0,
    codec: str = "libx264",
    pix_fmt: Optional[str] = None,
    options: Optional[dict] = None,
    pts: Optional[Sequence[int] | str] = None,
    time_base: Optional[Fraction] = None,
    container_options: Optional[dict] = None,
) -> int:
    """Encode RGB uint8 frames (H, W, 3) into ``path``; returns the number of frames written.

    ``pts`` (in ``time_base`` units) gives each frame its own timestamp, which is how variable
    frame rate videos are made; ``pts="paired"`` means ``frames`` yields ``(pts, frame)`` pairs.
    Without it frames are spaced ``1/fps`` apart. The container is chosen from the file extension;
    ``options`` go to the encoder, ``container_options`` to the muxer (e.g. ``movflags``).
    """
    rate = _rate(fps)
    time_base = time_base or (1 / rate if pts is None else Fraction(1, 1000))
    out = None
    count = 0
    try:
        out = av.open(str(path), "w", options=dict(container_options or {}))
        stream = None
        paired = isinstance(pts, str) and pts == "paired"
        for item in frames:
            frame_pts, arr = item if paired else (None, item)
            arr = np.ascontiguousarray(arr, dtype=np.uint8)
            if stream is None:
                h, w = arr.shape[:2]
                stream = out.add_stream(codec, rate=rate, options=dict(options or {}))
                stream.width, stream.height = w, h
                stream.pix_fmt = pix_fmt or DEFAULT_PIX_FMT.get(codec, "yuv420p")
                stream.time_base = time_base
                stream.codec_context.time_base = time_base
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            if paired:
                frame.pts = int(frame_pts)
            elif pts is not None:
                frame.pts = int(pts[count])
            else:
                frame.pts = int(round(count / rate / time_base))
            frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
            count += 1
        if stream is None:
            raise VideoError(f"No frames to write to {Path(path).name}.")
        for packet in stream.encode():
            out.mux(packet)
    except (av.FFmpegError, ValueError) as err:
        raise VideoError(f"Could not write video {Path(path).name}: {err}.") from err
    finally:
        if out is not None:
            out.close()
    return count
