"""Figure: ``epam labels import`` of a 1,000,000-row label file: wall time and peak memory (goal: memory bounded).

Builds a project of ``--videos`` video records (no video files are needed to import labels) and a CSV of
``--rows`` rows (``--people`` lanes per video, segments tiled along each lane, labels of the ntu60 set),
then runs the import ``--repeats`` times, each in a fresh child process on a fresh copy of the empty
project, and reads the child's peak resident memory (``ru_maxrss`` from ``wait4``: the child's own, not
this process's). Prints the median (and min/max) of the wall time and of the peak RSS.

``--code DIR`` imports ``core_model`` from another checkout (e.g. ``git worktree add /tmp/old <commit>``)
to measure the code before a change on the same files.
Run: .venv/bin/python benchmarks/labels_import_scale.py [--rows 1000000] [--repeats 3] [--code DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the checkout comes first on sys.path (``python -c`` would otherwise find the current folder's core_model)
CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); import core_model; from core_model.cli import main; "
         "assert core_model.__file__.startswith(sys.argv[1]), core_model.__file__; sys.exit(main(sys.argv[2:]))")


def build(folder: Path, rows: int, videos: int, people: int, frames: int, code: Path) -> tuple:
    """The empty project and the label file (made with the code under test, in a child)."""
    script = f"""
import sys
sys.path.insert(0, {str(code)!r})
from core_model.project import ProjectStore
store = ProjectStore.create({str(folder / 'empty.epam')!r}, labels="ntu60", author="bench")
for v in range({videos}):
    store.add_video_record(f"video{{v}}.mp4", f"bench-key-{{v:04d}}", {frames}, 25.0)
print(",".join(lab.name for lab in store.labels()))
store.close()
"""
    names = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True
                           ).stdout.strip().split(",")
    lanes = videos * people
    per_lane = -(-rows // lanes)
    length = max(frames // per_lane, 1)
    path = folder / "labels.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("video,person,start_frame,end_frame,start_time,end_time,label,source,confidence,author,note\n")
        n = 0
        for v in range(videos):
            for person in range(people):
                for k in range(per_lane):
                    if n >= rows:
                        break
                    start = k * length
                    fh.write(f"video{v}.mp4,{person},{start},{start + length},{start / 25:.6f},"
                             f"{(start + length) / 25:.6f},{names[n % len(names)]},user,,coder,\n")
                    n += 1
    return folder / "empty.epam", path


def child_peak_mib(folder: Path, empty: Path, labels: Path, code: Path, k: int) -> tuple:
    """Run one import in a child and return (seconds, peak RSS MiB, output)."""
    project = folder / f"run{k}.epam"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{project}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(folder / f"run{k}.epam-data", ignore_errors=True)
    shutil.copyfile(empty, project)
    env = dict(os.environ, PYTHONPATH=str(code))
    start = time.perf_counter()
    pid = os.spawnve(os.P_NOWAIT, sys.executable,
                     [sys.executable, "-c", CHILD, str(code), "labels", "import", str(project), str(labels)], env)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import failed (exit status {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024.0  # Linux: kilobytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--videos", type=int, default=10)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--frames", type=int, default=200_000, help="frames of each video record")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose core_model is measured")
    args = parser.parse_args()
    code = args.code.resolve()
    with tempfile.TemporaryDirectory(prefix="labels-import-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        empty, labels = build(folder, args.rows, args.videos, args.people, args.frames, code)
        size = labels.stat().st_size / 2**20
        print(f"label file: {args.rows} rows, {size:.1f} MiB ({time.perf_counter() - t0:.1f} s to write); "
              f"code: {code}", flush=True)
        times, peaks = [], []
        for k in range(args.repeats):
            seconds, peak = child_peak_mib(folder, empty, labels, code, k)
            times.append(seconds)
            peaks.append(peak)
            print(f"  run {k + 1}: {seconds:.1f} s, peak RSS {peak:.0f} MiB", flush=True)
        print(f"import of {args.rows} rows: median {statistics.median(times):.1f} s (min {min(times):.1f}, max "
              f"{max(times):.1f}); peak RSS median {statistics.median(peaks):.0f} MiB (min {min(peaks):.0f}, "
              f"max {max(peaks):.0f}) over {args.repeats} run{'s' if args.repeats != 1 else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
