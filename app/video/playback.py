"""Playback: a decode thread where the newest request wins, and a controller for play/step/seek/speed/loop.

Speeds for coding go from 0.1× (0.25× … 4× in the toolbar's steps, + / - keys); a loop (``set_loop``) plays
frames ``[start, end)`` over and over (the selected label or the window on screen, Video ▸ Loop)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal


SPEEDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]


def open_reader(path):
    from core_model.video import VideoReader

    return VideoReader(path)


class FrameDecoder(QObject):
    """Decodes frames on its own thread with its own reader; only the newest pending request is served.

    Emits ``frameDecoded(index, ndarray)`` (queued to the GUI thread) or ``failed(index, message)``.
    """

    frameDecoded = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, path: Path, *,
                 reader_factory: Optional[Callable] = None) -> None:
        super().__init__()
        self.path = Path(path)
        self._reader_factory = reader_factory or open_reader
        self._cond = threading.Condition()
        self._pending: Optional[int] = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"decode:{self.path.name}", daemon=True)
        self._thread.start()

    def request(self, index: int) -> None:
        """Ask for frame ``index``; replaces any request not started yet."""
        with self._cond:
            self._pending = int(index)
            self._cond.notify()

    def close(self) -> None:
        """Stop the thread (waits for the frame being decoded); the reader is closed."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _next(self) -> Optional[int]:
        with self._cond:
            while self._pending is None and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
            index, self._pending = self._pending, None
            return index

    def _run(self) -> None:
        reader = None
        try:
            while True:
                index = self._next()
                if index is None:
                    return
                try:
                    if reader is None:
                        reader = self._reader_factory(self.path)
                    frame = reader[index]  # the reader keeps a small LRU of recent frames
                except Exception as exc:  # noqa: BLE001 - reported to the user as one line
                    self.failed.emit(index, str(exc) or type(exc).__name__)
                    continue
                if not self._stop:
                    self.frameDecoded.emit(index, frame)
        finally:
            if reader is not None:
                reader.close()


class PlaybackController(QObject):
    """Position, play/pause, stepping, jumps and speed for one video; frames arrive via ``frameShown``.

    While playing, the frame to show is derived from the wall clock, so slow decoding drops
    frames instead of drifting (the decoder serves only the newest request).
    """

    positionChanged = Signal(int)
    frameShown = Signal(int, object)
    playingChanged = Signal(bool)
    speedChanged = Signal(float)
    decodeFailed = Signal(int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._decoder: Optional[FrameDecoder] = None
        self.frame_count = 0
        self.fps = 25.0
        self._position = 0
        self._speed = 1.0
        self._playing = False
        self._clock = QElapsedTimer()
        self._clock_frame = 0
        self._loop: Optional[tuple] = None  # (first frame, end frame exclusive) played over and over
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    # source --------------------------------------------------------------------------------
    def set_source(self, decoder: Optional[FrameDecoder], frame_count: int = 0, fps: float = 25.0,
                   start: int = 0) -> None:
        """Switch to another video (the old decoder is closed)."""
        self.pause()
        if self._decoder is not None:
            self._decoder.frameDecoded.disconnect(self._on_decoded)
            self._decoder.failed.disconnect(self.decodeFailed)
            self._decoder.close()
        self._decoder = decoder
        self.frame_count, self.fps = int(frame_count), float(fps) if fps and fps > 0 else 25.0
        if decoder is not None:
            decoder.frameDecoded.connect(self._on_decoded)
            decoder.failed.connect(self.decodeFailed)
            self.seek(start)

    def close(self) -> None:
        self.set_source(None)

    # queries -------------------------------------------------------------------------------
    @property
    def position(self) -> int:
        return self._position

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def loop(self) -> Optional[tuple]:
        """``(start, end)`` frames played over and over (end exclusive), or None."""
        return self._loop

    def set_loop(self, start: Optional[int], end: Optional[int] = None) -> None:
        """Loop frames ``[start, end)`` while playing (None: no loop); playing from outside it jumps in."""
        if start is None or end is None:
            self._loop = None
            return
        start = max(0, int(start))
        end = min(int(end), self.frame_count) if self.frame_count else int(end)
        self._loop = (start, end) if end - start >= 1 else None
        if self._loop is not None and self._playing and not start <= self._position < end:
            self.seek(start)

    # commands ------------------------------------------------------------------------------
    def seek(self, index: int) -> None:
        if self._decoder is None or self.frame_count <= 0:
            return
        index = max(0, min(int(index), self.frame_count - 1))
        self._position = index
        self._decoder.request(index)
        self.positionChanged.emit(index)
        if self._playing:
            self._restart_clock()

    def step(self, frames: int = 1) -> None:
        self.pause()
        self.seek(self._position + frames)

    def jump(self, seconds: float) -> None:
        self.seek(self._position + int(round(seconds * self.fps)))

    def play(self) -> None:
        if self._playing or self._decoder is None or self.frame_count <= 1:
            return
        if self._loop is not None and not self._loop[0] <= self._position < self._loop[1] - 1:
            self.seek(self._loop[0])
        elif self._position >= self.frame_count - 1:
            self.seek(0)
        self._playing = True
        self._restart_clock()
        self._timer.start(max(1, int(1000.0 / (self.fps * self._speed) / 2)))
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def set_speed(self, speed: float) -> None:
        speed = min(MAX_SPEED, max(MIN_SPEED, float(speed)))
        if abs(speed - self._speed) < 1e-9:
            return
        self._speed = speed
        if self._playing:
            self._restart_clock()
            self._timer.start(max(1, int(1000.0 / (self.fps * self._speed) / 2)))
        self.speedChanged.emit(speed)

    def faster(self) -> None:
        self.set_speed(next((s for s in SPEEDS if s > self._speed + 1e-9), MAX_SPEED))

    def slower(self) -> None:
        self.set_speed(next((s for s in reversed(SPEEDS) if s < self._speed - 1e-9), MIN_SPEED))

    # internals -----------------------------------------------------------------------------
    def _restart_clock(self) -> None:
        self._clock.restart()
        self._clock_frame = self._position

    def _tick(self) -> None:
        elapsed = self._clock.elapsed() / 1000.0
        target = self._clock_frame + int(elapsed * self.fps * self._speed)
        if self._loop is not None and target >= self._loop[1]:  # back to the loop's start, the clock with it
            target = self._loop[0]
            self._position = target
            self._decoder.request(target)
            self.positionChanged.emit(target)
            self._restart_clock()
            return
        if target >= self.frame_count - 1:
            target = self.frame_count - 1
            self.pause()
        if target != self._position:
            self._position = target
            self._decoder.request(target)
            self.positionChanged.emit(target)

    def _on_decoded(self, index: int, frame) -> None:
        self.frameShown.emit(index, frame)
