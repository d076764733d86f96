"""The app's undo object: a Qt *view* of the core's ``History``, the one undo stack of the open project.

``History`` (``core_model/project/history.py``) applies, reverts and lists every edit (segment, track and
label-set edits), each in one transaction. ``ProjectUndo`` keeps no list of its own: ``do`` / ``undo`` /
``redo`` go straight to the History, and its ``on_change`` drives the signals the window shows
(``canUndoChanged`` / ``canRedoChanged`` / ``undoTextChanged`` / ``redoTextChanged``: the Edit menu's
enabled state and texts). An undo or redo the database refuses is said in one sentence (``failed``) and
drops nothing: the step stays where it was.
"""
from __future__ import annotations

import sqlite3
from typing import Optional

from PySide6.QtCore import QObject, Signal

from core_model.errors import EpamError
from core_model.project import History


def edit_videos(edit) -> set:
    """The project videos an applied edit changed: its own ``video_id``, else those of the rows it wrote or
    removed (sub-edits of a compound too)."""
    if getattr(edit, "video_id", None):
        return {int(edit.video_id)}
    found = set()
    for sub in getattr(edit, "edits", None) or ():
        found |= edit_videos(sub)
    for rows in getattr(edit, "_diff", None) or ():
        found |= {int(r.video_id) for r in rows if getattr(r, "video_id", None) is not None}
    return found


class ProjectUndo(QObject):
    """A Qt view of one project's ``History``. ``failed(str)`` carries a one-sentence reason."""

    failed = Signal(str)
    changed = Signal()  # anything below changed
    canUndoChanged = Signal(bool)
    canRedoChanged = Signal(bool)
    undoTextChanged = Signal(str)
    redoTextChanged = Signal(str)

    def __init__(self, store, parent=None, history: Optional[History] = None) -> None:
        super().__init__(parent)
        self.history = history if history is not None else History(store)
        self._shown = self._state()
        self._stop = self.history.on_change(self._on_history)

    # ---- what the window shows (read from the History, never stored apart) ----------------------
    can_undo = property(lambda self: self.history.can_undo)
    can_redo = property(lambda self: self.history.can_redo)
    undo_text = property(lambda self: self.history.undo_text)
    redo_text = property(lambda self: self.history.redo_text)

    def _state(self) -> tuple:
        h = self.history
        return h.can_undo, h.can_redo, h.undo_text, h.redo_text

    def _on_history(self) -> None:
        old, new = self._shown, self._state()
        self._shown = new
        for signal, before, now in zip((self.canUndoChanged, self.canRedoChanged, self.undoTextChanged,
                                        self.redoTextChanged), old, new):
            if before != now:
                signal.emit(now)
        self.changed.emit()

    # ---- commands (forwarded to the History) ----------------------------------------------------
    def do(self, edit):
        """Apply ``edit`` as the next undo step (raises ``EpamError`` when refused; nothing changes then)."""
        return self.history.do(edit)

    def videos_of_next(self, redo: bool = False) -> set:
        """Project video ids the next undo (or redo) changes (empty: none, or not known)."""
        edit = self.history.next_redo if redo else self.history.next_undo
        return edit_videos(edit) if edit is not None else set()

    def undo(self) -> bool:
        return self._run(self.history.undo, "Undo", self.history.undo_text)

    def redo(self) -> bool:
        return self._run(self.history.redo, "Redo", self.history.redo_text)

    def _run(self, step, what: str, text: str) -> bool:
        try:
            step()
        except (EpamError, sqlite3.Error) as err:
            # the History keeps the step (nothing was written): said, never dropped silently
            self.failed.emit(f"{what} of '{text}' did not happen: {err}")
            return False
        return True

    def clear(self) -> None:
        self.history.clear()

    def detach(self) -> None:
        """Stop following the History (the project is closing)."""
        self._stop()
