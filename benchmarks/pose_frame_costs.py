"""Where a MediaPipe pose frame's time goes, frame by frame and with frames ahead (``look_ahead``), in one process.

For each video (default: the 4-s close-up of bikes.mp4, frames 76-175, and bikes.mp4) and each round, the same
extractor settings run twice on frames decoded beforehand: fed frame by frame (``process`` alone), then through
``look_ahead`` (the discovery landmarker on a frame ahead in a helper thread, on the other core). Printed: wall and
CPU milliseconds per frame (medians of the rounds), the calling thread's time per kind of frame with frames ahead
(``tracked``: the tracker ran; ``empty``: answered by the pass run ahead; ``discovery``: a discovery pass, waited
for when it was not ready), and whether the poses of the two runs are identical (they must be).

    .venv/bin/python benchmarks/pose_frame_costs.py [VIDEO ...] [--repeat 3] [--max-people 0]

On a shared machine, ``chrt -r 1`` (root) gives it a quiet machine's cores; the load average is printed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _run(frames, timestamps, max_people: int, ahead: bool):
    """``(wall ms/frame, CPU ms/frame, packed poses, {kind: [frames, seconds]})``."""
    from core_model.pose.extractor import create_extractor
    from core_model.pose.parallel import pack

    kinds: dict = defaultdict(lambda: [0, 0.0])
    with create_extractor("mediapipe", max_people=max_people) as extractor:
        source = extractor.look_ahead(iter(frames), timestamps) if ahead else frames
        out = []
        started, cpu = time.perf_counter(), time.process_time()
        for idx, frame in source:
            before, t0 = dict(extractor.stats), time.perf_counter()
            out.append(pack(extractor.process(frame, float(timestamps[idx]))))
            stats = extractor.stats
            kind = "empty" if stats["ahead_empty"] > before["ahead_empty"] else \
                "discovery" if stats["discoveries"] > before["discoveries"] else "tracked"
            kinds[kind][0] += 1
            kinds[kind][1] += time.perf_counter() - t0
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return 1000 * wall / len(out), 1000 * cpu / len(out), out, dict(kinds)


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) for x, y in zip(a, b))


def main() -> None:
    from core_model.paths import demo_video
    from core_model.video import VideoReader

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-people", type=int, default=0)
    args = parser.parse_args()
    clips = [(Path(v), 0, None) for v in args.videos] or [(demo_video(), 76, 176), (demo_video(), 0, None)]
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}, max_people "
          f"{args.max_people}, medians of {args.repeat} rounds")
    for path, first, stop in clips:
        with VideoReader(path) as reader:
            frames = list(reader.iter_frames(first, stop))
            timestamps = np.asarray(reader.timestamps)
        runs: dict = {"frame by frame": [], "frames ahead": []}
        identical = True
        for _ in range(args.repeat):
            alone = _run(frames, timestamps, args.max_people, ahead=False)
            ahead = _run(frames, timestamps, args.max_people, ahead=True)
            identical &= _same(alone[2], ahead[2])
            runs["frame by frame"].append(alone)
            runs["frames ahead"].append(ahead)
        print(f"{path.name} frames {first}-{first + len(frames) - 1}: load average {os.getloadavg()[0]:.1f}; "
              f"poses identical: {identical}")
        for name, rounds in runs.items():
            wall = statistics.median(r[0] for r in rounds)
            cpu = statistics.median(r[1] for r in rounds)
            print(f"  {name:15s} {wall:5.1f} ms/frame wall  {cpu:5.1f} CPU ms/frame")
        kinds = rounds[-1][3]
        print("  frames ahead, calling thread: " + ", ".join(
            f"{kind} {n} frames x {1000 * s / n:.1f} ms" for kind, (n, s) in sorted(kinds.items())))


if __name__ == "__main__":
    main()
