"""Track corrections in the studio on real poses of bikes.mp4: merge from the People dock (pose file and labels
move, Ctrl+Z / Ctrl+Shift+Z), delete and split (skeleton menu), extraction saved to the project's pose file,
a reopened project shows that file, and without a project the corrections are disabled and say why."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from core_model.pose.format import Poses

from .conftest import open_and_wait

LABELS = ["walk", "sit", "wave"]


@pytest.fixture(scope="session")
def bikes_poses(bikes_video, tmp_path_factory):
    """The real poses of bikes.mp4 (MediaPipe, max_people=4 as the studio's default), extracted once."""
    from core_model.pose import extract_poses

    path = tmp_path_factory.mktemp("poses") / "bikes.npz"
    extract_poses(bikes_video, max_people=4, use_cache=False, workers=1).save(path)
    return path


def _seed_cache(video, poses):
    """Put real poses in this test's cache, as an earlier extraction with the studio's settings would."""
    from core_model.pose import cache
    from core_model.pose.extract import DEFAULT_MAX_PEOPLE, _settings

    cache.store(video, _settings(DEFAULT_MAX_PEOPLE, "mediapipe", "auto"),
                poses if isinstance(poses, Poses) else Poses.load(poses))


def _disjoint_pair(poses):
    """(a, b): the track present longest and the longest track whose first-to-last span does not meet its (labels
    over both spans can then be merged)."""
    present = poses.present
    order = np.argsort(-present.sum(1))
    a = int(order[0])

    def span(r):
        frames = np.nonzero(present[r])[0]
        return frames[0], frames[-1]

    b = next(int(r) for r in order[1:] if present[r].any() and (span(r)[0] > span(a)[1] or span(r)[1] < span(a)[0]))
    return int(poses.track_ids[a]), int(poses.track_ids[b])


def _span(poses, track):
    frames = np.nonzero(poses.present[int(np.nonzero(poses.track_ids == track)[0][0])])[0]
    return int(frames[0]), int(frames[-1]) + 1


def _people(store, vid):
    return sorted((s.person, s.start_frame, s.end_frame) for s in store.segments(video_id=vid))


def _same(a: Poses, b: Poses) -> bool:
    return (list(a.track_ids) == list(b.track_ids) and np.array_equal(a.keypoint, b.keypoint)
            and np.array_equal(a.keypoint_score, b.keypoint_score))


def _open_in_project(qtbot, window, video, tmp_path):
    assert window.project.new_project(tmp_path / "study.epam", labels=LABELS)
    entry = open_and_wait(qtbot, window, video)
    qtbot.waitUntil(lambda: entry.project_id is not None, timeout=5000)
    return entry


def test_merge_from_the_people_dock_moves_poses_and_labels_and_undoes(qtbot, window, bikes_video, bikes_poses,
                                                                      tmp_path):
    from core_model.project import CreateSegment

    _seed_cache(bikes_video, bikes_poses)
    entry = _open_in_project(qtbot, window, bikes_video, tmp_path)
    qtbot.waitUntil(lambda: entry.poses is not None, timeout=10000)  # the cached poses
    store, vid, people = window.project.store, entry.project_id, window.person_list
    pose_file = window.project.poses_path(vid)
    assert not pose_file.exists()
    window.actions["extract"].trigger()  # extraction inside a project: saved to the project's pose file
    qtbot.waitUntil(lambda: pose_file.is_file() and not window.jobs.jobs, timeout=15000)
    original = Poses.load(pose_file)
    assert _same(original, Poses.load(bikes_poses)) and original.num_people >= 2
    assert people.merge_button.isVisible() and not people.merge_button.isEnabled()  # nothing selected yet

    a, b = _disjoint_pair(original)
    row = {int(t): r for r, t in enumerate(original.track_ids)}
    candidates = window.track_actions.merge_candidates(a)  # the skeleton menu's "Merge into…"
    assert b in candidates  # and tracks present in a frame with a are left out:
    assert not any((original.present[row[a]] & original.present[row[c]]).any() for c in candidates)
    together = [(int(s), int(t)) for s in original.track_ids for t in original.track_ids
                if s != t and (original.present[row[int(s)]] & original.present[row[int(t)]]).any()]
    assert all(t not in window.track_actions.merge_candidates(s) for s, t in together)  # (9, 10) on bikes.mp4
    label = store.labels()[0].id
    for track in (a, b):
        assert window.project.apply(CreateSegment(vid, track, *_span(original, track), label))
    labels_before = _people(store, vid)

    people.table.selectRow(people.row_of(a))  # a first: it keeps its id
    people.table.selectionModel().select(people.table.model().index(people.row_of(b), 0),
                                         QItemSelectionModel.Select | QItemSelectionModel.Rows)
    assert people.selected_tracks() == [a, b] and people.merge_button.isEnabled()
    people.merge_button.click()
    assert f"Merged track {b} into {a}" in window.status.currentMessage()

    merged = Poses.load(pose_file)
    assert merged.num_people == original.num_people - 1 and b not in merged.track_ids
    assert _same(entry.poses, merged)  # the studio shows the corrected file
    assert people.table.rowCount() == merged.num_people and people.row_of(b) is None
    assert window.timeline.widget() is not None and _people(store, vid) == sorted(
        [(a, *_span(original, a)), (a, *_span(original, b))])  # b's label follows its person
    assert window.session.person == a and people.selected_tracks() == [a]

    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _same(Poses.load(pose_file), original) and _people(store, vid) == labels_before
    assert _same(entry.poses, original) and people.row_of(b) is not None
    qtbot.keyClick(window.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _same(Poses.load(pose_file), merged) and _same(entry.poses, merged)
    assert {p for p, _s, _e in _people(store, vid)} == {a}
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)  # no modifier held any more (later tests select rows)


def test_delete_and_split_from_the_skeleton_menu_on_a_reopened_project(qtbot, window, bikes_video, bikes_poses,
                                                                       tmp_path):
    from core_model.project import CreateSegment
    from core_model.project.track_edits import ensure_project_poses

    entry = _open_in_project(qtbot, window, bikes_video, tmp_path)  # an empty cache: no poses anywhere
    assert entry.poses is None and "extract" in window.person_list.delete_button.toolTip()
    vid, path = entry.project_id, window.project.store.path
    original = Poses.load(bikes_poses)
    pose_file = ensure_project_poses(window.project.store, vid, source=original)
    longest = int(original.track_ids[int(np.argmax(original.present.sum(1)))])
    first, end = _span(original, longest)
    assert window.project.apply(CreateSegment(vid, longest, first, end, window.project.store.labels()[0].id))

    window.project.close_project()
    assert window.open_project(path)  # the project's first video opens, with the project's pose file
    qtbot.waitUntil(lambda: window.session.current is not None and window.session.current.poses is not None
                    and not window.jobs.jobs, timeout=15000)
    entry, store = window.session.current, window.project.store
    assert _same(entry.poses, original) and window.person_list.table.rowCount() == original.num_people

    middle = (first + end) // 2
    window.playback.seek(middle)
    qtbot.waitUntil(lambda: window.view.shown_frame == middle, timeout=10000)
    menu = window.track_actions.skeleton_menu(longest)
    split = next(a for a in menu.actions() if a.text().startswith("Split at playhead"))
    assert split.isEnabled()
    split.trigger()
    after_split = Poses.load(pose_file)
    new_id = int(max(after_split.track_ids))
    assert after_split.num_people == original.num_people + 1 and _same(entry.poses, after_split)
    assert _people(store, vid) == [(longest, first, middle), (new_id, middle, end)]  # the label is cut in two

    menu = window.track_actions.skeleton_menu(new_id)
    next(a for a in menu.actions() if a.text() == f"Delete track {new_id}").trigger()
    deleted = Poses.load(pose_file)
    assert new_id not in deleted.track_ids and _people(store, vid) == [(longest, first, middle)]
    assert window.person_list.row_of(new_id) is None
    window.project.undo_step()
    window.project.undo_step()
    assert _same(Poses.load(pose_file), original) and _same(entry.poses, original)
    assert _people(store, vid) == [(longest, first, end)]

    from core_model.pose.track_edit import delete_track

    fewer = delete_track(original, longest)[0]
    _seed_cache(bikes_video, fewer)  # a new extraction that differs from the file (its origin is not known)
    asked = _answer("Keep")
    window.actions["extract"].trigger()
    qtbot.waitUntil(lambda: not window.jobs.jobs and entry.busy is None, timeout=15000)
    assert asked  # the file may hold corrections: asked, and kept
    assert _same(Poses.load(pose_file), original) and _same(entry.poses, original)  # the corrected file stays
    asked = _answer("Replace")
    window.actions["extract"].trigger()
    qtbot.waitUntil(lambda: not window.jobs.jobs and entry.busy is None, timeout=15000)
    assert asked and _same(Poses.load(pose_file), fewer) and _same(entry.poses, fewer)


def _answer(text):
    """Click the button starting with ``text`` of the replace-poses question once it shows; the list returned
    gets True then."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    clicked = []

    def click():
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != "replacePosesBox":
            QTimer.singleShot(30, click)
            return
        next(b for b in box.buttons() if b.text().startswith(text)).click()
        clicked.append(True)

    QTimer.singleShot(0, click)
    return clicked


def test_a_new_extraction_replaces_the_project_poses_and_asks_only_over_corrections(qtbot, window, bikes_video,
                                                                                    bikes_poses, tmp_path):
    from core_model.pose import cache
    from core_model.pose.extract import _settings
    from core_model.pose.track_edit import delete_track

    original = Poses.load(bikes_poses)
    _seed_cache(bikes_video, original)
    entry = _open_in_project(qtbot, window, bikes_video, tmp_path)
    window.actions["extract"].trigger()
    qtbot.waitUntil(lambda: not window.jobs.jobs and entry.busy is None, timeout=15000)
    pose_file = window.project.poses_path(entry.project_id)
    assert _same(Poses.load(pose_file), original)

    other = original.select([0, 1])  # "other settings": two people at most
    cache.store(bikes_video, _settings(2, "mediapipe", "auto"), other)
    window.settings.max_people = 2
    window.actions["extract"].trigger()  # no corrections: replaced without a question
    qtbot.waitUntil(lambda: not window.jobs.jobs and entry.busy is None, timeout=15000)
    assert _same(Poses.load(pose_file), other) and _same(entry.poses, other)

    track = int(other.track_ids[0])
    assert window.track_actions.delete(track)
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=15000)
    window.settings.max_people = 0  # the default again (no limit): the cached original
    asked = _answer("Replace")
    window.actions["extract"].trigger()  # over a correction: asked first
    qtbot.waitUntil(lambda: not window.jobs.jobs and entry.busy is None and bool(asked), timeout=15000)
    qtbot.waitUntil(lambda: _same(entry.poses, original), timeout=5000)
    assert _same(Poses.load(pose_file), original)
    assert not _same(Poses.load(pose_file), delete_track(other, track)[0])


def test_without_a_project_the_corrections_are_disabled_and_say_why(qtbot, window, bikes_video, bikes_poses):
    _seed_cache(bikes_video, bikes_poses)
    entry = open_and_wait(qtbot, window, bikes_video)
    qtbot.waitUntil(lambda: entry.poses is not None, timeout=10000)
    people = window.person_list
    track = int(entry.poses.track_ids[0])
    people.set_selected(track)
    for button in (people.merge_button, people.split_button, people.delete_button):
        assert button.isVisible() and not button.isEnabled() and "open or create a project" in button.toolTip()
    menu = window.track_actions.skeleton_menu(track)
    assert not any(a.isEnabled() for a in menu.actions() if a.text().startswith(("Split", "Delete", "Merge")))
    assert not window.track_actions.delete(track)  # asked anyway (e.g. a stale click): edits nothing, says why
    assert "open or create a project" in window.status.currentMessage() and entry.poses.num_people == len(
        Poses.load(bikes_poses).track_ids)


def test_a_correction_redoes_the_analysis_shown_in_the_background(qtbot, window, stick_video, tmp_path):
    """The analysis shown was made from the old tracks: after a correction it is redone by itself (a job with
    progress and Cancel), from the corrected poses; the status line says so."""
    from .conftest import make_poses, make_result

    path, keypoints = stick_video
    assert window.project.new_project(tmp_path / "study.epam", labels=LABELS)
    entry = open_and_wait(qtbot, window, path)
    old = make_result(trained=False)
    window.session.update(entry, poses=make_poses(keypoints), result=old)
    messages = []
    window.project.message.connect(messages.append)
    assert window.track_actions.delete(2)
    assert "Analyzing again with the corrected tracks" in messages[-1]
    qtbot.waitUntil(lambda: any(j.kind == "analyze" and j.target is entry for j in window.jobs.jobs), timeout=10000)
    qtbot.waitUntil(lambda: entry.result is not old and not window.jobs.jobs, timeout=240000)
    assert list(entry.poses.track_ids) == [1]
    assert entry.result.frame_count == entry.frame_count and entry.result.num_windows >= 1

    # undo brings the old tracks back: analyzed again; Cancel stops that run and keeps what is shown
    shown = entry.result
    window.actions["undo"].trigger()
    qtbot.waitUntil(lambda: any(j.kind == "analyze" and j.target is entry for j in window.jobs.jobs), timeout=10000)
    window.controller.cancel(entry)
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=60000)
    assert entry.result is shown and list(entry.poses.track_ids) == [1, 2]


def test_a_read_only_project_refuses_corrections_in_one_sentence(qtbot, window, tmp_path):
    """Held by another program: the corrections say the store's one refusal sentence (cause and what to do),
    not "NAME is read-only: NAME ...; it is opened read-only." with the cause twice."""
    from core_model.project import ProjectStore

    path = tmp_path / "shared.epam"
    holder = ProjectStore.create(path, labels=LABELS)  # another program holds the project
    try:
        assert window.open_project(path) and window.project.read_only
        refusal = window.project.store.write_refusal
        reason = window.track_actions.blocked_reason()
        assert reason == refusal and reason.count("read-only") == 1 and reason.count(path.name) == 1
        assert window.person_list.delete_button.toolTip() == refusal
        assert not window.track_actions.delete(1)  # asked anyway: edits nothing, says it once
        assert window.status.currentMessage() == refusal
    finally:
        holder.close()
