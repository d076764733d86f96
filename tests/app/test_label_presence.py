"""Labels on frames where the person's track does not exist: allowed, but the studio warns (status bar) and
marks the label on the timeline; the label key's own "Range … press a label key" hint is replaced."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from core_model.pose.format import Poses

from .conftest import show_frame
from .test_labeling import labeled, rows  # noqa: F401 - the fixture


def poses_with_late_person(frames=60):
    """Track 1 seen on every frame, track 2 only on frames 30..59."""
    kp = np.full((2, frames, 17, 2), 50.0, np.float32)
    score = np.full((2, frames, 17), 0.9, np.float32)
    score[1, :30] = 0.0
    return Poses(kp, score, np.array([1, 2]), np.arange(frames) / 25.0, (128, 192), 25.0)


def label_range(qtbot, w, a, b, key=Qt.Key.Key_2):
    show_frame(qtbot, w, a)
    qtbot.keyClick(w.view, Qt.Key.Key_I)
    show_frame(qtbot, w, b)
    qtbot.keyClick(w.view, Qt.Key.Key_O)
    assert "Press a label key" in w.status.currentMessage()
    qtbot.keyClick(w.view, key)


def absent_marks(w, person):
    tl = w.timeline.widget()
    d = tl.label_item.lane_data(tl.people().index(person))
    return {(int(s), int(e)): int(n) for s, e, n in zip(d["start"], d["end"], d["absent"])}


def test_label_outside_the_track_is_kept_with_a_warning_and_a_mark(qtbot, labeled):
    w, store = labeled, labeled.project.store
    w.session.update(w.session.current, poses=poses_with_late_person())
    w.session.set_person(2)
    label_range(qtbot, w, 5, 14)  # P2 does not exist before frame 30
    assert rows(store) == [(2, 5, 15, "sit", "user")]  # not refused
    message = w.status.currentMessage()
    assert "Press a label key" not in message
    assert "Labeled P2 frames 5–14 as 'sit'" in message and "track 2 exists only in frames 30–59" in message
    qtbot.waitUntil(lambda: absent_marks(w, 2) == {(5, 15): 10}, timeout=5000)
    label_range(qtbot, w, 40, 44, Qt.Key.Key_1)  # inside the track's lifetime: no warning, no mark
    message = w.status.currentMessage()
    assert "Labeled P2 frames 40–44 as 'walk'" in message and "exists only" not in message
    qtbot.waitUntil(lambda: absent_marks(w, 2) == {(5, 15): 10, (40, 45): 0}, timeout=5000)
    # the warning mark is painted (a dashed outline): the timeline renders without errors
    assert not w.timeline.widget().grab().isNull()


def test_no_poses_no_warning(qtbot, labeled):
    w = labeled
    w.session.set_person(None)
    label_range(qtbot, w, 3, 9)
    assert "Labeled everybody frames 3–9 as 'sit'" in w.status.currentMessage()


def test_importing_labels_outside_a_track_warns_in_the_studio(qtbot, labeled, tmp_path):
    """The import keeps such rows (never refused) and the studio says how many, with examples."""
    from core_model.project.track_edits import project_poses_path

    w, store = labeled, labeled.project.store
    [video] = store.videos()
    path = project_poses_path(store, video.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    poses_with_late_person().save(path)
    labels = tmp_path / "labels.csv"
    labels.write_text("video,person,start_frame,end_frame,label\n"
                      f"{video.rel_path},2,0,10,sit\n{video.rel_path},2,40,50,walk\n")
    boxes = []
    w.project.error.connect(lambda title, msg: boxes.append((title, msg)))
    assert w.project.import_labels(labels) == 2
    assert rows(store) == [(2, 0, 10, "sit", "user"), (2, 40, 50, "walk", "user")]  # kept
    [(title, msg)] = boxes
    assert title == "Labels imported, with a warning"
    assert "1 imported label marks a person on frames where the person's track does not exist" in msg
    assert "line 2" in msg and "track 2 exists only in frames 30" in msg
    assert "\n" not in w.status.currentMessage() and "1 imported label marks" in w.status.currentMessage()
