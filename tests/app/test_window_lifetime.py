"""A closed and deleted main window leaves nothing behind that still calls into it: the Session (which outlives the
window's widgets) emits into no slot of a deleted panel (review, Subjects, coding, Videos list, track actions), and
the refreshes the panels queued while the window closed do not run after them."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent

from .conftest import open_project_and_wait


def test_session_signals_after_the_window_is_deleted_reach_no_deleted_panel(qtbot, tmp_path):
    from app.main import prepare_qt_environment
    from app.shell.main_window import MainWindow

    from .test_export_dialog import make_project

    project = make_project(tmp_path / "proj", videos=1)
    prepare_qt_environment()
    win = MainWindow()
    win.resize(1100, 750)
    win.show()
    entry = open_project_and_wait(qtbot, win, project)
    session = win.session
    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    session.changed.emit(entry)  # what a job finishing after the window closed would emit
    session.current_changed.emit(entry)
    session.added.emit(entry)
    qtbot.wait(50)
