"""Pictures of the studio's Fine-tune dialog during a real training run, and of what changed afterwards.

Renders a small synthetic set (``make_synthetic_set``: wave / clap), builds a project from some of its clips
(poses beside them, each clip labeled with its class), opens it in the studio, runs Project ▸ Fine-tune… on the
set (cpu-quick, a real ``epam train`` subprocess), saves the screen when the run ends, then uses the new model,
analyzes the project's videos again and saves the screen with the what-changed window.

Run in a real window (the screen is grabbed, so use X11/Xvfb):
    xvfb-run -a -s "-screen 0 1280x720x24" .venv/bin/python scripts/finetune_screenshot.py \
        --out docs/screenshots/studio_finetune.png --changed docs/screenshots/studio_what_changed.png
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build(folder: Path, clips_per_class: int):
    """(set folder, project path): the set, and a project of its validation clips labeled whole."""
    from core_model.export import make_synthetic_set
    from core_model.project import CreateSegment, ProjectStore

    data = make_synthetic_set(folder / "synth", classes=2, clips_per_class=clips_per_class, size=(160, 120), seed=1)
    videos = folder / "videos"
    videos.mkdir()
    path = folder / "playground.epam"
    with ProjectStore.create(path, labels=data.classes, author="demo") as store:
        ids = {lab.name: lab.id for lab in store.labels()}
        for row in data.rows:
            clip = videos / f"{row.clip}.mp4"
            shutil.copy(data.clip_path(row), clip)
            shutil.copy(data.pose_path(row), videos / f"{row.clip}.poses.npz")
            rec = store.add_video(clip)
            CreateSegment(rec.id, -1, 0, rec.frame_count, ids[row.label]).apply(store)
    return data.path, path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/screenshots/studio_finetune.png")
    p.add_argument("--changed", default="", help="also save the what-changed window here")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--clips-per-class", type=int, default=4)
    p.add_argument("--keep", help="build in this folder (kept) instead of a temporary one")
    args = p.parse_args(argv)
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.mkdtemp()) / "studio.ini"))
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-cache-"))
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="finetune-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    data, project = build(folder, args.clips_per_class)

    from PySide6.QtCore import QTimer

    from app.main import create_app, create_window

    app = create_app()
    window = create_window("1280x720")
    window.open_project(project)
    ui = window.train_export_ui

    def grab(path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        window.screen().grabWindow(0).save(path)
        print(f"saved {path}", flush=True)

    def start() -> None:
        ui.open_finetune()
        dialog = ui.finetune_dialog
        dialog.data.setText(str(data))
        dialog.epochs.setValue(args.epochs)
        dialog.run_dir.setText(str(folder / "runs" / "run-1"))
        dialog.extra_args = ["--batch", "2", "--log-every", "0"]
        dialog.start()
        dialog.run.finished.connect(lambda _o: QTimer.singleShot(800, after_training))

    def after_training() -> None:
        dialog = ui.finetune_dialog
        grab(args.out)
        print(dialog.outcome.message, flush=True)
        if not args.changed or dialog.outcome.checkpoint is None:
            finish()
            return
        dialog.use_new_model(reanalyze=True)
        dialog.reanalysis.finished.connect(lambda _o: QTimer.singleShot(800, after_analysis))

    def after_analysis() -> None:
        dialog = ui.finetune_dialog
        if dialog.what_changed is not None:
            dialog.what_changed.move(window.x() + 240, window.y() + 60)
            QTimer.singleShot(500, lambda: (grab(args.changed), finish()))
        else:
            print(dialog.reanalysis.outcome.summary(), flush=True)
            finish()

    def finish() -> None:
        print(f"project and run in {folder}", flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(1500, start)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
