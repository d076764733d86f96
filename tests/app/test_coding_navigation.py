"""Coders and navigation in the studio: the coder name is the author, blind coding hides exactly the other
coders' labels (remembered per project), videos assigned from the Videos list and filtered, Go to, Loop,
bookmarks (dock, timeline marks, undo) and Analyse all videos (one queue, skipping analysed videos, cancel)."""
from __future__ import annotations

import shutil

import pytest

from core_model.project import CreateSegment, ProjectStore

from .conftest import make_poses, make_result, open_project_and_wait, show_frame


@pytest.fixture
def study(tmp_path, barcode_video, stick_video):
    """A project over two videos; ann and bob labelled person -1 of the first one."""
    folder = tmp_path / "videos"
    folder.mkdir()
    first = shutil.copyfile(barcode_video, folder / "lesson1.mp4")
    second = shutil.copyfile(stick_video[0], folder / "lesson2.mp4")
    path = tmp_path / "study.epam"
    with ProjectStore.create(path, labels=["walk", "sit"]) as store:
        store.add_video(first)
        store.add_video(second)
        walk, sit = store.label_by_name("walk").id, store.label_by_name("sit").id
        for author, start, end, label in (("ann", 0, 20, walk), ("ann", 30, 40, sit), ("bob", 5, 25, sit)):
            CreateSegment(1, -1, start, end, label, author=author).apply(store)
    return path


def _loaded_authors(win):
    entry = win.session.current
    segments, _people = win.project.visible_segments(entry.project_id, win.timeline, entry.frame_count)
    return sorted(s.author for s in segments)


def test_coder_name_blind_coding_and_assignments(qtbot, window, study):
    from app.shell.settings import SettingsStore

    window.settings.coder = "ann"
    open_project_and_wait(qtbot, window, study)
    store = window.project.store
    assert store.author == "ann" and store.blind_coder is None
    window.timeline.widget()
    assert _loaded_authors(window) == ["ann", "ann", "bob"]
    window.actions["blind_coding"].trigger()
    assert store.blind_coder == "ann"
    assert _loaded_authors(window) == ["ann", "ann"]
    _labels, segments = window.review_ui.controller.video_segments()
    assert sorted(s.author for s in segments) == ["ann", "ann"]
    assert str(store.path) in SettingsStore().load().blind_projects  # remembered for this project
    window.actions["blind_coding"].trigger()
    assert _loaded_authors(window) == ["ann", "ann", "bob"]
    window.actions["blind_coding"].trigger()

    # reopened, the project is blind again
    window.project.close_project()
    open_project_and_wait(qtbot, window, study)
    assert window.project.store.blind_coder == "ann" and window.actions["blind_coding"].isChecked()

    # assign from the Videos list, filter "my videos", undo
    vl = window.video_list
    texts = [t for t, *_ in vl.context_actions([1])]
    assert texts[:2] == ["Assign to me (ann)", "Assign to coder…"]
    vl.assignRequested.emit([1], "ann", True)
    vl.assignRequested.emit([2], "bob", True)
    qtbot.waitUntil(lambda: "coders: ann" in vl.item(0).text() if vl.count() else False, timeout=3000)
    window.actions["my_videos"].trigger()
    assert [e.project_id for e in vl.shown_entries()] == [1]
    window.project.undo_step()
    qtbot.waitUntil(lambda: vl.item(1).text().count("coders") == 0, timeout=3000)
    assert window.project.store.assigned_coders() == {1: ["ann"]}
    window.actions["my_videos"].trigger()
    assert len(vl.shown_entries()) == 2


@pytest.mark.parametrize("text, frame", [("1.2", 30), ("00:00:01.2", 30), ("0:01.2", 30), ("f 12", 12),
                                         ("#59", 59), ("frame 3", 3)])
def test_goto_positions(text, frame):
    from app.video.goto_dialog import parse_position

    assert parse_position(text, 60, lambda s: int(round(s * 25))) == frame


@pytest.mark.parametrize("text, words", [("f 60", "past the end"), ("soon", "not a time or a frame"),
                                         ("1:75", "not a time")])
def test_goto_refusals(text, words):
    from app.video.goto_dialog import PositionError, parse_position

    with pytest.raises(PositionError, match=words):
        parse_position(text, 60, lambda s: int(round(s * 25)))


def test_goto_dialog_loop_and_bookmarks(qtbot, window, study):
    from app.video.goto_dialog import GotoDialog

    open_project_and_wait(qtbot, window, study)
    entry = window.session.current
    dialog = GotoDialog(entry.frame_count, lambda s: int(round(s * 25)))
    dialog.edit.setText("f 75")
    dialog.accept()
    assert dialog.result() == 0 and "past the end" in dialog.hint.text()
    dialog.edit.setText("00:00:00.8")
    dialog.accept()
    assert dialog.frame == 20

    # loop the selected label [30, 40): playing wraps back to 30 and never leaves it
    window.labeling.select(window.project.store.segments(1)[2].id)
    window.playback.set_speed(4.0)
    seen = []
    window.playback.positionChanged.connect(seen.append)
    window.actions["loop"].trigger()
    assert window.playback.loop == (30, 40)
    qtbot.waitUntil(lambda: seen.count(30) >= 2, timeout=8000)
    assert all(30 <= f < 40 for f in seen)
    window.actions["loop"].trigger()
    assert window.playback.loop is None
    window.playback.pause()
    window.labeling.select(None)
    window.labeling.set_marks(30, 30)  # one frame (a point event's span): a second of context each side
    assert window.coding_ui.loop_range() == (5, 56)

    # bookmarks: Ctrl+B's edit, the dock, the timeline's marks, next/previous, delete and undo
    from core_model.project.bookmarks import AddBookmark

    show_frame(qtbot, window, 12)
    window.project.apply(AddBookmark(1, 12, "hand up"))
    window.project.apply(AddBookmark(1, 44, ""))
    panel = window.coding_ui.bookmarks
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=3000)
    assert "hand up" in panel.list.item(0).text()
    assert window.timeline.widget().bands_item.bookmarks == [12, 44]
    show_frame(qtbot, window, 0)
    window.actions["next_bookmark"].trigger()
    assert window.playback.position == 12
    window.actions["next_bookmark"].trigger()
    assert window.playback.position == 44
    window.actions["previous_bookmark"].trigger()
    assert window.playback.position == 12
    panel.deleteRequested.emit([panel.selected_ids() or panel.list.item(0).data(256)[0]])
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=3000)
    window.project.undo_step()
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=3000)
    # blind coding hides the other coders' bookmarks too
    window.project.apply(AddBookmark(1, 20, "bob's note", author="bob"))
    qtbot.waitUntil(lambda: panel.list.count() == 3, timeout=3000)
    window.settings.coder = window.project.store.author
    window.actions["blind_coding"].trigger()
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=3000)
    assert window.timeline.widget().bands_item.bookmarks == [12, 44]
    window.actions["blind_coding"].trigger()


def test_analyse_all_videos_skips_analysed_and_cancels(qtbot, window, study, stick_video, monkeypatch):
    import app.analysis.core_bridge as bridge
    from app.analysis.project_queue import videos_to_analyse

    from .test_main_jobs import slow_job

    keypoints = stick_video[1]
    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **kw: (lambda progress=None, cancel=None:
                                                            make_poses(keypoints)))
    monkeypatch.setattr(bridge, "analyze_job", lambda p, s, poses=None: (lambda progress=None, cancel=None:
                                                                          make_result()))
    open_project_and_wait(qtbot, window, study)
    first = window.session.current
    window.session.update(first, result=make_result(frame_count=first.frame_count))  # analysed, but no poses
    assert [r.id for r in videos_to_analyse(window.project.store, window.session)] == [1, 2]
    window.session.update(first, poses=make_poses(keypoints))  # now both: analysed already
    ui = window.coding_ui
    window.actions["analyze_all"].trigger()
    assert [r.id for r in ui.queue.todo] == [2] and ui.queue.skipped == 1
    with qtbot.waitSignal(ui.queue.finished, timeout=15000) as done:
        pass
    assert done.args[0] == "Analysed 1 video, 1 already analysed."
    second = next(e for e in window.session.entries if e.project_id == 2)
    assert second.result is not None
    window.actions["analyze_all"].trigger()  # nothing left to do
    assert ui.queue is None

    # a slow queue is cancelled: the running job stops, the queue ends saying so
    window.session.update(second, result=None, poses=None)
    monkeypatch.setattr(bridge, "extract_job", lambda p, m, **kw: slow_job(10_000, 0.005))
    window.actions["analyze_all"].trigger()
    qtbot.waitUntil(lambda: any(j.kind in ("extract", "analyze") for j in window.jobs.jobs), timeout=5000)  # streamed
    assert ui.queue_widget.isVisible()
    with qtbot.waitSignal(ui.queue.finished, timeout=5000) as done:
        ui.queue_cancel.click()
    assert done.args[0].endswith("cancelled.")
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=5000)
    assert not ui.queue_widget.isVisible()


def test_agreement_panel_matches_coders_events_within_a_tolerance(qtbot, window, study, tmp_path):
    open_project_and_wait(qtbot, window, study)
    ui = window.review_ui
    ui.show_figures("agreement")
    panel = ui.agreement
    ui.controller.set_agreement_scope("project")
    ui.controller.set_between(("author:ann", "author:bob"))
    qtbot.waitUntil(lambda: panel.events_row.isVisible(), timeout=5000)
    # 25 fps: ann walk 0-0.8 s, sit 1.2-1.6 s; bob sit 0.2-1.0 s. ±0.5 s: the sits start 1.0 s apart (no match),
    # walk/sit lie within it with another label: 0 matched, 2 only ann, 1 only bob
    report = panel.events_report
    assert (report.matched, report.only_a, report.only_b, report.confused) == (0, 2, 1, 1)
    panel.tolerance.setValue(1.0)  # now the sits match (start 1.0 s, stop 0.6 s apart)
    assert (panel.events_report.matched, panel.events_report.only_a, panel.events_report.only_b) == (1, 1, 0)
    assert "<b>1</b> matched" in panel.events.text() and "50.0&nbsp;%" in panel.events.text()
    out = tmp_path / "events.csv"
    panel.export_events(out)
    lines = out.read_text().splitlines()
    assert lines[0] == "label,matched,only ann,only bob,tolerance_s,share_matched,kappa"
    assert lines[-1].startswith("(all),1,1,0,1.0,0.5,")
    window.settings.coder = "ann"
    window.coding_ui.prepare_store(window.project.store)
    window.actions["blind_coding"].setChecked(True)
    qtbot.waitUntil(lambda: not panel.events_row.isVisible(), timeout=5000)
    assert "Blind coding is on" in panel.empty.text()
