"""Where the CPU of the crowd (``tiles``) extraction goes, per frame: landmark runs, detector runs, colour
descriptors, decoding, and the extractor's own Python, on one classroom video (core_model/video/classroom.py),
in one process (no workers: CPU time of this thread, so the figures do not depend on the machine's load).

    .venv/bin/python benchmarks/crowd_profile.py [--seed 0] [--frames 200] [--people 14] [--video PATH]

Prints the counts and CPU ms per frame of each part (``time.thread_time`` around the MediaPipe calls; MediaPipe's
graphs run in their own threads, so the part's CPU is measured as the process's CPU around the call).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Meter:
    """CPU seconds (whole process) and calls per named part."""

    def __init__(self) -> None:
        self.cpu, self.calls, self.items = defaultdict(float), defaultdict(int), defaultdict(int)

    def wrap(self, name: str, fn, count=lambda *a, **k: 1):
        def timed(*args, **kwargs):
            begun = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.cpu[name] += time.process_time() - begun
                self.calls[name] += 1
                self.items[name] += count(*args, **kwargs)
        return timed


def _video(args) -> str:
    if args.video:
        return args.video
    from core_model.paths import demo_video
    from core_model.video.classroom import make_classroom_video
    from core_model.video.crowd import cut_source_people

    path = os.path.join(tempfile.mkdtemp(prefix="epam-profile-"), f"classroom{args.seed}.mp4")
    make_classroom_video(path, None, cutouts=cut_source_people(demo_video()), people=args.people,
                         frames=args.frames, seed=args.seed)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--people", type=int, default=14)
    parser.add_argument("--video", default=None)
    parser.add_argument("--start", type=int, default=0, help="first frame (a chunk's start)")
    args = parser.parse_args()
    from core_model.pose import appearance
    from core_model.pose.parallel import pack
    from core_model.pose.tiled_backend import TiledPoseExtractor
    from core_model.video import VideoReader

    path = _video(args)
    meter = _Meter()
    extractor = TiledPoseExtractor(max_people=0)
    graph = extractor._graph
    graph.landmarks = meter.wrap("landmarks", graph.landmarks, lambda frame, rois: len(rois))
    detect, det_by = meter.wrap("detector", graph.detect, lambda images, offsets: len(images)), defaultdict(int)

    def detect_counted(images, offsets):
        det_by[sys._getframe(1).f_code.co_name] += len(images)
        return detect(images, offsets)
    graph.detect = detect_counted
    describe = meter.wrap("colours", appearance.describe_frame)
    landmark, by_caller = extractor._landmark, defaultdict(lambda: [0, 0])

    def counted(frame, rois):  # landmark runs by what asked for them, and how many found somebody
        out = landmark(frame, rois)
        entry = by_caller[sys._getframe(1).f_code.co_name]
        entry[0] += len(rois)
        entry[1] += sum(f is not None for f in out)
        return out
    extractor._landmark = counted
    process = meter.wrap("process (all)", extractor.process)
    frames = people = 0
    with VideoReader(path) as reader:
        stamps = reader.timestamps
        begun = time.process_time()
        decode = 0.0
        it = reader.iter_frames(args.start, ahead=0)
        while frames < args.frames:
            t = time.process_time()
            try:
                idx, frame = next(it)
            except StopIteration:
                break
            decode += time.process_time() - t
            keypoints, scores = pack(process(frame, float(stamps[idx])))
            describe(frame, keypoints, scores)
            frames += 1
            people += len(keypoints)
        total = time.process_time() - begun
    extractor.close()
    print(f"{path}: {frames} frames, {people / max(frames, 1):.1f} people/frame, stats {extractor.stats}")
    print(f"total {1000 * total / frames:.1f} CPU ms/frame; decode {1000 * decode / frames:.1f}")
    for name in meter.cpu:
        print(f"  {name:14s} {1000 * meter.cpu[name] / frames:7.1f} CPU ms/frame, {meter.calls[name] / frames:5.2f} "
              f"calls/frame, {meter.items[name] / frames:5.2f} items/frame "
              f"({1000 * meter.cpu[name] / max(meter.items[name], 1):.1f} ms each)")
    for caller, (runs, found) in by_caller.items():
        print(f"  landmark runs from {caller:12s} {runs / frames:5.2f}/frame, {found / max(runs, 1):.2f} found somebody")
    for caller, runs in det_by.items():
        print(f"  detector images from {caller:12s} {runs / frames:5.2f}/frame")
    inner = meter.cpu["process (all)"] - meter.cpu["landmarks"] - meter.cpu["detector"]
    print(f"  {'extractor py':14s} {1000 * inner / frames:7.1f} CPU ms/frame (process minus model calls)")


if __name__ == "__main__":
    main()
