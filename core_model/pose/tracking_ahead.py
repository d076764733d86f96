"""Crowd tracking in a thread of the calling process while the pose workers still run.

:func:`.tracking.track_frames` reads a video's frames in order; in crowd mode it stitches tracklets once the
whole video is tracked. :class:`TrackingAhead` runs that very function in a thread on views of the
detections (and their appearances) that are fed as they become final (``on_final`` of
:func:`.parallel.extract_frame_detections`): reading frame ``t`` waits until it is final. So most of the
tracking is done by the time the workers end, on a core the workers leave idle (a chunk's tail, waiting for
the video) or between the model runs, and the result is exactly ``track_frames``'s on the whole lists.
"""
from __future__ import annotations

import threading
from typing import Optional, Sequence

from .format import Poses


class _Stopped(Exception):
    """The extraction ended without all frames final (failed or cancelled)."""


class _Arriving(Sequence):
    """``items`` (a whole video's list) as a sequence whose item ``t`` is handed out once it is final."""

    def __init__(self, ahead: "TrackingAhead", items: list) -> None:
        self._ahead, self._items = ahead, items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, t):
        if isinstance(t, slice):
            return [self[i] for i in range(*t.indices(len(self)))]
        self._ahead.wait_final(t if t >= 0 else t + len(self))
        return self._items[t]

    def __iter__(self):
        for t in range(len(self._items)):
            yield self[t]


class TrackingAhead:
    """``track_frames(frames, ..., appearances=info.appearances, **kwargs)`` run as the frames become final:
    pass :meth:`update` as ``on_final``, then take :meth:`poses` (or :meth:`stop` when the extraction fails)."""

    def __init__(self, **kwargs) -> None:
        self._kwargs = kwargs
        self._cond = threading.Condition()
        self._upto = 0
        self._stopped = False
        self._thread: Optional[threading.Thread] = None
        self._result: Optional[Poses] = None
        self._error: Optional[BaseException] = None

    def update(self, frames: list, upto: int, info) -> None:
        """Frames ``[0, upto)`` of ``frames`` (and of ``info.appearances``) are final."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, args=(frames, info), name="epam-tracking-ahead",
                                                daemon=True)
                self._thread.start()
            self._upto = max(self._upto, int(upto))
            self._cond.notify_all()

    def wait_final(self, t: int) -> None:
        with self._cond:
            while t >= self._upto and not self._stopped:
                self._cond.wait()
            if t >= self._upto:
                raise _Stopped()

    def _run(self, frames: list, info) -> None:
        from .tracking import track_frames

        looks = info.appearances
        try:
            self._result = track_frames(_Arriving(self, frames), info.timestamps, info.img_shape, info.fps,
                                        appearances=None if looks is None else _Arriving(self, looks),
                                        **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - raised by poses() in the caller's thread
            self._error = exc

    def stop(self) -> None:
        """The extraction failed or was cancelled: end the thread (its work is dropped)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()

    def poses(self, meta: Optional[dict] = None) -> Optional[Poses]:
        """The tracked poses (``meta`` added), once every frame was fed; ``None`` when it never started."""
        if self._thread is None:
            return None
        self._thread.join()
        if self._error is not None:
            raise self._error
        self._result.meta.update(meta or {})
        return self._result
