"""Keyboard-only use of the main window.

* **Tab / Shift+Tab** move the focus through the video, the timeline and the controls of the docks shown,
  in that order (pane by pane; a table is one stop: Tab leaves it).
* **F6 / Shift+F6** go to the next / previous pane: video, timeline, then every open dock (a dock behind
  another's tab is brought forward); **Ctrl+1 … Ctrl+8** go to one pane (``PANES``); **Ctrl+F** to the label
  search of the Labels dock.
* A focused list or table keeps ↑ ↓ Home End Page Up/Down (with Shift or Ctrl too; ← → still step the video),
  a slider, combo box or tab bar all arrows, a focused button its Space and Enter: the window's single-key
  shortcuts (Home = first frame, ↑ = person above, Space = play …) act only where such a widget does not use
  the key.
* Controls the mouse should not take the keyboard from (filters, chips, toggles) are reachable with Tab
  (``Qt.TabFocus``): a click still leaves the keys with the video.

The key filter sits on the focused widget and its parents in the window only (moved on every focus change), and
the mouse watch that hides the focus ring on the application only while the ring is shown: an application-wide
filter would run Python code for every event of the application (~30k per project opening).
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import shiboken6

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QApplication,
                               QComboBox, QDockWidget, QLineEdit, QScrollArea, QScrollBar, QTabBar, QTableView,
                               QWidget)

#: (action name, keys, pane) — the pane is a dock title, or "video" / "timeline"
PANES: Tuple[Tuple[str, str], ...] = (("video", "Ctrl+1"), ("timeline", "Ctrl+2"), ("Videos", "Ctrl+3"),
                                      ("Inspector", "Ctrl+4"), ("Labels", "Ctrl+5"), ("People", "Ctrl+6"),
                                      ("Review", "Ctrl+7"), ("Figures", "Ctrl+8"))
NAV_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End,
            Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}
PRESS_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter}
NAV_MODIFIERS = {Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier,
                 Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.KeypadModifier}
HELP_ROWS = [
    ("Tab / Shift+Tab", "Move the keyboard focus through the video, the timeline and the controls of the docks shown"),
    ("F6 / Shift+F6", "Next / previous pane: video, timeline, Videos, Inspector, Labels, People, Review, Figures"),
    ("Ctrl+1 … Ctrl+8", "Go to one pane (in the order of F6); Ctrl+F: search the label set"),
    ("↑ ↓ Home End PgUp PgDn", "In a focused list or table: move there (← → still step the video); in a slider, "
                               "combo box or tab bar the arrows move there too"),
    ("Space / Enter", "Press the focused button or check box; in the label search, Enter applies the label"),
]


def pane_action_name(pane: str) -> str:
    return f"focus_{pane.lower()}"


def keeps_key(widget: QWidget, key: int, modifiers) -> bool:
    """Whether the focused ``widget`` uses ``key`` itself (the window's shortcut then stays quiet)."""
    mods = modifiers & ~Qt.KeyboardModifier.KeypadModifier
    if isinstance(widget, QLineEdit):  # text keys it takes already; arrows move in its list, Esc clears it
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            return mods == Qt.KeyboardModifier.NoModifier
        return key == Qt.Key.Key_Escape and bool(widget.text()) and not widget.isReadOnly()
    if key in NAV_KEYS and mods in NAV_MODIFIERS:
        if isinstance(widget, QAbstractItemView):  # rows go up and down; ← / → still step the video
            return key not in (Qt.Key.Key_Left, Qt.Key.Key_Right)
        if isinstance(widget, (QAbstractSlider, QTabBar, QAbstractSpinBox)):
            return True
        if isinstance(widget, QComboBox):
            return True
        if isinstance(widget, QAbstractButton):  # arrows in a row of buttons: none of them move focus here
            return False
    if key in PRESS_KEYS and mods == Qt.KeyboardModifier.NoModifier and isinstance(widget, QAbstractButton):
        return True
    return False


def is_stop(widget: QWidget) -> bool:
    """A widget Tab stops at."""
    return (widget.isVisibleTo(widget.window()) and widget.isVisible() and widget.isEnabled()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None
            and not isinstance(widget, (QScrollBar, QScrollArea)) and not _chrome(widget))


def _chrome(widget: QWidget) -> bool:
    """A dock's float / close button or a tab bar's scroll arrow: not a control of the pane."""
    return widget.objectName().startswith("qt_dockwidget") or isinstance(widget.parent(), QTabBar)


def stops_in(root: QWidget) -> List[QWidget]:
    """The Tab stops inside ``root`` (``root`` included), in the focus chain's order."""
    out, seen = [], set()
    w: Optional[QWidget] = root
    while w is not None and id(w) not in seen:
        seen.add(id(w))
        if (w is root or root.isAncestorOf(w)) and is_stop(w):
            out.append(w)
        w = w.nextInFocusChain()
        if w is root:
            break
    return out


def make_reachable(root: QWidget) -> None:
    """Controls that never take the focus (``NoFocus``) take it from Tab; tables let Tab leave them."""
    for w in root.findChildren(QWidget):
        if isinstance(w, (QAbstractButton, QComboBox, QAbstractSlider, QTabBar)) and not _chrome(w):
            if w.focusPolicy() == Qt.FocusPolicy.NoFocus:
                w.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        if isinstance(w, QAbstractItemView) and not isinstance(w.parent(), QComboBox):
            w.setTabKeyNavigation(False)



#: the events :meth:`KeyboardNavigation.eventFilter` looks at (all others return at once)
_KEY_EVENTS = frozenset((QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress))


class FocusRing(QWidget):
    """A ring drawn around the control that has the keyboard after Tab, F6 or Ctrl+digit (styled controls such
    as the review chips draw no focus of their own); hidden when the mouse is used or the video has the keys."""

    COLOR = QColor("#ffd166")

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target: Optional[QWidget] = None
        self.hide()

    def follow(self, widget: Optional[QWidget]) -> None:
        self.target = widget
        if widget is None or not widget.isVisible():
            self.hide()
            return
        top_left = widget.mapTo(self.parentWidget(), QPoint(0, 0))
        self.setGeometry(QRect(top_left, widget.size()).adjusted(-2, -2, 2, 2))
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(self.COLOR, 2))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 3, 3)
        painter.end()


class KeyboardNavigation(QObject):
    """Installs the behaviour above on ``window`` (a :class:`~app.shell.main_window.MainWindow`)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        for dock in self.docks():
            make_reachable(dock)
        self.ring = FocusRing(window)
        self._by_keyboard = False
        self._watched: List[QWidget] = []  # the focused widget and its parents in the window (keys go there)
        self._mouse = _MouseWatch(self)  # application-wide only while the ring is shown
        app = QApplication.instance()
        app.focusChanged.connect(self._on_focus)
        self._watch(app.focusWidget())

    # ---- panes ------------------------------------------------------------------------------
    def docks(self) -> List[QDockWidget]:
        order = [p for p, _k in PANES]
        docks = [d for d in self.w.findChildren(QDockWidget) if d.windowTitle() in order]
        return sorted(docks, key=lambda d: order.index(d.windowTitle()))

    def pane_root(self, pane: str) -> Optional[QWidget]:
        if pane == "video":
            return self.w.view
        if pane == "timeline":
            return self.w.timeline
        return next((d for d in self.docks() if d.windowTitle() == pane), None)

    def _shown_panes(self) -> List[QWidget]:
        """The panes on screen now (Tab), in order."""
        roots = [self.w.view, self.w.timeline]
        roots += [d for d in self.docks() if d.isVisible() and not d.visibleRegion().isEmpty()]
        return roots

    def _open_panes(self) -> List[str]:
        """Every pane that F6 visits: the video, the timeline and every dock not closed."""
        return ["video", "timeline"] + [d.windowTitle() for d in self.docks() if d.toggleViewAction().isChecked()]

    def current_pane(self) -> Optional[str]:
        focus = QApplication.focusWidget()
        if focus is None:
            return None
        for pane, _keys in PANES:
            root = self.pane_root(pane)
            if root is not None and (root is focus or root.isAncestorOf(focus)):
                return pane
        return None

    def focus_pane(self, pane: str) -> bool:
        """Show ``pane`` (a dock behind a tab comes forward) and give the keyboard to its first control."""
        root = self.pane_root(pane)
        if root is None:
            return False
        if isinstance(root, QDockWidget):
            if not root.toggleViewAction().isChecked():
                root.show()
            root.raise_()
            QApplication.processEvents()  # the raised tab's widgets become visible
            make_reachable(root)
        if pane == "timeline":
            self.w.timeline.widget()  # built now if it was still deferred
        target = None
        content = root.widget() if isinstance(root, QDockWidget) else root
        if content is not None and hasattr(content, "focus_target"):
            target = content.focus_target()
        stops = stops_in(root)
        target = target if target is not None and is_stop(target) else (stops[0] if stops else None)
        if target is None and pane == "video":
            target = self.w.view
        if target is None:
            return False
        self._by_keyboard = True
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._on_focus(None, target)
        return True

    def cycle_pane(self, step: int) -> None:
        panes = self._open_panes()
        current = self.current_pane()
        i = panes.index(current) if current in panes else (-1 if step > 0 else 0)
        for k in range(1, len(panes) + 1):
            if self.focus_pane(panes[(i + step * k) % len(panes)]):
                return

    # ---- Tab --------------------------------------------------------------------------------
    def stops(self) -> List[QWidget]:
        out = []
        for root in self._shown_panes():
            if isinstance(root, QDockWidget):
                make_reachable(root)  # widgets made since (figures, corrections) too
            out += [w for w in stops_in(root) if w not in out]
        return out

    def next_focus(self, forward: bool) -> bool:
        stops = self.stops()
        if not stops:
            return False
        focus = QApplication.focusWidget()
        if focus in stops:
            i = stops.index(focus)
        else:  # inside a stop (a table's editor, a combo's line edit) or nowhere: from its stop
            i = next((k for k, s in enumerate(stops) if focus is not None and s.isAncestorOf(focus)), -1)
        nxt = stops[(i + (1 if forward else -1)) % len(stops)] if i >= 0 else stops[0 if forward else -1]
        self._by_keyboard = True
        nxt.setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
        return True

    def _on_focus(self, _old, new) -> None:
        inside = isinstance(new, QWidget) and new.window() is self.w
        if inside and self._by_keyboard and new is not self.w.view:
            self._show_ring(new)
        elif inside or new is None:
            self._show_ring(None)
        self._watch(new if inside else None)

    def _show_ring(self, widget: Optional[QWidget]) -> None:
        self.ring.follow(widget)
        self._mouse.set_active(self.ring.isVisible())

    def _watch(self, focus: Optional[QWidget]) -> None:
        """Filter the keys of ``focus`` and of its parents in the window (a key the focused widget leaves goes
        to its parents), nothing else: the window's other widgets and the rest of the application pass freely."""
        chain: List[QWidget] = []
        w = focus if isinstance(focus, QWidget) and focus.window() is self.w else None
        while w is not None:
            chain.append(w)
            w = None if w.isWindow() else w.parentWidget()
        for old in self._watched:
            if all(old is not c for c in chain) and shiboken6.isValid(old):
                old.removeEventFilter(self)
        for new in chain:
            if all(new is not o for o in self._watched):
                new.installEventFilter(self)
        self._watched = chain

    # ---- keys of focused widgets --------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        """Keys of the focused widget (and of its parents, where it leaves them): see the module docstring."""
        kind = event.type()
        if kind not in _KEY_EVENTS or not isinstance(obj, QWidget):
            return False
        if obj.window() is not self.w or obj is self.w.view:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            if keeps_key(obj, event.key(), event.modifiers()):
                event.accept()
                return True
            return False
        if (isinstance(obj, QTableView) and event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End)
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):  # a table is a list: first / last row
            QApplication.sendEvent(obj, QKeyEvent(QEvent.Type.KeyPress, event.key(), Qt.KeyboardModifier.ControlModifier))
            return True
        if (isinstance(obj, QAbstractButton) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            obj.animateClick()  # Enter presses a focused tool button (Space does already)
            return True
        return False


class _MouseWatch(QObject):
    """While the focus ring is shown: a mouse press anywhere hides it (the mouse is used), a resize of the window
    moves it. Installed on the application only then, so that no event passes Python code the rest of the time."""

    def __init__(self, keys: KeyboardNavigation) -> None:
        super().__init__(keys)
        self.keys = keys
        self._active = False

    def set_active(self, on: bool) -> None:
        if on != self._active:
            self._active = on
            app = QApplication.instance()
            if on:
                app.installEventFilter(self)
            else:
                app.removeEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self.keys._by_keyboard = False
            self.keys._show_ring(None)
        elif kind == QEvent.Type.Resize and obj is self.keys.w and self.keys.ring.isVisible():
            self.keys.ring.follow(self.keys.ring.target)
        return False
