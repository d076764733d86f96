"""Running jobs in the status bar: title, progress bar, throughput and time left, and a cancel button per job.

Only the oldest job's row is shown, followed by "+N more" (the others in its tooltip; Ctrl+. cancels
them all), and titles are clipped: however many jobs run, the status bar never widens the window.
"""
from __future__ import annotations

from typing import Dict

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app.common.eta import format_eta, format_throughput
from app.common.workers import Job, JobManager


class JobRow(QWidget):
    def __init__(self, job: Job, manager: JobManager, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("jobRow")
        self.label = QLabel(job.title)
        self.label.setMinimumWidth(40)  # clipped rather than widening the window
        self.label.setToolTip(job.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first report
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(True)
        self.eta = QLabel("starting…")
        self.eta.setObjectName("jobEta")
        self.cancel = QToolButton()
        self.cancel.setText("✕")
        self.cancel.setToolTip(f"Cancel: {job.title}")
        self.cancel.setObjectName("jobCancel")
        self.cancel.clicked.connect(lambda: (manager.cancel(job), self.eta.setText("cancelling…")))
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 0, 0)
        row.setSpacing(6)
        for w in (self.label, self.bar, self.eta, self.cancel):
            row.addWidget(w)

    def update_from(self, job: Job) -> None:
        if job.total > 0:
            self.bar.setRange(0, job.total)
            self.bar.setValue(job.done)
            self.bar.setFormat(f"{int(100 * job.fraction)} %")
        if not job.token.cancelled:  # "poses 8.3 frames/s · ~1:05 left" (frames/s where the job goes through frames)
            speed = format_throughput(job.estimator.frames_per_second())
            self.eta.setText(f"{speed} · {format_eta(job.eta)}" if speed else format_eta(job.eta))


class JobPanel(QWidget):
    """One :class:`JobRow` per running job; hidden when nothing runs."""

    def __init__(self, manager: JobManager, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("jobPanel")
        self._rows: Dict[int, JobRow] = {}
        self._manager = manager
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.more = QLabel("")
        self.more.setObjectName("jobMore")
        self._layout.addWidget(self.more)
        manager.started.connect(self._on_started)
        manager.progressed.connect(self._on_progress)
        manager.ended.connect(self._on_ended)
        self.setVisible(False)

    def row(self, job: Job) -> JobRow:
        return self._rows[job.id]

    def _on_started(self, job: Job) -> None:
        row = JobRow(job, self._manager, self)
        self._rows[job.id] = row
        self._layout.insertWidget(self._layout.count() - 1, row)
        self._arrange()

    def _on_progress(self, job: Job) -> None:
        if job.id in self._rows:
            self._rows[job.id].update_from(job)

    def _on_ended(self, job: Job) -> None:
        row = self._rows.pop(job.id, None)
        if row is not None:
            self._layout.removeWidget(row)
            row.deleteLater()
        self._arrange()

    def _arrange(self) -> None:
        rows = list(self._rows.values())
        for i, row in enumerate(rows):
            row.setVisible(i == 0)
        extra = rows[1:]
        self.more.setText(f"+{len(extra)} more" if extra else "")
        self.more.setToolTip("\n".join(r.label.text() for r in extra))
        self.more.setVisible(bool(extra))
        self.setVisible(bool(rows))
