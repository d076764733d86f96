"""Faces blurred in the studio's view on demand (the same detector and pixelation as ``epam export --blur-faces``).

A :class:`FacePrivacy` is the ``frame_filter`` of the video views: while on, no decoded frame reaches the screen
with a face in it. The detector runs on a worker thread of its own, never on the GUI thread, so stepping and
playing do not wait for it:

- a frame whose faces are not found yet is shown *wholly* pixelated (:func:`pixelated`, coarse cells: nobody's
  face can be made out), and the frame is asked of the worker;
- the worker serves only the newest request (a request not started yet is replaced: stepping fast through a
  video queues no work), and when its result arrives ``ready(index)`` tells the views, which show the frame
  again from :attr:`FacePrivacy`'s few recent results (faces pixelated, the rest as decoded);
- the detector loads on the worker's first frame; if it cannot run, the frame is shown black rather than with
  faces, and the reason goes to ``failed``.

The main view and the comparison pane share one filter (one request, one result for the frame both show).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal

#: the whole-frame placeholder has this many cells across the frame's short side (a face filling the frame's
#: height is ~12 cells tall: nobody can be recognised; the face detector finds no face in it)
PLACEHOLDER_CELLS = 12
#: finished frames kept (index -> source, hidden): both views, a re-show on ``ready``, a step back
KEEP = 4
#: the detector's memory of the previous frame's faces is kept across a skip of up to this many frames (playing
#: faster than the detector runs); a jump further or backwards starts afresh
MEMORY_SPAN = 3


def pixelated(frame: np.ndarray, cells: int = PLACEHOLDER_CELLS, samples: int = 4) -> np.ndarray:
    """``frame`` (H, W, 3) as flat square cells, ``cells`` across its short side (each the mean of a
    ``samples`` x ``samples`` grid of its pixels): a few milliseconds at 1280x720."""
    h, w = frame.shape[:2]
    size = max(2, -(-min(h, w) // cells))
    ch, cw = -(-h // size), -(-w // size)
    offsets = (np.arange(samples) * size) // samples + size // (2 * samples)
    ys = np.minimum((np.arange(ch)[:, None] * size + offsets).ravel(), h - 1)
    xs = np.minimum((np.arange(cw)[:, None] * size + offsets).ravel(), w - 1)
    small = frame[ys][:, xs].reshape(ch, samples, cw, samples, -1).mean(axis=(1, 3)).astype(np.uint8)
    rows = np.repeat(small, size, axis=1)[:, :w]  # (ch, W, 3); then each row of cells ``size`` times: one copy
    return np.broadcast_to(rows[:, None], (ch, size) + rows.shape[1:]).reshape((ch * size,) + rows.shape[1:])[:h]


class FacePrivacy(QObject):
    """Pixelate faces of shown frames while :attr:`enabled`; ``poses_of()`` gives the current video's poses.

    Called as ``filter(index, rgb) -> rgb`` on the GUI thread: the frame with its faces hidden when the worker
    has made it, else the wholly pixelated frame (and the frame is asked of the worker)."""

    failed = Signal(str)
    ready = Signal(int)  # the hidden picture of frame ``index`` is there: show it again (GUI thread)
    _finished = Signal(int, int, object, object)  # (generation, index, source, hidden or None) from the worker

    def __init__(self, poses_of: Callable[[], object], parent=None) -> None:
        super().__init__(parent)
        self._poses_of = poses_of
        self.enabled = False
        self._cond = threading.Condition()
        self._pending: Optional[tuple] = None  # (generation, index, frame, keypoint, score): the newest request
        self._working: Optional[tuple] = None  # (generation, index, frame) the worker runs now
        self._generation = 0  # bumped when turned on/off: late results of before are dropped
        self._stop = False
        self._thread: Optional[threading.Thread] = None
        self._done: "OrderedDict[int, tuple]" = OrderedDict()  # index -> (source, hidden)
        self._cover: tuple = (None, None, None)  # (index, source, placeholder): one placeholder for both views
        self.runs = 0  # frames the detector has run on (tests, benchmarks)
        self._finished.connect(self._on_finished)  # queued: emitted on the worker's thread

    def set_enabled(self, on: bool) -> None:
        with self._cond:
            self.enabled = bool(on)
            self._generation += 1
            self._pending = None
            self._done.clear()
            self._cover = (None, None, None)

    @property
    def busy(self) -> bool:
        """A frame is being hidden or waits for the worker."""
        with self._cond:
            return self._pending is not None or self._working is not None

    def __call__(self, index: int, frame: np.ndarray) -> np.ndarray:
        if not self.enabled:
            return frame
        hidden = self.hidden(index, frame)
        if hidden is not None:
            return hidden
        self._request(int(index), frame)
        cover_index, cover_source, cover = self._cover
        if cover_index != index or cover_source is not frame:
            cover = pixelated(frame)
            self._cover = (index, frame, cover)
        return cover

    def hidden(self, index: int, frame: np.ndarray) -> Optional[np.ndarray]:
        """Frame ``index`` with its faces hidden, when the worker has made it from these pixels (else None)."""
        found = self._done.get(int(index))
        if found is None:
            return None
        source, out = found
        if source is frame or (source.shape == frame.shape and np.array_equal(source, frame)):
            return out
        return None

    # the worker --------------------------------------------------------------------------------
    def _request(self, index: int, frame: np.ndarray) -> None:
        keypoint, score = self._pose_rows(index)
        with self._cond:
            if self._working is not None and self._working[:2] == (self._generation, index) \
                    and self._working[2] is frame:
                self._pending = None  # the frame asked for is being hidden now: nothing older is wanted
                return
            self._pending = (self._generation, index, frame, keypoint, score)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="face-privacy", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _next(self) -> Optional[tuple]:
        with self._cond:
            self._working = None
            while self._pending is None and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
            job, self._pending = self._pending, None
            self._working = job[:3]
            return job

    def _run(self) -> None:
        blur, last = None, (None, None)  # last: (generation, index) the detector ran on
        try:
            while True:
                job = self._next()
                if job is None:
                    return
                generation, index, frame, keypoint, score = job
                try:
                    if blur is None:
                        from core_model.video.face_blur import FaceBlur

                        blur = FaceBlur()
                    if last[0] != generation or last[1] is None or not 0 < index - last[1] <= MEMORY_SPAN:
                        blur.reset()
                    out, error = blur.apply(frame, keypoint, score), None
                    last = (generation, index)
                except Exception as exc:  # noqa: BLE001 - never show faces because the detector failed
                    out, error = np.zeros_like(frame), f"Faces cannot be hidden: {exc}"
                self.runs += 1
                try:
                    if error:
                        self.failed.emit(error)
                    self._finished.emit(generation, index, frame, out)
                except RuntimeError:  # the window (and this object's C++ half) is gone: nobody to show it to
                    return
        finally:
            with self._cond:
                self._working = None
            if blur is not None:
                blur.close()

    def _on_finished(self, generation: int, index: int, source, out) -> None:
        if generation != self._generation or not self.enabled:
            return
        self._done[index] = (source, out)
        self._done.move_to_end(index)
        while len(self._done) > KEEP:
            self._done.popitem(last=False)
        self.ready.emit(index)

    def _pose_rows(self, index: int):
        poses = self._poses_of()
        if poses is None or not 0 <= index < poses.keypoint.shape[1]:
            return None, None
        return poses.keypoint[:, index].copy(), poses.keypoint_score[:, index].copy()

    def close(self) -> None:
        """Stop the worker (waits for the frame it hides) and close the detector."""
        with self._cond:
            self._stop = True
            self._pending = None
            self._cond.notify()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=10)
