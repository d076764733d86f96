"""Review queue and agreement over the 50-video / 20,000-segment project (goal: <= 200 ms each, live updates).

Builds the synthetic project (``core_model.project.synthetic.make_project``, records without video files) and
one per-person analysis per video (120 classes, 3 s windows every 1.5 s at 25 fps, persons 0 and 1), then
times, as medians of repeated runs:
  - queue / agreement "live": results already loaded (what the app does after each edit);
  - queue / agreement "cold": results loaded from their folders first;
and, as a reference measured in the same run, one plain SELECT of all segments.

Run: .venv/bin/python benchmarks/review_speed.py [--videos 50] [--segments 20000] [--repeat 7]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_model.analysis.results import AnalysisResult  # noqa: E402
from core_model.analysis.segments import segments_for_rows  # noqa: E402
from core_model.analysis.windows import window_bounds  # noqa: E402
from core_model.labels import load_class_names  # noqa: E402
from core_model.project import ProjectStore  # noqa: E402
from core_model.project.synthetic import make_project  # noqa: E402
from core_model.review.project_review import ResultCache, project_agreement, project_queue  # noqa: E402


def fake_result(frames: int, fps: float, names, seed: int) -> AnalysisResult:
    rng = np.random.default_rng(seed)
    bounds = window_bounds(frames, 75, 38)
    starts = np.concatenate([bounds[:, 0]] * 2)
    ends = np.concatenate([bounds[:, 1]] * 2)
    person = np.repeat([0, 1], len(bounds))
    w = len(starts)
    # smooth-ish class sequences so that segments have realistic lengths
    base = rng.integers(0, len(names), size=w // 4 + 1).repeat(4)[:w]
    probs = []
    for _ in range(3):
        p = rng.dirichlet(np.full(len(names), 0.3), size=w).astype(np.float32)
        p[np.arange(w), base] += rng.uniform(0.2, 1.5, w).astype(np.float32)
        probs.append(p / p.sum(axis=1, keepdims=True))
    pf = starts[:, None] + np.round(np.linspace(0, 74, 48)).astype(int)[None]
    segs = segments_for_rows(starts, ends, person, probs[2], class_names=names, frame_time=lambda f: f / fps)
    return AnalysisResult(summary={}, class_names=names, model="bench.pt", trained=True, frame_count=frames,
                          fps=fps, img_shape=(360, 640), window_start=starts, window_end=ends, person=person,
                          pose_frames=pf, rgb_frames=pf[:, ::3], boxes=np.zeros((w, 4), np.float32),
                          prob_rgb=probs[0], prob_pose=probs[1], prob_fused=probs[2], spatial_attention=None,
                          temporal_attention=None, segments=segs)


def build_project(tmp, videos: int, segments: int) -> Path:
    """The synthetic project with one fake per-person analysis per video, recorded in the project."""
    names = load_class_names("ntu120")
    path = Path(tmp) / "bench.epam"
    make_project(path, videos=videos, segments=segments)
    with ProjectStore.open(path) as store:
        for i, video in enumerate(store.videos()):
            folder = Path(tmp) / "results" / f"v{video.id}"
            fake_result(video.frame_count, video.fps, names, i).save(folder)
            store.set_analysis(video.id, folder, "bench.pt")
    return path


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=50)
    ap.add_argument("--segments", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = build_project(tmp, args.videos, args.segments)
        print(f"built project: {args.videos} videos, {args.segments} segments, analyses "
              f"({time.perf_counter() - t0:.1f} s)")
        with ProjectStore.open(path, read_only=True) as store:
            ref = median_ms(lambda: store.segments(), args.repeat)
            cache = ResultCache()
            queue = project_queue(store, results=cache)
            agreement, _ = project_agreement(store, results=cache)
            live_q = median_ms(lambda: project_queue(store, results=cache), args.repeat)
            live_a = median_ms(lambda: project_agreement(store, results=cache), args.repeat)
            cold_q = median_ms(lambda: project_queue(store), max(3, args.repeat // 2))
            cold_a = median_ms(lambda: project_agreement(store), max(3, args.repeat // 2))
        print(f"queue items: {len(queue)} ({sum(not it.done for it in queue)} open); agreement over "
              f"{agreement.frames} frames, accuracy {agreement.accuracy:.3f}, kappa {agreement.kappa:.3f}")
        print(f"reference: SELECT all segments          {ref:8.1f} ms (median of {args.repeat})")
        print(f"review queue, live (results loaded)     {live_q:8.1f} ms  ({live_q / ref:.1f}x reference)  goal <= 200")
        print(f"agreement, live (results loaded)        {live_a:8.1f} ms  ({live_a / ref:.1f}x reference)  goal <= 200")
        print(f"review queue, cold (results from disk)  {cold_q:8.1f} ms")
        print(f"agreement, cold (results from disk)     {cold_a:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
