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

"cpu" is the main thread's CPU time of "open listed": less sensitive
to the load of a shared machine than the wall time.

Against a reference checkout, in the same run (alternating reference and this tree, ROUNDS processes each; every
tree opens a project made by its own code; medians over all windows, load average per round):

    git worktree add /tmp/ref d2df79a
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/labeling_gui.py --against /tmp/ref [/tmp/other] --rounds 4

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/labeling_gui.py [--repeats N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if "--tree" in sys.argv:  # a child run of --against: that checkout's code
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--tree") + 1]).resolve()))
else:
    sys.path.insert(0, str(ROOT))
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


def _import_window():
    """MainWindow and synthetic_result of the checkout on sys.path (the layout before app/ was arranged by
    feature too: app.main_window, app.widgets.synthetic)."""
    try:
        from app.shell.main_window import MainWindow
        from app.common.synthetic import synthetic_result
    except ImportError:
        from app.main_window import MainWindow
        from app.widgets.synthetic import synthetic_result
    return MainWindow, synthetic_result


def open_windows(app, MainWindow, path: Path, repeats: int):
    """``repeats`` fresh windows opening ``path``: (listed s, usable s, cpu s) lists and the last window."""
    listed, usable, cpu = [], [], []
    window = None
    for _ in range(repeats):
        if window is not None:
            window.close()
            window.deleteLater()
            app.processEvents()
        t0, c0 = time.perf_counter(), time.thread_time()
        window = MainWindow()
        window.resize(1280, 720)
        window.show()
        window.timeline.widget()
        assert window.open_project(path)
        app.processEvents()
        listed.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        wait_until(app, lambda: window.view.shown_frame == 0)
        usable.append(time.perf_counter() - t0)
    return listed, usable, cpu, window


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="fresh windows for the open figures")
    ap.add_argument("--redraws", type=int, default=20)
    ap.add_argument("--frames", type=int, default=9000)
    ap.add_argument("--keep", help="folder for the generated project (reused when it exists)")
    ap.add_argument("--against", metavar="REF", nargs="+",
                    help="reference checkout(s): alternate runs of them and of this tree")
    ap.add_argument("--rounds", type=int, default=3, help="with --against: processes per tree")
    ap.add_argument("--tree", help=argparse.SUPPRESS)  # child of --against: the checkout whose code runs
    ap.add_argument("--json", help=argparse.SUPPRESS)  # child of --against: write the figures here
    args = ap.parse_args(argv)
    if args.against:
        return compare(args)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="epam-labeling-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(folder / "studio.ini"))
    os.environ.setdefault("EPAM_CACHE_DIR", str(folder / "cache"))
    t0 = time.perf_counter()
    path = build_project(folder, args.frames)
    print(f"project: {path} (built in {time.perf_counter() - t0:.1f} s)")

    from app.main import create_app

    MainWindow, synthetic_result = _import_window()
    app = create_app()
    listed, usable, cpu, window = open_windows(app, MainWindow, path, args.repeats)
    store = window.project.store
    entry = window.session.current
    n_listed = window.video_list.count()
    print(f"open listed : median {np.median(listed) * 1000:7.1f} ms  ({n_listed} videos, "
          f"{len(store.segments(video_id=entry.project_id))} labels on the first)")
    print(f"open usable : median {np.median(usable) * 1000:7.1f} ms  goal <= {OPEN_GOAL_S * 1000:.0f} ms "
          f"-> {'ok' if np.median(usable) <= OPEN_GOAL_S else 'SLOW'}")
    print(f"open cpu    : median {np.median(cpu) * 1000:7.1f} ms  (main thread, open listed)")
    figures = {"open listed": listed, "open usable": usable, "open cpu": cpu}

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
        figures[name] = list(t / 1000)
        print(f"{name:<16}: median {med:7.1f} ms  p95 {np.percentile(t, 95):6.1f} ms  "
              f"{'ok' if med <= REDRAW_GOAL_MS else 'SLOW'} (goal <= {REDRAW_GOAL_MS:g} ms)")
    print(f"label segments drawn: {tl.label_item.segment_count()}, predictions: {tl.segment_item.segment_count()}")
    window.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:  # a child of --against: done (PySide's teardown with the windows alive may crash since 9c194a1)
        Path(args.json).write_text(json.dumps(figures))
        sys.stdout.flush()
        os._exit(0)
    return 0


CASES = ("open listed", "open usable", "open cpu", "redraw full", "label key")


def compare(args) -> int:
    """Alternate child runs of the reference checkout(s) and of this tree; medians, ratio to the first
    reference, load averages."""
    refs = [Path(r).resolve() for r in args.against]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="epam-labeling-compare-"))
    trees = {f"ref {i + 1}" if len(refs) > 1 else "reference": r for i, r in enumerate(refs)}
    trees["this tree"] = ROOT
    runs = {name: {case: [] for case in CASES} for name in trees}
    loads = []
    for r in range(args.rounds):
        for k, (name, tree) in enumerate(trees.items()):
            folder, out = work / f"tree{k}", work / f"tree{k}_{r}.json"
            env = dict(os.environ, PYTHONPATH=str(tree), EPAM_STUDIO_SETTINGS=str(folder / "studio.ini"),
                       EPAM_CACHE_DIR=str(folder / "cache"))
            cmd = [sys.executable, str(Path(__file__).resolve()), "--tree", str(tree), "--keep", str(folder),
                   "--json", str(out), "--repeats", str(args.repeats), "--redraws", str(args.redraws),
                   "--frames", str(args.frames)]
            load = os.getloadavg()[0]
            proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
            if proc.returncode != 0 or not out.exists():
                raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
            loads.append(load)
            for case, values in json.loads(out.read_text()).items():
                if case in runs[name]:
                    runs[name][case] += values
            last = {c: np.median(runs[name][c][-args.repeats:]) * 1000 for c in ("open listed", "open usable")}
            print(f"round {r + 1} {name:<9}: open listed {last['open listed']:6.0f} ms, usable "
                  f"{last['open usable']:6.0f} ms  (load {load:.2f})", flush=True)
    print(f"\nmedians over {args.rounds} rounds x {args.repeats} windows; "
          + "; ".join(f"{n} = {t}" for n, t in trees.items())
          + f"\nload average (1 min) at the runs' starts: {min(loads):.2f}-{max(loads):.2f}, "
            f"median {np.median(loads):.2f}")
    names = list(trees)
    print(f"{'case':<13}" + "".join(f" {n:>10}" for n in names) + "  ratio (this tree / " + names[0] + ")")
    for case in CASES:
        med = [float(np.median(runs[n][case])) * 1000 for n in names]
        print(f"{case:<13}" + "".join(f" {m:7.1f} ms" for m in med) + f"  {med[-1] / med[0]:5.2f}x")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
