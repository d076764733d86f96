"""Stable, distinct colours for action classes, the same everywhere in the app.

API:
    class_color(index) -> QColor          colour of class ``index`` (negative -> neutral grey)
    class_color_hex(index) -> str         "#rrggbb", for style sheets and HTML
    text_color_for(color) -> QColor       black or white, whichever reads better on ``color``

The first ten classes use a Tableau-like palette tuned for dark backgrounds; later classes
step round the hue circle by the golden ratio (so neighbours differ strongly) and cycle
through three saturation/value levels, so 120 classes stay distinguishable and a class keeps
its colour whatever the number of classes.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor

_BASE = (
    "#4e9be6", "#f28e2b", "#59c46a", "#e15759", "#b07aa1",
    "#edc948", "#76d7c4", "#ff9da7", "#9c755f", "#bab0ac",
)
_GOLDEN = 0.618033988749895
_LEVELS = ((0.62, 0.95), (0.45, 0.85), (0.80, 0.78))  # (saturation, value)
NEUTRAL = "#8a8f98"


@lru_cache(maxsize=1024)
def _rgb(index: int) -> tuple[int, int, int]:
    if index < 0:
        color = QColor(NEUTRAL)
    elif index < len(_BASE):
        color = QColor(_BASE[index])
    else:
        k = index - len(_BASE)
        hue = (0.11 + k * _GOLDEN) % 1.0
        sat, val = _LEVELS[k % len(_LEVELS)]
        color = QColor.fromHsvF(hue, sat, val)
    return color.red(), color.green(), color.blue()


def class_color(index: int) -> QColor:
    """The colour of class ``index`` (a new QColor; negative index -> neutral grey)."""
    return QColor(*_rgb(int(index)))


def class_color_hex(index: int) -> str:
    """``class_color(index)`` as ``"#rrggbb"``."""
    return "#{:02x}{:02x}{:02x}".format(*_rgb(int(index)))


def text_color_for(color: QColor) -> QColor:
    """Black or white text, whichever contrasts more with ``color`` (relative luminance)."""
    lum = 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()
    return QColor("#111111") if lum > 0.55 else QColor("#ffffff")
