"""Export a panel's chart as PNG or SVG and its tables as CSV: files written aside and renamed.

API:
    save_widget(widget, path)            PNG (2× pixels) or SVG by the suffix of ``path``
    save_table(path, header, rows)       CSV (``core_model.review.tables.write_csv``)
    export_button(parent, entries)       a "Export ▾" tool button: entries = [(text, kind, fn(path))],
                                         kind "image" (PNG/SVG dialog) or "csv"
Errors are ``core_model.fileio.OutputError`` (one sentence).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Sequence, Tuple

from PySide6.QtCore import QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QGraphicsView, QMenu, QMessageBox, QToolButton, QWidget

from core_model.fileio import OutputError, atomic_path

BACKGROUND = "#161b22"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def save_widget(widget: QWidget, path) -> Path:
    """Render ``widget`` (as it looks now) to ``path``: ``.svg`` as vector drawing, anything else as PNG."""
    path = Path(path)
    size = widget.size()
    if size.isEmpty():
        size = widget.sizeHint()
        widget.resize(size)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            gen = QSvgGenerator()
            gen.setFileName(str(tmp))
            gen.setSize(size)
            gen.setViewBox(QRect(0, 0, size.width(), size.height()))
            gen.setTitle(widget.objectName() or "EPAM Studio chart")
            painter = QPainter(gen)
            painter.fillRect(QRect(0, 0, size.width(), size.height()), QColor(BACKGROUND))
            _render(widget, painter, size)
            painter.end()
        else:
            scale = 2
            image = QImage(QSize(size.width() * scale, size.height() * scale), QImage.Format.Format_ARGB32)
            image.fill(QColor(BACKGROUND))
            painter = QPainter(image)
            painter.scale(scale, scale)
            _render(widget, painter, size)
            painter.end()
            if not image.save(str(tmp), "PNG"):
                raise OutputError(f"Cannot write {path}: the image could not be saved.")
    return path


def _render(widget: QWidget, painter: QPainter, size: QSize) -> None:
    if isinstance(widget, QGraphicsView):  # pyqtgraph plots: the scene as the view shows it (vector items stay vector)
        widget.render(painter, QRectF(0, 0, size.width(), size.height()), widget.viewport().rect())
    else:
        widget.render(painter, QPoint(0, 0))


def save_table(path, header: Sequence[str], rows) -> Path:
    from core_model.review.tables import write_csv

    write_csv(path, header, rows)
    return Path(path)


def export_button(parent: QWidget, entries: List[Tuple[str, str, Callable[[Path], object]]],
                  default_name: Callable[[str], str] = lambda text: "chart") -> QToolButton:
    """A tool button with a menu of exports; each asks for a file name and reports failures in a dialog."""
    button = QToolButton(parent)
    button.setText("Export")
    button.setToolTip("Export the charts (PNG / SVG) or the tables (CSV)")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    for text, kind, fn in entries:
        action = menu.addAction(text)
        action.triggered.connect(lambda _=False, t=text, k=kind, f=fn: _ask_and_save(parent, t, k, f, default_name))
    button.setMenu(menu)
    return button


def _ask_and_save(parent, text, kind, fn, default_name) -> None:
    pattern = IMAGE_FILTER if kind == "image" else "CSV table (*.csv)"
    suffix = ".png" if kind == "image" else ".csv"
    path, chosen = QFileDialog.getSaveFileName(parent, text, default_name(text) + suffix, pattern)
    if not path:
        return
    if not Path(path).suffix:
        path += ".svg" if "svg" in chosen.lower() else suffix
    try:
        fn(Path(path))
    except (OutputError, OSError) as err:
        QMessageBox.warning(parent, "Export failed", str(err))
