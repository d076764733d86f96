"""Figure: time to redraw the TimelineWidget on a one-hour video (goal: <= 50 ms per redraw).

Synthetic data: 100,000 frames at 25 fps, 5,000 segments, ~2,700 windows x 120 classes for the
RGB / pose / fused curves (3 s windows, 1.5 s stride), temporal attention (16 per window) and a
two-person pose strip. Each case forces a full synchronous paint with ``widget.grab()``:

    set_result   set_result(result) + grab            (new analysis arrives)
    zoom         wheel-like zoom step (x 0.8) + grab
    pan          pan by 10 % of the view + grab
    playhead     set_playhead(next second) + grab     (playback)
    class        set_class(next class) + grab         (user picks a class)

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/timeline_redraw.py [--repeats N]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_MS = 50.0


def _timed(fn, repeats: int) -> np.ndarray:
    out = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000.0)
    return np.asarray(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--width", type=int, default=1600)
    args = ap.parse_args(argv)

    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.common.synthetic import synthetic_poses, synthetic_result
    from app.timeline.timeline import TimelineWidget

    frames, fps = 100_000, 25.0
    result = synthetic_result(frames, fps, window=75, stride=37, num_classes=120, n_segments=5000)
    poses = synthetic_poses(frames, fps, ((0, 0, 80_000), (1, 30_000, 100_000)))
    w = TimelineWidget()
    w.resize(args.width, 360)
    w.show()
    app.processEvents()
    w.set_video(frames, fps)
    w.set_poses(poses)
    w.grab()
    vb = w.plots["segments"].getViewBox()

    def set_result(_):
        w.set_result(result)
        w.grab()

    def zoom(_):
        (x0, x1), _y = vb.viewRange()
        centre, half = (x0 + x1) / 2, (x1 - x0) * 0.4
        if half < 200:
            half = frames / 2
        vb.setXRange(centre - half, centre + half, padding=0)
        w.grab()

    def pan(i):
        (x0, x1), _y = vb.viewRange()
        step = 0.1 * (x1 - x0) * (1 if (i // 5) % 2 == 0 else -1)
        vb.translateBy(x=step)
        w.grab()

    def playhead(i):
        w.set_playhead(int(i * fps * 7) % frames)
        w.grab()

    def pick_class(i):
        w.set_class((i * 13) % 120)
        w.grab()

    cases = [("set_result", set_result), ("zoom", zoom), ("pan", pan), ("playhead", playhead),
             ("class", pick_class)]
    print(f"TimelineWidget redraw: {frames:,} frames @ {fps:g} fps, {len(result.segments):,} segments, "
          f"{result.num_windows:,} windows x {len(result.class_names)} classes x 3 streams, "
          f"{args.width}x360 px, PySide6 {pyside_version}, {args.repeats} repeats")
    print(f"{'case':<11}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}   goal <= {GOAL_MS:g} ms")
    worst = 0.0
    for name, fn in cases:
        fn(0)  # warm-up
        t = _timed(fn, args.repeats)
        med, p95 = float(np.median(t)), float(np.percentile(t, 95))
        worst = max(worst, p95)
        print(f"{name:<11}{med:>10.1f}{p95:>9.1f}{t.max():>9.1f}   {'ok' if med <= GOAL_MS else 'SLOW'}")
    w.zoom_to_fit()
    w.grab()
    print(f"segment rectangles drawn at full view: {w.segment_item.drawn_rects} (of {len(result.segments):,})")
    print(f"worst p95: {worst:.1f} ms -> {'meets' if worst <= GOAL_MS else 'misses'} the {GOAL_MS:g} ms goal")
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
