"""Poses of many small people: recall and speed of ``--detect full`` vs ``tiles`` (1 and 2 workers) on a
composited crowd video, and the close-up (bikes.mp4) speed of the default ``auto`` against ``full``.

The crowd video (core_model/video/crowd.py): the real cyclist of bikes.mp4 pasted PEOPLE times into a
768x576 frame, 60-150 px tall, walking in pairs that cross; recall = people (at least 60 % visible)
with a skeleton of >= 5 joints scored >= 0.5 lying on them. Figures are medians of ``--repeat`` runs
of ``extract_poses`` end to end (decoding, model and worker start-up, tracking). The machine may be
shared: the load average is printed, CPU milliseconds per frame (all threads of the process and of its
spawned workers, warm ones included) are given as a load-independent cost with the frames/s that W idle cores would give
(W x 1000 / CPU ms), and the close-up is given as a ratio against ``full`` measured in the same run
(``full`` is the pipeline of before detection modes, unchanged).

    .venv/bin/python benchmarks/crowd_pose.py [--frames 400] [--people 8] [--repeat 1]

``--classroom SEED ...`` measures the classroom videos of core_model/video/classroom.py instead (14 people 40-150 px,
pillars, people leaving and coming back; ``--people`` sets their number) at default settings with ``--workers``:
recall overall and by body height (under 60 px, 60-100 px, over 100 px), duplicate skeletons, tracks, ids per
person, CPU ms per frame (the calling process + the spawned workers) and frames/s (wall clock, and W x 1000 / CPU
ms: what W idle cores would give), and the seconds spent before the workers start (the detection probe) and after
they end (tracking: the part that does not run in parallel).

    .venv/bin/python benchmarks/crowd_pose.py --classroom 0 1 2 [--people 14] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time


def _own_cpu() -> float:
    """CPU seconds of this process (the calling one, whose thread is one of the pose workers), all threads."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def _workers_cpu() -> float:
    """CPU seconds of the spawned pose workers: the warm pool's processes (alive, so not in RUSAGE_CHILDREN:
    read from /proc on Linux), plus the finished children."""
    from core_model.pose import worker_pool

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = kids.ru_utime + kids.ru_stime
    pool = worker_pool.shared_pool()
    for pid in pool.pids() if pool is not None else []:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


class _Phases:
    """When the pose workers started and ended within one ``extract_poses`` (wraps its
    ``extract_frame_detections``): the seconds before (probe, preparation) and after (tracking) them."""

    def __init__(self) -> None:
        import core_model.pose.extract as extract

        self.module, self.inner = extract, extract.extract_frame_detections
        self.span = (0.0, 0.0)

    def __enter__(self) -> "_Phases":
        def timed(*args, **kwargs):
            begun = time.perf_counter()
            try:
                return self.inner(*args, **kwargs)
            finally:
                self.span = (begun, time.perf_counter())

        self.module.extract_frame_detections = timed
        return self

    def __exit__(self, *_exc) -> None:
        self.module.extract_frame_detections = self.inner


def _run(video, phases: bool = False, **kwargs):
    """Poses, frames/s (wall clock) and CPU milliseconds per frame (load-independent: this process and the
    workers; with ``phases`` also ``(own CPU ms/frame, workers' CPU ms/frame, seconds before the workers,
    seconds after them)``)."""
    from core_model.pose import extract_poses

    with _Phases() as timing:
        started, own, workers = time.perf_counter(), _own_cpu(), _workers_cpu()
        poses = extract_poses(video, use_cache=False, **kwargs)
        ended = time.perf_counter()
    own, workers = [1000.0 * (now - then) / poses.num_frames for now, then in ((_own_cpu(), own),
                                                                              (_workers_cpu(), workers))]
    rate = poses.num_frames / (ended - started)
    if not phases:
        return poses, rate, own + workers
    return poses, rate, own + workers, (own, workers, timing.span[0] - started, ended - timing.span[1])


BANDS = ((0, 60), (60, 100), (100, 1e9))


def _classroom(args) -> None:
    """Recall by body height, duplicates, ids per person and speed on classroom videos at default settings."""
    import numpy as np

    from core_model.paths import demo_video
    from core_model.video.classroom import identity_figures, make_classroom_video
    from core_model.video.crowd import cut_source_people, score_poses

    folder = tempfile.mkdtemp(prefix="epam-classroom-")
    cutouts = cut_source_people(demo_video())
    print(f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for seed in args.classroom:
        video = os.path.join(folder, f"classroom{seed}_{args.people}.mp4")
        truth = make_classroom_video(video, None, cutouts=cutouts, people=args.people, frames=args.frames, seed=seed)
        heights = np.array([w.height for w in truth.walkers])
        for workers in args.workers:
            load = os.getloadavg()[0]
            poses, rate, cpu, (own, spawned, before, after) = _run(video, phases=True, workers=workers)
            score = score_poses(truth, poses.keypoint, poses.keypoint_score)
            bands = []
            for low, high in BANDS:
                band = np.zeros_like(score.counted)
                band[:, (heights >= low) & (heights < high)] = True
                counted = score.counted & band
                bands.append(float((score.found & counted).sum() / max(int(counted.sum()), 1)))
            ids = identity_figures(truth, score)
            print(f"classroom seed {seed}, {args.people} people, {workers} worker(s), "
                  f"detect {poses.meta.get('detect')}: "
                  f"recall {score.recall:.3f} (<60 px {bands[0]:.3f}, 60-100 px {bands[1]:.3f}, >100 px "
                  f"{bands[2]:.3f}), duplicates {score.duplicates}, false skeletons {score.false_positives}, tracks "
                  f"{poses.num_people}, ids/person {ids.ids_per_person:.2f} | {rate:.2f} frames/s, {cpu:.0f} CPU "
                  f"ms/frame ({own:.0f} calling process + {spawned:.0f} spawned workers; idle cores: "
                  f"~{workers * 1000 / cpu:.1f} frames/s), {before:.1f} s before the workers, {after:.1f} s after "
                  f"them, load average {load:.1f}-{os.getloadavg()[0]:.1f}", flush=True)
            boxed = score_poses(truth, poses.keypoint, poses.keypoint_score, by="boxes")  # the score of before, beside
            old = identity_figures(truth, boxed)
            print(f"  (scored by boxes, as before: recall {boxed.recall:.3f}, duplicates {boxed.duplicates}, false "
                  f"positives {boxed.false_positives}, ids/person {old.ids_per_person:.2f} (worst "
                  f"{old.worst_person}), id switches {old.switches}, crossing switches "
                  f"{old.crossing_switches}/{old.crossings})", flush=True)


def main() -> None:
    from core_model.paths import demo_video
    from core_model.video.crowd import make_crowd_video, score_poses

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=400, help="crowd video length (400: two 200-frame chunks)")
    parser.add_argument("--people", type=int, default=None, help="8 (crowd), 14 (--classroom)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--classroom", type=int, nargs="+", metavar="SEED",
                        help="measure classroom videos of these seeds instead (default settings)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2], help="with --classroom")
    args = parser.parse_args()
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-bench-"))
    if args.classroom:
        args.people = args.people or 14
        _classroom(args)
        return
    args.people = args.people or 8
    folder = tempfile.mkdtemp(prefix="epam-crowd-")
    crowd = os.path.join(folder, "crowd.mp4")
    truth = make_crowd_video(crowd, demo_video(), people=args.people, frames=args.frames, seed=args.seed)
    print(f"crowd video: {args.frames} frames 768x576, {args.people} people "
          f"{min(w.height for w in truth.walkers):.0f}-{max(w.height for w in truth.walkers):.0f} px tall, "
          f"{len(truth.crossings)} crossings; cpu cores: {os.cpu_count()}, "
          f"load average before: {os.getloadavg()[0]:.1f}")
    rows = {}
    for detect in ("full", "tiles"):
        for workers in (1, 2):
            rates, recalls, cpus = [], [], []
            for _ in range(args.repeat):
                poses, rate, cpu = _run(crowd, detect=detect, workers=workers, max_people=30)
                score = score_poses(truth, poses.keypoint, poses.keypoint_score)
                rates.append(rate)
                recalls.append(score.recall)
                cpus.append(cpu)
            rows[detect, workers] = statistics.median(rates)
            cpu = statistics.median(cpus)
            print(f"crowd  {detect:5s} {workers} worker{'s' if workers > 1 else ' '}: "
                  f"{statistics.median(rates):6.1f} frames/s  {cpu:6.1f} CPU ms/frame (idle cores: "
                  f"~{workers * 1000 / cpu:5.1f} frames/s)  recall {statistics.median(recalls):.3f}  "
                  f"duplicates {score.duplicates}  false positives {score.false_positives}  tracks {poses.num_people}")
            boxed = score_poses(truth, poses.keypoint, poses.keypoint_score, by="boxes")  # the score of before
            print(f"  (scored by boxes, as before: recall {boxed.recall:.3f}, duplicates {boxed.duplicates}, "
                  f"false positives {boxed.false_positives})")
    close_up = str(demo_video())
    full_rates, auto_rates, full_cpu, auto_cpu = [], [], [], []
    for _ in range(max(args.repeat, 3)):  # alternate, so that load changes hit both alike
        _poses, rate, cpu = _run(close_up, detect="full", workers=1)
        full_rates.append(rate)
        full_cpu.append(cpu)
        poses, rate, cpu = _run(close_up, workers=1)
        auto_rates.append(rate)
        auto_cpu.append(cpu)
    full, auto = statistics.median(full_rates), statistics.median(auto_rates)
    print(f"close-up bikes.mp4, 1 worker: full {full:6.1f} frames/s, auto {auto:6.1f} frames/s "
          f"(auto chose {poses.meta['detect']}); auto/full = {auto / full:.2f} (wall), "
          f"{statistics.median(full_cpu) / statistics.median(auto_cpu):.2f} (CPU per frame)")
    print(f"tiles 2 workers / 1 worker = {rows['tiles', 2] / rows['tiles', 1]:.2f}; "
          f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
