"""Start-up time of ``epam-studio VIDEO``: process start to the first frame on screen (goal <= 2.5 s).

Runs the app in fresh processes (offscreen unless DISPLAY is set and --real is given) and prints
the median and worst of several runs, plus which heavy modules were imported by then.

    .venv/bin/python benchmarks/gui_startup.py [VIDEO] [--runs 5]
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


def run_once(video: Path, real: bool) -> dict:
    env = dict(os.environ)
    if not real:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("EPAM_STUDIO_SETTINGS", "/tmp/epam-bench-settings.ini")
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(video), repr(t0)], cwd=ROOT, env=env,
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
    args = p.parse_args()
    run_once(Path(args.video), args.real)  # warm the OS file cache and .pyc files
    results = [run_once(Path(args.video), args.real) for _ in range(args.runs)]
    times = [r["first_frame_s"] for r in results]
    print(f"start-up to first frame ({Path(args.video).name}, {args.runs} runs, "
          f"{'real display' if args.real else 'offscreen'}): median {statistics.median(times):.2f} s, "
          f"worst {max(times):.2f} s (goal <= 2.5 s)")
    print(f"heavy modules loaded at first frame: {', '.join(results[-1]['heavy']) or 'none'}")


if __name__ == "__main__":
    main()
