"""Wires review, agreement and statistics into the main window: two docks and the queue's keys.

The main window creates one ``ReviewUI`` after the labeling UI; it adds two docks tabbed with the Labels dock:
Review (the queue) and Figures (the Agreement and Statistics panels, as tabs or one above the other), connects
the ``review_next`` / ``review_previous`` actions of the keymap (``]`` / ``[``) and lists the docks in the Review
menu. Figures that are not on screen are not computed, and their panels are made when first shown.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Optional

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from app.review.review_controller import AGREEMENT, QUEUE, STATS, ReviewController
from app.review.review_figures import ReviewFigures
from app.review.review_queue import ReviewQueueWidget

if TYPE_CHECKING:  # imported when first shown: the statistics plots pull in pyqtgraph (~0.3 s of start-up)
    from app.review.agreement_panel import AgreementPanel
    from app.review.stats_panel import StatsPanel

FIGURES = "figures"


def _agreement_panel(controller) -> "AgreementPanel":
    from app.review.agreement_panel import AgreementPanel

    return AgreementPanel(controller)


def _stats_panel(controller) -> "StatsPanel":
    from app.review.stats_panel import StatsPanel

    return StatsPanel(controller)


class ReviewUI(QObject):
    """The review docks. Receives what it uses: the ``project`` controller, the ``session``, the ``labeling``
    controller, ``playback`` (to go to an item), ``add_dock(title, widget)`` (the window makes a right dock tabbed
    with the Labels dock and returns it), the keymap's ``actions``, the Review ``menu`` (or None), the
    ``video_opened`` and ``frame_displayed`` signals and ``show_message(text, ms)`` for the status bar."""

    def __init__(self, *, project, session, labeling, playback,
                 add_dock: Callable[[str, QWidget], QDockWidget], actions: Mapping[str, QAction],
                 menu: Optional[QMenu], video_opened, frame_displayed,
                 show_message: Callable[[str, int], None], parent=None) -> None:
        super().__init__(parent)
        self.playback = playback
        self.controller = c = ReviewController(project, session, self._seek, labeling=labeling, parent=self)
        self.queue = ReviewQueueWidget(c)
        # the panels and their plots are made when the Figures dock first shows them (not at every opening)
        self.figures = ReviewFigures(lambda: _agreement_panel(c), lambda: _stats_panel(c))
        self.docks = {QUEUE: add_dock("Review", self.queue), FIGURES: add_dock("Figures", self.figures)}
        self._figures_visible = False
        self.docks[FIGURES].visibilityChanged.connect(self._on_figures_visible)
        self.figures.changed.connect(self._update_active)

        if "review_next" in actions:
            actions["review_next"].triggered.connect(lambda: self.step(1))
        if "review_previous" in actions:
            actions["review_previous"].triggered.connect(lambda: self.step(-1))
        if menu is not None:
            menu.addSeparator()
            for dock in self.docks.values():
                menu.addAction(dock.toggleViewAction())

        c.message.connect(lambda text: show_message(text, 10000))
        video_opened.connect(lambda entry, _info: c.video_opened(entry))
        frame_displayed.connect(self._on_frame)

    @property
    def agreement(self) -> "AgreementPanel":
        """The Agreement panel (made now if the Figures dock has not shown it yet)."""
        return self.figures.page("agreement")

    @property
    def stats(self) -> "StatsPanel":
        """The Statistics panel (made now if the Figures dock has not shown it yet)."""
        return self.figures.page("stats")

    def _on_figures_visible(self, on: bool) -> None:
        self._figures_visible = bool(on)
        self.figures.set_on_screen(self._figures_visible)
        self._update_active()

    def _update_active(self) -> None:
        """Only the figures on screen are computed (the queue always is: its keys work with the dock hidden)."""
        shown = self.figures.shown()
        self.controller.set_active(AGREEMENT, self._figures_visible and shown["agreement"])
        self.controller.set_active(STATS, self._figures_visible and shown["stats"])

    def show_figures(self, page: str = "agreement") -> None:
        dock = self.docks[FIGURES]
        dock.show()
        dock.raise_()
        self.figures.show_page(page)

    def _seek(self, frame: int) -> None:
        self.playback.pause()
        self.playback.seek(int(frame))

    def step(self, delta: int) -> None:
        """Next / previous review item; shows the Review dock if it was hidden behind another tab."""
        dock = self.docks[QUEUE]
        if dock.visibleRegion().isEmpty():
            dock.show()
            dock.raise_()
        self.controller.step(delta)

    def _on_frame(self, index: int) -> None:
        if self.controller.active.get(STATS) and self.figures.built("stats"):
            self.stats.set_playhead(self.controller.frame_time(index))
