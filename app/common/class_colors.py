"""Stable, distinct colours for action classes, the same everywhere in the app.

API:
    class_color(index, name=None) -> QColor   colour of class ``index`` (negative -> neutral grey); with its
                                              ``name``: the colour of that class name (see below)
    class_color_hex(index, name=None) -> str  "#rrggbb", for style sheets and HTML
    set_label_colors(labels)                  the open project's label set (objects with ``name, color``;
                                              [] when none is open)
    text_color_for(color) -> QColor           black or white, whichever reads better on ``color``

One colour per class name everywhere: a class whose name is in the open project's label set has that
label's colour (predictions, the timeline's class box and the inspector's bars, as the labels); another
class keeps its palette colour unless a label's colour is close to it, then the next palette colour
that no label resembles (so a prediction never looks like another class's label).

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


_label_rgb: dict[str, tuple[int, int, int]] = {}  # casefolded label name -> colour of the open project
NEAR = 60.0  # RGB distance under which two colours read as the same on a dark background
_PALETTE_STEPS = 40


def set_label_colors(labels) -> None:
    """The open project's label set (objects with ``name`` and ``color`` "#rrggbb"); [] or None: none open."""
    _label_rgb.clear()
    for lab in labels or ():
        color = QColor(str(lab.color))
        if color.isValid():
            _label_rgb[str(lab.name).casefold()] = (color.red(), color.green(), color.blue())
    _by_name.cache_clear()


def _near_a_label(rgb: tuple[int, int, int]) -> bool:
    return any(sum((a - b) ** 2 for a, b in zip(rgb, other)) < NEAR ** 2 for other in _label_rgb.values())


@lru_cache(maxsize=4096)
def _by_name(index: int, key: str) -> tuple[int, int, int]:
    found = _label_rgb.get(key)
    if found is not None:
        return found
    for step in range(_PALETTE_STEPS):  # the class's own colour unless a label's colour looks like it
        rgb = _rgb(index + step * len(_BASE))
        if not _near_a_label(rgb):
            return rgb
    return _rgb(index)


def _class_rgb(index: int, name) -> tuple[int, int, int]:
    index = int(index)
    if name is None or index < 0 or not _label_rgb:
        return _rgb(index)
    return _by_name(index, str(name).casefold())


def class_color(index: int, name=None) -> QColor:
    """The colour of class ``index`` (a new QColor; negative index -> neutral grey); with the class's ``name``,
    the label set's colour of that name when it has one (one colour per class name everywhere)."""
    return QColor(*_class_rgb(index, name))


def class_color_hex(index: int, name=None) -> str:
    """``class_color(index, name)`` as ``"#rrggbb"``."""
    return "#{:02x}{:02x}{:02x}".format(*_class_rgb(index, name))


def text_color_for(color: QColor) -> QColor:
    """Black or white text, whichever contrasts more with ``color`` (relative luminance)."""
    lum = 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()
    return QColor("#111111") if lum > 0.55 else QColor("#ffffff")
