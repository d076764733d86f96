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
        self._fixed = len(self._rows)
        self.products_box = QWidget()  # a row per attention product of the shown result (``set_products``)
        self.products_box.setObjectName("productOverlays")
        self._product_grid = QGridLayout(self.products_box)
        self._product_grid.setContentsMargins(0, 0, 0, 0)
        self._product_grid.setHorizontalSpacing(10)
        self._product_grid.setColumnStretch(1, 1)
        self.products_box.setVisible(False)
        grid.addWidget(self.products_box, self._fixed + 1, 0, 1, 2)
        self.pose_only = QCheckBox("Pose only (hide video)  (P)")
        self.pose_only.toggled.connect(self.poseOnlyChanged)
        grid.addWidget(self.pose_only, self._fixed + 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def set_products(self, stack: OverlayStack) -> None:
        """A toggle and an opacity slider per product overlay of the stack (the shown result's products)."""
        for key in [k for k in self._rows if k.startswith("product:")]:
            for widget in self._rows.pop(key):
                self._product_grid.removeWidget(widget)
                widget.deleteLater()
        for r, overlay in enumerate(stack.products()):
            check = QCheckBox(overlay.title)
            check.setToolTip(f"Attention product {overlay.name} ({overlay.kind})")
            check.setChecked(overlay.enabled)
            check.toggled.connect(lambda on, k=overlay.key: self.toggled.emit(k, on))
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.setValue(int(round(overlay.opacity * 100)))
            slider.setToolTip("opacity")
            slider.valueChanged.connect(lambda v, k=overlay.key: self.opacityChanged.emit(k, v / 100.0))
            self._product_grid.addWidget(check, r, 0)
            self._product_grid.addWidget(slider, r, 1)
            self._rows[overlay.key] = (check, slider)
        self.products_box.setVisible(bool(stack.products()))

    def sync(self, stack: OverlayStack, pose_only: bool) -> None:
        """Show the stack's current toggles/opacities without emitting."""
        for overlay in [*stack, *stack.products()]:
            if overlay.key not in self._rows:
                continue
            check, slider = self._rows[overlay.key]
            for widget, setter, value in ((check, check.setChecked, overlay.enabled),
                                          (slider, slider.setValue, int(round(overlay.opacity * 100)))):
                widget.blockSignals(True)
                setter(value)
                widget.blockSignals(False)
        self.pose_only.blockSignals(True)
        self.pose_only.setChecked(pose_only)
        self.pose_only.blockSignals(False)

    def product_rows(self) -> list:
        """The product rows' keys, in panel order."""
        return [k for k in self._rows if k.startswith("product:")]

    def checkbox(self, key: str) -> QCheckBox:
        return self._rows[key][0]

    def slider(self, key: str) -> QSlider:
        return self._rows[key][1]
