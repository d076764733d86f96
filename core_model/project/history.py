"""Unlimited undo/redo over edits (the app's QUndoStack can wrap this or the edits directly)."""
from __future__ import annotations

from typing import Callable, List, Optional

from .edits import Edit


class History:
    """Undo and redo lists of applied edits for one store and one session."""

    def __init__(self, store) -> None:
        self.store = store
        self._undo: List[Edit] = []
        self._redo: List[Edit] = []
        self._listeners: List[Callable[[], None]] = []

    def on_change(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` whenever the undo/redo state changes."""
        self._listeners.append(fn)

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()

    def do(self, edit: Edit) -> Edit:
        """Apply ``edit`` (one transaction) and make it the next undo step; clears the redo list."""
        edit.apply(self.store)
        self._undo.append(edit)
        self._redo.clear()
        self._changed()
        return edit

    def undo(self) -> Optional[Edit]:
        if not self._undo:
            return None
        edit = self._undo[-1]
        edit.revert(self.store)
        self._redo.append(self._undo.pop())
        self._changed()
        return edit

    def redo(self) -> Optional[Edit]:
        if not self._redo:
            return None
        edit = self._redo[-1]
        edit.apply(self.store)
        self._undo.append(self._redo.pop())
        self._changed()
        return edit

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._changed()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_text(self) -> str:
        return self._undo[-1].description if self._undo else ""

    @property
    def redo_text(self) -> str:
        return self._redo[-1].description if self._redo else ""

    @property
    def undo_count(self) -> int:
        return len(self._undo)

    @property
    def redo_count(self) -> int:
        return len(self._redo)
