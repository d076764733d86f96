"""A non-blocking error message (the window stays usable behind it): one line, or one line per file."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QMessageBox, QSizePolicy, QSpacerItem, QWidget

TITLE_ROOM_PX = 140  # the title bar's icon and buttons beside the title


def title_font(widget: QWidget) -> QFont:
    """The font a title bar is likely to use: the widget's, bold and a little larger."""
    font = QFont(widget.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1 if font.pointSizeF() > 0 else 11.0)
    return font


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """Open a window-modal warning without blocking the event loop; returns the box.

    The box is at least as wide as its title needs (a short message no longer cuts the title off)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    # QMessageBox leaves only ~50 px beside the title, less than a window manager's title bar takes: a spacer
    # row as wide as the title needs keeps it readable (the box still sizes and wraps its text itself)
    wanted = QFontMetrics(title_font(box)).horizontalAdvance(title) + TITLE_ROOM_PX
    grid = box.layout()
    grid.addItem(QSpacerItem(wanted, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed),
                 grid.rowCount(), 0, 1, grid.columnCount())
    box.open()
    return box
