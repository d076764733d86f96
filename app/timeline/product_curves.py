"""Timeline curves of a result's attention products, drawn from their descriptions (no per-model code).

Every ``curve`` product (temporal attention or weights over the sampled frames or feature steps; EPAM-Net's own
sigmoid temporal attention keeps its "attn" curve) and every per-clip ``parts``/``points`` product (one curve
per part over the windows) gets a curve in the timeline's scores row, on the viewer's one 0–1 scale
(``app.video.overlays.product_data.display``: a softmax relative to uniform, so a flat one lies level at 0.5).
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.video.overlays.product_data import timeline_curves, window_curve

COLORS = ("#80ffdb", "#ff8fab", "#c77dff", "#ffd60a", "#4cc9f0", "#f4a261")


class ProductCurves:
    """The product curves of one plot (the timeline's scores row)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._items: Dict[str, pg.PlotDataItem] = {}
        self._data: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}

    def labels(self) -> List[str]:
        """The curves shown, e.g. ``["temporal attention", "part weights: left hand", ...]``."""
        return list(self._items)

    def data(self, label: str) -> Tuple[np.ndarray, np.ndarray]:
        """The ``(frames, 0–1 values)`` of curve ``label``."""
        return self._data[label]

    def update(self, result, rows) -> None:
        """Curves of ``result``'s products over window ``rows`` (None: none)."""
        curves: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        if result is not None and result.num_windows:
            for name in timeline_curves(result):
                curves.update(window_curve(result, name, np.asarray(rows)))
        for label in [k for k in self._items if k not in curves]:
            self._plot.removeItem(self._items.pop(label))
        for i, (label, (x, y)) in enumerate(curves.items()):
            item = self._items.get(label)
            if item is None:
                pen = pg.mkPen(COLORS[i % len(COLORS)], width=1.3, style=Qt.PenStyle.DashLine if "weights:" in label
                               else Qt.PenStyle.SolidLine)
                item = pg.PlotDataItem(pen=pen, name=label)
                item.setClipToView(True)
                self._plot.addItem(item)
                self._items[label] = item
            item.setData(np.asarray(x, np.float64), np.asarray(y, np.float64))
        self._data = curves
        axis = self._plot.getAxis("left")
        base = axis.toolTip().split("\n— products")[0]
        if curves:
            base += "\n— products (softmax relative to uniform: flat = 0.5):\n" + "\n".join(curves)
        axis.setToolTip(base)
