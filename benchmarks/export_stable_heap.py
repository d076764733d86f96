"""What the export's fixed heap pattern costs (``core_model.export.writer.stable_heap``, glibc M_PERTURB).

A seeded export is byte-identical only with it (libx264 reads memory it never wrote). This exports the
same project (export_speed.py's 640x360 synthetic videos, --clips 3-second clips) alternately with and
without it, --runs times each, and prints the medians in seconds and clips/s.
Usage: python benchmarks/export_stable_heap.py [--runs 3] [--clips 24]
"""
from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clips", type=int, default=24)
    args = parser.parse_args()

    from export_speed import make_project

    from core_model.export import ExportOptions, export_set
    from core_model.export import writer
    from core_model.project import ProjectStore

    real = writer.stable_heap
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "proj", args.clips)
        times = {"with fixed heap pattern": [], "without": []}
        for run in range(args.runs):
            for name in times:
                writer.stable_heap = real if name.startswith("with ") else contextlib.nullcontext
                out = Path(tmp) / f"set-{run}-{len(times[name])}-{name[:4]}"
                t0 = time.perf_counter()
                with ProjectStore.open(project, read_only=True) as store:
                    export_set(store, out, ExportOptions(seed=1))
                times[name].append(time.perf_counter() - t0)
                shutil.rmtree(out)
        writer.stable_heap = real
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:24s} median {median:6.2f} s  ({args.clips / median:5.1f} clips/s)  runs {len(values)}")
    a, b = (statistics.median(v) for v in times.values())
    print(f"cost: {100 * (a / b - 1):+.1f} %")


if __name__ == "__main__":
    main()
