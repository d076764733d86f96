"""Time to step one frame with each model's attention products drawn, alone and side by side (medians).

Needs results folders of the demo video (``epam analyze data/demo/bikes.mp4 --model NAME -o DIR``) and its
poses (``epam extract data/demo/bikes.mp4 -o POSES``). Every fixed overlay and every product overlay is on;
each step is timed from the seek to the end of the video view's next paint (side by side: to B's paint too).

    .venv/bin/python benchmarks/product_step.py POSES.npz NAME=RESULTS_DIR ... [--steps 60] [--compare NAME]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gui_common import now, percentile, wait_for  # noqa: E402


def step_times(window, steps: int, start: int = 60) -> tuple:
    wall, cpu = [], []
    pane = window.side_by_side.pane if window.side_by_side.active else None
    for i in range(start, start + steps):
        t0, c0 = now(), time.process_time()
        window.playback.seek(i)
        wait_for(window.view.painted, lambda i=i: window.view.shown_frame == i)
        if pane is not None and pane.view.shown_frame != i:
            raise AssertionError("the second view is not on the main view's frame")
        if pane is not None:
            pane.view.repaint()
        wall.append(now() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def fmt(values) -> str:
    ms = [v * 1000 for v in values]
    return f"median {statistics.median(ms):5.1f} ms  p95 {percentile(ms, 95):5.1f} ms"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("poses")
    p.add_argument("results", nargs="+", metavar="NAME=DIR")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--compare", default="epam", help="A of the side-by-side runs (default epam)")
    args = p.parse_args()
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.gettempdir()) / "epam-bench-settings.ini"))
    from app.main import create_app, create_window
    from core_model.analysis.results import AnalysisResult
    from core_model.paths import demo_video
    from core_model.pose.format import Poses

    app = create_app()  # noqa: F841 - keeps the QApplication alive
    window = create_window("1280x720")
    window.open_paths([demo_video()])
    wait_for(window.frameDisplayed, lambda i: i == 0)
    if window.jobs.jobs:
        wait_for(window.jobs.ended, lambda job: not window.jobs.jobs, timeout_s=120)
    entry, poses = window.session.current, Poses.load(args.poses)
    folders = dict(item.split("=", 1) for item in args.results)
    for key in window.overlays.keys():
        window.set_overlay(key, True)
    window.timeline.widget()
    for name, folder in folders.items():
        window.session.update(entry, poses=poses, result=AnalysisResult.load(folder))
        wall, cpu = step_times(window, args.steps)
        print(f"{name:14s} {len(window.overlays.product_keys())} product overlays  step {fmt(wall)}  CPU {fmt(cpu)}")
    for name, folder in folders.items():
        if name == args.compare:
            continue
        window.session.update(entry, poses=poses, result=AnalysisResult.load(folders[args.compare]))
        window.side_by_side.open_folder(folder)
        wall, cpu = step_times(window, args.steps)
        print(f"{args.compare} | {name:14s} side by side  step {fmt(wall)}  CPU {fmt(cpu)}")
        window.side_by_side.close()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, {args.steps} steps each")
    window.close()


if __name__ == "__main__":
    main()
