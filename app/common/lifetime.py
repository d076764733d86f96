"""Callbacks on the Qt-free :class:`~app.common.state.Session` events that end with the widget they belong to.

The Session outlives any one window's widgets (a job may finish, or a test may emit, after the window is deleted);
:func:`tie` connects a callback for as long as its owner exists and disconnects it when the owner is destroyed, so
no event reaches a deleted panel ("Internal C++ object already deleted").
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject


def tie(event, owner: QObject, callback: Callable[..., Any]) -> None:
    """``event.connect(callback)`` until ``owner`` is destroyed."""
    event.connect(callback)
    owner.destroyed.connect(lambda *_args: event.disconnect(callback))
