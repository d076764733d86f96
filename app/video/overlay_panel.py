"""Overlay controls: a toggle and an opacity slider per overlay, and the pose-only switch."""
from __future__ import annotations

from typing import Dict, Tuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QSlider, QWidget

from app.video.overlays.stack import OverlayStack

SHORTCUT_HINTS = {"skeleton": "Alt+1", "crop_box": "Alt+2", "heatmap": "Alt+3", "attention": "Alt+4",
                  "sampled": "Alt+5"}


class OverlayPanel(QWidget):
    toggled = Signal(str, bool)
    opacityChanged = Signal(str, float)
    poseOnlyChanged = Signal(bool)

    def __init__(self, stack: OverlayStack, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("overlayPanel")
        self._rows: Dict[str, Tuple[QCheckBox, QSlider]] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(10)
        header = QLabel("Overlays")
        header.setObjectName("panelTitle")
        grid.addWidget(header, 0, 0, 1, 2)
        for r, overlay in enumerate(stack, start=1):
            check = QCheckBox(f"{overlay.title}  ({SHORTCUT_HINTS.get(overlay.key, '')})")
            check.setChecked(overlay.enabled)
            check.toggled.connect(lambda on, k=overlay.key: self.toggled.emit(k, on))
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.setValue(int(round(overlay.opacity * 100)))
            slider.setToolTip("opacity")
            slider.valueChanged.connect(lambda v, k=overlay.key: self.opacityChanged.emit(k, v / 100.0))
            grid.addWidget(check, r, 0)
            grid.addWidget(slider, r, 1)
            self._rows[overlay.key] = (check, slider)
        self.pose_only = QCheckBox("Pose only (hide video)  (P)")
        self.pose_only.toggled.connect(self.poseOnlyChanged)
        grid.addWidget(self.pose_only, len(self._rows) + 1, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def sync(self, stack: OverlayStack, pose_only: bool) -> None:
        """Show the stack's current toggles/opacities without emitting."""
        for overlay in stack:
            check, slider = self._rows[overlay.key]
            for widget, setter, value in ((check, check.setChecked, overlay.enabled),
                                          (slider, slider.setValue, int(round(overlay.opacity * 100)))):
                widget.blockSignals(True)
                setter(value)
                widget.blockSignals(False)
        self.pose_only.blockSignals(True)
        self.pose_only.setChecked(pose_only)
        self.pose_only.blockSignals(False)

    def checkbox(self, key: str) -> QCheckBox:
        return self._rows[key][0]

    def slider(self, key: str) -> QSlider:
        return self._rows[key][1]
