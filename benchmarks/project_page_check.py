"""Figure: what checking a project's pages at opening costs (``PRAGMA quick_check``; a damaged project is
refused with one sentence instead of failing later), on a synthetic project of ``--segments`` segments.

    checked   ProjectStore.open + close when the file changed since its writer closed it (the check runs)
    skipped   the same when the file is as its writer closed it (size and mtime noted in the lock file)

Prints the median of ``--repeats`` runs of each (and the project file's size).
Run: .venv/bin/python benchmarks/project_page_check.py [--segments 1000000] [--repeats 5] [--dir DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _open_close(path: Path) -> float:
    from core_model.project import ProjectStore

    t0 = time.perf_counter()
    ProjectStore.open(path).close()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    from core_model.project.synthetic import make_project

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "check.epam"
        make_project(path, videos=50, segments=args.segments, frames=90000)
        _open_close(path)  # a writer's clean close notes the file's state
        skipped = [_open_close(path) for _ in range(args.repeats)]
        checked = []
        for _ in range(args.repeats):
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # "changed since": check again
            checked.append(_open_close(path))
        size = path.stat().st_size / 1e6
    print(f"project: {args.segments} segments, {size:.0f} MB")
    for name, times in (("checked", checked), ("skipped", skipped)):
        print(f"{name:8s} median {statistics.median(times) * 1000:8.1f} ms  (min {min(times) * 1000:.1f}, "
              f"max {max(times) * 1000:.1f}, n={len(times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
