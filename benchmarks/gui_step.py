"""Time to step one frame with every overlay on: decode + overlays + paint (goal: median <= 16 ms).

Opens a video in the real main window (offscreen), gives it poses and an analysis, turns on
all overlays, then steps forward and backward. Each step is timed from the request to the end
of the video view's next paint (as the event loop does it); a synchronous whole-window
repaint (timeline playhead, inspector, status bar) is timed separately. Wall time and the
process's CPU time (all threads) are both given: on a loaded machine the CPU time is the better
estimate of the unloaded wall time, as a step runs its decode and GUI work one after the other.

    .venv/bin/python benchmarks/gui_step.py [--steps 150]
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

from gui_common import now, percentile, synthetic_poses, synthetic_result, wait_for  # noqa: E402


def bench(window, video: Path, steps: int) -> dict:
    window.open_paths([video])
    wait_for(window.frameDisplayed, lambda i: i == 0)
    if window.jobs.jobs:  # let the background cache lookup finish (it may import torch)
        wait_for(window.jobs.ended, lambda job: not window.jobs.jobs, timeout_s=120)
    entry = window.session.current
    poses = synthetic_poses(entry.frame_count, (entry.width, entry.height), entry.fps)
    window.session.update(entry, poses=poses, result=synthetic_result(poses, entry.fps))
    for key in window.overlays.keys():
        window.set_overlay(key, True)
    window.timeline.widget()
    steps = min(steps, entry.frame_count - 1)
    results = {"forward": [], "backward": [], "window": [], "forward_cpu": [], "backward_cpu": []}
    for direction, frames in (("forward", range(1, steps + 1)), ("backward", range(steps - 1, -1, -1))):
        for i in frames:
            t0, c0 = now(), time.process_time()
            window.playback.seek(i)
            wait_for(window.view.painted, lambda i=i: window.view.shown_frame == i)
            results[direction].append(now() - t0)
            results[direction + "_cpu"].append(time.process_time() - c0)
            if direction == "forward" and i % 10 == 0:
                t1 = now()
                window.repaint()
                results["window"].append(now() - t1)
    assert all(o.visible for o in window.overlays if o.key != "sampled"), "an overlay drew nothing"
    window.session.remove(entry)
    return results


def fmt(values) -> str:
    ms = [v * 1000 for v in values]
    return f"median {statistics.median(ms):5.1f} ms  p95 {percentile(ms, 95):5.1f} ms  (n={len(ms)})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=150)
    args = p.parse_args()
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.gettempdir()) / "epam-bench-settings.ini"))
    from app.main import create_app, create_window
    from core_model.paths import demo_video
    from core_model.video.synthetic import write_stick_figure_video

    app = create_app()  # noqa: F841 - keeps the QApplication alive
    window = create_window("1440x900")
    with tempfile.TemporaryDirectory() as tmp:
        hd = Path(tmp) / "sticks_1280x720.mp4"
        write_stick_figure_video(hd, people=2, frames=args.steps + 1, size=(1280, 720))
        from app.main import prepare_qt_environment

        prepare_qt_environment()
        for label, video in (("640x272 (bikes.mp4)", demo_video()), ("1280x720 (synthetic)", hd)):
            r = bench(window, video, args.steps)
            print(f"{label:22s} step forward : {fmt(r['forward'])}   CPU {fmt(r['forward_cpu'])}")
            print(f"{'':22s} step backward: {fmt(r['backward'])}   CPU {fmt(r['backward_cpu'])}")
            print(f"{'':22s} whole-window repaint: {fmt(r['window'])}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    window.close()


if __name__ == "__main__":
    main()
