"""Warm pose workers: the spawned worker processes (and the caller's own extractor) serve the next video of a
batch without starting again, and the poses equal those of fresh workers."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose import worker_pool
from core_model.pose.parallel import _LOCAL_KEPT, extract_frame_detections, release_warm

OPTIONS = {"max_people": 0, "delegate": "cpu"}


@pytest.fixture(scope="module")
def two_clips(bikes_video, tmp_path_factory):
    """Two short clips of the cyclist (frames 104-127 and 112-135 of bikes.mp4); two chunks of 12 frames each
    (chunks shorter than the 1-s continuation would let continuations of two chunks overlap)."""
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    folder = tmp_path_factory.mktemp("clips")
    paths = []
    with VideoReader(bikes_video) as reader:
        for first in (104, 112):
            path = folder / f"cyclist_{first}.mp4"
            encode_frames(path, [frame for _i, frame in reader.iter_frames(first, first + 24)], fps=25.0)
            paths.append(path)
    return paths


def _arrays(frames):
    return [np.concatenate([f[0].ravel(), f[1].ravel()]) for f in frames]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(_arrays(a), _arrays(b)))


def test_the_next_video_reuses_the_warm_workers_and_gets_the_same_poses(two_clips):
    release_warm()
    try:
        first, _ = extract_frame_detections(str(two_clips[0]), options=OPTIONS, workers=2, chunk_frames=12)
        pool = worker_pool.shared_pool()
        assert pool is not None and pool.healthy() and _LOCAL_KEPT  # kept warm, here and in the worker
        pids = pool.pids()
        second, _ = extract_frame_detections(str(two_clips[1]), options=OPTIONS, workers=2, chunk_frames=12)
        again, _ = extract_frame_detections(str(two_clips[0]), options=OPTIONS, workers=2, chunk_frames=12)
        assert worker_pool.shared_pool() is pool and pool.pids() == pids and pool.jobs_done == 3
        assert sum(len(f[0]) > 0 for f in second) >= 20  # the cyclist, found by warm workers
        assert _same(first, again)  # warm (reset) extractors give what fresh ones gave
    finally:
        release_warm()
    assert worker_pool.shared_pool() is None and not _LOCAL_KEPT
    assert not any(p.is_alive() for p in pool.procs)
    fresh, _ = extract_frame_detections(str(two_clips[0]), options=OPTIONS, workers=1, chunk_frames=12)
    assert _same(first, fresh)
    release_warm()


def test_a_failed_job_closes_the_pool(two_clips, tmp_path):
    from core_model.errors import EpamError

    release_warm()
    with pytest.raises(EpamError):
        extract_frame_detections(str(two_clips[0]), options={**OPTIONS, "delegate": "nonsense"}, workers=2,
                                 chunk_frames=12)
    assert worker_pool.shared_pool() is None
    release_warm()


def test_workers_and_models_made_ahead_are_the_ones_the_extraction_uses(two_clips):
    from core_model.pose.parallel import _PREPARING, prepare

    release_warm()
    try:
        prepare(str(two_clips[0]), backend="mediapipe", options=OPTIONS, workers=2, chunk_frames=12)
        pool = worker_pool.shared_pool()
        assert pool is not None and pool.healthy()  # started, loading its model while the caller goes on
        for thread in list(_PREPARING.values()):
            thread.join()
        (made,) = _LOCAL_KEPT.values()
        found, _ = extract_frame_detections(str(two_clips[0]), options=OPTIONS, workers=2, chunk_frames=12)
        assert worker_pool.shared_pool() is pool and list(_LOCAL_KEPT.values()) == [made]
        assert sum(len(f[0]) > 0 for f in found) >= 20
    finally:
        release_warm()


def test_workers_started_for_a_job_thread_outlive_the_thread(two_clips):
    """A job thread (the studio's, the batch's poses-ahead producer) that ends does not take the warm workers
    with it (on Linux a worker dies with the thread that started it unless a lasting thread starts it)."""
    import threading
    import time

    release_warm()
    try:
        job = threading.Thread(target=extract_frame_detections, args=(str(two_clips[0]),),
                               kwargs={"options": OPTIONS, "workers": 2, "chunk_frames": 12, "local_worker": False})
        job.start()
        job.join()
        pool = worker_pool.shared_pool()
        time.sleep(0.5)
        assert pool is not None and pool.healthy(), [p.exitcode for p in pool.procs]
    finally:
        release_warm()


def test_a_cancelled_job_keeps_the_warm_workers_for_the_next_one(two_clips):
    """The speculative ``full`` run of ``detect="auto"`` is cancelled when the probe says ``tiles``: its workers drop
    the job and serve the ``tiles`` run warm (a new worker process costs about a second to start)."""
    from core_model.errors import Cancelled
    from core_model.jobs import CancelToken

    release_warm()
    try:
        first, _ = extract_frame_detections(str(two_clips[0]), options=OPTIONS, workers=2, chunk_frames=12)
        pool = worker_pool.shared_pool()
        pids = pool.pids()
        cancel = CancelToken()
        with pytest.raises(Cancelled):
            extract_frame_detections(str(two_clips[1]), options=OPTIONS, workers=2, chunk_frames=12, cancel=cancel,
                                     progress=lambda done, total: done and cancel.cancel())
        assert worker_pool.shared_pool() is pool and pool.healthy() and pool.pids() == pids
        again, _ = extract_frame_detections(str(two_clips[0]), options=OPTIONS, workers=2, chunk_frames=12)
        assert worker_pool.shared_pool() is pool and pool.pids() == pids and pool.jobs_done == 3
        assert _same(first, again)  # the dropped job left nothing behind (its chunk counter, its messages)
    finally:
        release_warm()
