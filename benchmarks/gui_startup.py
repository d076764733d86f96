"""Start-up time of ``epam-studio VIDEO``: process start to the first frame on screen (goal <= 2.5 s).

Runs the app in fresh processes (offscreen unless DISPLAY is set and --real is given) and prints
the median and worst of several runs, plus which heavy modules were imported by then.

    .venv/bin/python benchmarks/gui_startup.py [VIDEO] [--runs 5]

Against reference checkouts in the same run (their code started alternately with this tree's, same video; medians,
ratio to the first reference and the load average):

    .venv/bin/python benchmarks/gui_startup.py --against /tmp/ref [/tmp/other] --runs 6
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "mediapipe", "cv2", "core_model.models", "pyqtgraph")

CHILD = r"""
import sys, time, json
t_start = float(sys.argv[2])
from app.main import create_app, create_window
app = create_app()
window = create_window("1440x900")
def shown(index):
    now = time.time()
    heavy = [m for m in %r if m in sys.modules]
    print(json.dumps({"first_frame_s": now - t_start, "heavy": heavy}), flush=True)
    app.exit(0)
window.frameDisplayed.connect(shown)
window.open_paths([sys.argv[1]])
sys.exit(app.exec())
""" % (HEAVY,)


def run_once(video: Path, real: bool, tree: Path = ROOT) -> dict:
    env = dict(os.environ)
    if not real:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("EPAM_STUDIO_SETTINGS", "/tmp/epam-bench-settings.ini")
    if tree != ROOT:
        env["PYTHONPATH"] = str(tree)
        env["EPAM_STUDIO_SETTINGS"] = f"/tmp/epam-bench-settings-{tree.name}.ini"
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(video), repr(t0)], cwd=tree, env=env,
                         capture_output=True, text=True, timeout=120)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"child failed:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("video", nargs="?", default=str(ROOT / "data" / "demo" / "bikes.mp4"))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--real", action="store_true", help="use the real display (DISPLAY) instead of offscreen")
    p.add_argument("--against", metavar="REF", nargs="+", help="reference checkout(s), started alternately with "
                                                               "this tree")
    args = p.parse_args()
    if args.against:
        compare(Path(args.video), args.real, [Path(r).resolve() for r in args.against], args.runs)
        return
    run_once(Path(args.video), args.real)  # warm the OS file cache and .pyc files
    results = [run_once(Path(args.video), args.real) for _ in range(args.runs)]
    times = [r["first_frame_s"] for r in results]
    print(f"start-up to first frame ({Path(args.video).name}, {args.runs} runs, "
          f"{'real display' if args.real else 'offscreen'}): median {statistics.median(times):.2f} s, "
          f"worst {max(times):.2f} s (goal <= 2.5 s)")
    print(f"heavy modules loaded at first frame: {', '.join(results[-1]['heavy']) or 'none'}")


def compare(video: Path, real: bool, refs, runs: int) -> None:
    trees = {f"ref {i + 1}": r for i, r in enumerate(refs)}
    trees["this tree"] = ROOT
    for tree in trees.values():
        run_once(video, real, tree)  # warm the OS file cache and .pyc files
    times = {name: [] for name in trees}
    loads = []
    for _ in range(runs):
        for name, tree in trees.items():
            loads.append(os.getloadavg()[0])
            times[name].append(run_once(video, real, tree)["first_frame_s"])
    print(f"start-up to first frame ({video.name}, {runs} runs each, alternating, "
          f"{'real display' if real else 'offscreen'}); load average (1 min) {min(loads):.2f}-{max(loads):.2f}, "
          f"median {statistics.median(loads):.2f}")
    first = statistics.median(times[next(iter(trees))])
    for name, tree in trees.items():
        med = statistics.median(times[name])
        print(f"  {name:<9} median {med:.2f} s  worst {max(times[name]):.2f} s  {med / first:5.2f}x  ({tree})")


if __name__ == "__main__":
    main()
