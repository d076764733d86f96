"""Figure: the studio opens a project with 1,000,000 label segments (goal: a few seconds).

Builds the project directly (``ProjectStore.create`` + one ``executemany`` in one transaction; the CSV import
is not used): ``--videos`` videos (hard links of one generated bar-code video, so each has its own record),
``--people`` lanes per video, the segments tiled along each lane. Then, each run in a fresh offscreen
``MainWindow``:

    open         File ▸ Open project until the first video is open, its frame 0 on screen and its labels
                 handed to the timeline and the Labels panel (what a user waits for)
    first_paint  open + the timeline built and painted once (a grab of the widget)

Prints the median of ``--repeats`` runs (and min/max).
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/project_open_scale.py [--segments 1000000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build_project(folder: Path, segments: int, videos: int, people: int, frames: int, fps: float) -> Path:
    """A project of ``videos`` videos x ``people`` lanes holding ``segments`` segments in all."""
    from core_model.project import ProjectStore
    from core_model.video.synthetic import write_barcode_video

    source = folder / "video0.mp4"
    write_barcode_video(source, frames=frames, size=(96, 64), fps=fps)
    path = folder / "scale.epam"
    store = ProjectStore.create(path, labels="ntu60")
    try:
        label_ids = [lab.id for lab in store.labels()]
        ids = []
        for v in range(videos):
            file = source if v == 0 else folder / f"video{v}.mp4"
            if v:
                os.link(source, file)
            rec = store.add_video_record(file, f"bench-key-{v:04d}", frames, fps, size=file.stat().st_size,
                                         width=96, height=64)
            ids.append(rec.id)
        lanes = videos * people
        per_lane = -(-segments // lanes)
        length = max(frames // per_lane, 1)

        def rows():
            n = 0
            for vid in ids:
                for person in range(people):
                    for k in range(per_lane):
                        if n >= segments:
                            return
                        start = (k * length) % max(frames - length, 1)
                        yield (vid, person, start, start + length, label_ids[n % len(label_ids)], "user",
                               None, None, "bench", "", "2026-01-01T00:00:00", "2026-01-01T00:00:00")
                        n += 1

        with store.transaction():
            store.conn.executemany(
                "INSERT INTO segments (video_id, person, start_frame, end_frame, label_id, source, model_key, "
                "confidence, author, note, created, modified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    finally:
        store.close()
    return path


def open_once(path: Path) -> tuple[float, float]:
    """(seconds to open, seconds to the first timeline paint) in a fresh window."""
    from PySide6.QtWidgets import QApplication

    from app.shell.main_window import MainWindow

    app = QApplication.instance()
    win = MainWindow()
    win.resize(1280, 720)
    win.show()
    app.processEvents()
    t0 = time.perf_counter()
    win.open_project(path)
    deadline = t0 + 600
    while time.perf_counter() < deadline:
        entry = win.session.current
        if (entry is not None and entry.is_open and win.view.shown_frame == 0 and not win.jobs.jobs
                and entry.project_id is not None):
            break
        app.processEvents()
        time.sleep(0.001)
    t_open = time.perf_counter() - t0
    timeline = win.timeline.widget()
    app.processEvents()
    timeline.grab()
    t_paint = time.perf_counter() - t0
    drawn = timeline.label_item.drawn_rects
    win.close()
    win.deleteLater()
    app.processEvents()
    print(f"  run: open {t_open:6.2f} s, first timeline paint {t_paint:6.2f} s ({drawn} label rectangles painted)",
          flush=True)
    return t_open, t_paint


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--videos", type=int, default=2)
    ap.add_argument("--people", type=int, default=40, help="lanes per video")
    ap.add_argument("--frames", type=int, default=30000, help="frames per video (20 min at 25 fps)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", help="folder for the generated project (default: a temporary folder)")
    args = ap.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.gettempdir()) / "bench-scale-studio.ini"))
    from PySide6.QtWidgets import QApplication

    from app.main import prepare_qt_environment

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        t0 = time.perf_counter()
        path = build_project(Path(tmp), args.segments, args.videos, args.people, args.frames, 25.0)
        print(f"built {args.segments:,} segments over {args.videos} videos x {args.people} lanes "
              f"({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s", flush=True)
        prepare_qt_environment()
        app = QApplication.instance() or QApplication([])  # noqa: F841 - kept alive for the runs
        runs = [open_once(path) for _ in range(args.repeats)]
    for i, name in enumerate(("open", "first_paint")):
        values = [r[i] for r in runs]
        print(f"{name:12s} median {statistics.median(values):7.2f} s   (min {min(values):.2f}, "
              f"max {max(values):.2f}, n={len(values)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
