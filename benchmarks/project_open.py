"""Figure: open a labeling project with 50 videos and 20,000 segments (goal: <= 1 s; the store's part).

The project comes from ``core_model.project.synthetic.make_project`` (video records without files)
unless --project is given. Stages, each timed from a cold ``ProjectStore.open``:

    open          ProjectStore.open (header probe, lock, connect, version check)
    usable        open + videos() + labels() + coverage() of every video + segments of the first video
                  (what the studio needs to show the video list, the label set and the first timeline)
    all_segments  open + segments() of the whole project (20,000 records) + counts()

Run: .venv/bin/python benchmarks/project_open.py [--repeats 15] [--project P.epam] [--dir DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_S = 1.0


def _usable(store) -> None:
    videos = store.videos()
    store.labels()
    for v in videos:
        store.coverage(v.id)
    store.segments(video_id=videos[0].id)


def _all(store) -> None:
    store.segments()
    store.counts()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--project", help="an existing project (default: a generated 50-video / 20,000-segment one)")
    ap.add_argument("--dir", help="folder for the generated project (default: a temporary folder)")
    args = ap.parse_args(argv)

    from core_model.project import ProjectStore
    from core_model.project.synthetic import make_project

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.project:
            path = Path(args.project)
        else:
            t0 = time.perf_counter()
            path = make_project(Path(tmp) / "bench.epam", videos=50, segments=20000)
            print(f"generated {path.name} in {time.perf_counter() - t0:.2f} s")
        with ProjectStore.open(path, read_only=True) as store:
            n_videos, n_segments = len(store.videos()), len(store.segments())
        print(f"project: {n_videos} videos, {n_segments} segments, {path.stat().st_size / 1e6:.1f} MB")
        results = {}
        for name, work in (("open", None), ("usable", _usable), ("all_segments", _all)):
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                store = ProjectStore.open(path)
                if work is not None:
                    work(store)
                times.append(time.perf_counter() - t0)
                store.close()
            results[name] = np.median(times)
            print(f"{name:13s} median {1000 * results[name]:8.1f} ms   (min {1000 * min(times):.1f}, "
                  f"max {1000 * max(times):.1f}, n={len(times)})")
    verdict = "meets" if results["usable"] <= GOAL_S else "MISSES"
    print(f"goal: usable <= {GOAL_S:.1f} s -> {verdict} ({1000 * results['usable']:.1f} ms, store part only)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
