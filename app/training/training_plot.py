"""Live plot of a training run: loss (total, RGB, pose) and accuracy (RGB, pose, fused) against epochs.

Feed it the run's progress events (``add_event(dict)``, see app/training/training_process.py). The x axis counts
epochs over all phases (a ``batch`` at step s of S in epoch e is at ``e - 1 + s / S``); training loss is drawn
per logged batch, validation loss and accuracies per epoch (solid: validation, dashed: training).
``series[name]`` holds the points of every curve, for tests and exports.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.common.dark_plot import AXIS, dark_plot

STREAM_COLORS = {"total": "#e6edf3", "rgb": "#f28e2b", "pose": "#4e9be6", "fused": "#59c46a"}

#: curve name -> (plot, stream, validation?)
CURVES = {
    "loss": ("loss", "total", False), "loss_rgb": ("loss", "rgb", False), "loss_pose": ("loss", "pose", False),
    "val_loss": ("loss", "total", True), "val_loss_rgb": ("loss", "rgb", True), "val_loss_pose": ("loss", "pose", True),
    "acc_rgb": ("acc", "rgb", False), "acc_pose": ("acc", "pose", False), "acc_fused": ("acc", "fused", False),
    "val_acc_rgb": ("acc", "rgb", True), "val_acc_pose": ("acc", "pose", True),
    "val_acc_fused": ("acc", "fused", True),
}
#: legend entries (one per stream colour: the training curves share their stream's colour)
LEGEND = {"val_loss": "total", "val_loss_rgb": "RGB", "val_loss_pose": "pose",
          "val_acc_rgb": "RGB", "val_acc_pose": "pose", "val_acc_fused": "fused"}


def _plot(title: str, y_label: str) -> pg.PlotWidget:
    w = dark_plot(title)
    item = w.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setLabel("bottom", "epoch", color=AXIS)
    item.setLabel("left", y_label, color=AXIS)
    return w


class TrainingPlot(QWidget):
    """Two plots side by side: loss and accuracy per stream, updated as events arrive."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPlot")
        self.loss_plot = _plot("Loss (lines: training batches, dots: validation)", "cross-entropy")
        self.acc_plot = _plot("Accuracy (dashed: training, solid: validation)", "accuracy")
        self.acc_plot.setYRange(0.0, 1.0, padding=0.02)
        self.acc_plot.getPlotItem().getViewBox().setLimits(yMin=-0.05, yMax=1.05)
        for plot in (self.loss_plot, self.acc_plot):
            plot.getPlotItem().addLegend(offset=(-4, 4), labelTextColor=AXIS, labelTextSize="8pt", colCount=3)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.loss_plot, 1)
        row.addWidget(self.acc_plot, 1)
        self.series: Dict[str, Tuple[List[float], List[float]]] = {}
        self._items: Dict[str, pg.PlotDataItem] = {}
        self._phase_offsets: Dict[str, int] = {}
        self.clear()

    def clear(self) -> None:
        for name, item in self._items.items():
            (self.loss_plot if CURVES[name][0] == "loss" else self.acc_plot).removeItem(item)
        self._items.clear()
        self.series = {name: ([], []) for name in CURVES}
        self._phase_offsets = {}

    def points(self, name: str) -> int:
        return len(self.series[name][0])

    # ---- events ----------------------------------------------------------------------------
    def add_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "start":
            offset = 0
            for phase in event.get("phases") or []:
                self._phase_offsets[str(phase.get("phase"))] = offset
                offset += int(phase.get("epochs") or 0)
        elif kind == "batch":
            steps = max(1, int(event.get("steps") or 1))
            x = self._x(event) - 1 + int(event.get("step") or steps) / steps
            for name in ("loss", "loss_rgb", "loss_pose"):
                self._add(name, x, event.get(name))
        elif kind == "epoch":
            x = self._x(event)
            train, val = event.get("train") or {}, event.get("val") or {}
            for name in ("acc_rgb", "acc_pose", "acc_fused"):
                self._add(name, x, train.get(name))
                self._add(f"val_{name}", x, val.get(name))
            for name in ("loss", "loss_rgb", "loss_pose"):
                self._add(f"val_{name}", x, val.get(name))

    def _x(self, event: dict) -> float:
        return self._phase_offsets.get(str(event.get("phase")), 0) + float(event.get("epoch") or 1)

    def _add(self, name: str, x: float, y) -> None:
        if not isinstance(y, (int, float)) or y != y:
            return
        xs, ys = self.series[name]
        xs.append(float(x))
        ys.append(float(y))
        item = self._items.get(name)
        if item is None:
            item = self._items[name] = self._make_item(name)
        item.setData(xs, ys)

    def _make_item(self, name: str) -> pg.PlotDataItem:
        which, stream, validation = CURVES[name]
        color = STREAM_COLORS[stream]
        style = Qt.PenStyle.SolidLine if validation or which == "loss" else Qt.PenStyle.DashLine
        pen = pg.mkPen(color, width=2 if validation else 1.2, style=style)
        per_epoch = which == "acc" or validation
        item = pg.PlotDataItem(pen=pen, name=LEGEND.get(name), symbol="o" if per_epoch else None, symbolSize=6,
                               symbolBrush=color if validation else None, symbolPen=pg.mkPen(color))
        (self.loss_plot if which == "loss" else self.acc_plot).addItem(item)
        return item
