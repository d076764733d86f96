"""Optical-flow speed (OpenCV Farnebäck, core_model.video.flow) on a 640x360 video: flow fields per second.

Each flow field is one frame pair. Measured, median of ``--repeats`` runs, cache off:
  full 640x360   the whole frame at source resolution (cv2.calcOpticalFlowFarneback alone)
  video 160 wide video_flow(): decode + downscale to 160 px wide + flow (every third frame)
  crop 224 / 112 clip_flow() on person crops of the model's size (paper 224 px, cpu-quick 112 px) —
                 what analysis and training compute per clip (16 / 8 samples)
Also the per-clip cost of the flow input at both sizes. OpenCV's own thread count is printed.
Usage: python benchmarks/flow_speed.py [--frames 48] [--repeats 5] [--threads N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _median_rate(fn, fields: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return fields / statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="OpenCV threads (0: OpenCV's default)")
    args = parser.parse_args()

    import cv2

    if args.threads:
        cv2.setNumThreads(args.threads)
    import numpy as np

    from core_model.preprocess.rgb import crop_resize
    from core_model.video import VideoReader
    from core_model.video.flow import clip_flow, pair_flow, video_flow
    from core_model.video.synthetic import write_stick_figure_video

    folder = Path(tempfile.mkdtemp(prefix="epam-flow-bench-"))
    video = folder / "walk_640x360.mp4"
    kp = write_stick_figure_video(video, people=2, frames=args.frames, size=(640, 360))
    with VideoReader(video) as reader:
        frames = np.stack([reader.get_frame(i) for i in range(args.frames)])
    print(f"video 640x360, {args.frames} frames; OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads")

    pairs = len(frames) - 1
    rate = _median_rate(lambda: [pair_flow(frames[i], frames[i + 1]) for i in range(pairs)], pairs, args.repeats)
    print(f"full 640x360   {rate:8.1f} flow fields/s (median of {args.repeats})")
    picks = list(range(0, args.frames, 3))
    rate = _median_rate(lambda: video_flow(video, picks, width=160, use_cache=False), len(picks) - 1, args.repeats)
    print(f"video 160 wide {rate:8.1f} flow fields/s (decode + downscale + flow, every third frame)")
    x0, y0 = np.floor(kp[0].reshape(-1, 2).min(0)).astype(int) - 10
    x1, y1 = np.ceil(kp[0].reshape(-1, 2).max(0)).astype(int) + 10
    box = (max(0, int(x0)), max(0, int(y0)), min(640, int(x1)), min(360, int(y1)))
    for size, samples in ((224, 16), (112, 8)):
        crops = np.stack([crop_resize(f, box, size) for f in frames[::3][:samples]])
        rate = _median_rate(lambda: clip_flow(crops, use_cache=False), len(crops) - 1, args.repeats)
        per_clip = (len(crops) - 1) / rate
        print(f"crop {size:>3}       {rate:8.1f} flow fields/s; one {samples}-sample clip {1000 * per_clip:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
