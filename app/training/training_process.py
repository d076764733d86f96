"""``epam train`` as a subprocess (``QProcess``): its JSON progress lines become Qt signals.

The process is ``python -m core_model.training DATA -o RUN_DIR --preset P --log-every 1 ...`` (the bundle's
``epam train`` when frozen); every stdout line is one JSON object (docs/guide/export-and-training.md,
"Progress lines"). ``stop()`` sends SIGTERM: the trainer saves ``last.pt`` at the next batch and exits
(status 130); a second ``stop()`` kills it. The GUI never blocks: lines arrive through ``readyRead``.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

DONE, STOPPED, FAILED = "done", "stopped", "failed"
STDERR_KEEP = 40  # lines of stderr kept for the failure sentence


@dataclass
class TrainingOutcome:
    """How a run ended: ``status`` done | stopped | failed, one sentence, and the checkpoints it left."""

    status: str
    message: str
    out_dir: Path
    last: Optional[Path] = None
    best: Optional[Path] = None
    events: List[dict] = field(default_factory=list)

    @property
    def checkpoint(self) -> Optional[Path]:
        """The checkpoint to use: the best one when there is one, else the last one."""
        for path in (self.best, self.last):
            if path is not None and Path(path).is_file():
                return Path(path)
        return None


def training_command(args: Sequence[str]) -> List[str]:
    """The command line of ``epam train ARGS`` for this installation (checkout, wheel or frozen bundle)."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).with_name("epam")), "train", *args]
    return [sys.executable, "-m", "core_model.training", *args]


def train_args(data, out_dir, *, preset: str = "cpu-quick", epochs: Optional[int] = None,
               init: Optional[str] = None, device: str = "auto", batch: Optional[int] = None,
               workers: Optional[int] = None, log_every: float = 1.0, no_val: bool = False) -> List[str]:
    """Arguments of ``epam train`` for the Fine-tune dialog's choices."""
    args = [str(data), "-o", str(out_dir), "--preset", preset, "--log-every", f"{log_every:g}", "--device", device]
    if epochs:
        args += ["--epochs", str(int(epochs))]
    if batch:
        args += ["--batch", str(int(batch))]
    if workers is not None:
        args += ["--workers", str(int(workers))]
    if init:
        args += ["--init", str(init)]
    if no_val:
        args.append("--no-val")
    return args


def parse_line(line: str) -> Optional[dict]:
    """One progress event from a stdout line (None for anything that is not a JSON object with ``event``)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


class TrainingProcess(QObject):
    """One training run. ``event(dict)`` for every progress line; ``finished(TrainingOutcome)`` once at the end."""

    event = Signal(dict)
    finished = Signal(object)

    def __init__(self, args: Sequence[str], out_dir, parent=None) -> None:
        super().__init__(parent)
        self.args = list(args)
        self.out_dir = Path(out_dir)
        self.events: List[dict] = []
        self._stdout = b""
        self._stderr: List[str] = []
        self._stopping = False
        self._ended = False
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        root = str(Path(__file__).resolve().parents[1])  # core_model importable from a checkout too
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    # ---- control ---------------------------------------------------------------------------
    def start(self) -> None:
        command = training_command(self.args)
        self.process.start(command[0], command[1:])

    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self) -> None:
        """Ask the run to stop after saving (SIGTERM); asked twice, end it at once."""
        if not self.running:
            return
        if self._stopping:
            self.process.kill()
            return
        self._stopping = True
        self.process.terminate()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the process ended (for closing the app); True when it did."""
        return self.process.waitForFinished(msecs) or not self.running

    # ---- reading ---------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        self._stdout += bytes(self.process.readAllStandardOutput())
        *lines, self._stdout = self._stdout.split(b"\n")
        for raw in lines:
            event = parse_line(raw.decode("utf-8", "replace"))
            if event is not None:
                self.events.append(event)
                self.event.emit(event)

    def _read_stderr(self) -> None:
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        self._stderr.extend(line for line in text.splitlines() if line.strip())
        del self._stderr[:-STDERR_KEEP]

    def _last(self, kind: str) -> Optional[dict]:
        return next((e for e in reversed(self.events) if e.get("event") == kind), None)

    def _checkpoint(self, kind: str) -> Optional[Path]:
        hit = next((e for e in reversed(self.events) if e.get("event") == "checkpoint" and e.get("kind") == kind),
                   None)
        path = Path(hit["path"]) if hit and hit.get("path") else self.out_dir / f"{kind}.pt"
        return path if path.is_file() else None

    def outcome(self, exit_code: int) -> TrainingOutcome:
        """What the run's lines and exit status say (after it ended)."""
        last, best = self._checkpoint("last"), self._checkpoint("best")
        done, stopped, error = self._last("done"), self._last("stopped"), self._last("error")
        if done is not None and exit_code == 0:
            value = next(iter((done.get("best") or {}).values()), {})
            metric = value.get("metric", "")
            acc = value.get("value")
            what = f" (best {metric.replace('acc_', '')} validation accuracy {acc:.0%} at epoch {value.get('epoch')})" \
                if isinstance(acc, (int, float)) else ""
            return TrainingOutcome(DONE, f"Training finished{what}.", self.out_dir, last, best, self.events)
        if stopped is not None or (self._stopping and last is not None):
            where = f" at epoch {stopped['epoch']}" if stopped and stopped.get("epoch") else ""
            saved = "the last checkpoint is saved" if last is not None else "no checkpoint was saved yet"
            return TrainingOutcome(STOPPED, f"Training stopped{where}; {saved}.", self.out_dir, last, best,
                                   self.events)
        if self._stopping:
            return TrainingOutcome(STOPPED, "Training stopped before it saved a checkpoint.", self.out_dir, last,
                                   best, self.events)
        if error is not None and error.get("message"):
            message = str(error["message"])
        elif self._stderr:
            message = self._stderr[-1].strip()
        else:
            message = f"Training ended unexpectedly (exit status {exit_code})."
        return TrainingOutcome(FAILED, message, self.out_dir, last, best, self.events)

    def _on_finished(self, exit_code: int, _status) -> None:
        if self._ended:
            return
        self._read_stdout()
        if self._stdout.strip():
            self._stdout += b"\n"
            self._read_stdout()
        self._read_stderr()
        self._ended = True
        self.finished.emit(self.outcome(int(exit_code)))

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart and not self._ended:
            self._ended = True
            self.finished.emit(TrainingOutcome(FAILED, f"Training could not start: {self.process.errorString()}.",
                                               self.out_dir, events=self.events))
