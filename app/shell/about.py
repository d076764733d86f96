"""Help ▸ About: EPAM Studio's version, the torch / MediaPipe / Qt versions and the device in use."""
from __future__ import annotations

import html
from typing import Dict

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from core_model.version import device_description, runtime_versions


def about_rows(device_setting: str = "auto") -> Dict[str, str]:
    """What the About box lists, in order (also what "Copy" puts on the clipboard)."""
    rows = runtime_versions()
    rows["Qt"] = f"{qVersion()} (PySide6 {PySide6.__version__})"
    rows["Device"] = f"{device_description(device_setting)} (setting: {device_setting})"
    return rows


class AboutDialog(QDialog):
    """Version table with a Copy button (for bug reports)."""

    def __init__(self, device_setting: str = "auto", parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About EPAM Studio")
        self.setObjectName("aboutDialog")
        self.rows = about_rows(device_setting)
        table = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>"
                        for k, v in self.rows.items())
        self.label = QLabel(
            "<h3>EPAM Studio</h3><p>Inspect, label and fine-tune EPAM-Net, a pose-driven attention-guided "
            f"action recognition network.</p><table>{table}</table>", self)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setToolTip("Copy the versions and the device (for a bug report)")
        copy.clicked.connect(self.copy_to_clipboard)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self.resize(480, 320)

    def text(self) -> str:
        """The rows as plain ``name: value`` lines."""
        return "\n".join(f"{k}: {v}" for k, v in self.rows.items())

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
