"""The list of open videos with their status (poses extracted, analyzed, labels); follows the Session."""
from __future__ import annotations

from typing import Dict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from app.common.state import Session, VideoEntry


class VideoListWidget(QListWidget):
    """Shows ``session.entries``; choosing a row makes it the current video."""

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("videoList")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlternatingRowColors(False)
        self._session = session
        self._items: Dict[int, QListWidgetItem] = {}
        session.added.connect(self._on_added)
        session.changed.connect(self._on_changed)
        session.removed.connect(self._on_removed)
        session.current_changed.connect(self._on_current)
        self.currentItemChanged.connect(self._on_row_changed)
        for entry in session.entries:
            self._on_added(entry)

    def item_for(self, entry: VideoEntry) -> QListWidgetItem:
        return self._items[id(entry)]

    def _on_added(self, entry: VideoEntry) -> None:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, entry)
        self._items[id(entry)] = item
        self.addItem(item)
        self._on_changed(entry)

    def _on_changed(self, entry: VideoEntry) -> None:
        item = self._items.get(id(entry))
        if item is None:
            return
        item.setText(f"{entry.name}\n{entry.status_text()}")
        info = f"{entry.path}"
        if entry.frame_count:
            info += f"\n{entry.width}×{entry.height}, {entry.frame_count} frames, {entry.fps:.3g} fps"
        if entry.poses is not None:
            from app.labeling.person_list import settings_text

            info += f"\n{settings_text(entry.poses) or 'Poses without recorded extraction settings.'}"
        if entry.warning:
            info += f"\n{entry.warning}"
        item.setToolTip(info)
        item.setForeground(Qt.GlobalColor.red if entry.error else self.palette().text().color())

    def _on_removed(self, entry: VideoEntry) -> None:
        item = self._items.pop(id(entry), None)
        if item is not None:
            self.takeItem(self.row(item))

    def _on_current(self, entry) -> None:
        item = self._items.get(id(entry)) if entry is not None else None
        if item is not None and self.currentItem() is not item:
            self.setCurrentItem(item)

    def _on_row_changed(self, current, _previous) -> None:
        if current is not None:
            self._session.set_current(current.data(Qt.ItemDataRole.UserRole))
