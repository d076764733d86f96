"""Clips for fine-tuning sets: frame-exact H.264 from an open reader, optionally cropped, cancellable.

Frames are written upright (the source's display rotation applied, as :class:`VideoReader` shows
them). Frames of a 4:2:0 source with an even size are passed on in YUV (turned and cropped on the
chroma grid), not through RGB: at ``crf=0`` (lossless) a clip's decoded frames equal the source's
decoded frames exactly, and the two colour conversions per frame are saved.

:func:`write_reader_clips` writes many clips of one video in few decoding passes: each source frame
is decoded once and fed to every clip that holds it (clips of several people at the same time).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import av
import numpy as np

from core_model.errors import VideoError
from core_model.jobs import CancelToken, check_cancel
from core_model.video.reader import VideoReader, _Cursor, _quarter_turns, _to_rgb

#: clips encoded at once in one decoding pass (each libx264 encoder holds a few frames of look-ahead)
MAX_OPEN_ENCODERS = 4


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


@dataclass
class ClipJob:
    """Frames ``[start, stop)`` of the reader's video to ``out_path``, cropped to ``box`` (None = whole picture)."""

    start: int
    stop: int
    out_path: Path
    box: Optional[Tuple[int, int, int, int]] = None


class _Picture:
    """One decoded source frame, upright, ready to be cut into several clips (YUV planes or RGB)."""

    def __init__(self, frame: "av.VideoFrame") -> None:
        h, w = frame.height, frame.width
        turns = _quarter_turns(frame)
        self.planes = self.rgb = None
        if frame.format.name == "yuv420p" and h % 2 == 0 and w % 2 == 0:
            arr = frame.to_ndarray()
            planes = [arr[:h], arr[h:h + h // 4].reshape(h // 2, w // 2), arr[h + h // 4:].reshape(h // 2, w // 2)]
            self.planes = [np.rot90(p, turns) for p in planes] if turns else planes
        else:
            self.rgb = _to_rgb(frame)

    def as_rgb(self) -> np.ndarray:
        """The upright picture as ``(H, W, 3)`` uint8 RGB."""
        if self.rgb is None:
            y, u, v = self.planes
            h, w = y.shape
            packed = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(h * 3 // 2, w)
            self.rgb = av.VideoFrame.from_ndarray(packed, format="yuv420p").to_ndarray(format="rgb24")
        return self.rgb

    def replace(self, rgb: np.ndarray) -> None:
        """Show ``rgb`` instead (a filtered picture, e.g. faces hidden); clips are then encoded from RGB."""
        self.planes, self.rgb = None, np.ascontiguousarray(rgb)

    def cut(self, box: Sequence[int]) -> "av.VideoFrame":
        x0, y0, x1, y1 = box
        if self.planes is None:
            rgb = np.ascontiguousarray(self.rgb[y0:y1, x0:x1])
            return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        y, u, v = self.planes
        cx0, cy0, cx1, cy1 = x0 // 2, y0 // 2, x1 // 2, y1 // 2
        packed = np.concatenate([y[y0:y1, x0:x1].ravel(), u[cy0:cy1, cx0:cx1].ravel(),
                                 v[cy0:cy1, cx0:cx1].ravel()]).reshape((y1 - y0) * 3 // 2, x1 - x0)
        return av.VideoFrame.from_ndarray(packed, format="yuv420p")


class _Encoder:
    """An open H.264 mp4 being written for one job."""

    def __init__(self, job: ClipJob, box, rate: Fraction, time_base: Fraction, crf: int, preset: str) -> None:
        self.job, self.box, self.time_base, self.count = job, box, time_base, 0
        self.out = av.open(str(job.out_path), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            self.stream = self.out.add_stream("libx264", rate=rate, options={"crf": str(int(crf)), "preset": preset})
            self.stream.width, self.stream.height = box[2] - box[0], box[3] - box[1]
            self.stream.pix_fmt = "yuv420p"
            self.stream.time_base = time_base
            self.stream.codec_context.time_base = time_base
        except BaseException:
            self.out.close()
            raise

    def add(self, picture: _Picture, pts: int) -> None:
        frame = picture.cut(self.box)
        frame.pts, frame.time_base = int(pts), self.time_base
        for packet in self.stream.encode(frame):
            self.out.mux(packet)
        self.count += 1

    def finish(self) -> int:
        for packet in self.stream.encode():
            self.out.mux(packet)
        self.out.close()
        return self.count

    def abandon(self) -> None:
        try:
            self.out.close()
        except (av.FFmpegError, OSError, ValueError):
            pass


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


def _timing(reader: VideoReader) -> Tuple[Fraction, np.ndarray]:
    index = reader._index
    if index.time_base == 0:  # no timestamps in the source: constant rate
        return 1 / Fraction(reader.fps).limit_denominator(1001), np.arange(reader.frame_count, dtype=np.int64)
    return index.time_base, np.asarray(index.pts, np.int64)


def _passes(reader: VideoReader, jobs: List[ClipJob]) -> List[List[ClipJob]]:
    """Group jobs (sorted by start) into decoding passes: a new pass where seeking beats decoding on,
    and at most :data:`MAX_OPEN_ENCODERS` clips open at any frame of a pass."""
    index = reader._index
    passes: List[List[ClipJob]] = []
    pending = list(jobs)
    while pending:
        current: List[ClipJob] = []
        deferred: List[ClipJob] = []
        reach = -1
        for job in pending:
            if current and job.start > reach and index.has_key_frame_between(reach, job.start):
                deferred.append(job)  # a key frame lies between: a later pass seeks there
                continue
            if sum(1 for j in current if j.stop > job.start) >= MAX_OPEN_ENCODERS:
                deferred.append(job)
                continue
            current.append(job)
            reach = max(reach, job.stop)
        passes.append(current)
        pending = deferred
    return passes


def write_reader_clips(reader: VideoReader, jobs: Sequence[ClipJob], *, crf: int = 18, preset: str = "veryfast",
                       cancel: Optional[CancelToken] = None,
                       done: Optional[Callable[[ClipJob, int], None]] = None,
                       frame_filter: Optional[Callable[[int, np.ndarray], np.ndarray]] = None) -> None:
    """Write every job's clip (frame-exact H.264 yuv420p mp4, timestamps shifted to 0, VFR kept).

    ``done(job, frames)`` is called as each clip is complete; ``cancel`` is checked every few frames.
    ``frame_filter(index, rgb) -> rgb`` changes each source frame before it is cut (faces hidden); it sees
    every frame a clip holds once, in order.
    Without a box an odd width or height loses its last column or row.
    """
    n, name = reader.frame_count, reader.path.name
    whole = (0, 0, reader.width - reader.width % 2, reader.height - reader.height % 2)
    for job in jobs:
        if not 0 <= job.start < job.stop <= n:
            raise VideoError(f"Clip range [{job.start}, {job.stop}) is outside the {n} frames of {name}.")
        box = whole if job.box is None else job.box
        if box[2] - box[0] < 2 or box[3] - box[1] < 2:
            raise VideoError(f"{name} is too small to encode as H.264.")
    time_base, pts = _timing(reader)
    rate = Fraction(reader.fps).limit_denominator(1001)
    for group in _passes(reader, sorted(jobs, key=lambda j: (j.start, j.stop))):
        open_: List[_Encoder] = []
        waiting = list(group)
        try:
            for i, frame in _source_frames(reader, group[0].start, max(j.stop for j in group)):
                if (i - group[0].start) % 8 == 0:
                    check_cancel(cancel)
                while waiting and waiting[0].start == i:
                    job = waiting.pop(0)
                    open_.append(_Encoder(job, whole if job.box is None else tuple(int(v) for v in job.box),
                                          rate, time_base, crf, preset))
                if not open_:
                    continue
                picture = _Picture(frame)
                if frame_filter is not None:
                    picture.replace(frame_filter(i, picture.as_rgb()))
                for enc in open_:
                    enc.add(picture, pts[i] - pts[enc.job.start])
                for enc in [e for e in open_ if e.job.stop == i + 1]:
                    open_.remove(enc)
                    count = enc.finish()
                    if done is not None:
                        done(enc.job, count)
        except (av.FFmpegError, ValueError) as err:
            raise VideoError(f"Could not write a clip of {name}: {err}.") from err
        finally:
            for enc in open_:
                enc.abandon()


def write_reader_clip(reader: VideoReader, start: int, stop: int, out_path: str | Path, *,
                      box: Optional[Sequence[int]] = None, crf: int = 18, preset: str = "veryfast",
                      cancel: Optional[CancelToken] = None) -> int:
    """Write frames ``[start, stop)`` of an open ``reader`` as an H.264 (yuv420p) mp4; returns frames written.

    Like :func:`core_model.video.write_clip`, plus a crop ``box`` from :func:`even_box` and ``cancel``.
    """
    written = []
    job = ClipJob(int(start), int(stop), Path(out_path), None if box is None else tuple(int(v) for v in box))
    write_reader_clips(reader, [job], crf=crf, preset=preset, cancel=cancel, done=lambda j, c: written.append(c))
    return written[0]
