"""The Figures dock's content: the Agreement and Statistics panels as two tabs, or one above the other.

API: ``ReviewFigures(agreement, statistics)`` (each a panel, or a function that makes it: then the panel is made
the first time its page is on screen, see ``set_on_screen``, or asked for with ``page(name)``);
``set_stacked(bool)`` (the ⇕ button), ``stacked``, ``shown()`` -> which panels are on screen
(``{"agreement": bool, "stats": bool}``), ``changed`` signal (the page or the arrangement changed),
``show_page(name)``, ``page(name)``, ``built(name)``.
"""
from __future__ import annotations

from typing import Callable, Optional, Union

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QStackedWidget, QTabWidget, QToolButton, QVBoxLayout, QWidget

PAGES = (("agreement", "Agreement"), ("stats", "Statistics"))


class _Page(QWidget):
    """Holds the place of one panel; makes it (``make()``) when first on screen or asked for."""

    def __init__(self, panel: Union[QWidget, Callable[[], QWidget]]) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._make: Optional[Callable[[], QWidget]] = None
        self.panel: Optional[QWidget] = None
        if isinstance(panel, QWidget):
            self._add(panel)
        else:
            self._make = panel

    def _add(self, panel: QWidget) -> None:
        self.panel = panel
        self._layout.addWidget(panel)
        panel.show()  # at once, also when made while this page is being shown

    def ensure(self) -> QWidget:
        if self.panel is None:
            self._add(self._make())
        return self.panel


class ReviewFigures(QWidget):
    changed = Signal()

    def __init__(self, agreement: Union[QWidget, Callable[[], QWidget]],
                 statistics: Union[QWidget, Callable[[], QWidget]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewFigures")
        self.pages = {"agreement": _Page(agreement), "stats": _Page(statistics)}
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
        self._on_screen = False  # the dock's tab is the current one (a dock behind a tab is "visible" off screen)
        self._fill_tabs()
        self.tabs.currentChanged.connect(lambda _i: self._on_change())

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
        self._on_change()

    def set_on_screen(self, on: bool) -> None:
        """Whether the Figures dock is on screen (its ``visibilityChanged``): the pages shown are made then."""
        self._on_screen = bool(on)
        self._make_shown()

    def _on_change(self) -> None:
        self._make_shown()
        self.changed.emit()

    def _make_shown(self) -> None:
        if self._on_screen:
            for name, shown in self.shown().items():
                if shown:
                    self.pages[name].ensure()

    def show_page(self, name: str) -> None:
        if not self.stacked:
            self.tabs.setCurrentIndex([n for n, _t in PAGES].index(name))

    def shown(self) -> dict:
        if self.stacked:
            return {name: True for name, _t in PAGES}
        current = PAGES[self.tabs.currentIndex()][0] if self.tabs.currentIndex() >= 0 else None
        return {name: name == current for name, _t in PAGES}

    def page(self, name: str) -> QWidget:
        """The panel of page ``name`` ("agreement" / "stats"), made now if it was not yet."""
        return self.pages[name].ensure()

    def built(self, name: str) -> bool:
        return self.pages[name].panel is not None
