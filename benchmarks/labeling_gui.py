"""Figures: the studio on a large labeling project (goals: open <= 1 s to a usable window, redraw <= 50 ms).

Project: ``core_model.project.synthetic.make_project`` — 50 videos of 9,000 frames (6 min at 25 fps),
20,000 segments over the everybody lane and two people, labels from NTU-120; the first video is a
real bar-code file (the others are records whose files are missing, listed as such), so the window
really opens and decodes it. Cases (medians of fresh windows / repeated redraws):

    open listed     new MainWindow + open_project(): video list (50 rows with coverage), label set,
                    labels lane and panel of the first video filled              (synchronous part)
    open usable     ... until the first video's first frame is on screen (its open job finished)
    redraw          timeline ``grab()`` with the current video's labels + predictions: full view,
                    zoom step, pan, playhead move
    label key       a label key on an in/out range -> edit committed (durable) -> timeline and
                    panel re-read -> timeline repainted                     (what a user waits for)

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/labeling_gui.py [--repeats N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OPEN_GOAL_S, REDRAW_GOAL_MS = 1.0, 50.0


def build_project(folder: Path, frames: int) -> Path:
    from core_model.project.synthetic import _write_video, make_project

    path = folder / "bench.epam"
    if not path.exists():
        make_project(path, videos=50, segments=20000, frames=frames, people=(-1, 0, 1))
        (folder / "videos").mkdir(exist_ok=True)
        _write_video(folder / "videos" / "video_000.mp4", 0, frames, 25.0)
    return path


def wait_until(app, predicate, timeout_s: float = 60.0) -> None:
    end = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="fresh windows for the open figures")
    ap.add_argument("--redraws", type=int, default=20)
    ap.add_argument("--frames", type=int, default=9000)
    ap.add_argument("--keep", help="folder for the generated project (reused when it exists)")
    args = ap.parse_args(argv)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="epam-labeling-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(folder / "studio.ini"))
    os.environ.setdefault("EPAM_CACHE_DIR", str(folder / "cache"))
    t0 = time.perf_counter()
    path = build_project(folder, args.frames)
    print(f"project: {path} (built in {time.perf_counter() - t0:.1f} s)")

    from app.main import create_app
    from app.shell.main_window import MainWindow
    from app.common.synthetic import synthetic_result

    app = create_app()
    listed, usable = [], []
    window = None
    for _ in range(args.repeats):
        if window is not None:
            window.close()
            window.deleteLater()
            app.processEvents()
        t0 = time.perf_counter()
        window = MainWindow()
        window.resize(1280, 720)
        window.show()
        window.timeline.widget()
        assert window.open_project(path)
        app.processEvents()
        listed.append(time.perf_counter() - t0)
        wait_until(app, lambda: window.view.shown_frame == 0)
        usable.append(time.perf_counter() - t0)
    store = window.project.store
    entry = window.session.current
    n_listed = window.video_list.count()
    print(f"open listed : median {np.median(listed) * 1000:7.1f} ms  ({n_listed} videos, "
          f"{len(store.segments(video_id=entry.project_id))} labels on the first)")
    print(f"open usable : median {np.median(usable) * 1000:7.1f} ms  goal <= {OPEN_GOAL_S * 1000:.0f} ms "
          f"-> {'ok' if np.median(usable) <= OPEN_GOAL_S else 'SLOW'}")

    tl = window.timeline.widget()
    result = synthetic_result(entry.frame_count, entry.fps, window=75, stride=37, num_classes=120,
                              people=(-1,), n_segments=120)
    window.session.update(entry, result=result)
    app.processEvents()
    vb = tl.plots["segments"].getViewBox()

    def timed(fn):
        out = []
        for i in range(args.redraws):
            t = time.perf_counter()
            fn(i)
            out.append((time.perf_counter() - t) * 1000)
        return np.asarray(out)

    def full(_):
        tl.zoom_to_fit()
        tl.grab()

    def zoom(i):
        (x0, x1), _ = vb.viewRange()
        c, half = (x0 + x1) / 2, (x1 - x0) * 0.4
        if half < 100:
            half = entry.frame_count / 2
        vb.setXRange(c - half, c + half, padding=0)
        tl.grab()

    def pan(i):
        (x0, x1), _ = vb.viewRange()
        vb.translateBy(x=0.1 * (x1 - x0) * (1 if (i // 5) % 2 == 0 else -1))
        tl.grab()

    def playhead(i):
        tl.set_playhead((i * 173) % entry.frame_count)
        tl.grab()

    labels = store.labels()
    lab = window.labeling

    def label_key(i):
        start = 50 + 400 * i
        lab.set_marks(start, start + 30)
        lab.apply_label(labels[i % 10].id)
        tl.grab()

    worst = 0.0
    for name, fn in (("redraw full", full), ("redraw zoom", zoom), ("redraw pan", pan),
                     ("redraw playhead", playhead), ("label key", label_key)):
        fn(0)
        t = timed(fn)
        med = float(np.median(t))
        worst = max(worst, med)
        print(f"{name:<16}: median {med:7.1f} ms  p95 {np.percentile(t, 95):6.1f} ms  "
              f"{'ok' if med <= REDRAW_GOAL_MS else 'SLOW'} (goal <= {REDRAW_GOAL_MS:g} ms)")
    print(f"label segments drawn: {tl.label_item.segment_count()}, predictions: {tl.segment_item.segment_count()}")
    window.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
