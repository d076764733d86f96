"""The Videos panel with a project: one row per file after opening a project over videos already open (the
demo), and the re-analysis marks the row of the video it analyzed."""
from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from .conftest import make_result, open_and_wait, open_project_and_wait


def _rows(win):
    items = [win.video_list.item(i) for i in range(win.video_list.count())]
    return [(it.data(Qt.ItemDataRole.UserRole), it.text()) for it in items]


def _demo_copy(tmp_path, video):
    """``video`` copied to a demo folder of its own (a second file with the same content)."""
    demo = tmp_path / "demo" / "demo.mp4"
    demo.parent.mkdir()
    shutil.copyfile(video, demo)
    return demo


def _project_with_copy(tmp_path, video):
    from core_model.project import ProjectStore

    copy = tmp_path / "project videos" / video.name
    copy.parent.mkdir()
    shutil.copyfile(video, copy)
    path = tmp_path / "study.epam"
    with ProjectStore.create(path, labels=["walk", "sit"]) as store:
        store.add_video(copy)
    return path, copy


def test_opening_a_project_after_the_demo_lists_each_file_once(qtbot, window, barcode_video, tmp_path):
    demo = _demo_copy(tmp_path, barcode_video)
    entry = open_and_wait(qtbot, window, demo)
    window.session.update(entry, result=make_result(frame_count=entry.frame_count))
    path, copy = _project_with_copy(tmp_path, barcode_video)
    open_project_and_wait(qtbot, window, path)
    qtbot.wait(200)
    rows = _rows(window)
    assert [e.path for e, _ in rows] == [copy.resolve()], rows
    assert window.video_list.count() == len(window.session.entries) == 1


def test_opening_a_project_while_the_demo_runs_lists_each_file_once(qtbot, window, barcode_video, tmp_path):
    from app.shell.scripted import DemoTask

    demo = _demo_copy(tmp_path, barcode_video)
    task = DemoTask(window, demo, play=False)
    task.start()
    qtbot.waitUntil(lambda: any(j.kind in ("extract", "analyze") for j in window.jobs.jobs), timeout=15000)
    path, copy = _project_with_copy(tmp_path, barcode_video)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=60000)
    qtbot.wait(300)
    rows = _rows(window)
    assert [e.path for e, _ in rows] == [copy.resolve()], rows


def test_a_file_with_the_content_of_a_project_video_is_not_listed_twice(qtbot, window, barcode_video, tmp_path):
    """The demo (or any copy) opened while a project lists the same video: one row, the project's file kept."""
    path, copy = _project_with_copy(tmp_path, barcode_video)
    open_project_and_wait(qtbot, window, path)
    demo = _demo_copy(tmp_path, barcode_video)
    window.open_paths([demo])
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=15000)
    qtbot.wait(200)
    rows = _rows(window)
    assert [e.path for e, _ in rows] == [copy.resolve()], rows
    assert window.session.current.path == copy.resolve()
    vid = window.session.current.project_id
    assert window.project.store.video(vid).path == copy.absolute()  # the project still points at its own file


def test_reanalysis_marks_the_row_of_the_video_it_analyzed(qtbot, window, barcode_video, stick_video, tmp_path):
    from app.analysis.reanalysis import Reanalysis

    path, copy = _project_with_copy(tmp_path, barcode_video)
    open_project_and_wait(qtbot, window, path)
    demo = _demo_copy(tmp_path, barcode_video)
    window.open_paths([demo, stick_video[0]])
    qtbot.waitUntil(lambda: not window.jobs.jobs and len(window.session.entries) >= 2, timeout=15000)
    qtbot.wait(200)
    entries = {e.path: e for e, _ in _rows(window)}
    assert set(entries) == {copy.resolve(), stick_video[0].resolve()}
    result = make_result(frame_count=entries[copy.resolve()].frame_count, trained=True)
    run = Reanalysis(window.project.store, window.settings, window.jobs, window.session)
    run._record(window.project.store.video(entries[copy.resolve()].project_id), result)
    texts = {e.path: t for e, t in _rows(window)}
    assert "analyzed ✓" in texts[copy.resolve()]
    assert "analyzed ✓" not in texts[stick_video[0].resolve()]
