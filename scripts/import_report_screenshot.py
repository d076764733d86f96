"""A picture of the studio's import report after importing a BORIS project (File > Import labels…).

Builds a small project on a synthetic variable-frame-rate video coded by two coders, writes a BORIS project as a
lab would have it (named subjects, a point event, a comment, a modifier, an observation of a video the project does
not have), imports it through the File menu's path and saves the window with the report over it, 1280×720.

Run (offscreen): QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/import_report_screenshot.py \
    --out docs/screenshots/import_report.png
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def boris_file(folder: Path) -> Path:
    pj = {"project_format_version": "7.0",
          "behaviors_conf": {"0": {"type": "State event", "code": "walk", "key": "w", "color": "#3b7dd8"},
                             "1": {"type": "State event", "code": "raise hand", "key": "r", "color": "#e0a030"},
                             "2": {"type": "Point event", "code": "clap", "key": "c", "color": "#c04040"}},
          "subjects_conf": {"0": {"name": "Teacher"}, "1": {"name": "Ana"}, "2": {"name": "person 2"}},
          "observations": {
              "lesson 1": {"type": "MEDIA", "file": {"1": ["C:/lab/videos/vfr.mkv"]},
                           "independent_variables": {"coder": "carol"},
                           "events": [[0.1, "Teacher", "walk", "", "to the board"], [0.9, "Teacher", "walk", "", ""],
                                      [0.5, "Ana", "raise hand", "left", ""], [1.6, "Ana", "raise hand", "left", ""],
                                      [1.0, "person 2", "walk", "", ""], [2.0, "person 2", "walk", "", ""],
                                      [1.8, "", "clap", "", "everyone"]]},
              "lesson 2": {"type": "MEDIA", "file": {"1": ["C:/lab/videos/lesson2.mp4"]},
                           "events": [[1.0, "Ana", "clap", "", ""]] * 3},
              "playground": {"type": "LIVE", "events": []}}}
    path = folder / "classroom_codings.boris"
    path.write_text(json.dumps(pj))
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs/screenshots/import_report.png")
    args = ap.parse_args()
    from app.main import prepare_qt_environment

    prepare_qt_environment()
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication, QFileDialog

    from app.shell.main_window import MainWindow
    from tests.core_model.interop_tools import coded_project

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        coded_project(folder).close()
        path = boris_file(folder)
        win = MainWindow()
        win.resize(1280, 720)
        win.show()
        assert win.open_project(folder / "coded.epam")
        for _ in range(200):
            app.processEvents()
        QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(path), "BORIS project (*.boris)"))
        win.actions["import_labels"].trigger()
        dialog = win.labeling_ui.import_report
        dialog.resize(720, 380)
        for _ in range(100):
            app.processEvents()
        picture = win.grab()
        painter = QPainter(picture)
        at = QPoint((picture.width() - dialog.width()) // 2, (picture.height() - dialog.height()) // 2)
        painter.drawPixmap(at, dialog.grab())
        painter.end()
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        picture.save(str(out))
        print(f"wrote {out} ({picture.width()}x{picture.height()})")
        for line in dialog.texts():
            print(" ", line)
        win.jobs.shutdown(5000)
        win.playback.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
