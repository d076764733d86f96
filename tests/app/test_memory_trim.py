"""The memory-trim timer fires after work only, never while the app is idle."""
from __future__ import annotations

from app.shell.heap_trim import HeapTrimmer

from .conftest import open_and_wait, show_frame


def test_trimmer_is_idle_until_poked(qtbot):
    calls = []
    trimmer = HeapTrimmer(lambda: calls.append(1), interval_ms=20)
    qtbot.wait(120)
    assert calls == [] and not trimmer.armed  # idle: nothing fires
    for _ in range(5):
        trimmer.poke()
    qtbot.waitUntil(lambda: calls == [1], timeout=2000)
    qtbot.wait(120)
    assert calls == [1] and not trimmer.armed  # one trim per burst of work, then quiet again


def test_the_app_trims_after_frames_and_not_when_idle(qtbot, window, barcode_video):
    from PySide6.QtWidgets import QApplication

    import app.main as main

    app = QApplication.instance()
    calls = []
    app.heap_trimmer = HeapTrimmer(lambda: calls.append(1), interval_ms=30, parent=app)
    try:
        main._trim_after_work(window)
        open_and_wait(qtbot, window, barcode_video)
        qtbot.waitUntil(lambda: len(calls) >= 1 and not app.heap_trimmer.armed, timeout=3000)
        before = len(calls)
        qtbot.wait(200)
        assert len(calls) == before  # idle window: the timer does not fire
        show_frame(qtbot, window, 5)
        qtbot.waitUntil(lambda: len(calls) == before + 1, timeout=3000)
    finally:
        app.heap_trimmer.deleteLater()
        app.heap_trimmer = None


def test_create_app_trimming_does_not_fire_while_idle(qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    import app.main as main
    import core_model.memory as memory

    app = QApplication.instance()
    calls = []
    monkeypatch.setattr(memory, "trim_heap", lambda: calls.append(1) or True)
    for name in ("heap_trimmer", "_heap_timer"):
        monkeypatch.setattr(app, name, None, raising=False)
    main._start_heap_trimming(app, interval_ms=20)
    calls.clear()  # the probe call that checks trimming is supported
    qtbot.wait(150)
    assert calls == []
    app.heap_trimmer.poke()
    qtbot.waitUntil(lambda: calls == [1], timeout=2000)
    app.heap_trimmer.deleteLater()
