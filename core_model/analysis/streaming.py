"""The model on a video's windows whose poses are final while the same video's poses are still extracted.

A :class:`~core_model.pose.streaming_tracking.PoseStream` grows with the tracked frames ``[0, n)``, which
never change afterwards. A window ``[s, e)`` is *decided* once ``e <= n`` and whether it is analysed (per
person: for whom) can no longer change: a person's presence in the window (:func:`.windows.fill_gaps`)
only grows with frames to come, by filling the gap after their last sighting up to ``max_gap`` frames, so
a window at or over ``min_presence`` already is kept, one under it even with that gap filled is left out,
and any other waits (at the latest until ``n >= e + max_gap + 1``, or the end of the video). The jobs and
their inputs are then exactly those of :func:`.windows.plan_windows` and :func:`.inputs.iter_window_inputs`
on the whole poses (same order, same arrays); :func:`iter_stream_inputs` decodes the video once, forward,
keeping the decoded frames that later, undecided windows also sample (at most :data:`HOLD_BYTES`; beyond
it, it waits for those windows to be decided).
"""
from __future__ import annotations

import threading
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..errors import Cancelled
from ..jobs import CancelToken
from .inputs import StageClock, WindowInputs, _Plan, person_rows
from .windows import WindowJob, fill_gaps, plan_windows, presence, present_fraction

#: decoded frames kept for windows not decided yet, at most this many bytes
HOLD_BYTES = 512 << 20
#: windows whose inputs are built ahead of the forward (while it waits for the poses: ~20 MB each for EPAM-Net)
AHEAD_WINDOWS = 8
#: model inputs whose arrays do not depend on the people who appear only later (zero rows in a window's
#: frames): everybody mode streams for these; other kinds wait for the whole poses in everybody mode
ROW_SAFE_KINDS = frozenset({"rgb", "heatmaps", "flow"})


def decide(snap, start: int, end: int, *, per_person: bool, min_presence: float, max_gap: int
           ) -> Optional[List[int]]:
    """The rows analysed in window ``[start, end)`` (everybody mode: ``[-1]`` or ``[]``) once this cannot
    change with the frames still to come, else ``None``. ``snap``: a not finished
    :class:`~core_model.pose.streaming_tracking.PoseSnapshot`."""
    n, m = snap.tracked, snap.num_people
    if end > n:
        return None
    a0, a1 = max(0, start - max_gap - 1), min(n, end + max_gap + 1)  # all the frames the fill in [start, end) sees
    present = presence(snap.score[:m, a0:a1])
    lower = fill_gaps(present, max_gap)
    upper = lower.copy()
    if a1 < end + max_gap + 1 and max_gap > 0:  # a sighting to come may close the gap after the last one
        for row in range(m):
            seen = np.nonzero(present[row])[0]
            if len(seen) and seen[-1] + max_gap + 1 >= n - a0:
                upper[row, seen[-1] + 1: seen[-1] + max_gap + 1] = True
    s, e, threshold = start - a0, end - a0, max(min_presence, 1e-9)
    if not per_person:
        low = present_fraction(lower.any(axis=0, keepdims=True), s, e)[0]
        high = present_fraction(upper.any(axis=0, keepdims=True), s, e)[0]
        return [-1] if low >= threshold else [] if high < threshold else None
    low, high = present_fraction(lower, s, e), present_fraction(upper, s, e)
    if ((low < threshold) & (high >= threshold)).any():
        return None
    return [row for row in range(m) if low[row] >= threshold]


class StreamPlanner:
    """The jobs of each window of ``bounds`` as soon as they are decided (thread-safe; waits on the stream)."""

    def __init__(self, stream, bounds: np.ndarray, *, per_person: bool, min_presence: float, max_gap: int,
                 cancel: Optional[CancelToken] = None) -> None:
        self.stream, self.bounds = stream, np.asarray(bounds, np.int64).reshape(-1, 2)
        self.per_person, self.min_presence, self.max_gap = per_person, float(min_presence), int(max_gap)
        self.cancel = cancel
        #: set when the analysis ends (or fails): a wait for poses gives up
        self.halt = threading.Event()
        self._lock = threading.RLock()
        self._decided: List[Tuple[List[WindowJob], object]] = []  # per window in order: (jobs, snapshot)
        self._snap = stream.snapshot()
        #: seconds spent waiting for poses, and the frames final when the first window was decided
        self.waited, self.first_decided_at = 0.0, None

    def jobs(self, i: int) -> Tuple[List[WindowJob], object]:
        """``(jobs of window i, the snapshot their poses come from)``; waits until window ``i`` is decided."""
        with self._lock:
            while len(self._decided) <= i:
                self._decide_next()
            return self._decided[i]

    def count_at_least(self, count: int) -> int:
        """The number of jobs decided once there are ``count`` of them or every window is decided."""
        with self._lock:
            while self._job_count() < count and len(self._decided) < len(self.bounds):
                self._decide_next()
            return self._job_count()

    @property
    def all_decided(self) -> bool:
        return len(self._decided) == len(self.bounds)

    def expected_jobs(self) -> int:
        """The jobs decided so far plus one per window not decided yet (for progress)."""
        with self._lock:
            return self._job_count() + len(self.bounds) - len(self._decided)

    def _job_count(self) -> int:
        return sum(len(jobs) for jobs, _ in self._decided)

    def _decide_next(self) -> None:
        i = len(self._decided)
        start, end = (int(v) for v in self.bounds[i])
        while True:
            snap = self._snap
            if snap.done:
                return self._decide_rest(snap)
            rows = decide(snap, start, end, per_person=self.per_person, min_presence=self.min_presence,
                          max_gap=self.max_gap)
            if rows is not None:
                break
            if self.halt.is_set():
                raise Cancelled()
            t = time.perf_counter()
            self._snap = self.stream.wait_beyond(snap.tracked, self.cancel, timeout=0.2)
            self.waited += time.perf_counter() - t
        if self.first_decided_at is None:
            self.first_decided_at = snap.tracked
        jobs = [WindowJob(start, end) if row < 0 else WindowJob(start, end, row, row) for row in rows]
        self._decided.append((jobs, snap))

    def _decide_rest(self, snap) -> None:
        """The poses are whole: every window left, as :func:`.windows.plan_windows` plans them."""
        poses = snap.poses
        rest = plan_windows(self.bounds[len(self._decided):], poses.keypoint_score, poses.track_ids,
                            per_person=self.per_person, min_presence=self.min_presence, max_gap=self.max_gap)
        by_window: Dict[Tuple[int, int], List[WindowJob]] = {}
        for job in rest:
            by_window.setdefault((job.start, job.end), []).append(job)
        for start, end in self.bounds[len(self._decided):]:
            self._decided.append((by_window.get((int(start), int(end)), []), snap))

    def decided_jobs(self) -> List[WindowJob]:
        with self._lock:
            return [job for jobs, _ in self._decided for job in jobs]


def iter_stream_inputs(reader, planner: StreamPlanner, normalization, clock: StageClock, spec=None, *,
                       kinds=("rgb", "heatmaps"), sizes=None, hold_bytes: Optional[int] = None):
    """The inputs of every job of ``planner``'s windows, in job order, as the windows are decided: the
    arrays :func:`.inputs.iter_window_inputs` makes from the whole poses (``hold_bytes``: default
    :data:`HOLD_BYTES`)."""
    from ..preprocess.kinds import InputSizes, build_all, builders_for
    from ..preprocess.sampling import window_frames

    sizes = sizes if sizes is not None else InputSizes.of(None, spec)
    builders = builders_for(kinds)
    reads = any(b.frame_boxes is not None for b in builders.values())
    rgb_of = [window_frames(int(s), int(e), sizes.pose_frames, sizes.rgb_frames)[1].tolist()
              for s, e in planner.bounds]
    frames = _FrameUsers(rgb_of if reads else [[] for _ in rgb_of], HOLD_BYTES if hold_bytes is None else hold_bytes)
    state = _Decoding(reader, planner, builders, sizes, frames, clock)
    for i in range(len(planner.bounds)):
        plans = state.plans_of(i)
        if reads and plans:
            state.decode_through(max(rgb_of[i]), i)
        for plan in plans:
            with clock.timed("preprocess"):
                arrays = build_all(builders, plan.source, sizes, normalization)
            yield WindowInputs(plan.job, plan.source.pose_frames, plan.source.rgb_frames,
                               np.asarray(plan.source.box, np.float32), arrays)
        state.forget(i)


class _FrameUsers:
    """Which windows sample each frame (``frame -> [(window, position), ...]``) and the frames held for them."""

    def __init__(self, rgb_of: List[List[int]], hold_bytes: int) -> None:
        self.users: Dict[int, List[Tuple[int, int]]] = {}
        for i, indices in enumerate(rgb_of):
            for k, f in enumerate(indices):
                self.users.setdefault(f, []).append((i, k))
        self.order = sorted(self.users)
        self.next = 0  # position in ``order`` of the next frame to decode
        self.held: Dict[int, np.ndarray] = {}
        self.hold_bytes = hold_bytes

    def held_bytes(self) -> int:
        return sum(frame.nbytes for frame in self.held.values())


class _Decoding:
    """The forward decode of :func:`iter_stream_inputs`: crops each frame for the decided windows that sample
    it and holds it for the undecided ones."""

    def __init__(self, reader, planner: StreamPlanner, builders, sizes, frames: _FrameUsers, clock) -> None:
        self.reader, self.planner, self.builders, self.sizes = reader, planner, builders, sizes
        self.frames, self.clock = frames, clock
        self.plans: Dict[int, List[_Plan]] = {}  # decided windows not handed on yet
        self.made: set = set()  # every window whose plans were made

    def plans_of(self, i: int) -> List[_Plan]:
        """The plans of window ``i`` (deciding it: may wait for the poses), with the crops of held frames."""
        if i not in self.made:
            from ..preprocess.inputs import window_box
            from ..preprocess.kinds import WindowSource, frame_boxes
            from ..preprocess.sampling import window_frames

            jobs, snap = self.planner.jobs(i)
            plans = []
            for job in jobs:
                pose_frames, rgb_frames = window_frames(job.start, job.end, self.sizes.pose_frames,
                                                        self.sizes.rgb_frames)
                rows = person_rows(job, snap.num_people)
                box = window_box(snap.keypoint[rows], snap.score[rows], snap.img_shape, pose_frames)
                source = WindowSource(snap.keypoint[rows], snap.score[rows], snap.img_shape, pose_frames,
                                      rgb_frames, box)
                plans.append(_Plan(job, source, frame_boxes(self.builders, source, self.sizes)))
            self.plans[i] = plans
            self.made.add(i)
            for f in sorted(self.frames.held):
                self._crop(f, self.frames.held[f], i)
                if all(j in self.made for j, _k in self.frames.users[f]):
                    del self.frames.held[f]
        return self.plans[i]

    def forget(self, i: int) -> None:
        self.plans.pop(i, None)

    def decode_through(self, last: int, i: int) -> None:
        """Decode forward every frame up to ``last`` that window ``i`` or a later window samples."""
        frames = self.frames
        while frames.next < len(frames.order) and frames.order[frames.next] <= last:
            f = frames.order[frames.next]
            frames.next += 1
            users = sorted({j for j, _k in frames.users[f]})
            pending = [j for j in users if j not in self.made]
            if not pending and not any(self.plans.get(j) for j in users):
                continue  # only windows without jobs sample it
            t = time.perf_counter()
            frame = self.reader.get_frame(f)
            self.clock.add("decode", time.perf_counter() - t)
            for j in users:
                if j in self.made:
                    self._crop(f, frame, j)
            while pending and frames.held and frames.held_bytes() + frame.nbytes > frames.hold_bytes:
                j = pending.pop(0)  # over the budget: wait until the next of its windows is decided
                self.plans_of(j)
                self._crop(f, frame, j)
            if pending:
                frames.held[f] = frame
            del frame

    def _crop(self, f: int, frame: np.ndarray, window: int) -> None:
        """Crop frame ``f`` for the jobs of ``window`` (at the positions where the window samples it)."""
        from ..preprocess.kinds import crop_frame_for

        plans = self.plans.get(window)
        if not plans:
            return
        with self.clock.timed("preprocess"):
            for j, k in self.frames.users.get(f, ()):
                if j == window:
                    for plan in plans:
                        crop_frame_for(self.builders, plan.source, self.sizes, plan.boxes, frame, k)


def _forward_beside_poses(device, reader, threads: Optional[int] = None) -> bool:
    """Whether a forward may run while the pose workers do: on a GPU, or where the cores left by the pose
    workers hold all of torch's threads (else each parallel region waits for a thread sharing a core with a
    pose worker: measured on 2 loaded cores, the close-up's cold analyze 0.91x as fast with the forwards beside
    the poses; and fewer threads would change the outputs in the last bits)."""
    import os

    from ..pose.parallel import default_workers
    from ..pose.scheduling import plan_chunks

    if device.type == "cuda":
        return True
    if threads is None:  # ``threads``: the graph's, where PyTorch is not loaded (core_model.runtime.ready)
        import torch

        threads = torch.get_num_threads()
    workers = default_workers(len(plan_chunks(reader.frame_count, None, getattr(reader, "key_frames", None))))
    return (os.cpu_count() or 1) - threads >= workers


def streamable(settings, kinds) -> bool:
    """Whether the windows can be analysed before the whole poses are known (see :data:`ROW_SAFE_KINDS`)."""
    return bool(settings.per_person) or set(kinds) <= ROW_SAFE_KINDS


def run_streamed(reader, stream, prepared, device, settings, clock: StageClock, cancel, progress, video,
                 check_poses, run_windows, forward, progress_total: int = 1000):
    """Run the model on ``stream``'s windows as they are decided; ``(poses, rows, runtime, what happened)``.

    ``check_poses``, ``run_windows`` and ``forward`` are the runner's (passed in: no import cycle); progress is
    reported on a scale of ``progress_total``. The jobs
    run are checked against :func:`.windows.plan_windows` of the whole poses; where they differ (which would
    be a bug) the whole-video path runs again, so the results are those of the whole poses in any case.
    """
    from ..errors import PoseError
    from ..jobs import report
    from ..runtime import AUTO_MIN_WINDOWS
    from .windows import window_bounds

    kinds = prepared.model_spec().inputs
    window, stride = settings.window_frames(reader.fps), settings.stride_frames(reader.fps)
    bounds = window_bounds(reader.frame_count, window, stride)
    max_gap = settings.presence_gap_frames(reader.fps)
    planner = StreamPlanner(stream, bounds, per_person=settings.per_person, min_presence=settings.min_presence,
                            max_gap=max_gap, cancel=cancel)
    info = {"streamed": streamable(settings, kinds)}
    if not info["streamed"]:
        stream.result(cancel)  # everybody mode with inputs that see every person row: the whole poses first

    def windows() -> int:
        if planner.all_decided or settings.per_person or len(bounds) >= AUTO_MIN_WINDOWS:
            return planner.count_at_least(AUTO_MIN_WINDOWS)
        return len(bounds)  # everybody mode: fewer windows than bounds anyway: a short run either way

    def on_done(done: int) -> None:
        if not stream.done:
            info["windows_before_poses_done"] = done
        report(progress, progress_total * done // max(done, planner.expected_jobs(), 1), progress_total)

    info["windows_before_poses_done"] = 0
    source = iter_stream_inputs(reader, planner, prepared.normalization, clock, prepared.inputs, kinds=kinds,
                                sizes=prepared.input_sizes())
    side_by_side = _forward_beside_poses(device, reader, getattr(prepared, "threads", None))
    info["forward_beside_poses"] = side_by_side

    def ready() -> None:
        if not side_by_side and not stream.done:
            t = time.perf_counter()
            stream.result(cancel)  # the inputs are built meanwhile; the forward would fight the pose workers
            info["forward_waited_for_poses"] = round(time.perf_counter() - t, 3)

    try:
        rows, runtime = forward(source, windows, prepared, device, settings, clock, cancel, on_done, ready,
                                AHEAD_WINDOWS)
    finally:
        planner.halt.set()  # the input thread stops waiting for poses (an error, cancel, or all done)
    poses = stream.result(cancel)
    clock.add("pose", float(stream.seconds or 0.0))
    clock.add("pose_overlapped", 1.0)
    check_poses(poses, reader, video)
    jobs = plan_windows(bounds, poses.keypoint_score, poses.track_ids, per_person=settings.per_person,
                        min_presence=settings.min_presence, max_gap=max_gap)
    if not jobs:
        raise PoseError(f"No person is visible long enough in {video.name} to analyse any window.")
    info.update(first_window_at_frame=planner.first_decided_at, waited_for_poses=round(planner.waited, 3))
    if jobs != planner.decided_jobs():
        info["fallback"] = "the windows decided early differ from the whole poses' plan: analysed again"
        rows, runtime = run_windows(reader, poses, jobs, prepared, device, settings, clock, cancel, lambda d: None)
    return poses, rows, runtime, info
