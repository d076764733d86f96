"""Undo / redo of an edit made on another video switch to that video first, then apply, so the user sees it."""
from __future__ import annotations

from core_model.project import CreateSegment

from .conftest import open_and_wait


def test_undo_and_redo_switch_to_the_edited_video(qtbot, window, barcode_video, stick_video, tmp_path):
    assert window.project.new_project(tmp_path / "p.epam", labels=["walk", "sit"])
    first = open_and_wait(qtbot, window, barcode_video)
    second = open_and_wait(qtbot, window, stick_video[0])
    store = window.project.store
    walk = store.label_by_name("walk").id
    window.session.set_current(first)
    qtbot.waitUntil(lambda: window.view.shown_frame is not None and window.session.current is first, timeout=10000)
    assert window.project.apply(CreateSegment(first.project_id, -1, 5, 20, walk))
    window.session.set_current(second)
    qtbot.waitUntil(lambda: window.session.current is second and window.view.shown_frame is not None, timeout=10000)

    window.actions["undo"].trigger()
    assert window.session.current is first  # switched, then undone
    assert store.segments(video_id=first.project_id) == []
    qtbot.waitUntil(lambda: first.is_open and window.view.shown_frame is not None, timeout=10000)

    window.session.set_current(second)
    window.actions["redo"].trigger()
    assert window.session.current is first
    assert [(s.start_frame, s.end_frame) for s in store.segments(video_id=first.project_id)] == [(5, 20)]
    qtbot.waitUntil(lambda: window.timeline.widget().label_item.lane_data(0) is not None
                    and len(window.timeline.widget().label_item.lane_data(0)["start"]) == 1, timeout=5000)

    # an edit of the video shown does not switch anything
    window.actions["undo"].trigger()
    assert window.session.current is first
