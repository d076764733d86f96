"""Wires review, agreement and statistics into the main window: three docks and the queue's keys.

The main window creates one ``ReviewUI`` after the labeling UI; it adds the Review, Agreement and Statistics
docks (tabbed with the Labels dock), connects the ``review_next`` / ``review_previous`` actions of the keymap
(``]`` / ``[``) and lists the docks in the Review menu. Figures of a hidden dock are not computed.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from .review_controller import AGREEMENT, QUEUE, STATS, ReviewController
from .widgets.agreement_panel import AgreementPanel
from .widgets.review_queue import ReviewQueueWidget
from .widgets.stats_panel import StatsPanel


class ReviewUI(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        w = self.w = window
        self.controller = c = ReviewController(window.project, window.session, self._seek,
                                               labeling=window.labeling, parent=self)
        self.queue = ReviewQueueWidget(c)
        self.agreement = AgreementPanel(c)
        self.stats = StatsPanel(c)
        area = Qt.DockWidgetArea.RightDockWidgetArea
        self.docks = {QUEUE: w._dock("Review", self.queue, area), AGREEMENT: w._dock("Agreement", self.agreement, area),
                      STATS: w._dock("Statistics", self.stats, area)}
        anchor = getattr(w, "labels_dock", None) or getattr(w, "inspector_dock", None)
        for dock in self.docks.values():
            if anchor is not None:
                w.tabifyDockWidget(anchor, dock)
        for kind in (AGREEMENT, STATS):  # the queue is always kept (its keys work with the dock hidden)
            self.docks[kind].visibilityChanged.connect(lambda on, k=kind: c.set_active(k, on))
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
