"""Wires Project ▸ Export fine-tuning set… and Project ▸ Fine-tune… into the main window.

The main window creates one ``TrainExportUI`` after its actions exist; it connects the ``export_set`` and
``finetune`` actions of the keymap to the dialogs and hands them the open project, the videos' poses, the
settings (a new model becomes ``settings.checkpoint``, saved at once), the job manager and a way to go to a
video's frame (the what-changed list).
"""
from __future__ import annotations

from typing import Dict

from PySide6.QtCore import QObject


class TrainExportUI(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.export_dialog = None
        self.finetune_dialog = None
        actions = getattr(window, "actions", {})
        if "export_set" in actions:
            actions["export_set"].triggered.connect(self.open_export)
        if "finetune" in actions:
            actions["finetune"].triggered.connect(self.open_finetune)

    def _poses(self) -> Dict[int, object]:
        return {e.project_id: e.poses for e in self.w.session.entries
                if e.project_id is not None and e.poses is not None}

    def _store(self, what: str):
        store = self.w.project.store
        if store is None:
            self.w.status.showMessage(f"Open or create a project to {what} (File ▸ Open project…).", 8000)
        return store

    def open_export(self) -> None:
        from app.training.export_dialog import ExportDialog

        store = self._store("export its labels")
        if store is None:
            return
        self.export_dialog = ExportDialog(store, self._poses(), self.w)
        self._show(self.export_dialog)

    def open_finetune(self) -> None:
        from app.training.finetune_dialog import FinetuneDialog

        if self.finetune_dialog is not None and self.finetune_dialog.isVisible():
            self._show(self.finetune_dialog)  # one run at a time: bring the open one forward
            return
        review = getattr(self.w, "review_ui", None)
        results = review.controller.results if review is not None else None
        self.finetune_dialog = FinetuneDialog(self.w.project.store, self.w.settings, jobs=self.w.jobs,
                                              session=self.w.session, results=results, use_model=self.use_model,
                                              seek=self.go_to, parent=self.w)
        self._show(self.finetune_dialog)

    @staticmethod
    def _show(dialog) -> None:
        """Show a dialog with the keyboard focus (Esc reaches it even without a window manager)."""
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def use_model(self, checkpoint: str) -> None:
        """Make ``checkpoint`` the app's model (saved with the settings)."""
        self.w.settings.checkpoint = checkpoint
        self.w.store.save(self.w.settings)
        self.w.status.showMessage(f"Model in use: {checkpoint}", 8000)

    def go_to(self, video_id: int, frame: int) -> None:
        """Show ``frame`` of the project video ``video_id`` (opening it if needed)."""
        entry = next((e for e in self.w.session.entries if e.project_id == video_id), None)
        if entry is None:
            return
        if entry is not self.w.session.current:
            self.w.session.set_current(entry)
        if entry.is_open:
            self.w.playback.pause()
            self.w.playback.seek(int(frame))
