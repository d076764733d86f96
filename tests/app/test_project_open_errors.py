"""Opening a project in the studio when something is wrong with it: one sentence, no traceback, the app goes on."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from core_model.project import CreateSegment, ProjectStore

from ..core_model.project_faults import damage_table_page, lose_wal_of_killed_writer

LABELS = ["walk", "sit", "wave"]


def _project(path: Path, segments: int = 200) -> Path:
    with ProjectStore.create(path, labels=LABELS) as store:
        vid = store.add_video_record("clip.mp4", "c" * 40, 1000, 25.0).id
        for k in range(segments):
            CreateSegment(vid, k % 5, 2 * k, 2 * k + 1, store.labels()[k % 3].id, note="n" * 40).apply(store)
    return path


def _error_boxes(window):
    return [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]


def test_damaged_project_one_sentence_and_the_studio_goes_on(qtbot, window, tmp_path):
    path = _project(tmp_path / "broken.epam")
    damage_table_page(path)
    before = path.read_bytes()
    assert not window.open_project(path)
    qtbot.waitUntil(lambda: bool(_error_boxes(window)), timeout=3000)
    text = _error_boxes(window)[0].text()
    assert "damaged" in text and "broken.epam" in text and "\n" not in text and "Traceback" not in text, text
    assert "damaged" in window.status.currentMessage()
    assert window.project.store is None
    assert path.read_bytes() == before
    for box in _error_boxes(window):
        box.close()
    good = _project(tmp_path / "good.epam", segments=3)
    assert window.open_project(good)  # the studio goes on
    assert window.project.store is not None and len(window.project.store.segments()) == 3


def test_saved_changes_lost_with_the_wal_are_said_on_opening(qtbot, window, tmp_path):
    path = _project(tmp_path / "lost.epam", segments=0)
    lose_wal_of_killed_writer(path, edits=4)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: bool(_error_boxes(window)), timeout=3000)
    text = _error_boxes(window)[0].text()
    assert "4 saved changes" in text and "\n" not in text, text


def test_wal_deleted_while_open_refuses_the_edit_in_one_sentence(qtbot, window, tmp_path):
    path = _project(tmp_path / "walgone.epam", segments=1)
    assert window.open_project(path)
    store = window.project.store
    Path(f"{path}-wal").unlink()
    assert not window.project.apply(CreateSegment(1, 0, 500, 510, store.labels()[0].id))
    qtbot.waitUntil(lambda: bool(_error_boxes(window)), timeout=3000)
    text = _error_boxes(window)[0].text()
    assert "walgone.epam-wal" in text and "open it again" in text and "\n" not in text, text
    assert window.project.read_only
    window.project.close_project()
    with ProjectStore.open(path) as again:
        assert len(again.segments()) == 1
