"""The settings dialog: edits a copy of StudioSettings; the caller saves it on accept.

Checked as the user edits, not at Analyze time: a checkpoint is loaded (in the background) when it is
chosen and its problem shown in one sentence; a window shorter than the model's 16 RGB frames is refused;
switching seconds <-> frames converts the numbers at the video's frame rate; only devices that exist
here are offered.
"""
from __future__ import annotations

import copy
from typing import Optional

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from app.shell.settings import (CLASS_PRESETS, MIN_WINDOW_FRAMES, POSE_DEVICES, POSE_ENGINES, StudioSettings,
                                available_devices)

ASSUMED_FPS = 25.0  # converts seconds <-> frames when no video is open (said in the dialog)
OK_COLOR, BAD_COLOR = "#8fd694", "#ff8a80"


class _CheckSignals(QObject):
    done = Signal(int, bool, str)  # request number, ok, one line


class _CheckRunnable(QRunnable):
    def __init__(self, number: int, path: str, class_list: str, signals: _CheckSignals) -> None:
        super().__init__()
        self.number, self.path, self.class_list, self.signals = number, path, class_list, signals

    def run(self) -> None:
        from app.analysis.core_bridge import check_checkpoint
        from app.common.workers import error_message

        try:
            text, ok = check_checkpoint(self.path, self.class_list), True
        except Exception as exc:  # noqa: BLE001 - any failure is a reason to refuse the file
            text, ok = error_message(exc), False
        self.signals.done.emit(self.number, ok, text)

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
            edit.editingFinished.emit()  # check what was chosen

    button.clicked.connect(browse)
    row.addWidget(button)
    return box


class SettingsDialog(QDialog):
    """Model, analysis and overlay defaults. ``settings()`` returns the edited copy."""

    checked = Signal(bool, str)  # the checkpoint check finished: ok, one line

    def __init__(self, settings: StudioSettings, parent=None, fps: Optional[float] = None, devices=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(600)
        self._settings = copy.deepcopy(settings)
        self._fps = float(fps) if fps and fps > 0 else None
        self._check_number = 0
        self._checkpoint_ok: Optional[bool] = True  # None while checking
        self.window_problem: Optional[str] = None
        self._pool = QThreadPool(self)
        self._signals = _CheckSignals(self)
        self._signals.done.connect(self._on_checked)

        self._make_fields(settings, devices)

        model = QGroupBox("Model")
        form = QFormLayout(model)
        form.addRow("Device", self.device)
        form.addRow("Checkpoint", _with_browse(self.checkpoint, "Choose a checkpoint", "Checkpoints (*.pt *.pth *.pyth *.ckpt);;All files (*)"))
        form.addRow("", self.checkpoint_status)
        form.addRow("Class list", self.class_list)

        analysis = QGroupBox("Analysis")
        form = QFormLayout(analysis)
        form.addRow("Window", self.window)
        form.addRow("Stride", self.stride)
        form.addRow("Unit", self.unit)
        form.addRow("", self.window_status)
        form.addRow("Per person", self.per_person)
        from core_model.project.database import default_author

        self.coder = QLineEdit(settings.coder)  # the author of the labels made here (Coders and blind coding)
        self.coder.setObjectName("coderName")
        self.coder.setPlaceholderText(default_author())
        self.coder.setToolTip("Your coder name: the author of the labels you make (empty: "
                              f"{default_author()}, from $EPAM_CODER or the login name)")
        form.addRow("Coder name", self.coder)

        poses = self._pose_group(settings)
        overlays = self._overlay_group(settings)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        for group in (model, analysis, poses, overlays):
            layout.addWidget(group)
        layout.addWidget(buttons)

        self.unit.currentTextChanged.connect(self._on_unit)
        self.window.valueChanged.connect(self._validate)
        self.stride.valueChanged.connect(self._validate)
        self.checkpoint.editingFinished.connect(self.check_checkpoint)
        self.checkpoint.textChanged.connect(lambda _t: self._mark_unchecked())
        self.class_list.currentTextChanged.connect(lambda _t: self._mark_unchecked())
        self.class_list.lineEdit().editingFinished.connect(self.check_checkpoint)
        self._checked_request = (settings.checkpoint.strip(), settings.class_list.strip())
        self._validate()

    def _make_fields(self, settings: StudioSettings, devices) -> None:
        """The model and analysis fields, filled from ``settings``."""
        self._devices = tuple(devices if devices is not None else available_devices())
        self.device = QComboBox()
        self.device.addItems(list(self._devices))
        self.device.setToolTip("Only devices PyTorch finds here are offered (the CLI's --device takes any and says "
                               "when one is missing)")
        self.device.setCurrentText(settings.device if self.device.findText(settings.device) >= 0 else "auto")
        self.checkpoint = QLineEdit(settings.checkpoint)
        self.checkpoint.setPlaceholderText("none: the untrained network (results are not predictions)")
        self.class_list = QComboBox()
        self.class_list.setEditable(True)
        self.class_list.addItems(CLASS_PRESETS)
        self.class_list.setCurrentText(settings.class_list)
        self.class_list.lineEdit().setPlaceholderText("the model's own list (untrained: ntu120)")
        self.class_list.setToolTip("ntu60, ntu120 or a text file (one class a line); empty = the model's own list")
        self.checkpoint_status = QLabel("")
        self.checkpoint_status.setObjectName("checkpointStatus")
        self.checkpoint_status.setWordWrap(True)
        self.unit = QComboBox()
        self.unit.addItems(["s", "frames"])
        self.unit.setCurrentText(settings.unit)
        self._unit = settings.unit
        self.window = QDoubleSpinBox(decimals=2, minimum=0.01, maximum=100000)
        self.stride = QDoubleSpinBox(decimals=2, minimum=0.01, maximum=100000)
        self._set_decimals()
        self.window.setValue(settings.window)
        self.stride.setValue(settings.stride)
        self.window_status = QLabel("")
        self.window_status.setObjectName("windowStatus")
        self.window_status.setWordWrap(True)
        self.per_person = QCheckBox("one row per window and person")
        self.per_person.setChecked(settings.per_person)
        self.max_people = QSpinBox(minimum=0, maximum=200, value=settings.max_people)
        self.max_people.setSpecialValueText("No limit")  # 0: the video decides how many people are found

    def _pose_group(self, settings: StudioSettings) -> QGroupBox:
        """Pose extraction: people per frame, the engine and the torch engine's device (what auto means here)."""
        group = QGroupBox("Pose extraction")
        form = QFormLayout(group)
        form.addRow("Max people", self.max_people)
        self.pose_engine = QComboBox()
        self.pose_engine.setObjectName("poseEngine")
        self.pose_engine.addItems(list(POSE_ENGINES))
        self.pose_engine.setCurrentText(settings.pose_engine)
        self.pose_engine.setToolTip("auto: the torch engine on a GPU, MediaPipe on a CPU (measured faster there); "
                                    "mediapipe: MediaPipe's own graphs; torch: the same models in PyTorch")
        self.pose_device = QComboBox()
        self.pose_device.setObjectName("poseDevice")
        self.pose_device.addItems([d for d in POSE_DEVICES if d in self._devices])
        self.pose_device.setCurrentText(settings.pose_device if self.pose_device.findText(settings.pose_device) >= 0
                                        else "auto")
        self.pose_device.setToolTip("Where the torch pose engine runs (MediaPipe always runs on the CPU); only "
                                    "devices PyTorch finds here are offered")
        self.pose_status = QLabel("")
        self.pose_status.setObjectName("poseStatus")
        self.pose_status.setWordWrap(True)
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pose_engine, 1)
        lay.addWidget(QLabel("on"))
        lay.addWidget(self.pose_device, 1)
        form.addRow("Engine", row)
        form.addRow("", self.pose_status)
        self.pose_engine.currentTextChanged.connect(self._show_pose_engine)
        self.pose_device.currentTextChanged.connect(self._show_pose_engine)
        self._show_pose_engine()
        return group

    def _show_pose_engine(self, *_args) -> None:
        """Which engine runs with these choices, here (auto resolved), in one line under them."""
        engine, device = self.pose_engine.currentText(), self.pose_device.currentText()
        gpu = "cuda" in self._devices and device != "cpu"
        if engine == "auto":
            engine = "torch" if gpu else "mediapipe"
            text = ("auto: the torch engine on the GPU" if gpu
                    else "auto: MediaPipe on the CPU (no GPU here; the faster engine on a CPU)")
        elif engine == "torch":
            text = f"the torch engine on the {'GPU' if gpu else 'CPU'}" + ("" if gpu else " (slower than MediaPipe there)")
        else:
            text = "MediaPipe on the CPU (the device is the torch engine's)"
        self.pose_status.setText(text + ".")
        self.pose_status.setToolTip("Poses are cached per engine: switching back finds the poses made before.")

    def _overlay_group(self, settings: StudioSettings) -> QGroupBox:
        """One cell per overlay (shown, opacity), two to a row, and the pose-only switch."""
        group = QGroupBox("Overlay defaults")
        grid = QGridLayout(group)
        self._overlay_widgets = {}
        for i, (key, title) in enumerate(OVERLAY_TITLES.items()):
            values = settings.overlays.get(key, {})
            check = QCheckBox(title)
            check.setToolTip(f"{title}: shown when a video opens")
            check.setChecked(bool(values.get("enabled", True)))
            opacity = QSpinBox(minimum=0, maximum=100, suffix=" %", value=int(round(100 * values.get("opacity", 1.0))))
            opacity.setToolTip(f"{title}: opacity")
            row, col = divmod(i, 2)
            grid.addWidget(check, row, 2 * col)
            grid.addWidget(opacity, row, 2 * col + 1)
            self._overlay_widgets[key] = (check, opacity)
        self.pose_only = QCheckBox("pose-only view (hide video pixels)")
        self.pose_only.setChecked(settings.pose_only)
        grid.addWidget(self.pose_only, (len(OVERLAY_TITLES) + 1) // 2, 0, 1, 4)
        return group

    # checks ------------------------------------------------------------------------------------
    def fps_used(self) -> float:
        """The frame rate seconds <-> frames are converted at (the video's, else ``ASSUMED_FPS``)."""
        return self._fps or ASSUMED_FPS

    def window_frames(self) -> float:
        return self.window.value() * (self.fps_used() if self.unit.currentText() == "s" else 1.0)

    def _set_decimals(self) -> None:
        frames = self.unit.currentText() == "frames"
        for box in (self.window, self.stride):
            box.setDecimals(0 if frames else 2)
            box.setMinimum(1 if frames else 0.01)

    def _on_unit(self, unit: str) -> None:
        """Convert the numbers to the new unit at the video's frame rate (2.00 s -> 50 frames at 25 fps)."""
        if unit == self._unit:
            return
        factor = self.fps_used() if unit == "frames" else 1.0 / self.fps_used()
        values = [box.value() * factor for box in (self.window, self.stride)]
        if unit == "frames":
            values = [max(1.0, round(v)) for v in values]
        self._unit = unit
        self._set_decimals()
        for box, value in zip((self.window, self.stride), values):
            box.setValue(value)
        self._validate()

    def _validate(self, *_args) -> None:
        frames = self.window_frames()
        note = "" if self._fps else f" (no video open: {ASSUMED_FPS:g} fps assumed)"
        if frames < MIN_WINDOW_FRAMES - 1e-6:
            self.window_problem = (f"A window of {frames:.0f} frames is shorter than the model's {MIN_WINDOW_FRAMES} "
                                   f"RGB frames{note}: it is never useful, make it at least "
                                   f"{MIN_WINDOW_FRAMES / self.fps_used():.2f} s ({MIN_WINDOW_FRAMES} frames).")
            self._show(self.window_status, False, self.window_problem)
        else:
            self.window_problem = None
            other = (f"{frames:.0f} frames" if self.unit.currentText() == "s"
                     else f"{frames / self.fps_used():.2f} s")
            self._show(self.window_status, True, f"window = {other} at {self.fps_used():.3g} fps{note}")
        self._update_ok()

    def check_checkpoint(self) -> None:
        """Load the chosen checkpoint (with the class list) in the background; the answer shows under it."""
        path, classes = self.checkpoint.text().strip(), self.class_list.currentText().strip()
        self._check_number += 1
        self._checked_request = (path, classes)
        if not path:
            self._checkpoint_ok = True
            self._show(self.checkpoint_status, True, "")
            self._update_ok()
            return
        self._checkpoint_ok = None
        self.checkpoint_status.setText("checking the checkpoint…")
        self.checkpoint_status.setStyleSheet("")
        self._update_ok()
        self._pool.start(_CheckRunnable(self._check_number, path, classes, self._signals))

    def _mark_unchecked(self) -> None:
        if (self.checkpoint.text().strip(), self.class_list.currentText().strip()) != self._checked_request:
            self._checkpoint_ok = None if self.checkpoint.text().strip() else True
            self.checkpoint_status.setText("")
            self._update_ok()

    def _on_checked(self, number: int, ok: bool, text: str) -> None:
        if number != self._check_number:
            return  # an older request
        self._checkpoint_ok = ok
        self._show(self.checkpoint_status, ok, ("✓ " if ok else "") + text)
        self._update_ok()
        self.checked.emit(ok, text)

    def _show(self, label: QLabel, ok: bool, text: str) -> None:
        label.setText(text)
        label.setStyleSheet(f"color: {OK_COLOR if ok else BAD_COLOR};")

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.window_problem is None and self._checkpoint_ok is not False)

    def accept(self) -> None:
        if self._checkpoint_ok is None and self.checkpoint.text().strip():
            self.checked.connect(self._accept_if_ok)  # typed and OK at once: accept once the check says yes
            self.check_checkpoint()
            return
        if self.window_problem is None and self._checkpoint_ok is not False:
            super().accept()

    def _accept_if_ok(self, ok: bool, _text: str) -> None:
        self.checked.disconnect(self._accept_if_ok)
        if ok:
            self.accept()

    def done(self, result: int) -> None:
        self._check_number += 1  # a check still running is ignored
        super().done(result)

    def settings(self) -> StudioSettings:
        s = self._settings
        s.device = self.device.currentText()
        s.checkpoint = self.checkpoint.text().strip()
        s.class_list = self.class_list.currentText().strip()
        s.window, s.stride, s.unit = self.window.value(), self.stride.value(), self.unit.currentText()
        s.per_person = self.per_person.isChecked()
        s.max_people = self.max_people.value()
        s.pose_engine, s.pose_device = self.pose_engine.currentText(), self.pose_device.currentText()
        s.overlays = {key: {"enabled": c.isChecked(), "opacity": o.value() / 100.0}
                      for key, (c, o) in self._overlay_widgets.items()}
        s.pose_only = self.pose_only.isChecked()
        s.coder = " ".join(self.coder.text().split())[:80]
        return s
