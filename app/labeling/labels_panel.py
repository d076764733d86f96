"""The Labels panel (a dock): the project's label set and the label segments of the current video.

Fed by plain lists (``LabelRecord`` / ``SegmentRecord``-like objects); every change the user asks for
goes out as a signal, and the panel is refreshed from the database once the edit is committed, so it
never shows an edit that did not happen.

API:
    set_labels(labels)                   objects with ``id, name, color ('#rrggbb'), key (str | None)``
    set_segments(segments, times=None)   segments of the current video; ``times(seg) -> (t0, t1)`` seconds
    set_selected(seg_id | None)          select (and scroll to) a segment row
    set_read_only(bool), set_project_text(str)
    focus_target()                       the label search field (Ctrl+F, F6)
Signals: addLabel(str), renameLabel(int, str), recolorLabel(int, str), setLabelKey(int, str),
         deleteLabel(int), segmentActivated(int), segmentLabelEdited(int, int), segmentNoteEdited(int, str),
         applyLabel(int) (Enter in the search field or on a label row: use it like the label's key)

The label set has a search field: typing filters the rows (any part of the name, or the key), ↑ / ↓ move the
selection, Enter applies the selected label, Esc clears the search. A label added with "Add…" is selected and
scrolled to once it is in the set.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Optional, Sequence

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QComboBox, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QLineEdit, QSplitter, QStyledItemDelegate, QTableView, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from core_model.formatting import format_percent, format_time

from app.labeling.label_picker import point_swatch, scheme_tip

SEG_COLUMNS = ("Who", "Start", "End", "Label", "Src", "✎")
SEG_WIDTHS = (30, 0, 0, 0, 46, 26)  # at least; the Label column takes the rest (~135 px in a 380-px dock)
SEG_SAMPLES = ("all", "0:00.0", "0:00.0", "", "user", "")  # the times always read whole
SEG_TIPS = ("Person (all = everybody)", "Start time", "End time", "Label (double-click to change)",
            "Source: user, or accepted prediction with its confidence", "Note (double-click to edit)")
COL_LABEL, COL_NOTE = 3, 5
ANY = "any"


@lru_cache(maxsize=1024)
def swatch(color: str, size: int = 12) -> QIcon:
    """A square of ``color`` (one icon per colour and size, shared)."""
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


def person_text(person: int) -> str:
    return "all" if person < 0 else f"P{person}"


class SegmentTableModel(QAbstractTableModel):
    """Rows = segments; Label and Note are editable (the edit is reported, not stored here)."""

    labelEdited = Signal(int, int)  # segment id, label id
    noteEdited = Signal(int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list = []
        self.labels: dict[int, object] = {}
        self.times: Optional[Callable] = None
        self.read_only = False

    def set_data(self, rows: Sequence, labels: dict, times: Optional[Callable]) -> None:
        self.beginResetModel()  # rows in time order (sorted here: a sorting proxy costs ~n log n data() calls)
        self.rows = sorted(rows, key=lambda s: (s.start_frame, s.person, s.end_frame))
        self.labels, self.times = labels, times
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(SEG_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return SEG_COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return SEG_TIPS[section]
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (COL_LABEL, COL_NOTE) and not self.read_only:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def _time(self, seg, end: bool) -> str:
        frame = seg.end_frame if end else seg.start_frame
        if self.times is None:
            return str(frame)
        return format_time(self.times(seg)[1 if end else 0], 1)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        seg, col = self.rows[index.row()], index.column()
        label = self.labels.get(seg.label_id)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return person_text(seg.person)
            if col == 1:
                return self._time(seg, False)
            if col == 2:
                return self._time(seg, True)
            if col == COL_LABEL:  # the modifier shown after the name (editing picks the label only)
                name = label.name if label is not None else "?"
                mod = getattr(seg, "modifier", "")
                return f"{name} · {mod}" if mod and role == Qt.ItemDataRole.DisplayRole else name
            if col == 4:
                if seg.source == "accepted":
                    return f"acc {format_percent(seg.confidence, 0, unit='%')}" if seg.confidence is not None else "acc"
                return seg.source
            if col == COL_NOTE:
                return seg.note or ""
        if role == Qt.ItemDataRole.DecorationRole and col == COL_LABEL and label is not None:
            return swatch(label.color)
        if role == Qt.ItemDataRole.UserRole:
            return seg.id
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{label.name}\n" if label is not None and col == COL_LABEL else ""  # a long name in full
            tip += f"frames {seg.start_frame}–{seg.end_frame - 1} ({seg.end_frame - seg.start_frame} frames)"
            tip += "\n" + ("accepted prediction" if seg.source == "accepted" else "labeled by hand")
            tip += (f" ({seg.model_key})" if seg.model_key else "") + (f" by {seg.author}" if seg.author else "")
            return tip + (f"\nmodified {seg.modified}" if seg.modified else "")
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        seg = self.rows[index.row()]
        if index.column() == COL_LABEL and value is not None and int(value) != seg.label_id:
            self.labelEdited.emit(seg.id, int(value))
        elif index.column() == COL_NOTE and str(value) != (seg.note or ""):
            self.noteEdited.emit(seg.id, str(value))
        return False  # the database is the truth: the row changes when the edit is committed

    def row_of(self, seg_id) -> int:
        return next((i for i, s in enumerate(self.rows) if s.id == seg_id), -1)


class LabelDelegate(QStyledItemDelegate):
    """A combo box of the label set for the Label column (type to search)."""

    def __init__(self, panel: "LabelsPanel") -> None:
        super().__init__(panel)
        self.panel = panel

    def createEditor(self, parent, option, index):
        box = QComboBox(parent)
        for lab in self.panel.labels:
            box.addItem(swatch(lab.color), lab.name, lab.id)
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        return box

    def setEditorData(self, editor, index):
        name = index.data(Qt.ItemDataRole.EditRole)
        i = editor.findText(name)
        editor.setCurrentIndex(max(i, 0))

    def setModelData(self, editor, model, index):
        i = editor.findText(editor.currentText(), Qt.MatchFlag.MatchFixedString)
        if i >= 0:
            model.setData(index, editor.itemData(i), Qt.ItemDataRole.EditRole)


class SegmentFilter(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.person: Optional[int] = None
        self.label_id: Optional[int] = None
        self.source: Optional[str] = None

    def set_filter(self, person, label_id, source) -> None:
        self.beginFilterChange()
        self.person, self.label_id, self.source = person, label_id, source
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row, parent) -> bool:
        seg = self.sourceModel().rows[row]
        return ((self.person is None or seg.person == self.person)
                and (self.label_id is None or seg.label_id == self.label_id)
                and (self.source is None or seg.source == self.source))


class LabelsPanel(QWidget):
    addLabel = Signal(str)
    renameLabel = Signal(int, str)
    recolorLabel = Signal(int, str)
    setLabelKey = Signal(int, str)
    deleteLabel = Signal(int)
    segmentActivated = Signal(int)
    segmentLabelEdited = Signal(int, int)
    segmentNoteEdited = Signal(int, str)
    applyLabel = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labelsPanel")
        self.labels: list = []
        self.read_only = False
        self._filling = False
        self._pending_name: Optional[str] = None  # a label asked for with "Add…": selected once it exists
        self._build_label_set()
        self._build_segments()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._labels_box)
        split.addWidget(self._segments_box)
        split.setStretchFactor(0, 3)  # the label set (often 60 or 120 labels) gets most of the height
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self._split = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.project_label = QLabel("No project — File ▸ New project to label")
        self.project_label.setObjectName("projectLabel")
        self.project_label.setWordWrap(True)
        layout.addWidget(self.project_label)
        layout.addWidget(split, 1)

    # ---- construction -------------------------------------------------------------------
    def _build_label_set(self) -> None:
        self.label_table = QTableWidget(0, 4)
        self.label_table.setObjectName("labelSetTable")
        self.label_table.setHorizontalHeaderLabels(["Label", "Key", "Used", "Category"])  # ◆ = a point event
        self.label_table.verticalHeader().setVisible(False)
        self.label_table.verticalHeader().setDefaultSectionSize(22)
        self.label_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.label_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.label_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        header = self.label_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.label_table.setToolTip("Double-click a name or key to change it; the colour button recolours")
        self.label_table.itemChanged.connect(self._on_label_item_changed)
        self.label_table.setMinimumHeight(5 * 22 + 26)
        self.label_table.installEventFilter(self)
        self.search = QLineEdit()
        self.search.setObjectName("labelSearch")
        self.search.setPlaceholderText("Find a label (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Type part of a label's name or its key; ↑ / ↓ choose, Enter applies the label "
                               "(like its key), Esc clears")
        self.search.textChanged.connect(self._apply_search)
        self.search.installEventFilter(self)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        self._label_buttons = {}
        for name, text, tip, slot in (("add", "Add…", "Add a label", self._ask_add),
                                      ("color", "Colour…", "Change the colour of the selected label", self._ask_color),
                                      ("key", "Key…", "Assign a shortcut key to the selected label", self._ask_key),
                                      ("delete", "Delete", "Delete the selected label", self._ask_delete)):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self._label_buttons[name] = b
        self.scheme_button = QToolButton()  # its menu: app/labeling/scheme_ui.py (kind, category, modifiers, files)
        self.scheme_button.setText("Scheme")
        self.scheme_button.setObjectName("schemeButton")
        self.scheme_button.setToolTip("Point or state event, category, modifiers; import / export a coding scheme")
        self.scheme_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        buttons.addWidget(self.scheme_button)
        buttons.addStretch(1)
        self._labels_box = QWidget()
        col = QVBoxLayout(self._labels_box)
        col.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(QLabel("<b>Label set</b>"))
        head.addWidget(self.search, 1)
        col.addLayout(head)
        col.addWidget(self.label_table, 1)
        col.addLayout(buttons)

    def _build_segments(self) -> None:
        self.model = SegmentTableModel(self)
        self.model.labelEdited.connect(self.segmentLabelEdited)
        self.model.noteEdited.connect(self.segmentNoteEdited)
        self.proxy = SegmentFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("segmentTable")
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(COL_LABEL, LabelDelegate(self))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()  # fixed widths: fitting to contents reads every row each time
        fm = self.table.fontMetrics()
        for c, width in enumerate(SEG_WIDTHS):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
            text = max(fm.horizontalAdvance(SEG_COLUMNS[c]), fm.horizontalAdvance(SEG_SAMPLES[c]))
            header.resizeSection(c, max(width, text + 12))  # the header and the usual values read whole
        header.setSectionResizeMode(COL_LABEL, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(28)
        self.table.clicked.connect(self._on_row_clicked)
        self.count_label = QLabel("")
        self.person_filter = QComboBox()
        self.label_filter = QComboBox()
        self.source_filter = QComboBox()
        self.source_filter.addItem(ANY, None)
        for src in ("user", "accepted"):
            self.source_filter.addItem(src, src)
        for box, tip in ((self.person_filter, "Show the labels of one person"),
                         (self.label_filter, "Show one label"), (self.source_filter, "Show user or accepted labels")):
            box.setToolTip(tip)
            box.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it; a click leaves the keys to the video
            box.currentIndexChanged.connect(self._apply_filter)
        self.person_filter.addItem(ANY, None)
        self.label_filter.addItem(ANY, None)
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.setSpacing(3)
        for box, text in ((self.person_filter, "person"), (self.label_filter, "label"),
                          (self.source_filter, "source")):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(5)
            box.setToolTip(f"{box.toolTip()} (filter: {text})")
            filters.addWidget(box, 1)
        self._segments_box = QWidget()
        col = QVBoxLayout(self._segments_box)
        col.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Segments</b> of this video"))
        head.addStretch(1)
        head.addWidget(self.count_label)
        col.addLayout(head)
        col.addLayout(filters)
        col.addWidget(self.table, 1)

    # ---- API ------------------------------------------------------------------------------
    def set_project_text(self, text: str) -> None:
        self.project_label.setText(text)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = bool(read_only)
        self.model.read_only = self.read_only
        for b in self._label_buttons.values():
            b.setEnabled(not self.read_only)
        self.label_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if self.read_only
                                         else QAbstractItemView.EditTrigger.DoubleClicked)

    def set_labels(self, labels: Sequence, usage: Optional[dict] = None) -> None:
        """The label set (in order); ``usage``: label id -> number of segments."""
        self.labels = list(labels)
        usage = usage or {}
        self._filling = True
        selected = self.selected_label_id()
        self.label_table.setRowCount(len(self.labels))
        for r, lab in enumerate(self.labels):
            point = getattr(lab, "kind", "state") == "point"
            name = QTableWidgetItem(point_swatch(lab.color) if point else swatch(lab.color), lab.name)
            name.setData(Qt.ItemDataRole.UserRole, lab.id)
            name.setToolTip(scheme_tip(lab))
            category = QTableWidgetItem(getattr(lab, "category", ""))
            category.setFlags(category.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.label_table.setItem(r, 3, category)
            key = QTableWidgetItem(lab.key or "")
            key.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            used = QTableWidgetItem(str(usage.get(lab.id, 0)) if usage else "")
            used.setFlags(used.flags() & ~Qt.ItemFlag.ItemIsEditable)
            used.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.label_table.setItem(r, 0, name)
            self.label_table.setItem(r, 1, key)
            self.label_table.setItem(r, 2, used)
            if lab.id == selected:
                self.label_table.selectRow(r)
        self._filling = False
        self.label_table.setColumnHidden(3, not any(getattr(lab, "category", "") for lab in self.labels))  # NTU: none
        self._apply_search(self.search.text())
        if self._pending_name is not None:
            added = next((r for r, lab in enumerate(self.labels) if lab.name == self._pending_name), None)
            if added is not None:
                self._pending_name = None
                self.select_label_row(added)
        self._fill_combo(self.label_filter, [(lab.name, lab.id) for lab in self.labels], swatches=True)
        self.model.set_data(self.model.rows, {lab.id: lab for lab in self.labels}, self.model.times)

    def set_usage(self, usage: dict) -> None:
        """Update only the "Used" column (label id -> segments in the project)."""
        self._filling = True
        for r, lab in enumerate(self.labels):
            item = self.label_table.item(r, 2)
            if item is not None:
                item.setText(str(usage.get(lab.id, 0)))
        self._filling = False

    def set_segments(self, segments: Sequence, times: Optional[Callable] = None) -> None:
        selected = self.selected_segment_id()
        self.model.set_data(segments, {lab.id: lab for lab in self.labels}, times)
        people = sorted({s.person for s in segments})
        self._fill_combo(self.person_filter, [(person_text(p), p) for p in people])
        self._update_count()
        if selected is not None:
            self.set_selected(selected)

    def set_selected(self, seg_id: Optional[int]) -> None:
        row = self.model.row_of(seg_id) if seg_id is not None else -1
        if row < 0:
            self.table.clearSelection()
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    def focus_target(self) -> QWidget:
        """Where the keyboard goes when the dock is chosen (Ctrl+F, Ctrl+5, F6): the label search."""
        return self.search

    def select_label_row(self, row: int) -> None:
        """Select the label set's ``row`` and scroll it into the middle of the list."""
        self.label_table.setCurrentCell(row, 0)
        self.label_table.selectRow(row)
        self.label_table.scrollToItem(self.label_table.item(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def visible_label_ids(self) -> list[int]:
        """The labels the search leaves in the list, in order."""
        return [lab.id for r, lab in enumerate(self.labels) if not self.label_table.isRowHidden(r)]

    def selected_segment_id(self) -> Optional[int]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    def selected_label_id(self) -> Optional[int]:
        row = self.label_table.currentRow()
        item = self.label_table.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def visible_segment_ids(self) -> list[int]:
        return [self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.proxy.rowCount())]

    # ---- internals ------------------------------------------------------------------------
    def _fill_combo(self, box: QComboBox, items, swatches: bool = False) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(ANY, None)
        for text, data in items:
            if swatches:
                lab = next((lb for lb in self.labels if lb.id == data), None)
                box.addItem(swatch(lab.color) if lab else QIcon(), text, data)
            else:
                box.addItem(text, data)
        i = box.findData(current)
        box.setCurrentIndex(i if i >= 0 else 0)
        box.blockSignals(False)
        if box.currentData() != current:
            self._apply_filter()

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.person_filter.currentData(), self.label_filter.currentData(),
                              self.source_filter.currentData())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total}" if shown != total else f"{total}")

    def _on_row_clicked(self, index) -> None:
        seg_id = index.data(Qt.ItemDataRole.UserRole)
        if seg_id is not None:
            self.segmentActivated.emit(int(seg_id))

    def _on_label_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        lab = self.labels[item.row()] if item.row() < len(self.labels) else None
        if lab is None:
            return
        text = item.text().strip()
        if item.column() == 0 and text != lab.name:
            self.renameLabel.emit(lab.id, text)
        elif item.column() == 1 and text != (lab.key or ""):
            self.setLabelKey.emit(lab.id, text)

    def _selected_label(self):
        lid = self.selected_label_id()
        return next((lab for lab in self.labels if lab.id == lid), None)

    def _ask_add(self) -> None:
        name, ok = QInputDialog.getText(self, "Add label", "Name of the new label:")
        if ok and name.strip():
            self._pending_name = name.strip()
            self.search.clear()  # the new label must not be hidden by the search
            self.addLabel.emit(name.strip())

    # ---- search -------------------------------------------------------------------------------
    def _apply_search(self, text: str) -> None:
        needle = text.strip().lower()
        first = None
        for r, lab in enumerate(self.labels):
            shown = not needle or needle in lab.name.lower() or needle == (lab.key or "").lower()
            self.label_table.setRowHidden(r, not shown)
            if shown and first is None:
                first = r
        current = self.label_table.currentRow()
        if needle and first is not None and (current < 0 or self.label_table.isRowHidden(current)):
            self.select_label_row(first)

    def _step_search(self, step: int) -> None:
        rows = [r for r in range(len(self.labels)) if not self.label_table.isRowHidden(r)]
        if not rows:
            return
        current = self.label_table.currentRow()
        i = rows.index(current) if current in rows else -1
        self.select_label_row(rows[max(0, min(len(rows) - 1, i + step))])

    def _apply_selected(self) -> bool:
        rows = [r for r in range(len(self.labels)) if not self.label_table.isRowHidden(r)]
        current = self.label_table.currentRow()
        row = current if current in rows else (rows[0] if len(rows) == 1 else None)
        if row is None:
            return False
        self.applyLabel.emit(self.labels[row].id)
        return True

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if obj is self.search:
            steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}
            if key in steps:
                self._step_search(steps[key])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._apply_selected()
                return True
            if key == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
        elif obj is self.label_table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and self.label_table.state() != QAbstractItemView.State.EditingState:
            return self._apply_selected()
        return False

    def _ask_color(self) -> None:
        lab = self._selected_label()
        if lab is None:
            return
        color = QColorDialog.getColor(QColor(lab.color), self, f"Colour of '{lab.name}'")
        if color.isValid():
            self.recolorLabel.emit(lab.id, color.name())

    def _ask_key(self) -> None:
        lab = self._selected_label()
        if lab is None:
            return
        key, ok = QInputDialog.getText(self, "Label key", f"Key for '{lab.name}' (empty: none):", text=lab.key or "")
        if ok:
            self.setLabelKey.emit(lab.id, key.strip())

    def _ask_delete(self) -> None:
        lab = self._selected_label()
        if lab is not None:
            self.deleteLabel.emit(lab.id)
