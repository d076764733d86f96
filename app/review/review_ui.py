"""Wires review, agreement and statistics into the main window: two docks and the queue's keys.

The main window creates one ``ReviewUI`` after the labeling UI; it adds two docks tabbed with the Labels dock:
Review (the queue) and Figures (the Agreement and Statistics panels, as tabs or one above the other), connects
the ``review_next`` / ``review_previous`` actions of the keymap (``]`` / ``[``) and lists the docks in the Review
menu. Figures that are not on screen are not computed.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from app.review.review_controller import AGREEMENT, QUEUE, STATS, ReviewController
from app.review.agreement_panel import AgreementPanel
from app.review.review_figures import ReviewFigures
from app.review.review_queue import ReviewQueueWidget
from app.review.stats_panel import StatsPanel

FIGURES = "figures"


class ReviewUI(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        w = self.w = window
        self.controller = c = ReviewController(window.project, window.session, self._seek,
                                               labeling=window.labeling, parent=self)
        self.queue = ReviewQueueWidget(c)
        self.agreement = AgreementPanel(c)
        self.stats = StatsPanel(c)
        self.figures = ReviewFigures(self.agreement, self.stats)
        area = Qt.DockWidgetArea.RightDockWidgetArea
        self.docks = {QUEUE: w._dock("Review", self.queue, area), FIGURES: w._dock("Figures", self.figures, area)}
        anchor = getattr(w, "labels_dock", None) or getattr(w, "inspector_dock", None)
        for dock in self.docks.values():
            if anchor is not None:
                w.tabifyDockWidget(anchor, dock)
        self._figures_visible = False
        self.docks[FIGURES].visibilityChanged.connect(self._on_figures_visible)
        self.figures.changed.connect(self._update_active)
        if getattr(w, "inspector_dock", None) is not None:
            w.inspector_dock.raise_()

        actions = getattr(w, "actions", {})
        if "review_next" in actions:
            actions["review_next"].triggered.connect(lambda: self.step(1))
        if "review_previous" in actions:
            actions["review_previous"].triggered.connect(lambda: self.step(-1))
        menu = next((a.menu() for a in w.menuBar().actions() if a.menu() is not None
                     and a.menu().title().replace("&", "") == "Review"), None)
        if menu is not None:
            menu.addSeparator()
            for dock in self.docks.values():
                menu.addAction(dock.toggleViewAction())

        c.message.connect(lambda text: w.status.showMessage(text, 10000))
        w.controller.opened.connect(lambda entry, _info: c.video_opened(entry))
        w.frameDisplayed.connect(self._on_frame)

    def _on_figures_visible(self, on: bool) -> None:
        self._figures_visible = bool(on)
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
        self.w.playback.pause()
        self.w.playback.seek(int(frame))

    def step(self, delta: int) -> None:
        """Next / previous review item; shows the Review dock if it was hidden behind another tab."""
        dock = self.docks[QUEUE]
        if dock.visibleRegion().isEmpty():
            dock.show()
            dock.raise_()
        self.controller.step(delta)

    def _on_frame(self, index: int) -> None:
        if self.controller.active.get(STATS):
            self.stats.set_playhead(self.controller.frame_time(index))
