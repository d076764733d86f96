"""Wires Project ▸ Export fine-tuning set… and Project ▸ Fine-tune… into the main window.

The main window creates one ``TrainExportUI`` after its actions exist; it connects the ``export_set`` and
``finetune`` actions of the keymap to the dialogs and hands them the open project, the videos' poses, the
settings (a new model becomes ``settings.checkpoint``, saved at once), the job manager and a way to go to a
video's frame (the what-changed list).
"""
from __future__ import annotations

from typing import Callable, Dict, Mapping

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction


class TrainExportUI(QObject):
    """Project ▸ Export fine-tuning set… and Project ▸ Fine-tune…. Receives what it uses: the keymap's
    ``actions``, the ``project`` controller, the ``session``, ``playback`` (to show a frame), the ``jobs``,
    ``settings`` (a callable: the window replaces its settings object when they are edited) and
    ``save_settings``, ``show_message(text, ms)`` for the status bar, the ``review`` controller (its results
    feed the fine-tune dialog; may be None) and the ``parent`` its dialogs belong to."""

    def __init__(self, *, actions: Mapping[str, QAction], project, session, playback, jobs,
                 settings: Callable[[], object], save_settings: Callable[[object], None],
                 show_message: Callable[[str, int], None], review=None, parent=None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.project, self.session, self.playback, self.jobs = project, session, playback, jobs
        self._settings, self._save_settings, self._show_message = settings, save_settings, show_message
        self.review = review
        self.export_dialog = None
        self.finetune_dialog = None
        if "export_set" in actions:
            actions["export_set"].triggered.connect(self.open_export)
        if "finetune" in actions:
            actions["finetune"].triggered.connect(self.open_finetune)

    def _poses(self) -> Dict[int, object]:
        return {e.project_id: e.poses for e in self.session.entries
                if e.project_id is not None and e.poses is not None}

    def _store(self, what: str):
        store = self.project.store
        if store is None:
            self._show_message(f"Open or create a project to {what} (File ▸ Open project…).", 8000)
        return store

    def open_export(self) -> None:
        from app.training.export_dialog import ExportDialog

        store = self._store("export its labels")
        if store is None:
            return
        self.export_dialog = ExportDialog(store, self._poses(), self._parent)
        self._show(self.export_dialog)

    def open_finetune(self) -> None:
        from app.training.finetune_dialog import FinetuneDialog

        if self.finetune_dialog is not None and self.finetune_dialog.isVisible():
            self._show(self.finetune_dialog)  # one run at a time: bring the open one forward
            return
        results = self.review.results if self.review is not None else None
        self.finetune_dialog = FinetuneDialog(self.project.store, self._settings(), jobs=self.jobs,
                                              session=self.session, results=results, use_model=self.use_model,
                                              seek=self.go_to, parent=self._parent)
        self._show(self.finetune_dialog)

    @staticmethod
    def _show(dialog) -> None:
        """Show a dialog with the keyboard focus (Esc reaches it even without a window manager)."""
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def use_model(self, checkpoint: str) -> None:
        """Make ``checkpoint`` the app's model (saved with the settings)."""
        settings = self._settings()
        settings.checkpoint = checkpoint
        self._save_settings(settings)
        self._show_message(f"Model in use: {checkpoint}", 8000)

    def go_to(self, video_id: int, frame: int) -> None:
        """Show ``frame`` of the project video ``video_id`` (opening it if needed)."""
        entry = next((e for e in self.session.entries if e.project_id == video_id), None)
        if entry is None:
            return
        if entry is not self.session.current:
            self.session.set_current(entry)
        if entry.is_open:
            self.playback.pause()
            self.playback.seek(int(frame))
