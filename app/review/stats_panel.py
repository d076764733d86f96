"""The Statistics panel: time budgets as a bar chart and table, and an ethogram of the current video.

Time budget = total labeled time, bouts (touching segments of one label form one bout) and mean bout length, per
label, per video or per person, over the current video or the project (``core_model.review.project_budgets``).
The ethogram draws every person's labels of the current video over time, one row per person. Charts export as
PNG / SVG, the budget table as CSV (written aside and renamed).

API: ``StatsPanel(controller)``; ``bar_names()`` / ``bar_seconds()`` (what the chart shows), ``ethogram_rows()``,
``set_playhead(seconds)``, ``export_chart(path)``, ``export_ethogram(path)``, ``export_table(path)``;
``scope_box``, ``group_box``, ``chart``, ``ethogram``, ``table``.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from core_model.formatting import format_percent, format_time
from core_model.review.stats import summarize
from core_model.review.tables import budget_table

from app.common.dark_plot import dark_plot
from app.common.plot_export import export_button, save_table, save_widget
from app.common.rows_model import RowsModel
from app.review.subject_stats_view import subject_colors, subject_totals, video_subject_names

BACKGROUND, AXIS, ACCENT = "#161b22", "#8b97a8", "#4cc9f0"
SCOPES = (("Whole project", "project"), ("This video", "video"))
GROUPS = (("per label", "label"), ("per video", "video"), ("per person", "person"), ("per subject", "subject"),
          ("per label × modifier", "modifier"))
TABLE_COLUMNS = ["video", "person", "label", "time", "share", "bouts", "mean bout", "events", "per min"]


def _plot(title: str) -> pg.PlotWidget:
    w = dark_plot(title)
    w.setMouseEnabled(x=False, y=False)
    return w


def _fit_axis(axis: pg.AxisItem, texts) -> None:
    """Make a left axis wide enough for its tick texts (pyqtgraph would clip long class names)."""
    fm = QFontMetrics(axis.style.get("tickFont") or QFont())
    axis.setWidth(min(160, max((fm.horizontalAdvance(t) for t in texts), default=20) + 16))


ETHO_CHROME_PX = 64  # the ethogram's title and time axis
ETHO_ROWS_SHOWN = 6  # rows the ethogram keeps room for (more rows: every k-th name is written)


def _person_text(person) -> str:
    return "everybody" if int(person) < 0 else f"P{int(person)}"


class StatsPanel(QWidget):
    def __init__(self, controller, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsPanel")
        self.c = controller
        self.scope_box = QComboBox()
        self.scope_box.setObjectName("statsScope")
        for text, scope in SCOPES:
            self.scope_box.addItem(text, scope)
        self.scope_box.setCurrentIndex(0 if controller.stats_scope == "project" else 1)
        self.group_box = QComboBox()
        self.group_box.setObjectName("statsGroup")
        for text, key in GROUPS:
            self.group_box.addItem(text, key)
        self.coder_box = QComboBox()  # several coders: whose budgets (they are never added up)
        self.coder_box.setObjectName("statsCoder")
        self.coder_box.setToolTip("Whose labels the time budgets count (two coders are never added together)")
        self.coder_box.hide()
        for box in (self.scope_box, self.group_box, self.coder_box):
            box.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it; a click leaves the keys
        self.export = export_button(self, [("Time-budget chart as PNG / SVG…", "image", self.export_chart),
                                           ("Ethogram as PNG / SVG…", "image", self.export_ethogram),
                                           ("Time budgets as CSV…", "csv", self.export_table)],
                                    default_name=lambda t: "ethogram" if "Ethogram" in t else "time_budget")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.scope_box)
        top.addWidget(self.group_box)
        top.addWidget(self.coder_box)
        top.addStretch(1)
        top.addWidget(self.export)

        self.chart = _plot("Time budget")
        self.chart.setObjectName("budgetChart")
        self.chart.getPlotItem().invertY(True)
        self.chart.getPlotItem().getAxis("bottom").setLabel("seconds", color=AXIS)
        self.chart.getPlotItem().showAxis("right")
        right = self.chart.getPlotItem().getAxis("right")
        right.setPen(pg.mkPen(None))
        right.setTextPen(pg.mkPen("#d8dee9"))
        self.bars: Optional[pg.BarGraphItem] = None
        self._bar_names: List[str] = []
        self._bar_seconds: List[float] = []

        etho = self._build_ethogram()

        self._build_table()

        self.empty = QLabel("No labels yet: the time budgets appear as you label.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #9aa0a6; padding: 12px;")
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.chart)
        self.split.addWidget(etho)
        self.split.addWidget(self.table)
        self.chart.setMinimumHeight(120)
        self.ethogram.setMinimumHeight(90)
        self.split.setSizes([230, 160, 150])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(5)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.empty)
        self.setMinimumWidth(280)

        self.scope_box.currentIndexChanged.connect(lambda i: controller.set_stats_scope(self.scope_box.itemData(i)))
        self.group_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.coder_box.activated.connect(lambda i: controller.set_stats_coder(self.coder_box.itemData(i)))
        controller.statsChanged.connect(self.refresh)
        self.refresh()

    # ---- what is shown --------------------------------------------------------------------
    def group(self) -> str:
        return self.group_box.currentData()

    def bar_names(self) -> List[str]:
        return list(self._bar_names)

    def bar_seconds(self) -> List[float]:
        return list(self._bar_seconds)

    def ethogram_rows(self) -> List[str]:
        """The name of each ethogram row, top to bottom ("everybody", "P1", or "P1 · ann" with several coders)."""
        return list(self._etho_rows)

    def set_playhead(self, seconds: float) -> None:
        self.playhead.setValue(float(seconds))

    def refresh(self) -> None:
        budgets = self.c.budgets
        self._fill_coders()
        self.empty.setVisible(not budgets)
        self._draw_chart(budgets)
        self._draw_ethogram()
        self._fill_table(budgets)

    def _fill_coders(self) -> None:
        coder = self.c.budget_coder() if hasattr(self.c, "budget_coder") else None
        coders = self.c.authors() if coder is not None else []
        self.coder_box.blockSignals(True)
        self.coder_box.clear()
        for name in coders:
            self.coder_box.addItem(f"coder: {name}", name)
        self.coder_box.setCurrentIndex(max(self.coder_box.findData(coder), 0))
        self.coder_box.blockSignals(False)
        self.coder_box.setVisible(len(coders) > 1)

    def _label_colors(self) -> Dict[str, str]:
        store = self.c.store
        return {lab.name: lab.color for lab in store.labels()} if store is not None else {}

    def _modifier_totals(self) -> dict:
        """Bars per label and modifier, over the scope and coder the budgets use."""
        from core_model.review.stats import modifier_totals

        store, c = self.c.store, self.c
        if store is None:
            return {}
        ids = None if getattr(c, "stats_scope", "project") == "project" else [c.current_video_id()]
        return modifier_totals(store, ids, c.budget_coder() if hasattr(c, "budget_coder") else None)

    def _draw_chart(self, budgets) -> None:
        plot = self.chart.getPlotItem()
        if self.bars is not None:
            plot.removeItem(self.bars)
            self.bars = None
        group = self.group()
        totals = summarize(budgets, group) if group not in ("subject", "modifier") else subject_totals(self.c) \
            if group == "subject" else self._modifier_totals()  # subjects: across videos
        if group == "person":  # a track id means something within its video only
            several = len({b.video for b in budgets}) > 1
            totals = {}
            for b in budgets:
                key = (f"{b.video} · " if several else "") + _person_text(b.person)
                entry = totals.setdefault(key, {"seconds": 0.0, "bouts": 0})
                entry["seconds"] += b.seconds
                entry["bouts"] += b.bouts
        colors = self._label_colors() if group == "label" else subject_colors(self.c) if group == "subject" else {}
        if group == "modifier":  # a label's colour for each of its modifiers
            label_colors = self._label_colors()
            colors = {k: label_colors.get(v["label"], ACCENT) for k, v in totals.items()}
        names = sorted(totals, key=lambda k: -totals[k]["seconds"])
        self._bar_names = names
        self._bar_seconds = [float(totals[k]["seconds"]) for k in names]
        ax = plot.getAxis("left")
        ticks = [(i, n if len(n) <= 22 else n[:10] + "…" + n[-11:]) for i, n in enumerate(names)]
        ax.setTicks([ticks])
        _fit_axis(ax, [t for _i, t in ticks])
        if not names:
            plot.getAxis("right").setTicks([[]])
            return
        secs = np.array(self._bar_seconds)
        brushes = [pg.mkBrush(colors.get(n, ACCENT)) for n in names]
        self.bars = pg.BarGraphItem(x0=np.zeros(len(names)), y=np.arange(len(names)), height=0.7, width=secs,
                                    brushes=brushes, pen=pg.mkPen(None))
        plot.addItem(self.bars)
        top = float(secs.max()) or 1.0
        values = []  # time and bouts of each bar, as the right axis' labels (vector text in an SVG export)
        for i, name in enumerate(names):
            bouts = int(totals[name]["bouts"])
            if totals[name].get("point"):  # point events are counted, not timed
                events = int(totals[name].get("events", bouts))
                values.append((i, f"{events} event{'s' if events != 1 else ''}"))
                continue
            values.append((i, f"{format_time(secs[i], 1)} · {bouts} bout{'s' if bouts != 1 else ''}"))
        right = plot.getAxis("right")
        right.setTicks([values])
        _fit_axis(right, [t for _i, t in values])
        plot.setXRange(0, top * 1.04, padding=0)
        plot.setYRange(-0.6, len(names) - 0.4, padding=0)

    def _build_ethogram(self) -> QWidget:
        """The ethogram plot, its playhead and its legend, in one widget."""
        self.ethogram = _plot("Ethogram — this video")
        self.ethogram.setObjectName("ethogram")
        self.ethogram.getPlotItem().invertY(True)
        self.ethogram.getPlotItem().getAxis("bottom").setLabel("time (s)", color=AXIS)
        self._etho_items: List[pg.GraphicsObject] = []
        self._etho_rows: List[str] = []
        self.playhead = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#ffffff", width=1))
        self.ethogram.addItem(self.playhead)
        self.ethogram.getPlotItem().getViewBox().sigResized.connect(lambda _vb: self._etho_ticks())
        self.legend = QLabel()
        self.legend.setObjectName("ethogramLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        etho = QWidget()
        ev = QVBoxLayout(etho)
        ev.setContentsMargins(0, 0, 0, 0)
        ev.setSpacing(2)
        ev.addWidget(self.ethogram, 1)
        ev.addWidget(self.legend)
        return etho

    def _build_table(self) -> None:
        """The time-budget table (sortable, fixed column widths)."""
        self.table_model = RowsModel(TABLE_COLUMNS, [str, _person_text, str, lambda v: format_time(v, 1),
                                                     format_percent, str, lambda v: f"{v:.1f} s", str,
                                                     lambda v: f"{v:.2f}"],  # events: point events, else bouts
                                     right_from=3, parent=self)
        self.table = QTableView()
        self.table.setObjectName("budgetTable")
        self.table.setModel(self.table_model)
        self.table.setStyleSheet("QTableView { background: #12161d; gridline-color: #232b38; }")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        fm = QFontMetrics(self.font())
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + 6)
        for col, sample in ((0, "video_000.mp4"), (1, "everybody"), (3, "1:00:00.0"), (4, "100.0 %"), (5, "bouts"),
                            (6, "mean bout")):  # fixed widths: measuring every row of a big table takes long
            header.resizeSection(col, fm.horizontalAdvance(sample) + 18)

    def _etho_pitch(self) -> int:
        axis = self.ethogram.getPlotItem().getAxis("left")
        return QFontMetrics(axis.style.get("tickFont") or QFont()).height() + 4

    def _etho_ticks(self) -> None:
        """Every row's name where the rows are high enough, else every k-th (names never overlap)."""
        n = len(self._etho_rows)
        height = self.ethogram.getPlotItem().getViewBox().height()
        step = max(1, int(np.ceil(n * self._etho_pitch() / height))) if height > 0 and n else 1
        ticks = [(i, t) for i, t in enumerate(self._etho_rows) if i % step == 0]
        self.ethogram.getPlotItem().getAxis("left").setTicks([ticks])

    def _draw_ethogram(self) -> None:
        plot = self.ethogram.getPlotItem()
        for item in self._etho_items:
            plot.removeItem(item)
        self._etho_items = []
        labels, segments = self.c.video_segments()
        several = len({s.author or "" for s in segments}) > 1  # coders side by side: a row per person and coder

        def row_key(seg):
            return (seg.person, (seg.author or "?") if several else "")

        keys = sorted({row_key(s) for s in segments})
        named = video_subject_names(self.c)  # a track that is a named subject: "P3 Anna"
        self._etho_rows = [_person_text(p) + (f" {named[p]}" if p in named else "") + (f" · {a}" if a else "")
                           for p, a in keys]
        row_of = {k: i for i, k in enumerate(keys)}
        self._etho_ticks()
        _fit_axis(plot.getAxis("left"), self._etho_rows)
        pitch = self._etho_pitch()  # room for the rows' names: they never overlap
        self.ethogram.setMinimumHeight(max(90, ETHO_CHROME_PX + min(len(keys), ETHO_ROWS_SHOWN) * pitch))
        legend, brushes, used = [], {}, []
        for s in segments:
            if s.label_id not in brushes:
                lab = labels.get(s.label_id)
                color = lab.color if lab is not None else ACCENT
                brushes[s.label_id] = pg.mkBrush(color)
                mark = "◆" if getattr(lab, "kind", "") == "point" else "■"
                used.append(f"<span style='color:{color}'>{mark}</span>&nbsp;{lab.name if lab is not None else '?'}")
        legend = used
        if segments:  # one item for all bars (hundreds of labels stay fast)
            t0 = self.c.frame_times([s.start_frame for s in segments])
            t1 = self.c.frame_times([s.end_frame for s in segments])
            item = pg.BarGraphItem(x0=t0, width=np.maximum(t1 - t0, 1e-3), y=[row_of[row_key(s)] for s in segments],
                                   height=0.75, brushes=[brushes[s.label_id] for s in segments], pen=pg.mkPen(None))
            plot.addItem(item)
            self._etho_items.append(item)
            points = [k for k, s in enumerate(segments) if getattr(labels.get(s.label_id), "kind", "") == "point"]
            if points:  # point events: a diamond on the moment (a one-frame bar would be invisible)
                marks = pg.ScatterPlotItem(x=[t0[k] for k in points], y=[row_of[row_key(segments[k])] for k in points],
                                           symbol="d", size=11, pen=pg.mkPen("#000000"),
                                           brush=[brushes[segments[k].label_id] for k in points])
                plot.addItem(marks)
                self._etho_items.append(marks)
        self.legend.setText("&nbsp;&nbsp; ".join(legend) if legend else
                            "<span style='color:#9aa0a6'>No labels on this video yet.</span>")
        plot.setXRange(0, max(self.c.video_duration(), 1.0), padding=0.01)
        plot.setYRange(-0.6, max(len(keys), 1) - 0.4, padding=0)

    def _fill_table(self, budgets) -> None:
        self.table_model.set_rows((b.video, b.person, b.label, b.seconds, b.share, b.bouts, b.mean_bout,
                                   getattr(b, "events", b.bouts), getattr(b, "rate", 0.0)) for b in budgets)

    # ---- export ---------------------------------------------------------------------------
    def export_chart(self, path):
        return save_widget(self.chart, path)

    def export_ethogram(self, path):
        self.playhead.hide()  # the playhead is a thing of the screen, not of the figure
        try:
            return save_widget(self.ethogram, path)
        finally:
            self.playhead.show()

    def export_table(self, path):
        header, rows = budget_table(self.c.budgets)
        return save_table(path, header, rows)
