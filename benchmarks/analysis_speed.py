"""Analysis speed on the demo video with default settings: real-time factor and where time goes.

Runs three times in a fresh cache folder:
  cold   poses extracted in this run (MediaPipe worker processes) + EPAM-Net over every window
  warm   poses cached, results not: decode + preprocessing + EPAM-Net
  cached the finished result read back from the cache

Real-time factor = video seconds per wall second (>= 1 keeps up with playback).
Usage: python benchmarks/analysis_speed.py [VIDEO] [--device auto|cpu|cuda] [--per-person] [--runtime auto|torch|onnx|openvino]
(--runtime onnx: the cold run exports the graph, the warm run loads it; each line names the runtime that ran)
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = ("model_load", "pose", "decode", "preprocess", "model")


def _line(label: str, duration: float, result) -> str:
    t = result.summary.get("timings", {})
    wall = result.summary.get("cache", {}).get("seconds") if result.summary.get("cache", {}).get("hit") else t["total"]
    parts = "  ".join(f"{s} {t[s]:6.2f}s" for s in STAGES if s in t and not result.summary["cache"].get("hit"))
    runtime = result.summary.get("runtime", {}).get("name")
    return f"{label:<7} wall {wall:6.2f}s  real-time factor {duration / wall:6.2f}   {parts}  runtime {runtime}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", help="default: the demo video (bikes.mp4)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--per-person", action="store_true")
    parser.add_argument("--runtime", default="auto", choices=("auto", "torch", "onnx", "openvino"))
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="epam-bench-")
    os.environ["EPAM_CACHE_DIR"] = cache
    import torch

    from core_model.analysis import AnalysisSettings, analyze_video
    from core_model.paths import cache_dir, demo_video
    from core_model.video import VideoReader

    video = Path(args.video) if args.video else demo_video()
    with VideoReader(video) as r:
        duration, frames, size = r.duration, r.frame_count, (r.width, r.height)
    settings = AnalysisSettings(device=args.device, per_person=args.per_person, runtime=args.runtime)
    print(f"video {video.name}: {frames} frames, {duration:.2f} s, {size[0]}x{size[1]}; "
          f"window {settings.window}{settings.unit} stride {settings.stride}{settings.unit}; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    try:
        t0 = time.perf_counter()
        cold = analyze_video(video, settings=settings)
        print(f"  ({time.perf_counter() - t0:.2f} s measured outside)")
        print(_line("cold", duration, cold) + f"  windows {cold.num_windows}, device {cold.summary['device']}")
        shutil.rmtree(cache_dir() / "analysis")
        warm = analyze_video(video, settings=settings)
        print(_line("warm", duration, warm))
        hit = analyze_video(video, settings=settings)
        print(_line("cached", duration, hit))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
