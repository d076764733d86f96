"""``detect="auto"``: look at a few frames and pick ``full`` or ``tiles`` for the whole video.

``full`` is the Tasks ``PoseLandmarker`` on the whole frame (people larger than about a fifth of the
frame; quickest for close-ups). ``tiles`` adds the detector on zoomed tiles and the landmark model
per person (:mod:`.tiled_backend`; finds people down to about 40 px, costs one landmark run per
person per frame). The probe runs the detector on :data:`PROBE_FRAMES` frames, on the whole frame and
on the tiles; when the tiles find somebody small (body under :data:`SMALL` of the frame height) whom
the whole-frame pass misses, and the landmark model confirms a person there, the video gets
``tiles``. The choice depends on the video only (deterministic); it costs about 0.3-0.6 s (24 detector
runs at 768x576, the whole frame's only where the tiles find somebody small; the detector is the process's
compiled one, loaded already). A command does not wait for it: the extraction runs ``full``
meanwhile, on the other core (:func:`extract_while_probing`), and starts again with ``tiles`` when the probe
picks those.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

DETECT_MODES = ("auto", "full", "tiles")
PROBE_FRAMES = 2
SMALL = 0.25


def probe_frames(frame_count: int, count: int = PROBE_FRAMES, key_frames=None) -> list:
    """Indices of the frames the probe looks at: evenly spread, away from the ends, moved to a key
    frame within 15 % of the video where there is one (decoded without decoding what comes before)."""
    if frame_count <= 0:
        return []
    keys = np.asarray(key_frames if key_frames is not None else [], np.int64)
    out = set()
    for k in range(count):
        target = int(frame_count * (k + 1) / (count + 1))
        near = keys[np.abs(keys - target) <= 0.15 * frame_count]
        out.add(int(near[np.argmin(np.abs(near - target))]) if len(near) else target)
    return sorted(out)


def small_people_missed(graph, frame: np.ndarray, confirm=None) -> bool:
    """Whether the tiles find a confirmed small person in ``frame`` that the whole-frame pass misses.

    ``confirm``: a :class:`~.roi_graph.PoseGraph` with the landmark model (default ``graph``) or a
    function returning one (made only when there is something to confirm).
    """
    from .tiled_backend import MIN_DETECTION, _whole_in, same_roi
    from .tiles import tile_layout

    height, width = frame.shape[:2]
    tiles = tile_layout(width, height)
    if not tiles:
        return False
    found = graph.detect([frame[y0:y1, x0:x1] for x0, y0, x1, y1 in tiles], [(x0, y0) for x0, y0, _, _ in tiles])

    def kept(d, area) -> bool:
        return d.score >= MIN_DETECTION and (d.box[3] - d.box[1]) < SMALL * height and _whole_in(d.box, area, width,
                                                                                                  height)
    if not any(kept(d, area) for area, hits in zip(tiles, found) for d in hits):
        return False  # (the whole frame's detections would only rule candidates out: not run)
    whole = [d for d in graph.detect([frame], [(0, 0)])[0] if d.score >= MIN_DETECTION]
    candidates = []
    for area, hits in zip(tiles, found):
        for d in hits:
            if kept(d, area) and not any(same_roi(d.roi, w.roi) for w in whole) \
                    and not any(same_roi(d.roi, c.roi) for c in candidates):
                candidates.append(d)
    if not candidates:
        return False
    checker = graph if confirm is None else (confirm() if callable(confirm) else confirm)
    return any(r is not None for r in checker.landmarks(frame, [c.roi for c in candidates[:8]]))


def choose_detect(path, *, max_people: int, reader=None) -> str:
    """``"tiles"`` or ``"full"`` for the video at ``path`` (see the module docstring)."""
    if 0 < int(max_people) < 2:  # 0: no limit
        return "full"
    from ..video import VideoReader
    from .roi_graph import PoseGraph

    from .roi_tracking import spare_detector

    own = reader is None
    reader = VideoReader(path) if own else reader
    # the detector only (the landmark model is loaded only if there is somebody to confirm): the process's spare
    # one, which the whole-frame extraction's helper thread uses too (:mod:`.roi_tracking`)
    graph = spare_detector()
    full: list = []

    def confirm():
        if not full:
            full.append(PoseGraph())
        return full[0]
    try:
        for index in probe_frames(reader.frame_count, key_frames=getattr(reader, "key_frames", None)):
            if small_people_missed(graph, reader.get_frame(index), confirm):
                return "tiles"
        return "full"
    finally:
        for g in full:
            g.close()
        if own:
            reader.close()


class _Speculation:
    """The cancel token, progress and ``on_final`` a speculative ``full`` extraction runs with while the probe
    decides: it is stopped as soon as the probe says ``tiles`` (or the caller cancels); its final frames reach
    the caller only once the probe said ``full`` (the latest call is held until then). Its progress passes at once
    (a user's cancel on it stays prompt); a ``tiles`` run after it reports no less than was shown (monotonic)."""

    def __init__(self, cancel, progress, on_final) -> None:
        import threading

        self._cancel, self._progress, self._on_final = cancel, progress, on_final
        self._decided = threading.Event()
        self.mode: Optional[str] = None
        self.error: Optional[BaseException] = None
        self._held: dict = {}
        self.shown = 0  # the most frames reported done
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self.mode == "tiles" or (self._cancel is not None and self._cancel.cancelled)

    def raise_if_cancelled(self) -> None:
        from ..errors import Cancelled

        if self.cancelled:
            raise Cancelled()

    def probe(self, path, max_people: int, reader=None) -> None:
        try:
            self.mode = choose_detect(path, max_people=max_people, reader=reader)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread (wait)
            self.error, self.mode = exc, "error"
        finally:
            if reader is not None:
                reader.close()
        self._decided.set()

    def wait(self) -> str:
        self._decided.wait()
        if self.error is not None:
            raise self.error
        return self.mode

    def progress(self, done: int, total: int) -> None:
        self.shown = max(self.shown, int(done))
        if self._progress is not None:
            self._progress(self.shown, total)

    def on_final(self, frames, upto: int, info) -> None:
        self._pass("on_final", (frames, upto, info))

    def _pass(self, name: str, args: tuple) -> None:
        with self._lock:
            if self.mode != "full":
                self._held[name] = args
                return
        self.flush()
        target = getattr(self, "_" + name)
        if target is not None:
            target(*args)

    def flush(self) -> None:
        """Hand the held calls on (the probe said ``full``)."""
        with self._lock:
            held, self._held = self._held, {}
        for name, args in held.items():
            target = getattr(self, "_" + name)
            if target is not None:
                target(*args)


def extract_while_probing(path, max_people: int, run, *, progress=None, cancel=None, on_final=None,
                          reader=None, probe_after=None):
    """``detect="auto"`` without waiting for the probe: ``(mode, run(mode, progress, cancel, on_final))``.

    ``run(detect, progress, cancel, on_final)`` extracts the video with that detection mode. The probe
    (:func:`choose_detect`, its own graphs, and a twin of ``reader`` when given: the same index, its own
    decoder) runs in a thread while ``run("full", ...)`` goes on
    (MediaPipe releases the GIL: the probe takes another core); when the probe says ``tiles`` the ``full``
    run is stopped and ``run("tiles", ...)`` extracts the video. The result is the one of the mode the probe
    picks, as when the probe ran first. ``probe_after``: an event the probe waits for before it starts (``run``
    sets it once its first poses are out, at the latest when it returns or raises: its model loads first).
    """
    import threading

    from ..errors import Cancelled

    if 0 < int(max_people) < 2:  # no probe
        return "full", run("full", progress, cancel, on_final)
    spec = _Speculation(cancel, progress, on_final)
    twin = reader.twin(cache_frames=2) if reader is not None else None  # its own decoder, the same index

    def probe() -> None:
        if probe_after is not None:
            probe_after.wait()
        spec.probe(path, max_people, twin)

    threading.Thread(target=probe, name="epam-detect-probe", daemon=True).start()
    try:
        result = run("full", spec.progress, spec, spec.on_final)
    except Cancelled:
        if cancel is not None and cancel.cancelled:
            raise
        result = None  # stopped: the probe said tiles
    except BaseException:
        if spec.wait() != "tiles":  # (a full run's error stands where full was picked)
            raise
        result = None
    mode = spec.wait()
    if mode == "tiles":
        return mode, run(mode, spec.progress if progress is not None else None, cancel, on_final)
    spec.flush()
    return mode, result
