"""F1: a table of the keyboard shortcuts, built from the window's actions."""
from __future__ import annotations

from typing import Iterable, Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, description) for every action that has a shortcut."""
    rows = []
    for action in actions:
        keys = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
        if keys:
            rows.append((" / ".join(keys), action.statusTip() or action.text().replace("&", "")))
    return rows


class ShortcutsDialog(QDialog):
    """The keymap: ``extra_rows`` (keys, description) first, then every action with a shortcut."""

    def __init__(self, actions: Iterable[QAction], parent=None, extra_rows: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        rows = list(extra_rows) + shortcut_rows(actions)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        for r, (keys, text) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.table.setWordWrap(False)
        for r in range(len(rows)):
            self.table.item(r, 1).setToolTip(rows[r][1])
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        wanted = 26 * len(rows) + self.table.horizontalHeader().sizeHint().height() + 70
        self.resize(760, max(320, min(wanted, 680)))  # fits a 720-px screen; the list scrolls beyond  # the whole list without scrolling where the screen allows
