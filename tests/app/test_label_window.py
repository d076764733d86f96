"""A project with many label segments opens with only those on screen loaded: every person still has a band,
the bands and time range on screen have all their segments, and scrolling or zooming loads the rest."""
from __future__ import annotations

import shutil

import numpy as np

from .conftest import open_project_and_wait

PEOPLE = 12
LENGTH = 2  # frames per segment


def _project(tmp_path, video):
    from core_model.project import ProjectStore

    copy = tmp_path / video.name
    shutil.copyfile(video, copy)
    path = tmp_path / "many.epam"
    with ProjectStore.create(path, labels=["walk", "sit", "wave"]) as store:
        rec = store.add_video(copy)
        labels = [lab.id for lab in store.labels()]
        rows = [(rec.id, p, s, s + LENGTH, labels[(p + s) % 3], "user", "2026-01-01", "2026-01-01")
                for p in range(PEOPLE) for s in range(0, rec.frame_count - LENGTH, LENGTH)]
        with store.transaction():
            store.conn.executemany("INSERT INTO segments (video_id, person, start_frame, end_frame, label_id, "
                                   "source, created, modified) VALUES (?,?,?,?,?,?,?,?)", rows)
    return path, len(rows)


def _open(qtbot, window, path):
    """Open the project at ``path``; its timeline, store and the open video's id once it has settled."""
    open_project_and_wait(qtbot, window, path)
    timeline = window.timeline.widget()
    qtbot.wait(300)
    return timeline, window.project.store, window.session.current.project_id


def _drawn(timeline, person):
    """(start, end) of the labels the timeline holds for ``person``'s band."""
    d = timeline.label_item.lane_data(timeline.people().index(person))
    return sorted(zip(d["start"].tolist(), d["end"].tolist())) if d is not None else []


def _in_db(store, vid, person, x0=0, x1=10 ** 9):
    return sorted((s.start_frame, s.end_frame) for s in store.segments(video_id=vid, person=person)
                  if s.start_frame < x1 and s.end_frame > x0)


def test_only_the_labels_on_screen_are_loaded_and_scrolling_loads_the_rest(qtbot, window, barcode_video, tmp_path):
    path, total = _project(tmp_path, barcode_video)
    timeline, store, vid = _open(qtbot, window, path)
    assert timeline.people() == [-1, *range(PEOPLE)]  # a band for every person, loaded or not
    loaded = window.project.label_window._segments
    assert 0 < len(loaded) < total / 2
    _, _, shown = timeline.visible_window()
    for person in shown:
        assert _drawn(timeline, person) == _in_db(store, vid, person)

    timeline.scroll_bands(PEOPLE)  # to the last bands
    qtbot.waitUntil(lambda: _drawn(timeline, PEOPLE - 1) == _in_db(store, vid, PEOPLE - 1), timeout=5000)

    timeline.plots["segments"].setXRange(40, 50, padding=0)  # zoom in: the range on screen, with a margin
    reads = window.project.label_window.reads
    qtbot.waitUntil(lambda: window.project.label_window.reads > reads, timeout=5000)
    qtbot.wait(200)
    x0, x1, shown = timeline.visible_window()
    for person in shown:
        drawn = _drawn(timeline, person)
        assert set(_in_db(store, vid, person, x0, x1)) <= set(drawn)
        assert all(e > 30 and s < 60 for s, e in drawn)  # not the whole lane
    assert np.isfinite(x0) and x1 - x0 <= 11


def test_an_edit_reloads_the_window(qtbot, window, barcode_video, tmp_path):
    from core_model.project import DeleteSegments

    path, _ = _project(tmp_path, barcode_video)
    timeline, store, vid = _open(qtbot, window, path)
    first = store.segments(video_id=vid, person=0)[0]
    window.project.apply(DeleteSegments([first.id]))
    qtbot.waitUntil(lambda: (first.start_frame, first.end_frame) not in _drawn(timeline, 0), timeout=5000)
