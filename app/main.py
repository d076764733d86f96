"""``epam-studio [VIDEO|FOLDER|PROJECT.epam ...] [--demo] [--frame N --screenshot PATH [--analyze]]``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from core_model import __version__


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="epam-studio", description="EPAM Studio: inspect what EPAM-Net looks at.")
    p.add_argument("paths", nargs="*", help="videos or folders of videos to open, or a project (NAME.epam)")
    p.add_argument("--demo", action="store_true", help="open the demo video, extract poses, analyze and play")
    p.add_argument("--frame", type=int, default=0, help="frame to show (with --screenshot)")
    p.add_argument("--screenshot", metavar="PNG", help="save a picture of the window at --frame and exit")
    p.add_argument("--analyze", action="store_true",
                   help="with --screenshot: extract poses and analyze first (otherwise only cached results are used)")
    p.add_argument("--overlays", help="overlays to show: 'all', 'none' or a comma list of "
                   "skeleton,crop_box,heatmap,attention,sampled (default: the saved settings)")
    p.add_argument("--pose-only", action="store_true", help="hide the video pixels (sensitive footage)")
    p.add_argument("--compare", nargs=2, metavar=("RESULTS_A", "RESULTS_B"),
                   help="show two analyses of VIDEO side by side: A in the main view, B beside it")
    p.add_argument("--size", default="1280x720", help="window size WxH (default 1280x720)")
    p.add_argument("--version", action="version", version=f"epam-studio {__version__}")
    p.add_argument("--install-desktop-entry", action="store_true",
                   help="add EPAM Studio to your applications menu (and open .epam projects with it), then exit")
    p.add_argument("--uninstall-desktop-entry", action="store_true",
                   help="remove the menu entry, icon and .epam file type, then exit")
    args = p.parse_args(argv)
    if args.screenshot and not (args.paths or args.demo):
        p.error("--screenshot needs a VIDEO (or --demo)")
    if args.compare and len(args.paths) != 1:
        p.error("--compare needs exactly one VIDEO")
    return args


def prepare_qt_environment() -> None:
    """Undo what importing cv2 (opencv-contrib, pulled in by mediapipe) does to Qt: it points
    QT_QPA_PLATFORM_PLUGIN_PATH at its own Qt 5 plugins, and PySide6 then cannot open a window."""
    path = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")
    if "cv2" in path or "opencv" in path.lower():
        del os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"]


def _desktop_entry(install: bool) -> int:
    """``--install-desktop-entry`` / ``--uninstall-desktop-entry``: print what was written or removed."""
    from core_model.errors import EpamError

    from app.shell.desktop_entry import install_desktop_entry, uninstall_desktop_entry

    try:
        paths = install_desktop_entry() if install else uninstall_desktop_entry()
    except (EpamError, OSError) as exc:  # a folder that cannot be written, a file that cannot be removed
        sys.stderr.write(f"epam-studio: error: {exc}\n")
        return 1
    verb = "installed" if install else "removed"
    print("\n".join(f"{verb} {path}" for path in paths) if paths else "no desktop entry was installed")
    return 0


def create_app():
    """The QApplication with the studio's name, icon and style (created once)."""
    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    from app.shell.resources import icon, style_sheet

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("EPAM Studio")
    app.setOrganizationName("EPAM")
    app.setWindowIcon(icon("app"))
    app.setStyleSheet(style_sheet("dark"))
    _start_heap_trimming(app)
    return app


def _start_heap_trimming(app, interval_ms: int = 3000) -> None:
    """Return freed frame memory to the system a few seconds after work (bounded memory on long sessions);
    an idle app trims nothing (``HeapTrimmer``: armed by frames shown and job reports)."""
    from core_model.memory import trim_heap

    from app.shell.heap_trim import HeapTrimmer

    if getattr(app, "heap_trimmer", None) is not None or not trim_heap():
        return
    app.heap_trimmer = HeapTrimmer(trim_heap, interval_ms, app)


def _trim_after_work(window) -> None:
    """Arm the app's heap trimmer whenever the window shows a frame or a job reports."""
    from PySide6.QtWidgets import QApplication

    trimmer = getattr(QApplication.instance(), "heap_trimmer", None)
    if trimmer is not None:
        for signal in (window.frameDisplayed, window.jobs.progressed, window.jobs.ended):
            signal.connect(trimmer.poke)


def create_window(size: str = "1280x720"):
    """The main window, resized to ``size`` (WxH) and shown."""
    from app.shell.main_window import MainWindow

    window = MainWindow()
    _trim_after_work(window)
    try:
        w, h = (int(v) for v in size.lower().split("x"))
        window.resize(w, h)
    except ValueError:
        pass
    window.show()
    return window


def main(argv: Optional[List[str]] = None) -> int:
    from core_model.omp_policy import prefer_passive_wait

    prefer_passive_wait()  # before torch loads (core_model/omp_policy.py)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        return _desktop_entry(install=args.install_desktop_entry)
    app = create_app()
    window = create_window(args.size)
    if args.overlays:
        keys = window.overlays.keys()
        wanted = keys if args.overlays == "all" else [k.strip() for k in args.overlays.split(",") if k.strip() != "none"]
        for key in keys:
            window.set_overlay(key, key in wanted)
    if args.pose_only:
        window.set_pose_only(True)

    from app.shell.scripted import DemoTask, ScreenshotTask

    demo_path = None
    if args.demo:
        from core_model.paths import demo_video

        demo_path = demo_video()
    task = None
    if args.screenshot:
        video = Path(args.paths[0]) if args.paths else demo_path
        if video is not None and video.suffix.lower() == ".epam":  # a project: its first video, with labels
            if not window.open_project(video) or window.session.current is None:
                sys.stderr.write(f"epam-studio: screenshot failed: {video.name} has no video to show\n")
                return 1
            video = window.session.current.path
        task = ScreenshotTask(window, video, args.frame, Path(args.screenshot), analyze=args.analyze,
                              compare=args.compare)
    elif args.demo:
        task = DemoTask(window, demo_path)
    elif args.compare:
        from app.video.side_by_side import CompareTask

        task = CompareTask(window, Path(args.paths[0]), args.compare)
    elif args.paths:
        window.open_paths(args.paths)
    if task is not None:
        task.start()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
