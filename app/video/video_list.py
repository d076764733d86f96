"""The list of open videos with their status (poses extracted, analyzed, labels); follows the Session.

In a project it also shows each video's coders, offers assigning videos to coders in its context menu
(``assignRequested(video ids, coder, assign)``) and can show only the videos assigned to the coder
(``set_only_mine``)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QListWidget, QListWidgetItem, QMenu

from app.common.state import Session, VideoEntry
from app.common.lifetime import tie


class VideoListWidget(QListWidget):
    """Shows ``session.entries``; choosing a row makes it the current video."""

    assignRequested = Signal(list, str, bool)  # project video ids, coder, True = assign / False = take back

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self._coders: Dict[int, List[str]] = {}  # project video id -> its coders
        self._me: Optional[str] = None  # the coder of this install (None: no project)
        self._only_mine = False
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.setObjectName("videoList")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlternatingRowColors(False)
        self._session = session
        self._items: Dict[int, QListWidgetItem] = {}
        tie(session.added, self, self._on_added)
        tie(session.changed, self, self._on_changed)
        tie(session.removed, self, self._on_removed)
        tie(session.current_changed, self, self._on_current)
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
        coders = self._coders.get(entry.project_id, []) if entry.project_id is not None else []
        item.setText(f"{entry.name}\n{entry.status_text()}" + (f"\ncoders: {', '.join(coders)}" if coders else ""))
        item.setHidden(self._only_mine and self._me not in coders)
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

    # ---- coders -----------------------------------------------------------------------------
    def set_coders(self, assigned: Dict[int, List[str]], me: Optional[str]) -> None:
        """Each project video's coders (``{video id: [coders]}``) and the coder of this install (None: no project)."""
        self._coders, self._me = {int(k): list(v) for k, v in assigned.items()}, me
        if me is None:
            self._only_mine = False
        self._refresh_all()

    def set_only_mine(self, on: bool) -> None:
        """Show only the videos assigned to this install's coder."""
        self._only_mine = bool(on) and self._me is not None
        self._refresh_all()

    @property
    def only_mine(self) -> bool:
        return self._only_mine

    def shown_entries(self) -> list:
        return [self.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.count()) if not self.item(r).isHidden()]

    def _refresh_all(self) -> None:
        for r in range(self.count()):
            self._on_changed(self.item(r).data(Qt.ItemDataRole.UserRole))

    def _selected_ids(self) -> List[int]:
        items = self.selectedItems() or ([self.currentItem()] if self.currentItem() is not None else [])
        entries = [i.data(Qt.ItemDataRole.UserRole) for i in items]
        return [e.project_id for e in entries if e.project_id is not None]

    def context_actions(self, ids: Sequence[int]) -> List[tuple]:
        """(text, video ids, coder or None = ask, assign) of the context menu for the videos ``ids``."""
        if self._me is None or not ids:
            return []
        have = {c for v in ids for c in self._coders.get(v, [])}
        known = sorted({c for cs in self._coders.values() for c in cs} | {self._me}, key=str.lower)
        out = [(f"Assign to me ({self._me})", list(ids), self._me, True)]
        out.append(("Assign to coder…", list(ids), None, True))
        out += [(f"Take from {c}", list(ids), c, False) for c in known if c in have]
        return out

    def _context_menu(self, pos) -> None:
        item = self.itemAt(pos)
        entry = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        ids = [entry.project_id] if entry is not None and entry.project_id is not None else self._selected_ids()
        actions = self.context_actions(ids)
        if not actions:
            return
        menu = QMenu(self)
        for text, ids, coder, assign in actions:
            menu.addAction(text).triggered.connect(
                lambda _=False, i=ids, c=coder, a=assign: self._request(i, c, a))
        menu.exec(self.viewport().mapToGlobal(pos))

    def _request(self, ids: List[int], coder: Optional[str], assign: bool) -> None:
        if coder is None:
            coder, ok = QInputDialog.getText(self, "Assign to coder", "Coder name:")
            if not ok or not coder.strip():
                return
        self.assignRequested.emit(list(ids), coder.strip(), assign)
