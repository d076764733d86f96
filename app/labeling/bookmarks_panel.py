"""The Bookmarks dock: the current video's bookmarks (time, comment), add / edit / delete, double-click to go there.

It shows what ``CodingUI`` hands it and emits what the user asks; the edits are the project's undoable
bookmark edits (``core_model/project/bookmarks.py``).
"""
from __future__ import annotations

from typing import Callable, List, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QToolButton, QVBoxLayout, QWidget

from core_model.formatting import format_time


class BookmarksPanel(QWidget):
    """``addRequested()``, ``editRequested(id)``, ``deleteRequested(ids)``, ``jumpRequested(frame)``."""

    addRequested = Signal()
    editRequested = Signal(int)
    deleteRequested = Signal(list)
    jumpRequested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("bookmarksPanel")
        self.list = QListWidget()
        self.list.setObjectName("bookmarksList")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._jump)
        self.list.itemDoubleClicked.connect(self._jump)
        self.empty = QLabel("No bookmarks in this video. Ctrl+B marks the playhead (with a comment).")
        self.empty.setWordWrap(True)
        self.empty.setObjectName("bookmarksEmpty")
        self.add_button = QToolButton(text="Add…")
        self.edit_button = QToolButton(text="Edit…")
        self.delete_button = QToolButton(text="Delete")
        for b, tip in ((self.add_button, "Bookmark the playhead with a comment (Ctrl+B)"),
                       (self.edit_button, "Change the comment of the selected bookmark"),
                       (self.delete_button, "Delete the selected bookmarks (undo: Ctrl+Z)")):
            b.setToolTip(tip)
        self.add_button.clicked.connect(self.addRequested)
        self.edit_button.clicked.connect(self._edit)
        self.delete_button.clicked.connect(self._delete)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.set_bookmarks([], lambda f: 0.0)

    def set_bookmarks(self, bookmarks: Sequence, time_of: Callable[[int], float], enabled: bool = True) -> None:
        """Show ``bookmarks`` (records with id, frame, comment, author); ``time_of(frame)`` gives seconds."""
        selected = set(self.selected_ids())
        self.list.clear()
        for b in bookmarks:
            clock = format_time(time_of(b.frame), 1, hours=False)
            item = QListWidgetItem(f"{clock}   {b.comment or '(no comment)'}")
            item.setData(Qt.ItemDataRole.UserRole, (int(b.id), int(b.frame)))
            who = f", by {b.author}" if b.author else ""
            item.setToolTip(f"frame {b.frame}{who} — double-click to go there")
            self.list.addItem(item)
            item.setSelected(int(b.id) in selected)
        self.empty.setVisible(not bookmarks)
        self.add_button.setEnabled(enabled)
        self._enabled = enabled
        self._update_buttons()

    def selected_ids(self) -> List[int]:
        return [item.data(Qt.ItemDataRole.UserRole)[0] for item in self.list.selectedItems()]

    def _update_buttons(self) -> None:
        n = len(self.list.selectedItems())
        self.edit_button.setEnabled(self._enabled and n == 1)
        self.delete_button.setEnabled(self._enabled and n > 0)

    def _jump(self, item: QListWidgetItem) -> None:
        self.jumpRequested.emit(item.data(Qt.ItemDataRole.UserRole)[1])

    def _edit(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.editRequested.emit(ids[0])

    def _delete(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.deleteRequested.emit(ids)
