"""The export dialog with named subjects: a Subjects list (shown only when the project has subjects); unticking
one exports the other subjects' labels only, from every video (real project, real videos, pose-only set)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core_model.project import ProjectStore

from ..core_model.test_export_project import make_project


def test_export_one_subject_from_the_dialog(qtbot, tmp_path):
    from app.main import prepare_qt_environment
    from app.training.export_dialog import ExportDialog
    from core_model.export import load_set

    path = make_project(tmp_path / "p", videos=2)
    prepare_qt_environment()  # cv2 was imported: undo its Qt plugin path
    with ProjectStore.open(path) as store:
        v0, v1 = (v.id for v in store.videos())
        anna, ben = store.add_subject("Anna").id, store.add_subject("Ben").id
        store.assign_track(v0, 0, anna)
        store.assign_track(v1, 1, anna)
        store.assign_track(v0, 1, ben)
    with ProjectStore.open(path, read_only=True) as store:
        dialog = ExportDialog(store, parent=None, folder=tmp_path / "set")
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.subjects.isVisible() and dialog.subjects.count() == 2
        assert dialog.subjects.item(0).text() == "Anna (2 tracks)"
        assert dialog.width() <= 1280 and dialog.height() <= 720
        dialog.subjects.item(1).setCheckState(Qt.CheckState.Unchecked)  # Ben left out: Anna only
        dialog.pose_only.setChecked(True)
        assert dialog.options().subjects == ["Anna"]
        with qtbot.waitSignal(dialog.exported, timeout=60000):
            qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        rows = load_set(tmp_path / "set").rows
        assert sorted({(r.video, r.person) for r in rows}) == [("clip0.mp4", 0), ("clip1.mp4", 1)]
        dialog.close()
