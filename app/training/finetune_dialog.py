"""Project ▸ Fine-tune…: train EPAM-Net on a fine-tuning set in a subprocess, with a live plot and Stop.

Choose the set (or export one from the project now), the preset and the epochs; the run is ``epam train``
(``app/training/training_process.py``), so the app stays responsive. When it ends, the dialog offers to use the new
model and to analyze the project's videos again (``app/analysis/reanalysis.py``), then shows what changed
(``app/training/what_changed.py``). The model in use is always named at the top.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core_model.formatting import format_percent

from app.shell.settings import DEVICES, StudioSettings
from app.training.training_process import DONE, FAILED, TrainingProcess, train_args
from app.training.training_plot import TrainingPlot

ERROR_STYLE = "color: #e5534b;"
DEFAULT_PRESET = "cpu-quick"


def model_in_use(checkpoint: str) -> str:
    """'the untrained network …', 'trained run RUN (best.pt)' or 'checkpoint NAME' for a checkpoint setting."""
    if not checkpoint:
        return "the untrained network (its outputs are not predictions)"
    path = Path(checkpoint)
    if (path.parent / "metrics.json").is_file() or (path.parent / "train_state.pt").is_file():  # a run (or stopped)
        return f"trained run {path.parent.name} ({path.name})"
    return f"checkpoint {path.name}"


def latest_set(store) -> Optional[Path]:
    """The newest exported set beside the project (``NAME-set-*`` with a set.json), if any."""
    if store is None:
        return None
    folder = Path(store.path).parent
    sets = [p for p in folder.glob(f"{Path(store.path).stem}-set-*") if (p / "set.json").is_file()]
    return max(sets, key=lambda p: p.stat().st_mtime) if sets else None


def default_run_folder(store, data: Path) -> Path:
    """``NAME.epam-data/runs/run-<time>`` for a project, else ``<set>-run-<time>`` beside the set."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return (Path(store.data_dir) / "runs" / f"run-{stamp}") if store is not None else \
        data.with_name(f"{data.name}-run-{stamp}")


def _presets() -> List[tuple]:
    """(name, preset JSON) of the shipped presets, read directly (importing core_model.training loads torch)."""
    import json

    from core_model.paths import RESOURCES

    out = []
    for path in sorted((RESOURCES / "presets").glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw["phases"] = {k: v for k, v in raw["phases"].items() if {"epochs", "batch", "lr"} <= set(v)}
        except (OSError, ValueError, KeyError, AttributeError):
            continue  # a broken preset file is not offered (epam train would name the problem)
        out.append((path.stem, raw))
    return out


class FinetuneDialog(QDialog):
    """Train on a set; offer the result. ``use_model(path)`` makes a checkpoint the app's model (default: it
    sets ``settings.checkpoint``); ``jobs``/``session``/``results`` are the window's (re-analysis)."""

    def __init__(self, store=None, settings: Optional[StudioSettings] = None, *, jobs=None, session=None,
                 results=None, use_model: Optional[Callable[[str], None]] = None,
                 seek: Optional[Callable[[int, int], None]] = None, data: Optional[Path] = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("finetuneDialog")
        self.setWindowTitle("Fine-tune EPAM-Net")
        self.store, self.settings = store, settings or StudioSettings()
        self._jobs, self.session, self.results = jobs, session, results
        self._use_model, self._seek = use_model, seek
        self.run: Optional[TrainingProcess] = None
        self.outcome = None
        self.reanalysis = None
        self.what_changed = None
        self.export_dialog = None
        self.extra_args: List[str] = []  # more `epam train` arguments (tests: --workers 0, --batch 2)
        self._close_when_stopped = False

        self.model_label = QLabel()
        self.model_label.setObjectName("modelInUse")
        self.model_label.setWordWrap(True)
        self._show_model()

        data_box = self._data_box(data)
        recipe = self._recipe_box()

        # run
        self.plot = TrainingPlot()
        self.plot.setMinimumHeight(200)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Choose a set and press Start: training runs in the background; Stop saves first.")
        self.status.setObjectName("trainStatus")
        self.status.setWordWrap(True)

        # after the run
        self._build_offer()

        self._build_buttons()

        layout = QVBoxLayout(self)
        layout.addWidget(self.model_label)
        layout.addWidget(data_box)
        layout.addWidget(recipe)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.offer)
        layout.addWidget(self.buttons)
        self.resize(940, 660)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    def _data_box(self, data: Optional[Path]) -> QGroupBox:
        """The set to train on: a path, Browse…, Export one now…."""
        store = self.store
        self.data = QLineEdit(str(data or latest_set(store) or ""))
        self.data.setObjectName("setPath")
        self.data.setPlaceholderText("an exported set folder, a synthetic set, or a PYSKL .pkl")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.export_button = QPushButton("Export one now…")
        self.export_button.setObjectName("exportNow")
        self.export_button.setEnabled(store is not None)
        self.export_button.setToolTip("Export the project's labels as a new set (Project ▸ Export fine-tuning set…)"
                                      if store is not None else "Open a project to export its labels")
        self.export_button.clicked.connect(self.export_now)
        data_box = QGroupBox("Fine-tuning set")
        row = QHBoxLayout(data_box)
        row.addWidget(self.data, 1)
        row.addWidget(browse)
        row.addWidget(self.export_button)
        return data_box

    def _recipe_box(self) -> QGroupBox:
        """Preset, epochs, device, start weights, run folder, without validation."""
        store = self.store
        self.presets = _presets()
        self.preset = QComboBox()
        self.preset.setObjectName("presetBox")
        for name, preset in self.presets:
            self.preset.addItem(name, name)
            self.preset.setItemData(self.preset.count() - 1, preset.get("description", ""),
                                    Qt.ItemDataRole.ToolTipRole)
        self.epochs = QSpinBox(minimum=1, maximum=10000)
        self.epochs.setObjectName("epochsBox")
        self.epochs.setSuffix(" epochs")
        self.preset.currentIndexChanged.connect(self._on_preset)
        index = self.preset.findData(DEFAULT_PRESET)
        self.preset.setCurrentIndex(max(0, index))
        self._on_preset()
        self.init = QCheckBox("start from the model in use")
        self.init.setToolTip("Fine-tune the checkpoint in use (a head for another class count is replaced); "
                             "unticked: train from scratch")
        self.init.setChecked(bool(self.settings.checkpoint))
        self.init.setEnabled(bool(self.settings.checkpoint))
        self.no_val = QCheckBox("train without validation")
        self.no_val.setObjectName("noValidation")
        self.no_val.setToolTip("For a set without validation clips (e.g. one labelled video): no best checkpoint, "
                               "the last one is kept after every epoch (epam train --no-val)")
        self.device = QComboBox()
        self.device.addItems([d for d in DEVICES if d != "mps"])
        self.device.setCurrentText(self.settings.device if self.settings.device in DEVICES else "auto")
        self.run_dir = QLineEdit()
        self.run_dir.setPlaceholderText("automatic: " + ("PROJECT.epam-data/runs/run-<time>" if store is not None
                                                         else "<set>-run-<time> beside the set"))
        recipe = QGroupBox("Training")
        form = QFormLayout(recipe)
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.preset, self.epochs, QLabel("device"), self.device, self.init):
            row.addWidget(w)
        row.addStretch(1)
        form.addRow("Preset", line)
        self.preset_note = QLabel()
        self.preset_note.setWordWrap(True)
        self.preset_note.setStyleSheet("color: #8b97a8;")
        form.addRow("", self.preset_note)
        form.addRow("Run folder", self.run_dir)
        form.addRow("", self.no_val)
        self._on_preset()
        return recipe

    def _build_offer(self) -> None:
        """The panel shown after a run: use the new model (and analyze again), the analysis progress."""
        self.offer = QFrame()
        self.offer.setObjectName("offerPanel")
        self.offer.setFrameShape(QFrame.Shape.StyledPanel)
        offer = QVBoxLayout(self.offer)
        self.offer_text = QLabel()
        self.offer_text.setWordWrap(True)
        buttons = QHBoxLayout()
        self.use_reanalyze = QPushButton("Use the new model and analyze the project's videos again")
        self.use_reanalyze.setObjectName("useAndReanalyze")
        self.use_only = QPushButton("Use the new model")
        self.use_only.setObjectName("useModel")
        self.cancel_reanalysis = QPushButton("Cancel analysis")
        self.cancel_reanalysis.setObjectName("cancelReanalysis")
        self.use_reanalyze.clicked.connect(lambda: self.use_new_model(reanalyze=True))
        self.use_only.clicked.connect(lambda: self.use_new_model(reanalyze=False))
        self.cancel_reanalysis.clicked.connect(self.cancel_analysis)
        for b in (self.use_reanalyze, self.use_only, self.cancel_reanalysis):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.analysis_progress = QProgressBar()
        self.analysis_progress.setRange(0, 1000)
        offer.addWidget(self.offer_text)
        offer.addLayout(buttons)
        offer.addWidget(self.analysis_progress)
        self.offer.hide()

    def _build_buttons(self) -> None:
        """Start, Stop (enabled only while training) and Close."""
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start training", QDialogButtonBox.ButtonRole.ActionRole)
        self.start_button.setObjectName("startTraining")
        self.stop_button = self.buttons.addButton("Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.stop_button.setObjectName("stopTraining")
        self.stop_button.setToolTip("Stop after the current batch (validation is skipped); the last checkpoint is "
                                    "saved (resume with epam train --resume)")
        self.stop_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.reject)

    # ---- state -----------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.run is not None and self.run.running

    @property
    def jobs(self):
        if self._jobs is None:
            from app.common.workers import JobManager

            self._jobs = JobManager(self)
        return self._jobs

    def _show_model(self) -> None:
        self.model_label.setText(f"Model in use: <b>{model_in_use(self.settings.checkpoint)}</b>")

    def _on_preset(self) -> None:
        name = self.preset.currentData()
        preset = next((p for n, p in self.presets if n == name), None)
        if preset is None:
            return
        phases, default = preset["phases"], preset.get("default_phase", "joint")
        recipe = phases.get(default) or next(iter(phases.values()), None)
        if recipe is not None:
            self.epochs.setValue(int(recipe["epochs"]))
        if hasattr(self, "preset_note"):
            i = preset.get("inputs") or {}
            text = ", ".join(f"{p}: batch {r['batch']}, lr {r['lr']:g}, {r['epochs']} epochs by default"
                             for p, r in phases.items() if default in (p, "all"))
            self.preset_note.setText(f"{i.get('rgb_frames', 16)} RGB frames of {i.get('rgb_size', 224)} px, "
                                     f"{i.get('pose_frames', 48)} heatmaps of {i.get('heatmap_size', 56)} px; {text}.")

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    # ---- data ------------------------------------------------------------------------------
    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a fine-tuning set", self.data.text())
        if path:
            self.data.setText(path)

    def export_now(self) -> None:
        """Open the Export dialog; the set it writes becomes this run's data."""
        if self.store is None:
            return
        from app.training.export_dialog import ExportDialog

        poses = {}
        for entry in (self.session.entries if self.session is not None else []):
            if entry.project_id is not None and entry.poses is not None:
                poses[entry.project_id] = entry.poses
        self.export_dialog = ExportDialog(self.store, poses, self)
        self.export_dialog.exported.connect(lambda path: self.data.setText(str(path)))
        self.export_dialog.open()

    # ---- training --------------------------------------------------------------------------
    def args(self) -> List[str]:
        """The ``epam train`` arguments of the current choices (the run folder is fixed here when automatic)."""
        data = Path(self.data.text().strip()).expanduser()
        if not self.run_dir.text().strip():
            self.run_dir.setText(str(default_run_folder(self.store, data)))
        init = self.settings.checkpoint if self.init.isChecked() and self.settings.checkpoint else None
        return train_args(data, Path(self.run_dir.text().strip()).expanduser(), preset=self.preset.currentData(),
                          epochs=self.epochs.value(), init=init, device=self.device.currentText(),
                          no_val=self.no_val.isChecked()) + self.extra_args

    def start(self) -> None:
        if self.training:
            return
        text = self.data.text().strip()
        if not text:
            self._say("Choose a fine-tuning set first (or export one from the project now).", error=True)
            return
        if not Path(text).expanduser().exists():
            self._say(f"{text} does not exist: choose a set folder or a .pkl file.", error=True)
            return
        if Path(text).expanduser().is_dir():  # a quick check before a subprocess starts (numpy only)
            from core_model.errors import EpamError
            from core_model.export import load_set

            try:
                chosen = load_set(Path(text).expanduser())
            except EpamError as err:
                self._say(str(err), error=True)
                return
            if not chosen.val and not self.no_val.isChecked():
                self._say(f"{chosen.path.name} has no validation clips: tick \"train without validation\", or "
                          f"export the set again split by segment.", error=True)
                return
        if self.run_dir.text().strip() and (Path(self.run_dir.text().strip()) / "last.pt").exists():
            self.run_dir.clear()  # a finished run's folder: start a new one
        args = self.args()
        out_dir = Path(self.run_dir.text().strip()).expanduser()
        self.plot.clear()
        self.offer.hide()
        self.outcome = None
        self.run = TrainingProcess(args, out_dir, self)
        self.run.event.connect(self._on_event)
        self.run.finished.connect(self._on_finished)
        self._busy(True)
        self.progress.setRange(0, 0)
        self._say("Starting: loading the data and building the model…")
        self.run.start()

    def stop(self) -> None:
        if self.training:
            first = not self.run.stopping
            self.run.stop()
            self._say("Stopping: the run saves the last checkpoint after the current batch (validation is "
                      "skipped; --resume does it)…" if first else
                      "Stopping now, without saving…")
            self.stop_button.setText("Stop now")

    def _busy(self, on: bool) -> None:
        self.start_button.setEnabled(not on)
        self.stop_button.setEnabled(on)
        self.stop_button.setText("Stop")
        for w in (self.data, self.export_button, self.preset, self.epochs, self.device, self.run_dir, self.no_val):
            w.setEnabled(not on)
        self.export_button.setEnabled(not on and self.store is not None)
        self.init.setEnabled(not on and bool(self.settings.checkpoint))

    def _on_event(self, event: dict) -> None:
        self.plot.add_event(event)
        kind = event.get("event")
        if kind == "start":
            data = event.get("data") or {}
            self._say(f"Training on {event.get('device')}: {data.get('train_clips')} training and "
                      f"{data.get('val_clips')} validation clips of {len(event.get('classes') or [])} classes "
                      f"({event.get('preset')}); the first batch takes longest.")
        elif kind == "batch":
            steps = int(event.get("steps") or 1)
            self.progress.setRange(0, steps)
            self.progress.setValue(int(event.get("step") or 0))
            self._say(f"{event.get('phase')} · epoch {event.get('epoch')}/{event.get('epochs')} · step "
                      f"{event.get('step')}/{steps} · loss {float(event.get('loss') or 0):.3f} · "
                      f"{float(event.get('clips_per_s') or 0):.1f} clips/s")
        elif kind == "epoch":
            val = event.get("val") or {}
            self._say(f"Epoch {event.get('epoch')}/{event.get('epochs')} ({event.get('phase')}): validation "
                      f"accuracy fused {format_percent(val.get('acc_fused'), 0)}, "
                      f"RGB {format_percent(val.get('acc_rgb'), 0)}, "
                      f"pose {format_percent(val.get('acc_pose'), 0)}"
                      + (" — best so far." if event.get("best") else "."))

    def _on_finished(self, outcome) -> None:
        self.outcome = outcome
        self._busy(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if outcome.status == DONE else 0)
        self._say(outcome.message, error=outcome.status == FAILED)
        if self._close_when_stopped:
            super().reject()
            return
        if outcome.checkpoint is not None:
            self._offer(outcome)

    def _offer(self, outcome) -> None:
        name = f"{Path(outcome.out_dir).name}/{outcome.checkpoint.name}"
        what = "the best checkpoint" if outcome.checkpoint.name == "best.pt" else "the last checkpoint"
        text = f"Use {what} ({name}) as the model"  # the status line above already says how the run ended
        text += (" and analyze the project's videos again to see what changed?" if self.store is not None else "?")
        self.offer_text.setText(text)
        self.use_reanalyze.setVisible(self.store is not None)
        self.use_reanalyze.setEnabled(True)
        self.use_only.setEnabled(True)
        self.cancel_reanalysis.hide()
        self.analysis_progress.hide()
        self.offer.show()

    # ---- after training --------------------------------------------------------------------
    def use_new_model(self, reanalyze: bool) -> None:
        """Make the run's checkpoint the app's model; with ``reanalyze``, analyze every project video again."""
        if self.outcome is None or self.outcome.checkpoint is None:
            return
        path = str(self.outcome.checkpoint.resolve())
        if self._use_model is not None:
            self._use_model(path)
        self.settings.checkpoint = path
        self._show_model()
        self.use_only.setEnabled(False)
        self.use_reanalyze.setEnabled(False)
        if not reanalyze or self.store is None:
            self.offer_text.setText(f"Now using {model_in_use(path)}. Analyze videos (Ctrl+R) to see its predictions.")
            return
        from app.analysis.reanalysis import Reanalysis

        self.reanalysis = Reanalysis(self.store, self.settings, self.jobs, self.session, self.results, self)
        self.reanalysis.progressed.connect(self._on_analysis_progress)
        self.reanalysis.finished.connect(self._on_analysis_done)
        self.cancel_reanalysis.show()
        self.cancel_reanalysis.setEnabled(True)
        self.analysis_progress.show()
        self.analysis_progress.setValue(0)
        self.start_button.setEnabled(False)
        self.reanalysis.start()

    def cancel_analysis(self) -> None:
        if self.reanalysis is not None and self.reanalysis.running:
            self.reanalysis.cancel()
            self.cancel_reanalysis.setEnabled(False)

    def _on_analysis_progress(self, fraction: float, text: str) -> None:
        self.analysis_progress.setValue(int(round(1000 * fraction)))
        self.offer_text.setText(text)

    def _on_analysis_done(self, outcome) -> None:
        from app.training.what_changed import WhatChangedDialog, compare_results

        self.cancel_reanalysis.hide()
        self.start_button.setEnabled(True)
        self.offer_text.setText(outcome.summary())
        if self._close_when_stopped:
            super().reject()
            return
        if not outcome.after:
            return
        what = compare_results(self.store, outcome.before, outcome.after)
        self.what_changed = WhatChangedDialog(what, self.parent() or self, seek=self._seek)
        self.what_changed.show()

    # ---- closing ---------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc / Close. A running training is stopped first (it saves), after asking."""
        busy = self.training or (self.reanalysis is not None and self.reanalysis.running)
        if not busy:
            super().reject()
            return
        what = "Training" if self.training else "The analysis"
        answer = QMessageBox.question(self, "Fine-tune", f"{what} is running. Stop it and close this window? "
                                      + ("The last checkpoint is saved first." if self.training else ""))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._close_when_stopped = True
        self.hide()
        if self.training:
            self.run.stop()
        else:
            self.reanalysis.cancel()

    def _on_quit(self) -> None:
        if self.training:  # quitting the app: let the trainer save before it goes
            self.run.stop()
            self.run.wait(60000)
