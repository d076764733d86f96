"""The *What changed* dialog: the project's videos analyzed again with a new model.

The comparison itself is Qt-free, in :mod:`core_model.review.compare` (``compare_results(store, before, after)``
-> ``WhatChanged``; re-exported here for the dialog's callers). :class:`WhatChangedDialog` shows the agreement
with the human labels before and after and the segments that changed class; double-clicking a change goes there.
"""
from __future__ import annotations

from typing import Callable, List, Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from core_model.review.compare import (NO_CLASS, NOT_ANALYZED, ClassChange, FixedResults, WhatChanged,  # noqa: F401
                                       agreement_rows, change_rows, changed_spans, compare_results)


def _table(headers: List[str], stretch: int = 0) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: List[List[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class WhatChangedDialog(QDialog):
    """Agreement before/after and the segments that changed class. ``seek(video_id, frame)`` on double-click."""

    def __init__(self, what: WhatChanged, parent=None, seek: Optional[Callable[[int, int], None]] = None) -> None:
        super().__init__(parent)
        self.setObjectName("whatChangedDialog")
        self.setWindowTitle("What changed")
        self.what, self._seek = what, seek
        self.resize(820, 560)
        layout = QVBoxLayout(self)
        head = QLabel(f"{what.videos} video{'s' if what.videos != 1 else ''} analyzed again. Model before: "
                      f"<b>{what.model_before}</b> → now: <b>{what.model_after}</b>.")
        head.setWordWrap(True)
        layout.addWidget(head)

        if what.after is None and what.before is None:
            layout.addWidget(QLabel("No human labels to compare with (label some segments, then analyze again)."))
        self.agreement = _table(["agreement with the human labels", "before", "after", "change"])
        self.agreement.setObjectName("agreementTable")
        rows = agreement_rows(what)
        _fill(self.agreement, rows)
        self.agreement.resizeRowsToContents()
        shown = sum(self.agreement.rowHeight(r) for r in range(min(len(rows), 7)))
        self.agreement.setFixedHeight(self.agreement.horizontalHeader().sizeHint().height() + shown
                                      + 2 * self.agreement.frameWidth() + 2)
        layout.addWidget(self.agreement)

        n = len(what.changes)
        title = QLabel(f"<b>{n} segment{'s' if n != 1 else ''} changed class</b> ({what.frames_changed} frames)"
                       + (" — double-click one to go there." if n else "."))
        layout.addWidget(title)
        self.changes = _table(["video", "person", "from", "to", "before", "after"], stretch=5)
        self.changes.setObjectName("changesTable")
        _fill(self.changes, change_rows(what))
        for r in range(n):
            for c in (0, 4, 5):
                self.changes.item(r, c).setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.changes.cellDoubleClicked.connect(self._go)
        layout.addWidget(self.changes, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _go(self, row: int, _column: int) -> None:
        if self._seek is not None and 0 <= row < len(self.what.changes):
            change = self.what.changes[row]
            self._seek(change.video_id, change.start_frame)
