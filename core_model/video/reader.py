"""Frame-exact video reading over PyAV (FFmpeg).

Frame ``i`` is the ``i``-th picture in presentation order. The reader builds a frame index on
open by demuxing packets (no decoding) and identifies every decoded frame by its presentation
timestamp, so random access after any seek returns exactly the pixels of a sequential decode:
labels can never drift from frames.

Thread safety: a reader may be shared (calls are serialised by a lock), but decoding is then
sequential; give each worker thread its own ``VideoReader`` for parallel decoding.
"""
from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import av
import numpy as np

from core_model.errors import VideoError
from core_model.fileio import check_video_path
from core_model.startup_trace import mark
from core_model.video.frame_index import FrameIndex, demux_index, sequential_index


_CACHE_BYTES = 192 * 1024 * 1024  # decoded RGB frames kept (LRU), whatever the frame size
_MAX_CACHE_FRAMES = 64  # also bounds the memory of readers that only go forward (analysis)
_FORWARD_STEP = 12  # decode forward rather than seek when the target is this close ahead


class VideoWarning(UserWarning):
    """A video could be opened but not fully read (e.g. a truncated file)."""


def _open_container(path: Path):
    try:
        return av.open(str(path), "r")
    except av.FFmpegError as err:
        raise VideoError(f"{path.name} is not a video file that can be read (damaged, truncated or not a video).") from err


def _video_stream(container, path: Path):
    if not container.streams.video:
        raise VideoError(f"{path.name} has no video stream.")
    stream = container.streams.video[0]
    try:
        ctx = stream.codec_context
        name = ctx.name if ctx is not None else None
    except (av.FFmpegError, ValueError):
        name = None
    if not name:
        raise VideoError(f"{path.name} uses a video codec that this FFmpeg build cannot decode.")
    stream.thread_type = "AUTO"
    return stream


class _Cursor:
    """One open container positioned somewhere in the stream; yields frames identified by index."""

    def __init__(self, path: Path, index: FrameIndex) -> None:
        self.path, self.index = path, index
        self.container = _open_container(path)
        try:
            self.stream = _video_stream(self.container, path)
        except VideoError:
            self.container.close()
            raise
        self.decode_errors = 0
        self._fresh = True  # positioned at the start of the file, nothing decoded yet

    def close(self) -> None:
        self.container.close()

    def _restart(self) -> None:
        self.container.close()
        self.container = _open_container(self.path)
        self.stream = _video_stream(self.container, self.path)
        self._fresh = True

    def _decoded(self) -> Iterator[Tuple[int, "av.VideoFrame"]]:
        """Decode from the current position: (frame index, frame), skipping unknown timestamps."""
        self._fresh = False
        index_of = self.index.index_of
        counter = 0
        numbered = self.index.time_base == 0  # no timestamps at all: frames numbered in decode order
        try:
            for packet in self.container.demux(self.stream):
                try:
                    frames = packet.decode()
                except av.FFmpegError:
                    self.decode_errors += 1
                    continue
                for frame in frames:
                    if numbered:
                        idx, counter = counter, counter + 1
                    else:
                        idx = index_of.get(frame.pts) if frame.pts is not None else None
                    if idx is not None:
                        yield idx, frame
        except av.FFmpegError:
            self.decode_errors += 1  # demuxing stopped (truncated file): end of the stream

    def frames_from(self, target: int) -> Iterator[Tuple[int, "av.VideoFrame"]]:
        """Frames in presentation order starting exactly at ``target``.

        Seeks to the key frame at or before ``target``; if decoding lands past it (inexact
        container seek), retries from the previous key frame, then from the file start.
        """
        pos = self.index.key_frame_at_or_before(target)
        attempts = [pos, pos - 1] if pos > 0 else []
        for attempt in attempts + [None]:
            if attempt is None:
                if not self._fresh:
                    self._restart()
            else:
                self.container.seek(int(self.index.seek_ts[attempt]), backward=True, any_frame=False,
                                    stream=self.stream)
            frames = self._decoded()
            for idx, frame in frames:
                if idx < target:
                    continue
                if idx > target:
                    break  # landed past the target: try an earlier start
                yield idx, frame
                yield from frames
                return
        raise VideoError(f"Frame {target} of {self.path.name} cannot be decoded.")


def _merge_truncation(messages: List[str], readable: Optional[Tuple[int, int]]) -> List[str]:
    """The index's warnings, with the frames that decode added to its truncation warning (one line)."""
    if readable is None:
        return list(messages)
    kept, indexed = readable
    tail = f"only {kept} of {indexed} frames can be read"
    out, merged = [], False
    for message in messages:
        if not merged and "truncated" in message:
            message, merged = f"{message.rstrip('.')}; {tail}.", True
        out.append(message)
    return out if merged else out + [f"The file is truncated: {tail}."]


def _to_rgb(frame: "av.VideoFrame") -> np.ndarray:
    """The frame as RGB uint8, turned upright by its display rotation (phone videos stored sideways)."""
    rgb = frame.to_ndarray(format="rgb24")
    mark("first_frame")  # benchmarks/cold_analyze.py: command start -> first frame decoded
    turns = _quarter_turns(frame)
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


def _quarter_turns(frame: "av.VideoFrame") -> int:
    """Counter-clockwise quarter turns that show ``frame`` upright (its display matrix / rotate tag)."""
    try:
        degrees = frame.rotation  # FFmpeg's display matrix angle, counter-clockwise
    except (AttributeError, ValueError, av.FFmpegError):
        return 0
    return int(round((degrees or 0) / 90.0)) % 4


_END = object()


def _read_ahead(frames: Iterator, depth: int) -> Iterator:
    """``frames`` iterated in a daemon thread, up to ``depth`` items ahead; errors re-raise in the consumer.

    Leaving the loop early (``break``, an exception, garbage collection) stops the thread and closes ``frames``.
    """
    import queue

    ready: "queue.Queue" = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in frames:
                if not put(item) or stop.is_set():  # no frame decoded for a consumer that left
                    break
            put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put(exc)
        finally:
            frames.close()

    thread = threading.Thread(target=produce, name="epam-decode-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while True:  # a producer waiting on the full queue puts at once and sees the stop (no 50-ms poll)
            try:
                ready.get_nowait()
            except queue.Empty:
                break
        thread.join(timeout=5.0)


class VideoReader:
    """Frame-exact random and sequential access to a video file.

    Frames are shown upright: a display rotation in the file (phone videos) is applied, and
    ``width``/``height`` are those of the upright picture.

    Attributes: ``frame_count``, ``fps`` (average), ``duration`` (s), ``width``, ``height``,
    ``timestamps`` (float64 seconds from the first frame), ``is_vfr``, ``warnings`` (messages
    about a damaged file). Frames are RGB uint8 arrays (H, W, 3); arrays returned by
    ``get_frame`` are shared with the cache and read-only.
    """

    def __init__(self, path: str | Path, *, cache_frames: Optional[int] = None) -> None:
        self.path = Path(path)
        self.warnings: List[str] = []
        self._lock = threading.RLock()
        self._cache_limit = 8
        self._cursor: Optional[_Cursor] = None
        self._live: Optional[Iterator] = None
        self._next: Optional[int] = None  # index the live iterator yields next
        self._last: Optional[int] = None  # index of the last frame requested (stepping direction)
        self._cache: "OrderedDict[int, np.ndarray]" = OrderedDict()
        check_video_path(self.path)
        if self.path.stat().st_size == 0:
            raise VideoError(f"{self.path.name} is empty.")
        container = _open_container(self.path)
        try:
            stream = _video_stream(container, self.path)
            self.codec = stream.codec_context.name
            index = demux_index(container, stream, str(self.path))
            rate = stream.average_rate or stream.guessed_rate
        finally:
            container.close()
        if index is None:
            index = self._index_by_decoding()
        self._index = index
        if index.count == 0:
            raise VideoError(f"{self.path.name} contains no video frames.")
        try:
            first = self._first_frame()
            self.height, self.width = first.shape[:2]
            readable = self._trim_undecodable_tail() if index.looks_truncated else None
        except BaseException:
            self.close()
            raise
        for message in _merge_truncation(index.warnings, readable):  # one line per problem
            self._warn(message)
        self._cache_limit = cache_frames or int(np.clip(_CACHE_BYTES // first.nbytes, 8, _MAX_CACHE_FRAMES))
        self._set_timing(rate)

    # ------------------------------------------------------------------ opening
    def _warn(self, message: str) -> None:
        """Record a problem and emit it once, as a :class:`VideoWarning` (the CLI prints it as one line)."""
        message = f"{self.path.name}: {message}"
        if message in self.warnings:
            return
        self.warnings.append(message)
        warnings.warn(message, VideoWarning, stacklevel=3)

    def _index_by_decoding(self) -> FrameIndex:
        """Fallback for containers whose packets carry no timestamps: decode everything once."""
        container = _open_container(self.path)
        try:
            stream = _video_stream(container, self.path)
            pts = []
            try:
                for frame in container.decode(stream):
                    pts.append(frame.pts)
            except av.FFmpegError:
                self._warn("Decoding stopped early; the file looks truncated or damaged.")
            return sequential_index(pts, stream.time_base)
        finally:
            container.close()

    def _first_frame(self) -> np.ndarray:
        try:
            return self.get_frame(0)
        except VideoError:
            raise VideoError(f"No frame of {self.path.name} could be decoded ({self.codec} video).") from None

    def _trim_undecodable_tail(self) -> Optional[Tuple[int, int]]:
        """Truncated file: keep frames up to the last one that actually decodes; ``(kept, indexed)`` if any were cut."""
        index = self._index
        cursor = _Cursor(self.path, index)
        try:
            last = -1
            for pos in range(len(index.key_frames) - 1, -1, -1):
                cursor.container.seek(int(index.seek_ts[pos]), backward=True, any_frame=False,
                                      stream=cursor.stream)
                last = max((idx for idx, _ in cursor._decoded()), default=-1)
                if last >= index.key_frames[pos]:
                    break
        finally:
            cursor.close()
        if last + 1 < index.count:
            indexed = index.count
            index.truncate(last + 1)
            self._reset_decoder()
            return last + 1, indexed
        return None

    def _set_timing(self, rate: Optional[Fraction]) -> None:
        n = self._index.count
        if self._index.time_base == 0:  # no timestamps: assume constant rate
            fps = float(rate) if rate else 25.0
            self.timestamps = np.arange(n, dtype=np.float64) / fps
        else:
            self.timestamps = self._index.timestamps()
        deltas = np.diff(self.timestamps)
        median = float(np.median(deltas)) if len(deltas) else 0.0
        tol = max(2 * float(self._index.time_base), 0.01 * median)
        self.is_vfr = bool(len(deltas) > 1 and deltas.max() - deltas.min() > tol)
        measured = (n - 1) / self.timestamps[-1] if n > 1 and self.timestamps[-1] > 0 else None
        if measured and (self.is_vfr or not rate or abs(float(rate) - measured) > 0.01 * measured):
            self.fps = float(measured)  # mean rate over the frames
        else:
            self.fps = float(rate) if rate else 25.0  # the container's exact nominal rate
        self.duration = float(self.timestamps[-1] + (median or 1.0 / self.fps))

    # ------------------------------------------------------------------ access
    @property
    def frame_count(self) -> int:
        return self._index.count

    @property
    def key_frames(self) -> np.ndarray:
        """Frame indices of the key frames (seek points), sorted increasing (a copy)."""
        return np.array(self._index.key_frames, dtype=np.int64)

    def __len__(self) -> int:
        return self._index.count

    def __getitem__(self, index: int) -> np.ndarray:
        return self.get_frame(index)

    def _check_index(self, index: int) -> int:
        n = self._index.count
        i = int(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"frame {index} out of range (video has {n} frames)")
        return i

    def _reset_decoder(self) -> None:
        self._live, self._next, self._last = None, None, None
        self._cache.clear()

    def _remember(self, index: int, frame: np.ndarray) -> np.ndarray:
        frame.setflags(write=False)
        self._cache[index] = frame
        self._cache.move_to_end(index)
        while len(self._cache) > self._cache_limit:
            self._cache.popitem(last=False)
        return frame

    def _decode_to(self, target: int) -> np.ndarray:
        """Decode frame ``target``: continue the live decode when it is just ahead, else seek.

        A seek backwards (stepping or scrubbing back) decodes the run from the key frame up to
        ``target`` anyway, so the frames of that run (at most the cache size, those nearest
        ``target``) are kept in the cache: the next steps back are cache hits.
        """
        if self._cursor is None:
            self._cursor = _Cursor(self.path, self._index)
        near = (self._live is not None and self._next is not None and self._next <= target
                and (target - self._next < _FORWARD_STEP
                     or not self._index.has_key_frame_between(self._next, target)))
        if near:
            for idx, frame in self._live:
                self._next = idx + 1
                if idx == target:
                    return _to_rgb(frame)
                if idx > target:
                    break
        if self._last is not None and target < self._last:
            key = int(self._index.key_frames[self._index.key_frame_at_or_before(target)])
            start = max(min(key, target), target - self._cache_limit + 1, 0)
            if start < target:
                frame = self._decode_run(start, target)
                if frame is not None:
                    return frame
        self._live = self._cursor.frames_from(target)
        try:
            idx, frame = next(self._live)
        except VideoError:
            self._live, self._next = None, None
            raise
        self._next = idx + 1
        return _to_rgb(frame)

    def _decode_run(self, start: int, target: int) -> Optional[np.ndarray]:
        """Decode ``[start, target]``, caching the frames before ``target``; None if a frame is missing."""
        self._live = self._cursor.frames_from(start)
        expected = start
        try:
            for idx, frame in self._live:
                if idx != expected:
                    break  # a damaged frame was dropped: let the exact path decide about target
                self._next = expected = idx + 1
                if idx == target:
                    return _to_rgb(frame)
                if idx not in self._cache:
                    self._remember(idx, _to_rgb(frame))
        except VideoError:
            pass
        self._live, self._next = None, None
        return None

    def get_frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (presentation order) as a read-only RGB uint8 array (H, W, 3)."""
        i = self._check_index(index)
        with self._lock:
            cached = self._cache.get(i)
            if cached is None:
                cached = self._remember(i, self._decode_to(i))
            else:
                self._cache.move_to_end(i)
            self._last = i
            return cached

    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        """Frames at ``indices`` (any order, repeats allowed) as a new array (N, H, W, 3).

        Decodes each distinct frame once, in increasing order, so sorted windows cost one pass.
        """
        positions: dict = {}
        for k, i in enumerate(indices):
            positions.setdefault(self._check_index(i), []).append(k)
        out = np.empty((len(indices), self.height, self.width, 3), np.uint8)
        with self._lock:
            for i in sorted(positions):
                out[positions[i]] = self.get_frame(i)
        return out

    def iter_frames(self, start: int = 0, stop: Optional[int] = None, *,
                    ahead: int = 0) -> Iterator[Tuple[int, np.ndarray]]:
        """Sequential decode of frames ``[start, stop)`` yielding ``(index, frame)``.

        Uses its own decoder, so it does not disturb random access on this reader. ``ahead``: decode
        (and convert to RGB) up to this many frames ahead in a background thread, while the caller works
        on the current one (FFmpeg releases the GIL; so does MediaPipe while its models run).
        """
        if ahead > 0:
            return _read_ahead(self._iter_frames(start, stop), ahead)
        return self._iter_frames(start, stop)

    def _iter_frames(self, start: int = 0, stop: Optional[int] = None) -> Iterator[Tuple[int, np.ndarray]]:
        n = self._index.count
        stop = n if stop is None else min(int(stop), n)
        start = max(0, int(start))
        if start >= stop:
            return
        cursor = _Cursor(self.path, self._index)
        expected = start
        try:
            for idx, frame in cursor.frames_from(start):
                if idx >= stop:
                    break
                if idx != expected:  # a damaged frame was dropped by the decoder
                    self._warn(f"Frames {expected}..{idx - 1} could not be decoded and were skipped.")
                expected = idx + 1
                yield idx, _to_rgb(frame)
        finally:
            cursor.close()
        if expected < stop:
            self._warn(f"Frames {expected}..{stop - 1} could not be decoded.")

    # ------------------------------------------------------------------ lifetime
    def twin(self, *, cache_frames: Optional[int] = None) -> "VideoReader":
        """Another reader of the same file, for another thread: the index, timing and size are shared (the
        file is not demuxed again); the decoder, its position and the frame cache are its own."""
        own = {"_lock", "_cursor", "_live", "_next", "_last", "_cache", "_cache_limit", "warnings"}
        other = object.__new__(type(self))
        other.__dict__.update({k: v for k, v in self.__dict__.items() if k not in own})
        other.warnings, other._lock, other._cache = list(self.warnings), threading.RLock(), OrderedDict()
        other._cursor = other._live = other._next = other._last = None
        other._cache_limit = cache_frames or self._cache_limit
        return other

    def close(self) -> None:
        with self._lock:
            self._reset_decoder()
            if self._cursor is not None:
                self._cursor.close()
                self._cursor = None

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - best effort at interpreter shutdown
            pass

    def __repr__(self) -> str:
        return (f"VideoReader({self.path.name!r}, {self.frame_count} frames, {self.width}x{self.height}, "
                f"{self.fps:.3f} fps{', VFR' if self.is_vfr else ''})")
