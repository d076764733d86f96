"""How long leaving a read-ahead loop early takes (``core_model.video.reader._read_ahead``): a pose worker that
moves to its next chunk leaves the frames of the last one this way.

    .venv/bin/python benchmarks/read_ahead_stop.py [--root /tmp/before .] [--rounds 30]

Each tree runs in its own process; prints the median milliseconds from closing the loop to the decoding
thread's end, with the producer waiting on a full queue (the usual case: decoding is faster than poses).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

_CHILD = r"""
import statistics, sys, time
from core_model.video.reader import _read_ahead

def frames():
    for i in range(10_000):
        time.sleep(0.001)  # a decode
        yield i

spent = []
for _ in range(int(sys.argv[1])):
    loop = _read_ahead(frames(), 4)
    for item in loop:
        if item == 10:
            break
    time.sleep(0.02)  # the consumer's work: the queue fills and the producer waits
    started = time.perf_counter()
    loop.close()
    spent.append(time.perf_counter() - started)
print(f"{statistics.median(spent) * 1000:.2f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", nargs="+", default=[os.path.dirname(os.path.dirname(os.path.abspath(__file__)))])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.1f}; median ms to leave a read-ahead loop early, {args.rounds} rounds")
    for root in args.root:
        root = os.path.abspath(root)
        out = subprocess.run([sys.executable, "-c", _CHILD, str(args.rounds)], cwd=root, capture_output=True,
                             text=True, env={**os.environ, "PYTHONPATH": root}, check=True).stdout.strip()
        print(f"{root}: {out} ms")


if __name__ == "__main__":
    main()
