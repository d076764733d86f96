"""The frame index of a video stream: presentation timestamps and key frames, read by demuxing only."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import List, Optional

import av
import numpy as np


@dataclass
class FrameIndex:
    """Frames of one video stream in presentation order.

    ``pts[i]`` is the presentation timestamp (stream time base) of frame ``i``; frames are
    identified by it when decoding, so an index always names the same picture whatever the
    decode path (sequential, after a seek, B-frames reordered). ``key_frames`` are the frame
    indices of the key frames (seek points), ``seek_ts[k]`` the timestamp to seek to for them.
    """

    pts: np.ndarray                      # (N,) int64, increasing
    time_base: Fraction
    key_frames: np.ndarray               # (K,) int64 frame indices, increasing
    seek_ts: np.ndarray                  # (K,) int64 seek timestamps
    warnings: List[str] = field(default_factory=list)
    looks_truncated: bool = False

    def __post_init__(self) -> None:
        self.index_of = {int(p): i for i, p in enumerate(self.pts)}

    @property
    def count(self) -> int:
        return int(len(self.pts))

    def timestamps(self) -> np.ndarray:
        """Seconds from the first frame (float64)."""
        return (self.pts - self.pts[0]).astype(np.float64) * float(self.time_base)

    def key_frame_at_or_before(self, index: int) -> int:
        """Position in ``key_frames`` of the last key frame whose index is <= ``index`` (or 0)."""
        return max(0, int(np.searchsorted(self.key_frames, index, side="right")) - 1)

    def has_key_frame_between(self, lo: int, hi: int) -> bool:
        """True when a key frame has an index in ``(lo, hi]``."""
        return bool(np.any((self.key_frames > lo) & (self.key_frames <= hi)))

    def truncate(self, count: int) -> None:
        """Keep only the first ``count`` frames."""
        keep = self.key_frames < count
        self.pts = self.pts[:count]
        self.key_frames, self.seek_ts = self.key_frames[keep], self.seek_ts[keep]
        self.__post_init__()


def demux_index(container: "av.container.InputContainer", stream: "av.video.stream.VideoStream",
                path: str) -> Optional[FrameIndex]:
    """Build the index from packet timestamps without decoding; ``None`` when packets lack pts.

    Packets marked "discard" (before an edit-list start) produce no frame and are skipped.
    Packets that extend past the end of the file (truncated download) are dropped.
    """
    file_size = os.path.getsize(path)
    rows = []  # (pts, dts, key)
    warnings: List[str] = []
    truncated = False
    missing_pts = False
    packets = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 and packet.pos is None:
                continue  # the demuxer's final flush packet
            packets += 1
            if packet.size == 0 or packet.is_discard:
                continue
            if packet.pos is not None and packet.pos + packet.size > file_size:
                truncated = True
                continue
            if packet.pts is None:
                if packet.dts is None or not packet.is_keyframe:
                    missing_pts = True
                    continue
                rows.append((packet.dts, packet.dts, True))  # intra-only codec: pts == dts
            else:
                rows.append((packet.pts, packet.dts, bool(packet.is_keyframe)))
    except av.FFmpegError as err:
        truncated = True
        warnings.append(f"Reading stopped early ({err.strerror or err}); the file looks truncated or damaged.")
    if missing_pts:
        return None
    if stream.frames and packets < stream.frames:
        truncated = True
        warnings.append(f"The file looks truncated: its header announces {stream.frames} frames, "
                        f"only {packets} are present.")
    if not rows:
        return FrameIndex(np.zeros(0, np.int64), stream.time_base, np.zeros(0, np.int64), np.zeros(0, np.int64),
                          warnings, truncated)
    pts = np.array([r[0] for r in rows], np.int64)
    order = np.argsort(pts, kind="stable")
    sorted_pts = pts[order]
    unique = np.concatenate([[True], np.diff(sorted_pts) > 0])
    if not unique.all():
        warnings.append(f"{int((~unique).sum())} frames share a timestamp with another frame and were skipped.")
    sorted_pts = sorted_pts[unique]
    index_of = {int(p): i for i, p in enumerate(sorted_pts)}
    keys, seeks = [], []
    for p, d, key in rows:
        if key and int(p) in index_of:
            keys.append(index_of[int(p)])
            seeks.append(min(p, d) if d is not None else p)
    if not keys or keys[0] != 0:  # always allow decoding from the very start
        keys.insert(0, 0)
        seeks.insert(0, int(sorted_pts[0]))
    key_order = np.argsort(keys, kind="stable")
    key_frames = np.array(keys, np.int64)[key_order]
    seek_ts = np.array(seeks, np.int64)[key_order]
    index = FrameIndex(sorted_pts, stream.time_base, key_frames, seek_ts, warnings, truncated)
    if not truncated:
        _check_announced_duration(index, container, stream)
    return index


def _check_announced_duration(index: FrameIndex, container, stream) -> None:
    """Flag a file whose frames end well before the duration its header announces."""
    if stream.duration:
        announced = float(stream.duration * stream.time_base)
    elif container.duration and len(container.streams) == 1:
        announced = container.duration / 1_000_000
    else:
        return
    ts = index.timestamps()
    rate = stream.average_rate or stream.guessed_rate
    if len(ts) > 1:
        step = float(np.median(np.diff(ts)))
    elif rate:
        step = 1.0 / float(rate)  # one frame: it lasts one frame period
    else:
        return  # one frame and no rate: nothing to compare
    present = float(ts[-1]) + step
    if present < announced - max(3 * step, 0.02 * announced):
        index.looks_truncated = True
        index.warnings.append(f"The file looks truncated: its header announces {announced:.2f} s, "
                              f"only {present:.2f} s of frames are present.")


def sequential_index(pts: List[Optional[int]], time_base: Fraction) -> FrameIndex:
    """Index from a full decode (the fallback when packets have no timestamps)."""
    values = np.array([p if p is not None else -1 for p in pts], np.int64)
    usable = len(values) > 0 and (values >= 0).all() and (np.diff(values) > 0).all()
    if not usable:
        values = np.arange(len(pts), dtype=np.int64)
    return FrameIndex(values, time_base if usable else Fraction(0), np.zeros(1, np.int64), values[:1].copy())
