"""Fine-tuning set export speed: clips/s and MB/s for 100 clips of 3 s at 640x360 (25 fps).

Builds a project of 4 synthetic 640x360 videos (articulated figures on a textured background,
real H.264 with B-frames, poses beside them) with 25 three-second segments each (two people),
then runs `export_set` end to end (decode, H.264 encode, pose files, pickle, manifest, atomic
rename) --runs times and prints medians. Also: the same with --crop person, and a pose-only set.
MB/s = megabytes of set written per second. Synthetic-set rendering speed is printed too.
Usage: python benchmarks/export_speed.py [--runs 3] [--clips 100]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FPS, SECONDS, SIZE = 25.0, 3.0, (640, 360)


def make_project(folder: Path, clips: int):
    import numpy as np

    from core_model.export.synthetic import render_clip
    from core_model.pose.format import Poses
    from core_model.project import CreateSegment, ProjectStore

    videos = 4
    per_video = -(-clips // videos)
    clip_frames = int(SECONDS * FPS)
    frames = per_video // 2 * clip_frames + clip_frames + 10  # two people share the timeline
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.epam"
    made = 0
    with ProjectStore.create(path, labels=["wave", "clap", "squat", "jump"], author="bench") as store:
        ids = [lab.id for lab in store.labels()]
        for v in range(videos):
            video = folder / f"video{v}.mp4"
            kp, actor = render_clip(video, v % 4, np.random.default_rng(v), size=SIZE, people=2, frames=frames, fps=FPS)
            Poses(kp, np.ones(kp.shape[:3], np.float32), [0, 1], np.arange(frames) / FPS, SIZE[::-1], FPS).save(
                folder / f"video{v}.poses.npz")
            rec = store.add_video(video)
            for k in range(per_video):
                if made == clips:
                    break
                person, slot = k % 2, k // 2
                start = 5 + slot * clip_frames
                CreateSegment(rec.id, person, start, start + clip_frames, ids[(k + v) % 4]).apply(store)
                made += 1
    return path


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def measure(project: Path, out_root: Path, runs: int, **options):
    from core_model.export import ExportOptions, export_set
    from core_model.project import ProjectStore

    rates, mbs, sizes = [], [], []
    for r in range(runs):
        out = out_root / f"set-{len(list(out_root.iterdir()))}"
        with ProjectStore.open(project, read_only=True) as store:
            start = time.perf_counter()
            result = export_set(store, out, ExportOptions(**options))
            seconds = time.perf_counter() - start
        size = folder_mb(out)
        rates.append(len(result.rows) / seconds)
        mbs.append(size / seconds)
        sizes.append(size)
        shutil.rmtree(out)
    return len(result.rows), statistics.median(rates), statistics.median(mbs), statistics.median(sizes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clips", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="epam-export-bench-"))
    os.environ["EPAM_CACHE_DIR"] = str(work / "cache")
    try:
        t = time.perf_counter()
        project = make_project(work / "project", args.clips)
        print(f"project: {args.clips} segments of {SECONDS:g} s at {SIZE[0]}x{SIZE[1]} in 4 videos "
              f"(built in {time.perf_counter() - t:.1f} s); {os.cpu_count()} CPU cores; medians of {args.runs} runs")
        (work / "out").mkdir()
        for label, options in (("clips (crf 18)", {}), ("clips, --crop person", {"crop": "person"}),
                               ("--pose-only", {"pose_only": True})):
            n, rate, mb, size = measure(project, work / "out", args.runs, **options)
            print(f"{label:<22} {n} clips  {rate:7.1f} clips/s  {mb:6.2f} MB/s  set {size:6.1f} MB")
        from core_model.export import make_synthetic_set

        times = []
        for r in range(args.runs):
            start = time.perf_counter()
            make_synthetic_set(work / "out" / f"synth{r}", classes=6, clips_per_class=20, seed=r)
            times.append(time.perf_counter() - start)
        print(f"synth-dataset 6 classes x 20 clips (2 s, 160x120): {statistics.median(times):.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
