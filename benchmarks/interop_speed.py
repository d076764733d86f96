"""Figures: import and export time of 20,000 segments in every label format (medians).

Project: one video record of 40,000 frames with variable frame timestamps (alternating 20 ms and 60 ms
frames, so every time goes through the real timestamps), 20,000 segments of 10 people and 2 coders, labels
from a 12-name set. For each format: ``export_file`` to a new file (median of --repeats), then
``import_file`` of that file into a fresh project holding the same video record and no segments (median of
--repeats; each import checked to give 20,000 segments). ELAN and CVAT describe one video: the project has one.

Run: .venv/bin/python benchmarks/interop_speed.py [--segments 20000] [--repeats 3]
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

FORMATS = [("csv", ".csv"), ("json", ".json"), ("boris", ".boris"), ("elan", ".eaf"), ("cvat", ".xml"),
           ("labelstudio", ".json")]
LABELS = [f"action {i}" for i in range(12)]


def project(path: Path, frames: int, segments: int):
    from core_model.project import ProjectStore
    from core_model.project.records import SegmentRecord, now_iso

    store = ProjectStore.create(path, labels=LABELS, author="bench")
    steps = np.where(np.arange(frames) % 2 == 0, 0.02, 0.06)
    times = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    video = store.add_video_record(path.parent / "lesson.mp4", "k" * 40, frames, 25.0, timestamps=times,
                                   duration=float(times[-1] + 0.06), width=640, height=360)
    if segments:
        labels = [lab.id for lab in store.labels()]
        people, coders = 10, ("ana", "ben")
        per_lane = segments // (people * len(coders))
        n, rows = now_iso(), []
        for p in range(people):
            for c, coder in enumerate(coders):
                for k in range(per_lane):
                    a = k * (frames // per_lane) + c
                    rows.append(SegmentRecord(None, video.id, p, a, a + 10 + k % 7, labels[(p + k) % 12], "user",
                                              None, None, coder, "", n, n))
        with store.transaction():
            store.write_diff([], rows)
    return store


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from core_model.interop import export_file, import_file

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = project(folder / "src.epam", 40000, args.segments)
        total = len(src.segments())
        print(f"{total} segments, 1 video of 40,000 VFR frames, 10 people, 2 coders; medians of {args.repeats}")
        print(f"{'format':<12} {'export s':>9} {'import s':>9} {'file MB':>8}")
        for fmt, suffix in FORMATS:
            out = folder / f"labels_{fmt}{suffix}"
            export_s = median_time(lambda: export_file(src, out, fmt), args.repeats)
            counter = iter(range(1000))

            def one_import():
                dst = project(folder / f"dst_{fmt}_{next(counter)}.epam", 40000, 0)
                t = time.perf_counter()
                report = import_file(dst, out, fmt)
                took = time.perf_counter() - t
                assert report.imported == total, (fmt, report.imported)
                dst.close()
                return took

            import_s = statistics.median(one_import() for _ in range(args.repeats))
            print(f"{fmt:<12} {export_s:>9.2f} {import_s:>9.2f} {out.stat().st_size / 1e6:>8.1f}")
        src.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
