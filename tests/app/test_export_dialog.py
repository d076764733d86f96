"""Project ▸ Export fine-tuning set…: a real project exported from the dialog; cancel leaves nothing; errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.main import prepare_qt_environment

from .conftest import change_when_enabled, dark_style

SIZE = (160, 120)
FRAMES = 90
LABELS = ["wave", "clap", "squat"]
# (person, start, end, label, source)
SEGMENTS = [(0, 5, 35, "wave", "user"), (0, 40, 80, "clap", "user"), (1, 10, 50, "squat", "user"),
            (1, 55, 85, "wave", "accepted"), (1, 60, 88, "clap", "user")]


def make_project(folder: Path, videos: int = 3) -> Path:
    """Two-person stick-figure videos (``core_model.video.synthetic``), exact poses beside them, labels."""
    from core_model.pose.format import Poses
    from core_model.project import CreateSegment, ProjectStore
    from core_model.video.encoding import encode_frames
    from core_model.video.synthetic import draw_stick_figures, stick_figure_keypoints

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "class.epam"
    with ProjectStore.create(path, labels=LABELS, author="ann") as store:
        ids = {lab.name: lab.id for lab in store.labels()}
        for v in range(videos):
            video = folder / f"room{v}.mp4"
            kp = stick_figure_keypoints(2, FRAMES, SIZE, 25.0) + np.float32(v)
            encode_frames(video, (draw_stick_figures(kp[:, t], SIZE) for t in range(FRAMES)), fps=25.0)
            Poses(kp, np.ones(kp.shape[:3], np.float32), [0, 1], np.arange(FRAMES) / 25.0, SIZE[::-1], 25.0).save(
                folder / f"room{v}.poses.npz")
            rec = store.add_video(video)
            for person, start, end, label, source in SEGMENTS:
                CreateSegment(rec.id, person, start, end, ids[label], source=source,
                              confidence=0.8 if source == "accepted" else None).apply(store)
    prepare_qt_environment()  # cv2 was imported: undo its Qt plugin path
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("export-project"))


@pytest.fixture
def store(project):
    from core_model.project import ProjectStore

    with ProjectStore.open(project, read_only=True) as s:
        yield s


def _dialog(qtbot, store, folder):
    from app.training.export_dialog import ExportDialog

    dialog = ExportDialog(store, parent=None, folder=folder)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_exports_a_real_project(qtbot, store, tmp_path):
    from core_model.export import load_set

    out = tmp_path / "set"
    dialog = _dialog(qtbot, store, out)
    assert dialog.labels.count() == 3 and dialog.videos.count() == 3
    assert dialog.width() <= 1280 and dialog.height() <= 720
    dialog.labels.item(2).setCheckState(Qt.CheckState.Unchecked)  # squat left out
    dialog.split_by.setCurrentIndex(dialog.split_by.findData("video"))
    with qtbot.waitSignal(dialog.exported, timeout=60000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog.running and not dialog.export_button.isEnabled()
    assert Path(signal.args[0]) == out
    exported = load_set(out)
    assert exported.classes == ["wave", "clap"]
    assert len(exported.rows) == 3 * 3  # wave, clap, clap per video (user only; squat unticked)
    assert {r.source for r in exported.rows} == {"user"}
    train_videos, val_videos = {r.video for r in exported.train}, {r.video for r in exported.val}
    assert train_videos and val_videos and not train_videos & val_videos
    for row in exported.rows:
        assert exported.clip_path(row).is_file() and exported.poses(row).num_frames == row.frames
    assert "Exported 9 clips of 2 classes" in dialog.status.text()
    assert dialog.progress.value() == dialog.progress.maximum() and not dialog.running
    assert [p.name for p in tmp_path.iterdir() if p.name != "studio.ini"] == ["set"]  # nothing else beside it


def test_cancel_leaves_nothing(qtbot, store, tmp_path):
    out = tmp_path / "set"
    dialog = _dialog(qtbot, store, out)
    dialog.sources.setCurrentIndex(1)  # user and accepted: more clips
    dialog.crf.setValue(0)  # lossless and padded: slower, so the cancel lands mid-way
    dialog.pad.setValue(30)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(p.name != "studio.ini" for p in tmp_path.iterdir()), timeout=30000)  # the sibling
    assert dialog.running
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30000)
    assert "cancelled" in dialog.status.text() and dialog.result is None
    qtbot.waitUntil(lambda: all(p.name == "studio.ini" for p in tmp_path.iterdir()), timeout=10000)
    assert dialog.export_button.isEnabled()


def test_errors_are_one_sentence(qtbot, store, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "something.txt").write_text("x")
    dialog = _dialog(qtbot, store, used)
    with qtbot.waitSignal(dialog.jobs.ended, timeout=30000):
        dialog.start()
    text = dialog.status.text()
    assert "already exists and is not empty" in text and text.count(".") <= 2 and "\n" not in text
    assert "e5534b" in dialog.status.styleSheet()  # shown as an error
    assert [p.name for p in tmp_path.iterdir() if p.name != "studio.ini"] == ["used"]

    for i in range(dialog.videos.count()):
        dialog.videos.item(i).setCheckState(Qt.CheckState.Unchecked)
    dialog.folder.setText(str(tmp_path / "new"))
    dialog.start()
    assert dialog.status.text() == "Tick at least one label and one video." and not dialog.running

    dialog.videos.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.labels.item(0).setCheckState(Qt.CheckState.Unchecked)
    dialog.labels.item(1).setCheckState(Qt.CheckState.Unchecked)  # only squat, which room0 has: one clip
    dialog.split.setValue(1.0)
    with qtbot.waitSignal(dialog.exported, timeout=60000):
        dialog.start()
    assert "Exported 1 clip of 1 class (1 train, 0 val)" in dialog.status.text()


def test_esc_closes(qtbot, store, tmp_path):
    dialog = _dialog(qtbot, store, tmp_path / "set")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


# ---- split: remembered, warned about, offered ------------------------------------------------
def test_split_is_remembered_between_openings(qtbot, store, tmp_path):
    dialog = _dialog(qtbot, store, tmp_path / "set")
    dialog.split.setValue(0.6)
    dialog.split_by.setCurrentIndex(dialog.split_by.findData("person"))
    dialog.seed.setValue(5)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    again = _dialog(qtbot, store, tmp_path / "set")
    assert again.split.value() == pytest.approx(0.6)
    assert again.split_by.currentData() == "person" and again.seed.value() == 5


def test_default_folder_has_seconds_and_a_free_suffix(store, tmp_path, monkeypatch):
    from app.training import export_dialog

    first = export_dialog.default_set_folder(store)
    assert first.name.startswith("class-set-") and len(first.name.split("-")[-1]) == 6  # HHMMSS
    monkeypatch.setattr(export_dialog.time, "strftime", lambda fmt, *a: "20260101-120000")
    store_here = type("S", (), {"path": tmp_path / "class.epam"})()
    a = export_dialog.default_set_folder(store_here)
    a.mkdir()
    b = export_dialog.default_set_folder(store_here)
    b.mkdir()
    c = export_dialog.default_set_folder(store_here)
    assert (a.name, b.name, c.name) == ("class-set-20260101-120000", "class-set-20260101-120000-2",
                                        "class-set-20260101-120000-3")


def test_one_labelled_video_warns_and_offers_split_by_segment(qtbot, tmp_path):
    from core_model.project import ProjectStore

    project = make_project(tmp_path / "one", videos=1)
    with ProjectStore.open(project, read_only=True) as one:
        dialog = _dialog(qtbot, one, tmp_path / "set")
        assert dialog.split_by.currentData() == "video"
        assert dialog.split_warning.isVisible() and "no validation clip" in dialog.split_warning.text()
        assert dialog.by_segment.isVisible()
        qtbot.mouseClick(dialog.by_segment, Qt.MouseButton.LeftButton)
        assert dialog.split_by.currentData() == "random" and not dialog.by_segment.isVisible()
        text = dialog.split_warning.text()  # clap has two segments: one goes to validation; wave and squat one each
        assert "wave" in text and "squat" in text and "clap" not in text and "one segment" in text, text
        with qtbot.waitSignal(dialog.exported, timeout=60000):
            dialog.start()
        from core_model.export import load_set

        exported = load_set(tmp_path / "set")
        assert [r.label for r in exported.val] == ["clap"]


def test_idle_cancel_looks_disabled(qtbot, store, tmp_path):
    with dark_style():
        dialog = _dialog(qtbot, store, tmp_path / "set")
        assert not dialog.cancel_button.isEnabled()
        assert change_when_enabled(dialog.cancel_button) > 8, "a disabled button must not look like an enabled one"
