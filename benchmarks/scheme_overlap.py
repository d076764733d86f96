"""Figure: what the coding scheme's overlap rule costs per edit (the label groups read for each edit).

Times ``CreateSegment.apply`` (trimming a neighbour) on an NTU-120 project with 2,000 segments, alternating the
scheme's rule (the edit's label decides which neighbours it trims: labels and categories read each time) with the
old rule (every neighbour, ``label_id=None``) in the same run; prints medians and their ratio, and the median of
one ``conflict_groups`` read.

Run: .venv/bin/python benchmarks/scheme_overlap.py [--edits 300]
"""
from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from core_model.project import CreateSegment, ProjectStore, edits
    from core_model.project.scheme import conflict_groups

    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp, ProjectStore.create(Path(tmp) / "b.epam", "ntu120", "bench") as store:
        store.conn.execute("PRAGMA synchronous = NORMAL")  # the rule's cost, not the disk's
        vid = store.add_video_record("v.mp4", hashlib.sha1(b"v").hexdigest(), 100000, 25.0).id
        labels = [lab.id for lab in store.labels()]
        for k in range(2000):
            CreateSegment(vid, k % 10, k * 40, k * 40 + 30, labels[k % 120]).apply(store)
        original = edits.clear_range
        times = {"scheme rule": [], "old rule": []}
        for i in range(args.edits):
            mode = "scheme rule" if i % 2 == 0 else "old rule"
            edits.clear_range = original if mode == "scheme rule" else \
                (lambda *a, label_id=None, groups=None, **k: original(*a, **k))
            start = rng.randrange(0, 79000)
            edit = CreateSegment(vid, rng.randrange(10), start, start + 50, rng.choice(labels))
            t0 = time.perf_counter()
            edit.apply(store)
            times[mode].append(time.perf_counter() - t0)
        edits.clear_range = original
        reads = []
        for _ in range(200):
            t0 = time.perf_counter()
            conflict_groups(store)
            reads.append(time.perf_counter() - t0)
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:12s} median {v:.3f} ms per edit ({len(times[k])} edits)")
    print(f"ratio scheme/old {med['scheme rule'] / med['old rule']:.2f}; conflict_groups read median "
          f"{statistics.median(reads) * 1000:.3f} ms; load average {load}")


if __name__ == "__main__":
    main()
