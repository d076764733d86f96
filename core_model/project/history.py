"""Unlimited undo/redo over edits: the one undo stack of an open project.

``History`` applies and reverts every edit (segment, track and label-set edits alike), each in one
transaction. The app's undo object (``app/labeling/undo.py``) is only a Qt view of it: it forwards ``do`` /
``undo`` / ``redo`` here and turns :meth:`History.on_change` into signals; it keeps no list of its own.

An edit the store refuses (on ``do``, ``undo`` or ``redo``) raises and leaves both lists as they were:
nothing is dropped silently, and the caller says why.
"""
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

    def on_change(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` whenever the undo/redo state changes; returns a function that stops that."""
        self._listeners.append(fn)

        def remove() -> None:
            if fn in self._listeners:
                self._listeners.remove(fn)
        return remove

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()

    def do(self, edit: Edit) -> Edit:
        """Apply ``edit`` (one transaction) and make it the next undo step; clears the redo list.

        A refused edit raises and changes neither list."""
        edit.apply(self.store)
        self._undo.append(edit)
        self._redo.clear()
        self._changed()
        return edit

    def undo(self) -> Optional[Edit]:
        """Revert the last edit; a refused revert raises and leaves it the next undo step."""
        if not self._undo:
            return None
        edit = self._undo[-1]
        edit.revert(self.store)
        self._redo.append(self._undo.pop())
        self._changed()
        return edit

    def redo(self) -> Optional[Edit]:
        """Apply the edit undone last again; a refused apply raises and leaves it the next redo step."""
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
    def next_undo(self) -> Optional[Edit]:
        """The edit :meth:`undo` would revert (None: nothing to undo)."""
        return self._undo[-1] if self._undo else None

    @property
    def next_redo(self) -> Optional[Edit]:
        """The edit :meth:`redo` would apply again (None: nothing to redo)."""
        return self._redo[-1] if self._redo else None

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
