"""Figure: studio open time for a coding study of 20 videos x 30 named subjects (every track of every video assigned).

Project: ``core_model.project.synthetic.make_project`` — 20 videos of 4,500 frames (3 min at 25 fps), 12,000
segments over 30 tracks and the everybody lane; 30 subjects, track k of every video assigned to subject k (600
assignments); the first video is a real bar-code file with a project pose file of its 30 tracks, so the window opens
it, shows 30 skeletons and the People dock. The reference is the same project without subjects, measured in the
same run (fresh windows, alternating), so the ratio holds on a loaded machine.

    open usable     new MainWindow + open_project() until the first frame is on screen with its skeletons
                    (and, with subjects, their names on the skeletons and in the People dock)
    refresh         one SubjectsUI.refresh() (what an assignment or a video change costs) and the SQL
                    statements it runs

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/study_open.py [--repeats 5] [--keep DIR]
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

VIDEOS, SUBJECTS, FRAMES = 20, 30, 4500
from benchmarks.labeling_gui import wait_until  # noqa: E402  (read-only reuse)


def build(folder: Path) -> tuple:
    """(reference project without subjects, the same with 30 subjects): paths."""
    from core_model.pose.format import Poses
    from core_model.project import ProjectStore
    from core_model.project.synthetic import _write_video, make_project
    from core_model.project.track_edits import project_poses_path

    plain, study = folder / "plain.epam", folder / "study.epam"
    if study.exists():
        return plain, study
    make_project(plain, videos=VIDEOS, segments=12000, frames=FRAMES, people=tuple(range(-1, SUBJECTS)))
    (folder / "videos").mkdir(exist_ok=True)
    _write_video(folder / "videos" / "video_000.mp4", 0, FRAMES, 25.0)
    rng = np.random.default_rng(0)
    centre = np.stack([rng.uniform(8, 88, SUBJECTS), rng.uniform(10, 54, SUBJECTS)], 1)  # in the 96x64 frame
    unit = rng.uniform(-6, 6, (17, 2))
    kp = (centre[:, None, None, :] + unit[None, None] + rng.normal(0, 0.3, (SUBJECTS, FRAMES, 17, 2))).astype(np.float32)
    poses = Poses(kp, np.full(kp.shape[:3], 0.9, np.float32), np.arange(SUBJECTS), np.arange(FRAMES) / 25.0,
                  (64, 96), 25.0)
    with ProjectStore.open(plain) as store:
        path = project_poses_path(store, store.videos()[0].id)
        path.parent.mkdir(parents=True, exist_ok=True)
        poses.save(path)
    shutil.copyfile(plain, study)
    shutil.copytree(folder / "plain.epam-data", folder / "study.epam-data")
    with ProjectStore.open(study) as store, store.transaction():
        ids = [store.add_subject(f"subject {k:02d}").id for k in range(SUBJECTS)]
        store.conn.executemany("INSERT INTO track_subjects (video_id, person, subject_id) VALUES (?, ?, ?)",
                               [(v.id, k, ids[k]) for v in store.videos() for k in range(SUBJECTS)])
    return plain, study


def open_once(app, path: Path, subjects: bool) -> float:
    from app.shell.main_window import MainWindow

    t0 = time.perf_counter()
    window = MainWindow()
    window.resize(1280, 720)
    window.show()
    assert window.open_project(path)
    skeleton = window.overlays["skeleton"]
    wait_until(app, lambda: window.view.shown_frame == 0 and window.session.current is not None
               and window.session.current.poses is not None and skeleton.visible
               and (not subjects or len(skeleton.item.subjects) == SUBJECTS))
    spent = time.perf_counter() - t0
    open_once.last = window
    return spent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="fresh windows per case")
    ap.add_argument("--keep", help="folder for the generated projects (reused when they exist)")
    args = ap.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="epam-study-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(folder / "studio.ini"))
    os.environ.setdefault("EPAM_CACHE_DIR", str(folder / "cache"))
    t0 = time.perf_counter()
    plain, study = build(folder)
    print(f"projects: {plain.name} / {study.name} ({VIDEOS} videos x {SUBJECTS} tracks, 12,000 segments; built in "
          f"{time.perf_counter() - t0:.1f} s); load average {os.getloadavg()[0]:.1f}")

    from app.main import create_app

    app = create_app()
    times = {"without subjects": [], "with 30 subjects": []}
    for _ in range(args.repeats + 1):  # the first round warms imports and the file cache: not counted
        for name, path, subjects in (("without subjects", plain, False), ("with 30 subjects", study, True)):
            spent = open_once(app, path, subjects)
            times[name].append(spent)
            window = open_once.last
            if subjects:
                ui = window.track_actions.subjects
                statements = []
                window.project.store.conn.set_trace_callback(statements.append)
                refresh = []
                for _k in range(20):
                    t = time.perf_counter()
                    ui.refresh()
                    refresh.append(time.perf_counter() - t)
                window.project.store.conn.set_trace_callback(None)
                times.setdefault("refresh", []).append(float(np.median(refresh)))
                times["statements"] = [len(statements) / 20]
            window.close()
            window.deleteLater()
            app.processEvents()
    base = np.median(times["without subjects"][1:])
    for name in ("without subjects", "with 30 subjects"):
        med = np.median(times[name][1:])
        print(f"open usable {name:17s}: median {1000 * med:7.1f} ms (n={len(times[name]) - 1}, "
              f"ratio {med / base:.2f})")
    print(f"SubjectsUI.refresh     : median {1000 * np.median(times['refresh'][1:]):7.2f} ms, "
          f"{times['statements'][0]:.0f} SQL statements per refresh")
    print(f"load average now {os.getloadavg()[0]:.1f}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
