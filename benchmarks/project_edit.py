"""Figure: one edit durable on disk (goal: <= 10 ms median), synchronous=FULL vs NORMAL, on a project
with 50 videos and 20,000 segments.

Each timed call is one edit's ``apply`` (or an undo's ``revert``) through ``History``: it returns after
its transaction is committed (WAL; FULL = fsync of the WAL on every commit). Edits cycle through
create (trimming a neighbour), move bounds, split, relabel, delete and undo.

Run: .venv/bin/python benchmarks/project_edit.py [--edits 200] [--dir DIR]
     (--dir: put the project on the disk you care about; /tmp may be memory-backed)
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_MS = 10.0


def _next_edit(rng, store, video_id, labels):
    from core_model.project import CreateSegment, DeleteSegments, Relabel, SetBounds, SplitSegment

    segs = store.segments(video_id=video_id, person=0)
    seg = rng.choice(segs)
    kind = rng.choice(["create", "bounds", "split", "relabel", "delete"])
    if kind == "create":
        start = rng.randrange(0, 8900)
        return CreateSegment(video_id, 0, start, start + rng.randrange(5, 100), rng.choice(labels))
    if kind == "bounds":
        return SetBounds(seg.id, max(0, seg.start_frame - 3), seg.end_frame + 3 if seg.end_frame < 8997 else 9000)
    if kind == "split" and seg.frames > 1:
        return SplitSegment(seg.id, (seg.start_frame + seg.end_frame) // 2)
    if kind == "relabel":
        return Relabel([seg.id], rng.choice(labels))
    return DeleteSegments([seg.id])


def run(path: Path, synchronous: str, edits: int, seed: int = 0) -> dict:
    from core_model.project import History, ProjectStore

    rng = random.Random(seed)
    times = {"apply": [], "undo": []}
    with ProjectStore.open(path) as store:
        store.conn.execute(f"PRAGMA synchronous = {synchronous}")
        labels = [lab.id for lab in store.labels()]
        video_ids = [v.id for v in store.videos()]
        history = History(store)
        for i in range(edits):
            if i % 5 == 4:
                t0 = time.perf_counter()
                history.undo()
                times["undo"].append(time.perf_counter() - t0)
                continue
            edit = _next_edit(rng, store, rng.choice(video_ids), labels)
            t0 = time.perf_counter()
            history.do(edit)
            times["apply"].append(time.perf_counter() - t0)
    return {k: 1000 * np.asarray(v) for k, v in times.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--dir", help="folder for the generated project (default: a temporary folder)")
    args = ap.parse_args(argv)

    from core_model.project.synthetic import make_project

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = make_project(Path(tmp) / "bench.epam", videos=50, segments=20000)
        print(f"project in {Path(tmp)}: 50 videos, 20,000 segments")
        medians = {}
        for synchronous in ("NORMAL", "FULL"):
            t = run(path, synchronous, args.edits)
            for kind, ms in t.items():
                print(f"synchronous={synchronous:6s} {kind:5s} median {np.median(ms):6.2f} ms   "
                      f"p90 {np.percentile(ms, 90):6.2f} ms   max {ms.max():6.2f} ms   (n={len(ms)})")
            medians[synchronous] = float(np.median(np.concatenate(list(t.values()))))
    verdict = "meets" if medians["FULL"] <= GOAL_MS else "MISSES"
    print(f"goal: one edit durable (FULL, the store's setting) <= {GOAL_MS:.0f} ms median -> {verdict} "
          f"({medians['FULL']:.2f} ms; NORMAL {medians['NORMAL']:.2f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
