"""The Figures dock's content: the Agreement and Statistics panels as two tabs, or one above the other.

API: ``ReviewFigures(agreement, statistics)``; ``set_stacked(bool)`` (the ⇕ button), ``stacked``,
``shown()`` -> which panels are on screen (``{"agreement": bool, "stats": bool}``), ``changed`` signal
(the page or the arrangement changed), ``show_page(name)``.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QStackedWidget, QTabWidget, QToolButton, QVBoxLayout, QWidget

PAGES = (("agreement", "Agreement"), ("stats", "Statistics"))


class ReviewFigures(QWidget):
    changed = Signal()

    def __init__(self, agreement: QWidget, statistics: QWidget, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewFigures")
        self.pages = {"agreement": agreement, "stats": statistics}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("figureTabs")
        self.tabs.setDocumentMode(True)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stacked_page = QWidget()
        self.stack.addWidget(self.stacked_page)
        self.toggle = QToolButton()
        self.toggle.setObjectName("figuresStacked")
        self.toggle.setText("⇕")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Show the agreement panel and the statistics one above the other (or as tabs)")
        self.toggle.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it, a click leaves the keys
        self.toggle.toggled.connect(self.set_stacked)
        self.split_toggle = QToolButton()  # the same switch, shown above the stacked panels
        self.split_toggle.setText("⇕ tabs")
        self.split_toggle.setToolTip("Show the two panels as tabs again")
        self.split_toggle.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.split_toggle.clicked.connect(lambda: self.toggle.setChecked(False))
        self.tabs.setCornerWidget(self.toggle, Qt.Corner.TopRightCorner)
        column = QVBoxLayout(self.stacked_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        row.addStretch(1)
        row.addWidget(self.split_toggle)
        column.addLayout(row)
        column.addWidget(self.split, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.stacked = False
        self._fill_tabs()
        self.tabs.currentChanged.connect(lambda _i: self.changed.emit())

    def _fill_tabs(self) -> None:
        for name, title in PAGES:
            self.tabs.addTab(self.pages[name], title)

    def set_stacked(self, on: bool) -> None:
        on = bool(on)
        if on == self.stacked:
            return
        self.stacked = on
        self.tabs.blockSignals(True)
        if on:
            current = self.tabs.currentIndex()
            while self.tabs.count():
                self.tabs.removeTab(0)
            for name, _title in PAGES:
                self.split.addWidget(self.pages[name])
                self.pages[name].show()
            self.split.setSizes([1, 1])
            self.stack.setCurrentWidget(self.stacked_page)
            self._current = current
        else:
            self._fill_tabs()
            self.tabs.setCurrentIndex(getattr(self, "_current", 0))
            self.stack.setCurrentWidget(self.tabs)
        self.tabs.blockSignals(False)
        if self.toggle.isChecked() != on:
            self.toggle.setChecked(on)
        self.changed.emit()

    def show_page(self, name: str) -> None:
        if not self.stacked:
            self.tabs.setCurrentIndex([n for n, _t in PAGES].index(name))

    def shown(self) -> dict:
        if self.stacked:
            return {name: True for name, _t in PAGES}
        current = PAGES[self.tabs.currentIndex()][0] if self.tabs.currentIndex() >= 0 else None
        return {name: name == current for name, _t in PAGES}
