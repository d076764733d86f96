"""The Qt environment the app relies on: the cv2 plugin-path fix and a PySide6 without the emit leak."""
from __future__ import annotations

import sys

from app.main import parse_args, prepare_qt_environment


def test_cv2_plugin_path_is_removed(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", "/x/site-packages/cv2/qt/plugins")
    prepare_qt_environment()
    import os

    assert "QT_QPA_PLATFORM_PLUGIN_PATH" not in os.environ


def test_other_plugin_paths_are_kept(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", "/opt/qt/plugins")
    prepare_qt_environment()
    import os

    assert os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"] == "/opt/qt/plugins"


def test_signal_emit_does_not_leak_refcounts(qapp):
    """PySide6 6.12.0 on Python 3.11 drops a reference to True on every ``emit`` and the app
    aborts ("bool_dealloc") after a few thousand signals: the environment must not have it."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        fired = Signal(int)

    emitter = Emitter()
    emitter.fired.connect(lambda _v: None)
    before = sys.getrefcount(True)
    for i in range(200):
        emitter.fired.emit(i)
    assert abs(sys.getrefcount(True) - before) < 20


def test_command_line():
    args = parse_args(["a.mp4", "--frame", "12", "--screenshot", "out.png"])
    assert args.paths == ["a.mp4"] and args.frame == 12 and args.screenshot == "out.png" and not args.analyze
    assert parse_args(["--demo"]).demo
