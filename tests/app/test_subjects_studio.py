"""Subjects in the studio (real window, real clips, real project file): a subject assigned by a click on a
skeleton (right-click ▸ Assign to subject ▸ New subject…) and from the People dock, shown in the subject's colour
on the skeleton, in the People dock and the timeline; Ctrl+Z / Ctrl+Shift+Z; and in the second video the suggestion
from appearance, accepted with one click and with its key."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core_model.project import ProjectStore
from core_model.project.track_edits import project_poses_path

from ..core_model.subject_clips import study_clips
from .conftest import open_project_and_wait, render_view, show_frame


@pytest.fixture(scope="module")
def clips(tmp_path_factory, bikes_video):
    from app.main import prepare_qt_environment

    found = study_clips(tmp_path_factory.mktemp("clips"), bikes_video)
    prepare_qt_environment()  # cv2 was imported: undo its Qt plugin path
    return found


def _project(tmp_path, clips):
    a, poses_a, b, poses_b = clips
    with ProjectStore.create(tmp_path / "study.epam", labels=["hand up", "writes"]) as store:
        for video, poses in ((a, poses_a), (b, poses_b)):
            path = project_poses_path(store, store.add_video(video).id)
            path.parent.mkdir(parents=True, exist_ok=True)
            poses.save(path)
        return store.path


def _popup_action(qtbot, text):
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=3000)
    menu = QApplication.activePopupWidget()
    for action in menu.actions():
        sub = action.menu()
        for inner in ([action] + (sub.actions() if sub is not None else [])):
            if inner.text() == text:
                menu.close()
                return inner
    raise AssertionError(f"no '{text}' in {[a.text() for a in menu.actions()]}")


def _dialog(qtbot):
    from app.labeling.subjects_panel import AssignSubjectDialog

    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AssignSubjectDialog), timeout=3000)
    return QApplication.activeModalWidget()


def test_assign_by_click_colours_undo_and_the_suggestion_in_the_next_video(qtbot, window, clips, tmp_path):
    a, poses_a, b, _poses_b = clips
    path = _project(tmp_path, clips)
    entry = open_project_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: entry.poses is not None, timeout=5000)  # the project's pose file
    store, people, skeleton = window.project.store, window.person_list, window.overlays["skeleton"]
    va = entry.project_id
    # right-click on track 0's skeleton ▸ Assign to subject ▸ New subject… ▸ type "Anna", Enter
    chest = poses_a.keypoint[0, 0, 5:7].mean(axis=0)
    pos = window.view.mapFromScene(float(chest[0]), float(chest[1]))
    window.view.customContextMenuRequested.emit(pos)
    _popup_action(qtbot, "New subject…").trigger()
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.search, "Anna")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.subject_of_track(va, 0) is not None, timeout=3000)
    anna = store.subject_of_track(va, 0)
    assert anna.name == "Anna" and store.tracks_of_subject(anna.id) == [(va, 0)]
    # the subject's colour: skeleton and tag, People dock (column and swatch), timeline lane header
    assert skeleton.item.subjects == {0: ("Anna", anna.color)}
    window.playback.seek(1)
    qtbot.waitUntil(lambda: window.view.shown_frame == 1, timeout=5000)
    image = render_view(window)
    tag = skeleton.item.tag_rects[0]
    patch = image[int(tag.top()) + 2:int(tag.bottom()) - 2, int(tag.left()) + 2:int(tag.right()) - 2].reshape(-1, 3)
    want = np.array([int(anna.color[i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(patch.astype(int) - want).sum(axis=1) < 60).mean() > 0.3  # the tag is filled with Anna's colour
    from app.labeling.person_list import COL_SUBJECT

    assert people.table.item(people.row_of(0), COL_SUBJECT).text() == "Anna"
    timeline = window.timeline.widget()
    assert timeline._lane_axis.subjects == {0: ("Anna", anna.color)}
    # Ctrl+Z / Ctrl+Shift+Z: one undo step
    window.project.undo_step()
    qtbot.waitUntil(lambda: skeleton.item.subjects == {}, timeout=3000)
    assert store.subject_of_track(va, 0) is None and store.subjects() == []
    window.project.redo_step()
    qtbot.waitUntil(lambda: skeleton.item.subjects == {0: ("Anna", anna.color)}, timeout=3000)
    # from the People dock: select track 1, "Subject…", a new subject "Ben"
    people.set_selected(1)
    people._update_buttons()
    qtbot.mouseClick(people.subject_button, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot)
    assert dialog.visible_names() == ["Anna"]
    qtbot.keyClicks(dialog.search, "Ben")
    assert dialog.visible_names() == [] and dialog.new_button.text() == "New subject 'Ben'"
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.subject_of_track(va, 1) is not None, timeout=3000)
    assert [(s.name, store.subject_track_counts()[s.id]) for s in store.subjects()] == [("Anna", (1, 1)),
                                                                                         ("Ben", (1, 1))]
    window.track_actions.subjects.dock.raise_()
    qtbot.waitUntil(lambda: window.track_actions.subjects.panel.table.rowCount() == 2, timeout=3000)
    window.people_dock.raise_()
    # "Assign by click" in the Subjects dock: one click on track 1's skeleton makes it Anna, Ctrl+Z makes it Ben again
    from PySide6.QtCore import QPointF

    ui = window.track_actions.subjects
    ui.dock.raise_()
    qtbot.waitUntil(lambda: ui.panel.table.rowCount() == 2, timeout=3000)
    ui.panel.select_subject(anna.id)
    ui.panel.click_button.setChecked(True)
    ben_chest = poses_a.keypoint[1, window.view.shown_frame, 5:7].mean(axis=0)
    window.view.imageClicked.emit(QPointF(float(ben_chest[0]), float(ben_chest[1])))
    assert store.subject_of_track(va, 1).name == "Anna" and window.session.person == 1
    window.project.undo_step()
    assert store.subject_of_track(va, 1).name == "Ben"
    ui.panel.click_button.setChecked(False)
    window.people_dock.raise_()
    # the side-by-side comparison (two analyses of this video) shows the same subjects on its skeletons
    from app.common.synthetic import synthetic_result

    assert window.side_by_side.open_result(synthetic_result(12, 25.0, window=8, stride=4))
    show_frame(qtbot, window, 2)
    qtbot.waitUntil(lambda: window.side_by_side.pane.overlays["skeleton"].item.subjects == skeleton.item.subjects
                    and len(skeleton.item.subjects) == 2, timeout=3000)
    window.side_by_side.close()
    # the second video: its tracks start at frame 0; the look of track 11 is Anna's, track 10's is Ben's
    window.open_paths([b])
    qtbot.waitUntil(lambda: window.session.current is not None and window.session.current.path == b
                    and window.session.current.poses is not None and window.view.shown_frame == 0, timeout=10000)
    vb = window.session.current.project_id
    qtbot.waitUntil(lambda: people.suggested_track is not None, timeout=5000)
    assert people.suggested_track == 11 and people.suggestion.isVisible()
    assert people.suggestion_text.text().startswith("Track 11 looks like <b style=")
    assert ">Anna</b> (" in people.suggestion_text.text()
    qtbot.mouseClick(people.accept_suggestion_button, Qt.MouseButton.LeftButton)  # one click
    assert store.subject_of_track(vb, 11).name == "Anna"
    qtbot.waitUntil(lambda: people.suggested_track == 10, timeout=3000)
    text = people.suggestion_text.text()
    assert ">Ben</b> (" in text and "alike track 1 of lesson1.mp4)" in text
    # another video: the bar goes (its suggestion is for lesson2's track); back on lesson2 it is offered again
    lesson1, lesson2 = (e for e in (window.session.project_entry(va), window.session.current))
    window.session.set_current(lesson1)
    qtbot.waitUntil(lambda: people.suggested_track is None and not people.suggestion.isVisible(), timeout=3000)
    window.session.set_current(lesson2)
    qtbot.waitUntil(lambda: people.suggested_track == 10, timeout=5000)
    window.track_actions.subjects.accept_action.trigger()  # one key (Ctrl+J)
    assert store.subject_of_track(vb, 10).name == "Ben" and store.subject_of_track(vb, 12) is None
    assert not people.suggestion.isVisible()
    assert store.tracks_of_subject(store.find_subject("Anna").id) == [(va, 0), (vb, 11)]
    # a fresh window opening the project: the subjects reach the timeline built after the first frame
    from app.shell.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    again.resize(1280, 720)
    again.show()
    window.project.close_project()
    try:
        first = open_project_and_wait(qtbot, again, path)
        assert first.path == a
        qtbot.waitUntil(lambda: again.timeline.built and set(again.timeline.widget()._lane_axis.subjects) == {0, 1},
                        timeout=5000)
        assert again.overlays["skeleton"].item.subjects[1][0] == "Ben"
    finally:
        again.jobs.shutdown(5000)
        again.playback.close()
