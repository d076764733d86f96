"""A read-only table model over plain rows (text per cell, a sort value per cell), made for tens of thousands.

API: ``RowsModel(columns, formats=None, right_from=1)``; ``set_rows([values, ...])``: a tuple of values per row,
shown through ``formats`` (one callable per column, ``str`` by default; applied only to the rows on screen) and
sorted by value; ``text(row, column)``. Columns from ``right_from`` on are right-aligned.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

Row = Sequence


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[str], formats: Optional[Sequence[Callable]] = None, right_from: int = 1,
                 parent=None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.formats = list(formats) if formats is not None else [str] * len(self.columns)
        self.right_from = right_from
        self.rows: List[Row] = []
        self._sort = None  # (column, order) last asked for

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def text(self, row: int, column: int) -> str:
        return self.formats[column](self.rows[row][column])

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= self.right_from:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._sort_rows(column, order)
        self.layoutChanged.emit()

    def _sort_rows(self, column, order) -> None:
        self.rows.sort(key=lambda r: r[column], reverse=order == Qt.SortOrder.DescendingOrder)
