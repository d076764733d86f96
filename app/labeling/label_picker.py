"""The label picker: a keyboard-driven popup to choose a label (and its modifier) by typing.

Ctrl+K opens it over the video: type part of a name, a category or a key (``core_model.project.scheme.
search_labels``), ↑ / ↓ / PgUp / PgDn move, Enter chooses, Esc closes. Each row shows the label's key, colour,
name, category and kind (◆ a point event, ■ a state; "…": it has modifiers). A label with modifiers goes on to its modifiers: the list
of values (type to filter; with free text allowed, what is typed can be used as it is), "(no modifier)" first.
A label key of such a label opens the picker on its modifiers directly.

API: ``LabelPicker(parent)``; ``open_labels(labels, categories=())``, ``open_modifiers(label)``; signal
``picked(label_id, modifier)`` ('' = none); ``rows()`` the texts listed (tests); ``search`` / ``list``.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from core_model.project.scheme import label_modifiers, search_labels

NONE_TEXT = "(no modifier)"
ROLE_LABEL, ROLE_MODIFIER = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


def point_swatch(color: str, size: int = 12) -> QIcon:
    """A diamond: the swatch of a point event's label."""
    pix = QPixmap(size, size)
    pix.fill(QColor(0, 0, 0, 0))
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setBrush(QColor(color))
    p.setPen(QColor(0, 0, 0, 160))
    h = size / 2
    p.drawPolygon(QPolygonF([QPointF(h, 0.5), QPointF(size - 0.5, h), QPointF(h, size - 0.5), QPointF(0.5, h)]))
    p.end()
    return QIcon(pix)


def state_swatch(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


def scheme_tip(lab) -> str:
    """A label's kind, category and modifiers (the name's tooltip)."""
    values, free = label_modifiers(lab)
    tip = "point event (a moment)" if getattr(lab, "kind", "state") == "point" else "state event"
    tip += f", category {lab.category}" if getattr(lab, "category", "") else ""
    if values or free:
        tip += "\nmodifiers: " + ", ".join(values) + (" + free text" if free else "")
    return f"{lab.name}: {tip}"


class LabelPicker(QFrame):
    picked = Signal(int, str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("labelPicker")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#labelPicker { background: #1b212b; border: 1px solid #4cc9f0; }"
                           "QListWidget { background: #12161d; }")
        self.title = QLabel()
        self.title.setObjectName("labelPickerTitle")
        self.search = QLineEdit()
        self.search.setObjectName("labelPickerSearch")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("labelPickerList")
        self.list.setUniformItemSizes(True)
        self.list.itemActivated.connect(lambda _item: self._choose())
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #9aa0a6;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(5)
        for w in (self.title, self.search, self.list, self.hint):
            layout.addWidget(w)
        self.search.textChanged.connect(self._refill)
        self.search.installEventFilter(self)
        self._labels: list = []
        self._label = None  # the label whose modifiers are shown (modifier step), else None
        self.resize(440, 380)

    # ---- API --------------------------------------------------------------------------------
    def open_labels(self, labels: Sequence, categories: Sequence = ()) -> None:
        """Show the label set (step 1)."""
        self._labels, self._label = list(labels), None
        exclusive = {c.name for c in categories if getattr(c, "exclusive", False)}
        self._exclusive = exclusive
        self.title.setText("<b>Label</b> — type a name, a category or a key")
        self.search.setPlaceholderText("Find a label…")
        self.hint.setText("↑ ↓ choose · Enter label · Esc close · ◆ point event · ■ state · … has modifiers")
        self._show()

    def open_modifiers(self, label) -> None:
        """Show the modifiers of ``label`` (step 2, or straight away after its key)."""
        self._label = label
        values, free = label_modifiers(label)
        self.title.setText(f"<b>Modifier</b> of <b>{label.name}</b>")
        self.search.setPlaceholderText("Type a modifier…" if free else "Find a modifier…")
        self.hint.setText("Enter choose · Esc close" + (" · free text allowed" if free else ""))
        self._show()

    def rows(self) -> List[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    # ---- internals ------------------------------------------------------------------------------
    def _show(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._refill("")
        parent = self.parentWidget()
        if parent is not None:
            centre = parent.mapToGlobal(parent.rect().center())
            self.move(centre.x() - self.width() // 2, centre.y() - self.height() // 2)
        self.show()
        self.raise_()
        self.search.setFocus(Qt.FocusReason.PopupFocusReason)

    def _refill(self, text: str) -> None:
        self.list.clear()
        if self._label is None:
            for lab in search_labels(self._labels, text):
                point = getattr(lab, "kind", "state") == "point"
                cat = lab.category + (" (exclusive)" if lab.category in self._exclusive else "") if lab.category \
                    else ""
                mods = " …" if label_modifiers(lab)[0] or label_modifiers(lab)[1] else ""
                item = QListWidgetItem(point_swatch(lab.color) if point else state_swatch(lab.color),
                                       f"{(lab.key or '').rjust(2)}  {lab.name}{mods}" + (f"   · {cat}" if cat else ""))
                item.setData(ROLE_LABEL, lab.id)
                item.setToolTip(("point event" if point else "state event") + (f", {cat}" if cat else ""))
                self.list.addItem(item)
        else:
            values, free = label_modifiers(self._label)
            needle = text.strip().casefold()
            shown = [v for v in values if needle in v.casefold()]
            if not needle:
                self._add_modifier(NONE_TEXT, "")
            for v in shown:
                self._add_modifier(v, v)
            if free and needle and text.strip() not in values:
                self._add_modifier(f"use “{text.strip()}”", text.strip())
        if self.list.count():
            self.list.setCurrentRow(0)

    def _add_modifier(self, text: str, value: str) -> None:
        item = QListWidgetItem(text)
        item.setData(ROLE_MODIFIER, value)
        self.list.addItem(item)

    def _choose(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        if self._label is None:
            lab = next((x for x in self._labels if x.id == item.data(ROLE_LABEL)), None)
            if lab is None:
                return
            values, free = label_modifiers(lab)
            if values or free:
                self.open_modifiers(lab)
                return
            self.hide()
            self.picked.emit(lab.id, "")
            return
        label = self._label
        self.hide()
        self.picked.emit(label.id, str(item.data(ROLE_MODIFIER) or ""))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}
            if key in steps and self.list.count():
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + steps[key]))
                self.list.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose()
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return False
