"""Classrooms at default settings: recall, duplicates, ids per person, identity switches and speed of
``extract_poses`` on harder composited crowd videos (core_model/video/classroom.py), several seeds.

Each video: 768x576, 25 fps, PEOPLE people 40-150 px tall (the real cyclist of bikes.mp4, each in their own
colours), at least 12 in the frame at once, two pillars hiding people passing behind them for 1-3 s, three
people leaving the frame and coming back 2-4 s later, many crossings. Recall = people at least 60 % visible
with a skeleton of >= 5 joints scored >= 0.5 lying on them (core_model.video.crowd.score_poses); ids per
person = tracks matched to a person over the video (mean and worst); switches = times a person's matched
track changes (MOT identity switches); crossing switches = crossings after which one person has a track the
other had before. Extraction runs end to end (decoding, the auto probe, workers, appearance, tracking) with
the settings given (default: none, i.e. the defaults). The machine may be shared: the load average is
printed with every figure, and CPU ms per frame (all processes) is the load-independent cost.

    .venv/bin/python benchmarks/classroom_pose.py [--seeds 0 1 2] [--frames 400] [--people 14] [--workers 1 2]
        [--max-people N] [--close-up REPEAT]

Each seed is extracted once per worker count (frames/s wall clock; CPU ms/frame and the frames/s W idle cores
would give, W x 1000 / CPU ms, as the load-independent figures). Detection passes look only at the tiles whose
pixels changed outside the people followed (core_model/pose/tiles.py TileGate); tracklets of one person are
stitched after tracking (core_model/pose/tracklet_groups.py stitch_tracklets), after tracks were cut where the body jumps or
the colours change after a gap, and shorter tracks that are pieces of a longer one's person (a half body, a second
fit of one body) are merged into it (core_model/pose/tracklets.py). To iterate on tracking alone, pickle the
arguments of track_frames once per video and re-track them (the detection stage is the slow part).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def _cpu() -> float:
    """CPU seconds of this process and of the pose workers, the warm pool's live ones included (counted as in
    crowd_pose.py: RUSAGE_CHILDREN alone leaves them out)."""
    from crowd_pose import _own_cpu, _workers_cpu  # benchmarks/ is this script's folder

    return _own_cpu() + _workers_cpu()


def _extract(video, **kwargs):
    from core_model.pose import extract_poses

    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu()
    poses = extract_poses(video, use_cache=False, **kwargs)
    wall = time.perf_counter() - started
    return poses, poses.num_frames / wall, 1000.0 * (_cpu() - cpu) / poses.num_frames, load


def _one_seed(args, seed, cutouts, folder) -> list:
    from core_model.video.classroom import make_classroom_video, occlusion_runs

    video = os.path.join(folder, f"classroom{seed}.mp4")
    truth = make_classroom_video(video, None, cutouts=cutouts, people=args.people, frames=args.frames, seed=seed)
    in_frame = (truth.visible > 0).sum(axis=1)
    runs = [r / truth.fps for r in occlusion_runs(truth.visible) if r >= 25]
    return [_one_run(args, seed, truth, video, runs, in_frame, workers) for workers in args.workers]


def _one_run(args, seed, truth, video, runs, in_frame, workers) -> dict:
    from core_model.video.classroom import identity_figures
    from core_model.video.crowd import score_poses

    kwargs = {"workers": workers}
    if args.max_people is not None:
        kwargs["max_people"] = args.max_people
    poses, rate, cpu, load = _extract(video, **kwargs)
    score = score_poses(truth, poses.keypoint, poses.keypoint_score)
    ids = identity_figures(truth, score)
    heights = [w.height for w in truth.walkers]
    small = [p for p, h in enumerate(heights) if h < 60]
    print(f"seed {seed}: {args.people} people {min(heights):.0f}-{max(heights):.0f} px, {in_frame.min()}-"
          f"{in_frame.max()} in the frame, occlusions >= 1 s: {len(runs)} ({min(runs, default=0):.1f}-"
          f"{max(runs, default=0):.1f} s), {ids.crossings} crossings | detect {poses.meta.get('detect')}: "
          f"recall {score.recall:.3f} (people < 60 px: "
          f"{statistics.mean(score.recall_of(p) for p in small) if small else 1:.3f}), duplicates {score.duplicates}, "
          f"false positives {score.false_positives}, tracks {poses.num_people}, ids/person {ids.ids_per_person:.2f} "
          f"(worst {ids.worst_person}), id switches {ids.switches}, crossing switches {ids.crossing_switches}/"
          f"{ids.crossings}, tracks shared by two people {ids.shared_tracks} | {workers} worker(s): {rate:.2f} "
          f"frames/s, {cpu:.0f} CPU ms/frame (idle cores: ~{workers * 1000 / cpu:.1f} frames/s), load average "
          f"{load:.1f}", flush=True)
    boxed = score_poses(truth, poses.keypoint, poses.keypoint_score, by="boxes")  # the score of before, beside
    old = identity_figures(truth, boxed)
    print(f"  (scored by boxes, as before: recall {boxed.recall:.3f}, duplicates {boxed.duplicates}, false positives "
          f"{boxed.false_positives}, ids/person {old.ids_per_person:.2f} (worst {old.worst_person}), id switches "
          f"{old.switches}, crossing switches {old.crossing_switches}/{old.crossings})", flush=True)
    return {"workers": workers, "recall": score.recall, "duplicates": score.duplicates, "ids": ids.ids_per_person,
            "rate": rate, "cpu": cpu, "load": load, "switches": ids.crossing_switches, "crossings": ids.crossings}


def _close_up(repeat: int) -> None:
    from core_model.paths import demo_video

    rates, cpus, loads = [], [], []
    for _ in range(repeat):
        poses, rate, cpu, load = _extract(str(demo_video()), workers=1)
        rates.append(rate)
        cpus.append(cpu)
        loads.append(load)
    print(f"close-up bikes.mp4, defaults, 1 worker: median {statistics.median(rates):.1f} frames/s, "
          f"{statistics.median(cpus):.1f} CPU ms/frame over {repeat} runs (detect {poses.meta.get('detect')}, "
          f"{poses.num_people} tracks), load average {statistics.median(loads):.1f}", flush=True)


def main() -> None:
    from core_model.paths import demo_video
    from core_model.video.crowd import cut_source_people

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--people", type=int, default=14)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-people", type=int, default=None, help="leave out for the default")
    parser.add_argument("--close-up", type=int, default=0, metavar="REPEAT",
                        help="also time bikes.mp4 at defaults this many times")
    args = parser.parse_args()
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-bench-"))
    folder = tempfile.mkdtemp(prefix="epam-classroom-")
    print(f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()}", flush=True)
    cutouts = cut_source_people(demo_video())
    rows = [row for seed in args.seeds for row in _one_seed(args, seed, cutouts, folder)]
    print(f"all seeds and worker counts: recall {min(r['recall'] for r in rows):.3f}-{max(r['recall'] for r in rows):.3f}, "
          f"duplicates {sum(r['duplicates'] for r in rows)}, ids/person {min(r['ids'] for r in rows):.2f}-"
          f"{max(r['ids'] for r in rows):.2f}, crossing switches {sum(r['switches'] for r in rows)}/"
          f"{sum(r['crossings'] for r in rows)}, frames/s median {statistics.median(r['rate'] for r in rows):.2f} "
          f"({'/'.join(map(str, args.workers))} workers), CPU ms/frame median {statistics.median(r['cpu'] for r in rows):.0f}", flush=True)
    if args.close_up:
        _close_up(args.close_up)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
