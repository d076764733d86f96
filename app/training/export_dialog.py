"""Project ▸ Export fine-tuning set…: the options of ``epam export`` and a background export with Cancel.

The export runs ``core_model.export.export_set`` on a worker thread (``JobManager``: progress, time left,
cancel). It is atomic: a cancelled or failed export leaves nothing behind. ``exported(path)`` fires when a set
is written (the Fine-tune dialog uses it to train on the new set).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, List, Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.common.workers import JobManager

SOURCES = (("labels made by people", ("user",)), ("people's labels and accepted predictions", ("user", "accepted")))
SPLIT_BY = (("video (no video in both splits)", "video"), ("person of a video", "person"),
            ("segment (random, stratified by class)", "random"))
ERROR_STYLE = "color: #e5534b;"
WARNING_STYLE = "color: #f2b84b;"
REMEMBERED = "export/"  # QSettings group of the split choices


def default_set_folder(store) -> Path:
    """``<project folder>/<project name>-set-YYYYmmdd-HHMMSS``, then ``-2``, ``-3`` … (the export refuses a used
    folder, and two exports may fall in the same second)."""
    base = Path(store.path).parent / f"{Path(store.path).stem}-set-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = base, 2
    while path.exists():
        path, n = base.with_name(f"{base.name}-{n}"), n + 1
    return path


def _check_list(items) -> QListWidget:
    widget = QListWidget()
    widget.setMinimumHeight(90)
    for text, data in items:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, data)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        widget.addItem(item)
    return widget


def _checked(widget: QListWidget) -> Optional[List]:
    """Data of the checked items; None when all are checked (= no filter)."""
    data = [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]
    return None if len(data) == widget.count() else data


def _summary(store):
    """(the dialog's first line, segments per label id, segments per video id)."""
    segments = store.segments()
    by_label: Dict[int, int] = {}
    by_video: Dict[int, int] = {}
    for seg in segments:
        by_label[seg.label_id] = by_label.get(seg.label_id, 0) + 1
        by_video[seg.video_id] = by_video.get(seg.video_id, 0) + 1
    accepted = sum(s.source == "accepted" for s in segments)
    text = (f"<b>{Path(store.path).name}</b>: {len(segments)} labeled segment{'s' if len(segments) != 1 else ''} "
            f"({accepted} accepted predictions) in {len(by_video)} of {len(store.videos())} videos.")
    return text, by_label, by_video


class ExportDialog(QDialog):
    """Export the project's labels as a fine-tuning set. ``poses``: video id -> Poses the app already holds."""

    exported = Signal(object)  # Path of the written set

    def __init__(self, store, poses: Optional[Dict[int, object]] = None, parent=None,
                 folder: Optional[Path] = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export fine-tuning set")
        self.store = store
        self.poses = dict(poses or {})
        self.jobs = JobManager(self, max_threads=1)
        self.job = None
        self.result = None  # the ExportedSet once written

        text, by_label, by_video = _summary(store)
        self.summary = QLabel(text)
        self.summary.setWordWrap(True)

        self.folder = QLineEdit(str(folder or default_set_folder(store)))
        self.folder.setObjectName("setFolder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.sources = QComboBox()
        for text, value in SOURCES:
            self.sources.addItem(text, value)
        self.labels = _check_list((f"{lab.name} ({by_label[lab.id]})", lab.name) for lab in store.labels()
                                  if lab.id in by_label)
        self.labels.setObjectName("labelList")
        self.videos = _check_list((f"{rec.name} ({by_video[rec.id]})", str(rec.id)) for rec in store.videos()
                                  if rec.id in by_video)
        self.videos.setObjectName("videoList")
        counts = store.subject_track_counts()  # named subjects: only their tracks' labels when some are unticked
        self.subjects = _check_list((f"{s.name} ({counts[s.id][0]} track{'s' if counts[s.id][0] != 1 else ''})",
                                     s.name) for s in store.subjects() if s.id in counts)
        self.subjects.setObjectName("subjectList")
        self.subjects.setToolTip("All ticked: every track's labels. Untick some: only the ticked subjects' tracks, "
                                 "from every video")

        self._make_how_controls()

        what, how = self._what_box(), self._how_box()

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Choose a new folder; the set is written beside it and moved into place at the end.")
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self._build_buttons()

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        top = QFormLayout()
        top.addRow("Set folder", folder_row)
        layout.addLayout(top)
        layout.addWidget(what, 1)
        layout.addWidget(how)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(760, 560)

        self._wire_split()
        self.jobs.progressed.connect(self._on_progress)
        self.jobs.failed.connect(lambda _job, message: self._ended(message, error=True))
        self.jobs.cancelled.connect(lambda _job: self._ended("Export cancelled: nothing was written."))
        self.jobs.finished.connect(lambda _job, result: self._on_done(result))

    def _make_how_controls(self) -> None:
        """The split, length, padding and clip controls (laid out by ``_how_box``)."""
        self.split = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=1.0, singleStep=0.05, value=0.8)
        self.split.setToolTip("Share of each class's clips in the train split (1 = no validation split)")
        self.split_by = QComboBox()
        for text, value in SPLIT_BY:
            self.split_by.addItem(text, value)
        self.seed = QSpinBox(minimum=0, maximum=2 ** 31 - 1, value=0)
        self.min_frames = QSpinBox(minimum=1, maximum=100000, value=1, suffix=" frames")
        self.pad = QSpinBox(minimum=0, maximum=10000, value=0, suffix=" frames")
        self.pad.setToolTip("Context added before and after each segment (within the video)")
        self.pose_only = QCheckBox("pose only (no video leaves the machine)")
        self.crop = QCheckBox("crop each clip to its person")
        self.blur_faces = QCheckBox("blur faces in the clips")
        self.blur_faces.setToolTip("Pixelate every face (MediaPipe's face detector, plus the poses' heads it misses)")
        self.crf = QSpinBox(minimum=0, maximum=51, value=18)
        self.crf.setToolTip("H.264 quality: 18 = visually lossless, 0 = lossless")
        self.pose_only.toggled.connect(lambda on: (self.crop.setEnabled(not on), self.crf.setEnabled(not on),
                                                   self.blur_faces.setEnabled(not on)))

    def _build_buttons(self) -> None:
        """Export, Cancel export (enabled only while exporting) and Close."""
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.cancel_button = self.buttons.addButton("Cancel export", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setObjectName("cancelExportButton")
        self.cancel_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)

    def _what_box(self) -> QGroupBox:
        """Sources, labels and videos to export."""
        what = QGroupBox("What to export")
        grid = QGridLayout(what)
        grid.addWidget(QLabel("Segments"), 0, 0)
        grid.addWidget(self.sources, 0, 1, 1, 3)
        grid.addWidget(QLabel("Labels"), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.labels, 1, 1)
        grid.addWidget(QLabel("Videos"), 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.videos, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        if self.subjects.count():
            grid.addWidget(QLabel("Subjects"), 1, 4, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.subjects, 1, 5)
            grid.setColumnStretch(5, 1)
        self.subjects.setVisible(self.subjects.count() > 0)
        return what

    def _how_box(self) -> QGroupBox:
        """Split, its warning, clip options."""
        how = QGroupBox("How")
        form = QFormLayout(how)
        split_row = QWidget()
        row = QHBoxLayout(split_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.split)
        row.addWidget(QLabel("by"))
        row.addWidget(self.split_by, 1)
        row.addWidget(QLabel("seed"))
        row.addWidget(self.seed)
        form.addRow("Train share", split_row)
        self.split_warning = QLabel()
        self.split_warning.setObjectName("splitWarning")
        self.split_warning.setWordWrap(True)
        self.split_warning.setStyleSheet(WARNING_STYLE)
        self.by_segment = QPushButton("Split by segment")
        self.by_segment.setObjectName("splitBySegment")
        self.by_segment.setToolTip("Each labelled segment goes to train or validation on its own, per class")
        self.by_segment.clicked.connect(lambda: self.split_by.setCurrentIndex(self.split_by.findData("random")))
        warning_row = QWidget()
        row = QHBoxLayout(warning_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.split_warning, 1)
        row.addWidget(self.by_segment)
        form.addRow("", warning_row)
        clip_row = QWidget()
        row = QHBoxLayout(clip_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("at least"))
        row.addWidget(self.min_frames)
        row.addWidget(QLabel("context"))
        row.addWidget(self.pad)
        row.addWidget(QLabel("quality (crf)"))
        row.addWidget(self.crf)
        row.addStretch(1)
        form.addRow("Clips", clip_row)
        form.addRow("", self.pose_only)
        form.addRow("", self.crop)
        form.addRow("", self.blur_faces)
        return how

    # ---- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None

    def options(self):
        """The :class:`ExportOptions` the controls describe."""
        from core_model.export import ExportOptions

        return ExportOptions(split=self.split.value(), split_by=self.split_by.currentData(), seed=self.seed.value(),
                             min_frames=self.min_frames.value(), pad=self.pad.value(),
                             pose_only=self.pose_only.isChecked(),
                             crop="person" if self.crop.isChecked() and not self.pose_only.isChecked() else None,
                             blur_faces=self.blur_faces.isChecked() and not self.pose_only.isChecked(),
                             crf=self.crf.value(), sources=tuple(self.sources.currentData()),
                             labels=_checked(self.labels), videos=_checked(self.videos), poses=dict(self.poses),
                             subjects=_checked(self.subjects))

    # ---- split -----------------------------------------------------------------------------
    def _restore_split(self) -> None:
        from app.shell.settings import _qsettings

        q = _qsettings()
        try:
            self.split.setValue(float(q.value(REMEMBERED + "split", self.split.value())))
            self.seed.setValue(int(q.value(REMEMBERED + "seed", self.seed.value())))
        except (TypeError, ValueError):
            pass  # a damaged value keeps the default
        index = self.split_by.findData(q.value(REMEMBERED + "split_by", "video"))
        if index >= 0:
            self.split_by.setCurrentIndex(index)

    def _remember_split(self) -> None:
        from app.shell.settings import _qsettings

        q = _qsettings()
        q.setValue(REMEMBERED + "split", float(self.split.value()))
        q.setValue(REMEMBERED + "split_by", self.split_by.currentData())
        q.setValue(REMEMBERED + "seed", int(self.seed.value()))
        q.sync()

    def _wire_split(self) -> None:
        """The remembered split, remembered again when changed; the warning follows every choice."""
        self._restore_split()
        for signal in (self.split.valueChanged, self.split_by.currentIndexChanged, self.seed.valueChanged):
            signal.connect(self._remember_split)
        for signal in (self.split.valueChanged, self.split_by.currentIndexChanged, self.seed.valueChanged,
                       self.sources.currentIndexChanged, self.labels.itemChanged, self.videos.itemChanged,
                       self.min_frames.valueChanged):
            signal.connect(self._check_split)
        self._check_split()

    def _check_split(self, *_args) -> None:
        """Warn when the chosen split leaves classes (or everything) without a validation clip; offer by segment."""
        from app.training.export_split import split_warning

        text, better = split_warning(self.store, self.options())
        self.split_warning.setText(text)
        self.split_warning.setVisible(bool(text))
        self.by_segment.setVisible(better)

    # ---- actions ---------------------------------------------------------------------------
    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New folder for the set", self.folder.text())
        if path:
            self.folder.setText(path)

    def start(self) -> None:
        """Export in the background (a new folder is required)."""
        if self.running:
            return
        text = self.folder.text().strip()
        if not text:
            self._say("Choose a folder for the set.", error=True)
            return
        if self.labels.count() == 0:
            self._say("The project has no labeled segments to export: label some first.", error=True)
            return
        if _checked(self.labels) == [] or _checked(self.videos) == []:
            self._say("Tick at least one label and one video.", error=True)
            return
        if self.subjects.count() and _checked(self.subjects) == []:
            self._say("Tick at least one subject (all ticked: every track's labels).", error=True)
            return
        from core_model.export import export_set

        out, store, options = Path(text).expanduser(), self.store, self.options()
        self.result = None
        self._busy(True)
        self._say(f"Exporting to {out.name}…")
        self.job = self.jobs.start("export", f"Exporting — {out.name}",
                                   lambda progress=None, cancel=None: export_set(store, out, options, progress=progress,
                                                                                 cancel=cancel))

    def cancel(self) -> None:
        if self.job is not None:
            self.jobs.cancel(self.job)
            self._say("Cancelling: removing what was written…")

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the running export ended (closing)."""
        return self.jobs.shutdown(msecs) if self.running else True

    # ---- reactions -------------------------------------------------------------------------
    def _on_progress(self, job) -> None:
        if job.total > 0:
            self.progress.setRange(0, job.total)
            self.progress.setValue(job.done)
            eta = f", about {job.eta:.0f} s left" if job.eta is not None else ""
            self._say(f"Exporting clip {job.done} of {job.total}{eta}.")

    def _on_done(self, result) -> None:
        self.result = result
        train, val = len(result.train), len(result.val)
        kind = "pose-only " if result.pose_only else ""
        n, k = len(result.rows), len(result.classes)
        self._ended(f"Exported {n} {kind}clip{'s' if n != 1 else ''} of {k} class{'es' if k != 1 else ''} "
                    f"({train} train, {val} val) to {result.path}.")
        self.progress.setValue(self.progress.maximum())
        self.exported.emit(Path(result.path))

    def _ended(self, text: str, error: bool = False) -> None:
        self.job = None
        self._busy(False)
        if error or "cancelled" in text:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        self._say(text, error=error)

    def _busy(self, on: bool) -> None:
        self.export_button.setEnabled(not on)
        self.cancel_button.setEnabled(on)
        for w in (self.folder, self.sources, self.labels, self.videos, self.subjects, self.split, self.split_by,
                  self.seed, self.min_frames, self.pad, self.pose_only, self.crop, self.blur_faces, self.crf):
            w.setEnabled(not on)
        if not on:
            self.crop.setEnabled(not self.pose_only.isChecked())
            self.blur_faces.setEnabled(not self.pose_only.isChecked())
            self.crf.setEnabled(not self.pose_only.isChecked())

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def reject(self) -> None:
        """Esc / Close: a running export is cancelled first (it leaves nothing behind)."""
        if self.running:
            self.cancel()
            self.wait()
        super().reject()
