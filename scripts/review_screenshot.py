"""A review demo project and a picture of the studio's Review, Agreement and Statistics panels.

Builds a *synthetic* project (nothing here is a real prediction): a 30-second video of two stick figures, a
made-up per-person model output (mostly right, with stream disagreements, flicker and unsure windows written in)
and the labels of two coders (ann labels both people, bob labels person 1 for a human-human comparison). Then it
opens the project in the studio, arranges the docks so the queue, the agreement panel and the time-budget chart
show together (Review beside the Videos list, the Figures dock with its two panels one above the other), steps to
the first review item and saves a picture of the window.

Run (a real window: ``xvfb-run -a -s "-screen 0 1440x900x24" ...``, or offscreen with QT_QPA_PLATFORM=offscreen):
    .venv/bin/python scripts/review_screenshot.py --out docs/screenshots/studio_review.png [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CLASSES = ["walk", "sit down", "stand up", "drink water", "wave"]
FPS, SECONDS = 25.0, 30
#: the "truth" per person: (start s, end s, class)
TRUTH = {1: [(0, 8, "walk"), (8, 10, "sit down"), (10, 20, "drink water"), (20, 22, "stand up"), (22, 30, "wave")],
         2: [(0, 6, "walk"), (6, 14, "wave"), (14, 24, "walk"), (24, 27, "sit down"), (27, 30, "drink water")]}


def truth_codes(person: int, frames: int) -> np.ndarray:
    out = np.zeros(frames, int)
    for a, b, name in TRUTH[person]:
        out[int(a * FPS):int(b * FPS)] = CLASSES.index(name)
    return out


def made_up_result(frames: int, seed: int = 3):
    """A per-person result that looks like a fair model: right most of the time, unsure and split in places."""
    from core_model.analysis.results import AnalysisResult
    from core_model.analysis.segments import segments_for_rows
    from core_model.analysis.windows import window_bounds

    rng = np.random.default_rng(seed)
    bounds = window_bounds(frames, 75, 37)
    rows, probs_rgb, probs_pose = [], [], []
    for person in (1, 2):
        codes = truth_codes(person, frames)
        for k, (a, b) in enumerate(bounds):
            true = int(np.bincount(codes[a:b], minlength=len(CLASSES)).argmax())
            rgb = rng.dirichlet(np.full(len(CLASSES), 0.6))
            pose = rng.dirichlet(np.full(len(CLASSES), 0.6))
            rgb[true] += rng.uniform(1.5, 4.0)
            pose[true] += rng.uniform(1.5, 4.0)
            if person == 1 and k in (6, 7):  # drinking: RGB sees the cup, pose thinks "wave"
                pose[CLASSES.index("wave")] += 5.0
            if person == 2 and k in (9, 11):  # flicker inside the long walk
                rgb[CLASSES.index("wave")] += 4.0
                pose[CLASSES.index("wave")] += 4.0
            if person == 2 and k in (15, 16):  # sitting down: unsure
                rgb, pose = rgb * 0 + 1.0, pose * 0 + 1.0
                rgb[true] += 0.8
                pose[CLASSES.index("stand up")] += 0.7
            rows.append((person, a, b))
            probs_rgb.append(rgb / rgb.sum())
            probs_pose.append(pose / pose.sum())
    person = np.array([r[0] for r in rows])
    starts, ends = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    rgb, pose = np.array(probs_rgb, np.float32), np.array(probs_pose, np.float32)
    fused = (rgb + pose) / 2
    pf = np.stack([np.linspace(a, b - 1, 48).round().astype(int) for a, b in zip(starts, ends)])
    segs = segments_for_rows(starts, ends, person, fused, class_names=CLASSES, frame_time=lambda f: f / FPS)
    return AnalysisResult(summary={}, class_names=CLASSES, model="demo (made-up output)", trained=True,
                          frame_count=frames, fps=FPS, img_shape=(360, 480), window_start=starts, window_end=ends,
                          person=person, pose_frames=pf, rgb_frames=pf[:, ::3],
                          boxes=np.zeros((len(rows), 4), np.float32), prob_rgb=rgb, prob_pose=pose, prob_fused=fused,
                          spatial_attention=None, temporal_attention=None, segments=segs)


def build_project(folder: Path) -> Path:
    from core_model.project import CreateSegment, ProjectStore
    from core_model.video.synthetic import write_stick_figure_video

    folder.mkdir(parents=True, exist_ok=True)
    frames = int(SECONDS * FPS)
    video = folder / "classroom_sticks.mp4"
    if not video.exists():
        write_stick_figure_video(video, people=2, frames=frames, size=(480, 360), fps=FPS)
    path = folder / "review_demo.epam"
    if path.exists():
        return path
    with ProjectStore.create(path, labels=CLASSES, author="ann") as store:
        for lab, key in zip(store.labels(), "12345"):
            store.set_label_key(lab.id, key)
        rec = store.add_video(video)
        result = made_up_result(frames)
        result.save(store.data_dir / "analysis" / "classroom_sticks")
        store.set_analysis(rec.id, store.data_dir / "analysis" / "classroom_sticks", "demo")
        ids = {lab.name: lab.id for lab in store.labels()}
        f = lambda s: int(round(s * FPS))  # noqa: E731
        for a, b, name in TRUTH[1]:  # ann: person 1 all of it, person 2 up to 14 s
            CreateSegment(rec.id, 1, f(a), f(b), ids[name]).apply(store)
        for a, b, name in TRUTH[2][:2]:
            CreateSegment(rec.id, 2, f(a), f(b), ids[name]).apply(store)
        for a, b, name in [(0, 8.6, "walk"), (8.6, 10.4, "sit down"), (10.4, 17, "drink water"),
                           (17, 19, "wave"), (19, 22, "stand up")]:  # bob: person 1, a second opinion
            CreateSegment(rec.id, 1, f(a), f(b), ids[name], author="bob").apply(store)
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/screenshots/studio_review.png")
    p.add_argument("--keep", help="build the project in this folder (kept) instead of a temporary one")
    p.add_argument("--size", default="1600x1000")
    args = p.parse_args(argv)
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.mkdtemp()) / "studio.ini"))
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="review-demo-"))
    project = build_project(folder)

    from PySide6.QtCore import Qt, QTimer

    from app.main import create_app, create_window

    app = create_app()
    window = create_window(args.size)
    window.open_project(project)
    ui = window.review_ui

    def arrange() -> None:
        """Review on the left (tabbed with Videos), the Figures dock on the right with both panels shown (⇕)."""
        window.removeDockWidget(ui.docks["queue"])
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, ui.docks["queue"])
        window.tabifyDockWidget(window.videos_dock, ui.docks["queue"])
        for dock in ui.docks.values():
            dock.show()
            dock.raise_()
        ui.figures.set_stacked(True)
        window.resizeDocks([ui.docks["queue"], ui.docks["figures"]], [340, 420], Qt.Orientation.Horizontal)
        ui.figures.split.setSizes([520, 480])
        ui.stats.split.setSizes([250, 150, 0])
        ui.agreement.scope_box.setCurrentIndex(1)
        ui.stats.group_box.setCurrentIndex(0)

    out = Path(args.out)
    state = {"tries": 0}

    def shoot() -> None:
        entry = window.session.current
        state["tries"] += 1
        ready = entry is not None and entry.is_open and entry.result is not None and window.view.shown_frame is not None
        if not ready and state["tries"] < 200:
            QTimer.singleShot(100, shoot)
            return
        if state["tries"] < 1000 and not state.get("stepped"):
            state["stepped"] = True
            arrange()
            ui.step(1)
            QTimer.singleShot(1500, shoot)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(f"saved {out} ({window.width()}x{window.height()}); project in {folder}")
        window.close()
        app.quit()

    QTimer.singleShot(500, shoot)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
