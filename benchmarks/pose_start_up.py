"""Whole-frame pose extraction's start-up: CPU and wall seconds from a fresh Python process's start to its first
poses (import, the pose models loaded, the first frame's poses) and to the process's spare detector (the detection
probe's and the detect-ahead helper's) being ready too.

    .venv/bin/python benchmarks/pose_start_up.py [VIDEO] [--repeat 5] [--base OTHER_CHECKOUT ...]

Each run is a fresh process on the default runtime cache (OpenVINO's compiled blobs warm, as after the first run);
the trees given take turns in each round (same load); medians. Under ``chrt -r 1`` on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import resource, sys, time, json
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
wall0 = time.perf_counter()
from core_model.video import VideoReader
from core_model.pose.roi_tracking import RoiPoseExtractor, spare_detector
with VideoReader(sys.argv[1]) as reader:
    frame = next(iter(reader.iter_frames()))[1]
extractor = RoiPoseExtractor(max_people=0)
extractor.process(frame, 0.0)
first = (cpu(), time.perf_counter() - wall0)
spare_detector()
spare = (cpu(), time.perf_counter() - wall0)
print(json.dumps({"first_cpu": first[0], "first_wall": first[1], "spare_cpu": spare[0], "spare_wall": spare[1]}))
"""


def _run(tree: Path, video: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(video)], cwd=tree, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", help="default: bikes.mp4")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", action="append", default=[], help="another checkout, measured in the same rounds")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from core_model.paths import demo_video

    video = Path(args.video) if args.video else demo_video()
    trees = [ROOT] + [Path(b) for b in args.base]
    runs = {tree: [] for tree in trees}
    print(f"load average at start: {os.getloadavg()[0]:.1f}; medians of {args.repeat} rounds")
    for _ in range(args.repeat):
        for tree in trees:
            runs[tree].append(_run(tree, video))
    for tree, got in runs.items():
        med = {k: statistics.median(r[k] for r in got) for k in got[0]}
        print(f"{tree.name:>16}: first poses {med['first_cpu']:.2f} CPU s, {med['first_wall']:.2f} s wall; "
              f"spare detector ready {med['spare_cpu']:.2f} CPU s, {med['spare_wall']:.2f} s wall")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
