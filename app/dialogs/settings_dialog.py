"""The settings dialog: edits a copy of StudioSettings; the caller saves it on accept."""
from __future__ import annotations

import copy

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from ..settings import CLASS_PRESETS, DEVICES, StudioSettings

OVERLAY_TITLES = {"skeleton": "Skeletons", "crop_box": "Crop box", "heatmap": "Pose heatmap",
                  "attention": "Spatial attention", "sampled": "Sampled frames"}


def _with_browse(edit: QLineEdit, caption: str, pattern: str) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    button = QPushButton("Browse…")

    def browse() -> None:
        path, _ = QFileDialog.getOpenFileName(box, caption, edit.text(), pattern)
        if path:
            edit.setText(path)

    button.clicked.connect(browse)
    row.addWidget(button)
    return box


class SettingsDialog(QDialog):
    """Model, analysis and overlay defaults. ``settings()`` returns the edited copy."""

    def __init__(self, settings: StudioSettings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(520)
        self._settings = copy.deepcopy(settings)

        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(settings.device)
        self.checkpoint = QLineEdit(settings.checkpoint)
        self.checkpoint.setPlaceholderText("none: the untrained network (results are not predictions)")
        self.class_list = QComboBox()
        self.class_list.setEditable(True)
        self.class_list.addItems(CLASS_PRESETS)
        self.class_list.setCurrentText(settings.class_list)
        self.class_list.lineEdit().setPlaceholderText("the model's own list (untrained: ntu120)")
        self.class_list.setToolTip("ntu60, ntu120 or a text file (one class a line); empty = the model's own list")
        self.window = QDoubleSpinBox(decimals=2, minimum=0.1, maximum=10000, value=settings.window)
        self.stride = QDoubleSpinBox(decimals=2, minimum=0.1, maximum=10000, value=settings.stride)
        self.unit = QComboBox()
        self.unit.addItems(["s", "frames"])
        self.unit.setCurrentText(settings.unit)
        self.per_person = QCheckBox("one row per window and person")
        self.per_person.setChecked(settings.per_person)
        self.max_people = QSpinBox(minimum=1, maximum=16, value=settings.max_people)

        model = QGroupBox("Model")
        form = QFormLayout(model)
        form.addRow("Device", self.device)
        form.addRow("Checkpoint", _with_browse(self.checkpoint, "Choose a checkpoint", "Checkpoints (*.pt *.pth *.pyth *.ckpt);;All files (*)"))
        form.addRow("Class list", self.class_list)

        analysis = QGroupBox("Analysis")
        form = QFormLayout(analysis)
        form.addRow("Window", self.window)
        form.addRow("Stride", self.stride)
        form.addRow("Unit", self.unit)
        form.addRow("Per person", self.per_person)
        form.addRow("Max people (pose)", self.max_people)

        overlays = QGroupBox("Overlay defaults")
        form = QFormLayout(overlays)
        self._overlay_widgets = {}
        for key, title in OVERLAY_TITLES.items():
            values = settings.overlays.get(key, {})
            check = QCheckBox("shown")
            check.setChecked(bool(values.get("enabled", True)))
            opacity = QSpinBox(minimum=0, maximum=100, suffix=" %", value=int(round(100 * values.get("opacity", 1.0))))
            row = QWidget()
            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(check)
            lay.addWidget(opacity)
            form.addRow(title, row)
            self._overlay_widgets[key] = (check, opacity)
        self.pose_only = QCheckBox("pose-only view (hide video pixels)")
        self.pose_only.setChecked(settings.pose_only)
        form.addRow("", self.pose_only)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for group in (model, analysis, overlays):
            layout.addWidget(group)
        layout.addWidget(buttons)

    def settings(self) -> StudioSettings:
        s = self._settings
        s.device = self.device.currentText()
        s.checkpoint = self.checkpoint.text().strip()
        s.class_list = self.class_list.currentText().strip()
        s.window, s.stride, s.unit = self.window.value(), self.stride.value(), self.unit.currentText()
        s.per_person = self.per_person.isChecked()
        s.max_people = self.max_people.value()
        s.overlays = {key: {"enabled": c.isChecked(), "opacity": o.value() / 100.0}
                      for key, (c, o) in self._overlay_widgets.items()}
        s.pose_only = self.pose_only.isChecked()
        return s
