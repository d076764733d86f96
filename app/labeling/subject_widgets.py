"""The widgets of subjects in the studio (no project logic: ``app/labeling/subjects_panel.py`` wires them).

- :class:`AssignSubjectDialog` — "Assign to subject…": a searchable list of the subjects (type to filter, Enter
  assigns the one shown first) and "New subject" (the typed name).
- :class:`SubjectsPanel` — the Subjects dock: every subject with its colour, tracks and videos; add, rename,
  recolour, delete (asked through signals).
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QInputDialog,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)


def swatch(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


class AssignSubjectDialog(QDialog):
    """Pick a subject for a track, or name a new one. ``chosen`` (subject id) or ``new_name`` after it is accepted."""

    def __init__(self, subjects, track: int, current: Optional[str] = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("assignSubjectDialog")
        self.setWindowTitle(f"Assign track {track} to a subject")
        self.chosen: Optional[int] = None
        self.new_name: Optional[str] = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type a name to find a subject, or a new name")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        for s in subjects:
            item = QListWidgetItem(swatch(s.color), s.name)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            self.list.addItem(item)
        note = QLabel(f"Track {track} is now {current}." if current else
                      "A subject is a person followed across videos: their labels, statistics and exports can be "
                      "taken together.")
        note.setWordWrap(True)
        self.new_button = QPushButton("New subject")
        self.new_button.setObjectName("newSubjectButton")
        self.new_button.clicked.connect(self._new)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.assign_button = buttons.addButton("Assign", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._assign)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._assign)
        self.list.itemDoubleClicked.connect(lambda _i: self._assign())
        self._filter("")
        self.resize(340, 380)

    def visible_names(self) -> list:
        return [self.list.item(i).text() for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def _filter(self, text: str) -> None:
        folded = text.strip().casefold()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(folded) and folded not in item.text().casefold())
            if first is None and not item.isHidden():
                first = item
        exact = any(self.list.item(i).text().casefold() == folded for i in range(self.list.count()))
        self.list.setCurrentItem(first)
        self.new_button.setText(f"New subject '{text.strip()}'" if folded and not exact else "New subject…")
        self.assign_button.setEnabled(first is not None)

    def _assign(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            if self.search.text().strip():
                self._new()
            return
        self.chosen = int(item.data(Qt.ItemDataRole.UserRole))
        self.accept()

    def _new(self) -> None:
        name = self.search.text().strip()
        if not name:
            name, ok = QInputDialog.getText(self, "New subject", "Name of the new subject:")
            if not ok or not name.strip():
                return
        self.new_name = name.strip()
        self.accept()


class SubjectsPanel(QWidget):
    """The Subjects dock: a table (colour and name, tracks, videos) and Add / Rename / Colour / Delete."""

    addRequested = Signal()
    renameRequested = Signal(int)
    recolorRequested = Signal(int)
    deleteRequested = Signal(int)
    shown = Signal()  # the panel became visible (its table is filled only then)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("subjectsPanel")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(("Subject", "Tracks", "Videos"))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()  # fixed widths: measuring every row on each fill is slow
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, self.fontMetrics().horizontalAdvance("Videos") + 24)
        self._key = None  # what the table shows (not filled again when unchanged)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.add_button = QPushButton("Add…")
        self.rename_button = QPushButton("Rename…")
        self.color_button = QPushButton("Colour…")
        self.delete_button = QPushButton("Delete")
        self.click_button = QPushButton("Assign by click")
        self.click_button.setObjectName("assignByClickButton")
        self.click_button.setCheckable(True)
        self.click_button.setToolTip("On: one click on a skeleton in the video assigns it to the subject selected "
                                     "here (through every video; click again to stop)")
        self.click_button.setStyleSheet("QPushButton:checked { background: #3d6fa8; color: white; "
                                        "font-weight: bold; border: 1px solid #7fb0ea; }")
        self.click_button.toggled.connect(lambda _on: self._click_text())
        self.add_button.clicked.connect(self.addRequested)
        self.rename_button.clicked.connect(lambda: self._ask(self.renameRequested))
        self.color_button.clicked.connect(lambda: self._ask(self.recolorRequested))
        self.delete_button.clicked.connect(lambda: self._ask(self.deleteRequested))
        buttons = QHBoxLayout()
        for b in (self.add_button, self.rename_button, self.color_button, self.delete_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.click_button)
        layout.addWidget(self.note)
        self._writable = False
        self.set_subjects([], {}, writable=False, reason="Open or create a project to name subjects.")

    def set_subjects(self, subjects, counts: Dict[int, Tuple[int, int]], writable: bool, reason: str = "") -> None:
        """Every subject with ``counts`` (``{id: (tracks, videos)}``); buttons enabled when ``writable``."""
        key = (tuple(subjects), tuple(sorted(counts.items())), bool(writable), reason)
        if key == self._key:
            return
        self._key = key
        chosen = self.selected_id()
        self._writable = writable
        self.table.setRowCount(len(subjects))
        for row, s in enumerate(subjects):
            name = QTableWidgetItem(swatch(s.color), s.name)
            name.setData(Qt.ItemDataRole.UserRole, s.id)
            tracks, videos = counts.get(s.id, (0, 0))
            self.table.setItem(row, 0, name)
            for col, value in ((1, tracks), (2, videos)):
                cell = QTableWidgetItem(str(value))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)
            if s.id == chosen:
                self.table.selectRow(row)
        self.note.setText(reason or ("" if subjects else "No subjects yet: Add…, or right-click a skeleton ▸ "
                                                         "Assign to subject."))
        self._update_buttons()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.shown.emit()

    def selected_id(self) -> Optional[int]:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if not rows:
            return None
        item = self.table.item(min(rows), 0)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _ask(self, signal) -> None:
        chosen = self.selected_id()
        if chosen is not None:
            signal.emit(chosen)

    def _update_buttons(self) -> None:
        some = self.selected_id() is not None
        self.add_button.setEnabled(self._writable)
        for b in (self.rename_button, self.color_button, self.delete_button, self.click_button):
            b.setEnabled(self._writable and some)
        if not (self._writable and some):
            self.click_button.setChecked(False)
        self._click_text()

    def _click_text(self) -> None:
        item = self.table.item(self.table.currentRow(), 0) if self.selected_id() is not None else None
        on = self.click_button.isChecked() and item is not None
        self.click_button.setText(f"A click assigns {item.text()} (stop)" if on
                                  else "Assign by click")

    def click_subject(self) -> Optional[int]:
        """The subject a click on a skeleton assigns ("Assign by click" on), or None."""
        return self.selected_id() if self.click_button.isChecked() else None

    def select_subject(self, subject_id: int) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and int(item.data(Qt.ItemDataRole.UserRole)) == int(subject_id):
                self.table.selectRow(row)
