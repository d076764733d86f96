"""A non-blocking error message (the window stays usable behind it): one line, or one line per file."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

TITLE_ROOM_PX = 140  # the title bar's icon and buttons beside the title


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """Open a window-modal warning without blocking the event loop; returns the box.

    The box is at least as wide as its title needs (a short message no longer cuts the title off)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    wanted = box.fontMetrics().horizontalAdvance(title) + TITLE_ROOM_PX
    # QMessageBox sizes itself from its label: give the label the room the title needs
    box.setStyleSheet(f"QLabel#qt_msgbox_label {{ min-width: {max(0, wanted - 120)}px; }}")
    box.open()
    return box
