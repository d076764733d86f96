"""Window size and dock layout: fit the window (frame included) to the screen, keep the docks' widths.

* ``fitted_geometry``: the client rectangle that puts the whole window, title bar and borders included,
  inside the screen's available geometry (a 1280x720 window on a 1280x720 screen loses the title bar's
  height instead of putting the status bar under the screen's edge).
* ``WindowFitter``: applies it when the window is first shown, and again once the window manager has
  framed the window (the frame is only known then), and after the window moves to another screen.
* ``DockWidths``: the dock widths for the normal and the maximised window, so maximising again gives
  the docks the widths they had when maximised last (Qt gives every new pixel to the video); it also fits the dock
  tabs again after the window is shown or resized and when a tab bar appears.
* ``fit_dock_tabs``: the tabs of tabbed docks read whole: the docks of a tab bar whose tabs do not fit get the
  width the tabs need (six tabs on the right at 1280x720 with the Labels dock shown) where the centre keeps
  ``CENTRE_MIN_PX``; else the docks keep their width and the bar its scroll arrows (eight tabs at 1024 px).
"""
from __future__ import annotations

import os
from typing import Dict

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTabBar

REFIT_MS = (0, 120, 400, 1200)  # re-fit after show: the window manager frames the window some time later
CENTRE_MIN_PX = 520  # widening docks for their tabs leaves the video and the timeline at least this wide
TAB_SLACK_PX = 6  # room beside the last tab
DEFAULT_FRAME = QMargins(0, 0, 0, 0)


def fitted_geometry(available: QRect, wanted: QSize, frame: QMargins, minimum: QSize = QSize(0, 0),
                    top_left=None) -> QRect:
    """The client rectangle of at most ``wanted`` whose frame (``frame`` around it) lies inside ``available``;
    kept at ``top_left`` (the client's) where it fits, else moved in. Never below ``minimum``."""
    max_w = available.width() - frame.left() - frame.right()
    max_h = available.height() - frame.top() - frame.bottom()
    w = max(min(wanted.width(), max_w), minimum.width())
    h = max(min(wanted.height(), max_h), minimum.height())
    x0 = available.left() + frame.left()
    y0 = available.top() + frame.top()
    x = top_left.x() if top_left is not None else x0
    y = top_left.y() if top_left is not None else y0
    x = max(x0, min(x, available.left() + available.width() - frame.right() - w))
    y = max(y0, min(y, available.top() + available.height() - frame.bottom() - h))
    return QRect(x, y, w, h)


def has_screen() -> bool:
    """False on the offscreen platform without a configured screen (tests, ``--screenshot``): its default
    800x800 "screen" is looked at by nobody, and the size asked for is the size wanted."""
    if QGuiApplication.platformName() != "offscreen":
        return True
    return "configfile" in os.environ.get("QT_QPA_PLATFORM", "")


def frame_margins(window) -> QMargins:
    """The window manager's frame around ``window`` (zero before it is framed, or without a window manager)."""
    handle = window.windowHandle()
    margins = handle.frameMargins() if handle is not None else QMargins()
    if margins.isNull():
        geo, frame = window.geometry(), window.frameGeometry()
        margins = QMargins(geo.left() - frame.left(), geo.top() - frame.top(),
                           frame.right() - geo.right(), frame.bottom() - geo.bottom())
    return margins


class WindowFitter(QObject):
    """Keeps ``window`` inside its screen's available geometry while it is shown in the normal state."""

    def __init__(self, window, after=None) -> None:
        super().__init__(window)
        self.window = window
        self._after = after  # called after a fit that changed the size (and after the first one)
        self._fits = 0
        self._shown = False
        window.installEventFilter(self)

    def fit(self) -> None:
        w = self.window
        if w.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            return
        screen = w.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        frame = frame_margins(w)
        target = fitted_geometry(screen.availableGeometry(), w.size(), frame, w.minimumSizeHint().boundedTo(
            screen.availableGeometry().size()), w.geometry().topLeft() if self._placed() else None)
        resized = target.size() != w.size()
        if resized:
            w.resize(target.size())
        if target.topLeft() != w.geometry().topLeft():
            w.move(target.left() - frame.left(), target.top() - frame.top())  # move() places the frame
        self._fits += 1
        if self._after is not None and (resized or self._fits == 1):
            QTimer.singleShot(0, self._after)  # once the layout has the new size

    def _placed(self) -> bool:
        """Whether the window already sits on its screen (else it is moved to the top left)."""
        screen = self.window.screen() or QGuiApplication.primaryScreen()
        return screen is not None and screen.availableGeometry().contains(self.window.geometry().topLeft())

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Show and not self._shown and has_screen():
            self._shown = True
            for ms in REFIT_MS:
                QTimer.singleShot(ms, self.fit)
            handle = self.window.windowHandle()
            if handle is not None:
                handle.screenChanged.connect(lambda _s: QTimer.singleShot(0, self.fit))
        return False


class DockWidths(QObject):
    """Remembers the widths of the window's docks per window state (normal / maximised) and gives them back."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self._widths: Dict[bool, Dict[object, int]] = {}
        self._maximized = bool(window.windowState() & Qt.WindowState.WindowMaximized)
        self._tabs_timer = QTimer(self)  # the dock tabs are fitted again once a resize or a new tab bar settled
        self._tabs_timer.setSingleShot(True)
        self._tabs_timer.setInterval(0)
        self._tabs_timer.timeout.connect(lambda: fit_dock_tabs(self.window))
        window.installEventFilter(self)

    def _visible(self) -> list:
        from PySide6.QtWidgets import QDockWidget

        return [d for d in self.window.findChildren(QDockWidget)  # tabs behind others have no visible region
                if d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()]

    def _by_area(self) -> Dict[object, object]:
        """One shown dock per dock area (tabbed docks share their area's width)."""
        out = {}
        for dock in self._visible():
            out.setdefault(self.window.dockWidgetArea(dock), dock)
        return out

    def remember(self) -> None:
        self._widths[self._maximized] = {area: dock.width() for area, dock in self._by_area().items()}

    def restore(self) -> None:
        saved = self._widths.get(self._maximized, {})
        pairs = [(dock, saved[area]) for area, dock in self._by_area().items() if area in saved]
        if pairs:
            self.window.resizeDocks([d for d, _ in pairs], [w for _, w in pairs], Qt.Orientation.Horizontal)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window:
            kind = event.type()
            if kind in (QEvent.Type.Show, QEvent.Type.Resize) or (
                    kind == QEvent.Type.ChildPolished and isinstance(event.child(), QTabBar)):
                self._tabs_timer.start()
            if kind == QEvent.Type.WindowStateChange:
                maximized = bool(self.window.windowState() & Qt.WindowState.WindowMaximized)
                if maximized != self._maximized:
                    self.remember()  # the widths of the state left (the window has not resized yet)
                    self._maximized = maximized
                    QTimer.singleShot(0, self.restore)
                    QTimer.singleShot(150, self.restore)  # after the window manager's resize
        return False


def dock_tab_bars(window) -> list:
    """The tab bars of the window's tabbed docks (its own children: not a search of every widget)."""
    return window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)


def _bar_docks(window, bar) -> list:
    """The docks whose tabs ``bar`` shows (matched by title among the window's tabbed docks)."""
    from PySide6.QtWidgets import QDockWidget

    titles = {bar.tabText(i) for i in range(bar.count())}
    docks = [d for d in window.findChildren(QDockWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
             if d.windowTitle() in titles and not d.isFloating()]
    return [d for d in docks if any(o in docks for o in window.tabifiedDockWidgets(d))]


def fit_dock_tabs(window) -> None:
    """Whole tab names (no eliding), Tab reaches the bars, and docks as wide as their tabs need (see the module
    docstring); ``Qt.Horizontal`` areas only (the left and right docks)."""
    for bar in dock_tab_bars(window):
        if bar.elideMode() != Qt.TextElideMode.ElideNone:  # each setter lays the tabs out again: only changes
            bar.setElideMode(Qt.TextElideMode.ElideNone)
        if not bar.usesScrollButtons():
            bar.setUsesScrollButtons(True)  # the last resort, where the window is too narrow for the tabs
        if bar.expanding():
            bar.setExpanding(False)
        if bar.focusPolicy() != Qt.FocusPolicy.TabFocus:
            bar.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        if not bar.isVisible() or bar.count() < 2:
            continue
        # the tabs as laid out (whole names, not expanding: their size hints), cheaper than asking the hints again
        need = bar.tabRect(bar.count() - 1).right() - bar.tabRect(0).left() + 1 + TAB_SLACK_PX
        if bar.width() >= need:
            continue
        docks = [d for d in _bar_docks(window, bar) if window.dockWidgetArea(d) in (
            Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)]
        if not docks:
            continue
        centre = window.centralWidget()
        room = docks[0].width() + (centre.width() - CENTRE_MIN_PX if centre is not None else 0)
        if docks[0].width() < need <= room:  # else the arrows stay: a wider dock would not spare them
            window.resizeDocks([docks[0]], [need], Qt.Orientation.Horizontal)
