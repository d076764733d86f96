"""Window size and dock layout: fit the window (frame included) to the screen, keep the docks' widths.

* ``fitted_geometry``: the client rectangle that puts the whole window, title bar and borders included,
  inside the screen's available geometry (a 1280x720 window on a 1280x720 screen loses the title bar's
  height instead of putting the status bar under the screen's edge).
* ``WindowFitter``: applies it when the window is first shown, and again once the window manager has
  framed the window (the frame is only known then), and after the window moves to another screen.
* ``DockWidths``: the dock widths for the normal and the maximised window, so maximising again gives
  the docks the widths they had when maximised last (Qt gives every new pixel to the video).
"""
from __future__ import annotations

import os
from typing import Dict

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication

REFIT_MS = (0, 120, 400, 1200)  # re-fit after show: the window manager frames the window some time later
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
            if kind == QEvent.Type.WindowStateChange:
                maximized = bool(self.window.windowState() & Qt.WindowState.WindowMaximized)
                if maximized != self._maximized:
                    self.remember()  # the widths of the state left (the window has not resized yet)
                    self._maximized = maximized
                    QTimer.singleShot(0, self.restore)
                    QTimer.singleShot(150, self.restore)  # after the window manager's resize
        return False
