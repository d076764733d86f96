"""A small pyqtgraph plot in the studio's dark style (figures panels, training plot)."""
from __future__ import annotations

import pyqtgraph as pg

BACKGROUND, AXIS, GRID = "#161b22", "#8b97a8", "#3a4556"


def dark_plot(title: str) -> pg.PlotWidget:
    """A plot with a titled, dark background, muted axes and no context menu or auto-range button."""
    w = pg.PlotWidget()
    w.setBackground(BACKGROUND)
    w.setMenuEnabled(False)
    w.hideButtons()
    item = w.getPlotItem()
    item.setTitle(f"<span style='color:{AXIS}'>{title}</span>", size="9pt")
    for name in ("left", "bottom"):
        ax = item.getAxis(name)
        ax.setPen(pg.mkPen(GRID))
        ax.setTextPen(pg.mkPen(AXIS))
    return w
