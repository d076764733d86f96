"""Crowd tracking alone, on the same detections: identity figures and tracking CPU time of one or more code trees.

The detection stage is the slow part of a classroom extraction (minutes) and tracking is deterministic given the
detections, so identity work is measured by re-tracking captured detections. ``--capture`` extracts classroom
videos (core_model/video/classroom.py) at default settings once and saves what ``track_frames`` was given, with the
truth, one file per video; then every code tree in ``--root`` (this checkout by default; another checkout, e.g.
``git archive`` of the commit before, for before/after) re-tracks each file in its own process and prints per
video: recall, duplicate skeletons, tracks, ids per person (mean and worst), identity switches, crossing switches
(core_model.video.crowd.score_poses by joints, and by boxes beside it; classroom.identity_figures; a truth captured
without joints gets them rendered again, classroom.add_joints) and tracking CPU ms per frame (median of
``--repeat``; CPU time, so less dependent on the machine's load, which is printed).

    .venv/bin/python benchmarks/crowd_retrack.py --capture DIR [--seeds 0 1 2 3 4] [--people 14] [--workers 2]
    .venv/bin/python benchmarks/crowd_retrack.py DIR/*.pkl [--root /tmp/before .] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

_HERE = os.path.dirname(os.path.abspath(__file__))


def capture(folder: str, seeds, people: int, frames: int, workers: int) -> None:
    """Extract each classroom video at defaults and pickle ``track_frames``' arguments and the truth."""
    from core_model.paths import demo_video
    from core_model.pose import extract, tracking
    from core_model.video.classroom import make_classroom_video
    from core_model.video.crowd import cut_source_people

    os.makedirs(folder, exist_ok=True)
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-bench-"))
    seen: dict = {}
    original = tracking.track_frames

    def spy(frames_, timestamps, img_shape, fps, **kw):  # crowd mode tracks as the frames come (tracking_ahead)
        poses = original(frames_, timestamps, img_shape, fps, **kw)
        kw = {k: (list(v) if k == "appearances" and v is not None else v) for k, v in kw.items() if k != "meta"}
        seen.update(frames=list(frames_), timestamps=timestamps, img_shape=img_shape, fps=fps, kw=kw)
        return poses

    tracking.track_frames = extract.track_frames = spy
    cutouts = cut_source_people(demo_video())
    for seed in seeds:
        video = os.path.join(folder, f"classroom{seed}_{people}.mp4")
        truth = make_classroom_video(video, None, cutouts=cutouts, people=people, frames=frames, seed=seed)
        started = time.perf_counter()
        poses = extract.extract_poses(video, use_cache=False, workers=workers)
        name = os.path.join(folder, f"s{seed}p{people}.pkl")
        with open(name, "wb") as fh:
            pickle.dump({**seen, "truth": truth}, fh)
        print(f"{name}: detect {poses.meta.get('detect')}, {poses.num_people} tracks, "
              f"{time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.1f}", flush=True)


def retrack(paths, repeat: int) -> None:
    """Re-track every file with the code of this process's ``core_model`` and print one line each."""
    from core_model.pose import tracking
    from core_model.paths import demo_video
    from core_model.video.classroom import add_joints, identity_figures
    from core_model.video.crowd import cut_source_people, score_poses

    print(f"code: {os.path.dirname(os.path.dirname(os.path.dirname(tracking.__file__)))}", flush=True)
    cutouts = None
    for path in paths:
        with open(path, "rb") as fh:
            d = pickle.load(fh)
        if d.get("truth") is not None and getattr(d["truth"], "joints", None) is None:  # captured before joints
            cutouts = cutouts or cut_source_people(demo_video())
            add_joints(d["truth"], cutouts)
        times = []
        for _ in range(repeat):
            started = time.process_time()
            poses = tracking.track_frames(d["frames"], d["timestamps"], d["img_shape"], d["fps"], **d["kw"])
            times.append(1000.0 * (time.process_time() - started) / len(d["frames"]))
        line = f"  {os.path.basename(path)}: tracks {poses.num_people}"
        for by in ("joints", "boxes") if d.get("truth") is not None else ():
            score = score_poses(d["truth"], poses.keypoint, poses.keypoint_score, by=by)
            ids = identity_figures(d["truth"], score)
            line += (f" | by {by}: recall {score.recall:.3f}, duplicates {score.duplicates}, false positives "
                     f"{score.false_positives}, ids/person {ids.ids_per_person:.2f} (worst {ids.worst_person}), "
                     f"id switches {ids.switches}, crossing switches {ids.crossing_switches}/{ids.crossings}")
        print(f"{line}, tracking {statistics.median(times):.2f} CPU ms/frame (load average "
              f"{os.getloadavg()[0]:.1f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="captured detections (.pkl) to re-track")
    parser.add_argument("--capture", metavar="DIR", help="extract classroom videos and save their detections here")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--people", type=int, default=14)
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--root", nargs="+", default=[os.path.dirname(_HERE)],
                        help="code trees to re-track with (each in its own process)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)  # one root, in this process
    args = parser.parse_args()
    if args.capture:
        capture(args.capture, args.seeds, args.people, args.frames, args.workers)
        return
    if args.here:
        retrack(args.files, args.repeat)
        return
    for root in args.root:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(root)}
        subprocess.run([sys.executable, os.path.abspath(__file__), "--here", "--repeat", str(args.repeat),
                        *args.files], env=env, cwd=os.path.abspath(root), check=True)


if __name__ == "__main__":
    main()
