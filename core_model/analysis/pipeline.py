"""The pose and model stages of a batch overlapped: poses of the next video while the model runs on this one.

:class:`PosesAhead` is the producer: a thread that extracts (or finds cached) the poses of the videos in
order, at most ``depth`` videos ahead of the consumer (a bounded queue), with every pose worker in a
spawned process (MediaPipe holds the GIL while it runs: in this process it would stall the model). The
consumer, the analysis of video ``i``, takes its poses with :meth:`PosesAhead.take` and runs the network
while the producer works on video ``i + 1``; so on a GPU neither the pose engine nor the model waits for
the other, and on a CPU the serial parts of one stage (decoding, tracking, start-up) fill the other's gaps.
A video whose extraction fails hands its error to the consumer (the batch records it and goes on).

With ``stream=True`` the consumer does not wait for a video's whole poses: it is handed a
:class:`~core_model.pose.streaming_tracking.PoseStream` as the extraction of that video starts, which
grows with the frames whose poses are final, so the model runs on the first windows while the same
video's extraction goes on (:mod:`.streaming`).
"""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from ..jobs import CancelToken
from ..startup_trace import mark
from .prefetch import put_unless

#: what the producer hands on: (video, poses or None, seconds spent extracting or None when cached, error)
_Item = Tuple[Path, object, Optional[float], Optional[BaseException]]


class PosesAhead:
    """Poses of ``videos`` made in a background thread, ``depth`` videos ahead of their analysis.

    ``find(video, cancel)`` returns cached poses or ``None``; ``extract(video, cancel)`` extracts them.
    """

    def __init__(self, videos: Sequence[Path], find: Callable[[Path, CancelToken], object],
                 extract: Callable[..., object], depth: int = 1, stream: Optional[Callable[[], object]] = None,
                 working: Optional[threading.Event] = None) -> None:
        """``stream``: makes a :class:`~core_model.pose.streaming_tracking.PoseStream`; then
        ``extract(video, cancel, stream)`` feeds it, and :meth:`take` hands it on before the poses are done.
        ``working``: set by ``extract`` once the first video's pose workers have their job (else set when the
        first video's poses or error are handed on): see :meth:`wait_working`."""
        self._videos: List[Path] = [Path(v) for v in videos]
        self.working = working if working is not None else threading.Event()
        self._find, self._extract, self._stream = find, extract, stream
        self._queue: "queue.Queue[_Item]" = queue.Queue(maxsize=max(1, int(depth)))
        self._cancel = CancelToken()
        #: seconds the consumer waited for poses (its model stage idle), per video
        self.waited: dict = {}
        self._thread = threading.Thread(target=self._produce, name="epam-poses-ahead", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        mark("pose_start")  # benchmarks' critical path: the producer looks for the first video's poses
        try:
            self._produce_all()
        finally:
            self.working.set()

    def _produce_all(self) -> None:
        for video in self._videos:
            if self._cancel.cancelled:
                return
            started = time.perf_counter()
            try:
                poses = self._find(video, self._cancel)
                seconds = None
                if poses is None and self._stream is not None:
                    self._streamed(video, started)
                    continue
                if poses is None:
                    poses = self._extract(video, self._cancel)
                    seconds = time.perf_counter() - started
                item: _Item = (video, poses, seconds, None)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer of this video
                item = (video, None, None, exc)
            self.working.set()
            self._put(item)

    def _put(self, item: _Item) -> bool:
        return put_unless(self._queue, item, lambda: self._cancel.cancelled)

    def _streamed(self, video: Path, started: float) -> None:
        """Hand on a stream of ``video``'s poses, then extract them into it."""
        stream = self._stream()
        if not self._put((video, stream, None, None)):
            return
        try:
            stream.finish(self._extract(video, self._cancel, stream), time.perf_counter() - started)
            mark("poses_done")
        except BaseException as exc:  # noqa: BLE001 - raised in the consumer, where it waits on the stream
            stream.fail(exc)
        self.working.set()

    def wait_working(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds until the first video's pose workers have their job (its detection
        mode probed), or its poses are there (cached, extracted or failed); whether they are.

        ``epam analyze`` of one video loads its model after this: the probe runs in this process and holds the
        GIL as PyTorch's import does, so side by side each waits for the other, and the workers, ready
        meanwhile, wait for the probe (the close-up's first poses ~0.8 s later on 2 cores). The model loads
        while the poses are made."""
        return self.working.wait(timeout)

    def take(self, video: Path) -> Tuple[object, Optional[float]]:
        """``(poses, seconds the extraction took or None when they were cached)`` of ``video``, the next
        video in order; its extraction's error is raised here (streaming: ``(stream, None)``, the error raised
        where the stream is waited on)."""
        started = time.perf_counter()
        while True:
            try:
                item = self._queue.get(timeout=0.1)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise RuntimeError("The pose producer stopped before every video had its poses.") from None
        self.waited[Path(video).name] = round(time.perf_counter() - started, 3)
        got, poses, seconds, error = item
        if Path(got) != Path(video):
            raise RuntimeError(f"Poses of {got.name} were handed on for {Path(video).name}.")
        if error is not None:
            raise error
        return poses, seconds

    def close(self) -> None:
        """Stop the producer (a running extraction is cancelled) and wait for its thread."""
        self._cancel.cancel()
        self._thread.join(timeout=10.0)

    def __enter__(self) -> "PosesAhead":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def poses_ahead(videos: Sequence[Path], settings, *, use_cache: bool = True, depth: int = 1,
                stream: bool = True) -> PosesAhead:
    """A :class:`PosesAhead` extracting poses as :func:`~.runner.analyze_video` would with ``settings``
    (cached poses are found, new ones cached), every pose worker in a spawned process; ``stream``: hand on
    :class:`~core_model.pose.streaming_tracking.PoseStream` objects (the model starts before the poses are done)."""
    from ..pose import cached_poses, extract_poses
    from .runner import _pose_engine

    engine = _pose_engine(settings)
    working = threading.Event()

    def at_work(done: int, total: int) -> None:
        """The extraction's progress: its first report comes as the pose workers get their job."""
        if not working.is_set():
            mark("pose_job")
            working.set()

    def find(video: Path, cancel: CancelToken):
        return cached_poses(video, max_people=settings.max_people, **engine) if use_cache else None

    def extract(video: Path, cancel: CancelToken, into=None):
        return extract_poses(video, max_people=settings.max_people, cancel=cancel, use_cache=use_cache,
                             local_worker=False, stream=into, progress=at_work, **engine)

    def new_stream():
        from ..pose.extract import MAX_GAP_SECONDS
        from ..pose.streaming_tracking import PoseStream

        return PoseStream(max_gap_seconds=MAX_GAP_SECONDS)

    return PosesAhead(videos, find, extract, depth=depth, stream=new_stream if stream else None, working=working)
