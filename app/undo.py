"""The app's undo stack: thin ``QUndoCommand``s over the core's ``History`` (which applies the edits).

``ProjectUndo.do(edit)`` applies the edit through ``History.do`` first (so a refused edit raises and
never reaches the stack), then pushes a command whose first ``redo`` is a no-op. Later undo/redo
calls go to ``History.undo``/``History.redo``: the two stacks move in lockstep, and the core stays
the one place where edits are applied and reverted (each in one transaction).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

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


class EditCommand(QUndoCommand):
    """One core edit on the Qt stack."""

    def __init__(self, owner: "ProjectUndo", edit) -> None:
        super().__init__(edit.description)
        self.owner = owner
        self.edit = edit
        self._fresh = True  # pushed right after History.do: the first redo() must not apply again

    def redo(self) -> None:
        if self._fresh:
            self._fresh = False
            return
        self.owner._run(self.owner.history.redo, "Redo")

    def undo(self) -> None:
        self.owner._run(self.owner.history.undo, "Undo")


class ProjectUndo(QObject):
    """History + QUndoStack for one open project. ``failed(str)`` carries a one-sentence reason."""

    failed = Signal(str)

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.history = History(store)
        self.stack = QUndoStack(self)

    def do(self, edit):
        """Apply ``edit`` (raises ``EpamError`` when refused; nothing is pushed then) and push it."""
        self.history.do(edit)
        self.stack.push(EditCommand(self, edit))
        return edit

    def videos_of_next(self, redo: bool = False) -> set:
        """Project video ids the next undo (or redo) changes (empty: none, or not known)."""
        index = self.stack.index() if redo else self.stack.index() - 1
        command = self.stack.command(index) if 0 <= index < self.stack.count() else None
        return edit_videos(command.edit) if isinstance(command, EditCommand) else set()

    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def _run(self, step, what: str) -> None:
        try:
            step()
        except EpamError as err:
            # the database refused (changed behind our back): both stacks are dropped rather than diverging
            self.failed.emit(f"{what} failed: {err}")
            QTimer.singleShot(0, self.clear)

    def clear(self) -> None:
        self.stack.clear()
        self.history.clear()
