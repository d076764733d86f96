"""TimelineWidget: segments, confidence, attention, people and class probabilities under the video.

API (stable; the main window embeds this):
    TimelineWidget(parent=None)
    set_video(frame_count: int, fps: float)          length of the x axis (frames) and time labels
    set_result(result: AnalysisResult | None)         segments and per-window curves (None clears)
    set_poses(poses: Poses | None)                    people-per-frame strip
    set_playhead(frame: int)                          move the playhead (keeps it in view while zoomed)
    set_class(index: int)                             class whose probability curves are shown (no signal)
    set_person(track_id: int | None)                  per-person mode: whose curves are shown (None = first)
    Signal seekRequested(int frame)                   left click / drag on any plot
    Signal classPicked(int index)                     the user picked a class in the combo box
Read-outs for tools and tests: ``curve_data(name)`` (name in CURVES), ``playhead_frame()``,
``segment_item`` (the single item drawing every segment), ``frame_to_view_pos(frame)``.

Plots, top to bottom, share the x axis (frames; time ``m:ss`` on top, frame numbers below):
segment lanes (one lane per person in per-person mode), fused top-class confidence and
temporal attention, the picked class's RGB / pose / fused probability, people per frame.
Each row is named in its left margin by short colour-coded entries that double as the legend
(``RowAxisItem``); nothing is drawn over the curves.
Window rows become curves as described in ``timeline_data``: each window's value sits at its
centre frame, points connected in order; attention weights sit at their 16 sampled frames.
Mouse: left click/drag seeks, wheel zooms x, right/middle drag pans x; y never moves.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QCompleter, QHBoxLayout, QLabel, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from .class_colors import class_color
from .timeline_data import (attention_points, centre_curve, format_time, lanes_for, rows_for_person,
                            segment_arrays, step_curve)
from .timeline_items import RowAxisItem, SeekViewBox, SegmentBarsItem, TimeAxisItem

CURVES = ("confidence", "attention", "rgb", "pose", "fused", "people")
BACKGROUND = "#1b1d22"
AXIS_COLOR = "#a9adb5"
PLAYHEAD_COLOR = "#ff4d4d"
CURVE_STYLE = {  # name -> (colour, width, legend text)
    "confidence": ("#d8dde6", 1.0, "top-class confidence"),
    "attention": ("#ffb347c0", 1.0, "temporal attention"),
    "rgb": ("#4fc3f7", 1.0, "RGB"),
    "pose": ("#e57cf2", 1.0, "Pose"),
    "fused": ("#fff176", 2.0, "Fused"),
    "people": ("#8fd694", 1.0, "people"),
}
ROW_CURVES = {"scores": ("confidence", "attention"), "class": ("rgb", "pose", "fused"), "people": ("people",)}
ROW_LABELS = {"confidence": "conf", "attention": "attn", "rgb": "RGB", "pose": "pose", "fused": "fused"}
ROW_STRETCH = {"segments": 40, "scores": 50, "class": 60, "people": 40}  # segments: updated per lane count
ROW_MIN_PX = {"segments": 24, "scores": 26, "class": 30, "people": 24}
ROW_GAP_PX = 5
LEFT_AXIS_WIDTH = 66
LANE_PX = 24
Y_HEADROOM = 1.06  # a little room above 1 so a curve at 1.0 is not drawn on the frame


def _curve(plot: pg.PlotItem, name: str, fill: Optional[str] = None) -> pg.PlotDataItem:
    color, width, label = CURVE_STYLE[name]
    item = pg.PlotDataItem(pen=pg.mkPen(color, width=width), name=label)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    if fill:
        item.setFillLevel(0.0)
        item.setBrush(pg.mkBrush(fill))
    plot.addItem(item)
    return item


class TimelineWidget(QWidget):
    """The analysis timeline under the video (see the module docstring for the API)."""

    seekRequested = Signal(int)
    classPicked = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._result = None
        self._poses = None
        self._frame_count = 1
        self._fps = 25.0
        self._playhead = 0
        self._class = -1
        self._person: Optional[int] = None
        self._lanes: dict[int, int] = {}
        self._last_seek: Optional[int] = None
        self._combo_names: list[str] = []
        self._build_header()
        self._build_plots()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._header)
        layout.addWidget(self.view, 1)
        self._apply_extent()
        self._refresh_badge()

    # ---- construction -------------------------------------------------------------------
    def _build_header(self) -> None:
        self._combo = QComboBox()
        self._combo.setEditable(True)
        self._combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._combo.setMinimumContentsLength(22)
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._combo.lineEdit().setPlaceholderText("pick a class…")
        completer = QCompleter(self._combo.model(), self._combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._combo.setCompleter(completer)
        self._combo.currentIndexChanged.connect(self._on_combo)
        self._combo.setEnabled(False)
        self._combo.setToolTip("Class whose RGB / pose / fused probability is drawn (type to search)")
        self._badge = QLabel()
        self._badge.setTextFormat(Qt.TextFormat.RichText)
        self._position = QLabel()
        self._position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._position.setStyleSheet("font-family: monospace;")
        fit = QToolButton()
        fit.setText("Fit")
        fit.setToolTip("Show the whole video (wheel zooms, right-drag pans)")
        fit.clicked.connect(self.zoom_to_fit)
        self._header = QHBoxLayout()
        self._header.setContentsMargins(4, 2, 4, 0)
        self._header.addWidget(QLabel("Class"))
        self._header.addWidget(self._combo)
        self._header.addWidget(self._badge, 1)
        self._header.addWidget(self._position)
        self._header.addWidget(fit)

    def _build_plots(self) -> None:
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(BACKGROUND)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.view.ci.layout.setSpacing(0)
        self.view.ci.layout.setVerticalSpacing(ROW_GAP_PX)  # keeps tick labels of adjacent rows apart
        self.view.ci.setContentsMargins(2, 2, 8, 2)
        self._time_axis = TimeAxisItem("top")
        self._frame_axis = pg.AxisItem("bottom")
        self._frame_axis.enableAutoSIPrefix(False)
        rows = {name: RowAxisItem([(ROW_LABELS.get(k, k), CURVE_STYLE[k][0]) for k in keys])
                for name, keys in ROW_CURVES.items()}
        specs = [("segments", {"top": self._time_axis}), ("scores", {"left": rows["scores"]}),
                 ("class", {"left": rows["class"]}), ("people", {"left": rows["people"], "bottom": self._frame_axis})]
        self.plots: dict[str, pg.PlotItem] = {}
        self._playheads: list[pg.InfiniteLine] = []
        for row, (name, axes) in enumerate(specs):
            vb = SeekViewBox()
            vb.sigSeek.connect(self._on_seek)
            plot = self.view.addPlot(row=row, col=0, viewBox=vb, axisItems=axes)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.showAxis("top", name == "segments")
            plot.showAxis("bottom", name == "people")
            left = plot.getAxis("left")
            left.setWidth(LEFT_AXIS_WIDTH)
            for axis in ("left", "top", "bottom"):
                ax = plot.getAxis(axis)
                ax.setPen(pg.mkPen(AXIS_COLOR))
                ax.setTextPen(pg.mkPen(AXIS_COLOR))
            if self.plots:
                plot.setXLink(self.plots["segments"])
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(PLAYHEAD_COLOR, width=1.5))
            line.setZValue(100)
            plot.addItem(line, ignoreBounds=True)
            self._playheads.append(line)
            self.plots[name] = plot
        self.segment_item = SegmentBarsItem()
        self.plots["segments"].addItem(self.segment_item)
        self.plots["segments"].invertY(True)
        self._curves = {
            "confidence": _curve(self.plots["scores"], "confidence"),
            "attention": _curve(self.plots["scores"], "attention"),
            "rgb": _curve(self.plots["class"], "rgb"),
            "pose": _curve(self.plots["class"], "pose"),
            "fused": _curve(self.plots["class"], "fused"),
            "people": _curve(self.plots["people"], "people", fill="#8fd69440"),
        }
        for name, keys in ROW_CURVES.items():
            axis = self.plots[name].getAxis("left")
            axis.setTicks([[(0, "0"), (1, "1")]])
            axis.setToolTip("\n".join(f"{ROW_LABELS.get(k, k)}: {CURVE_STYLE[k][2]}" for k in keys))
        for row, name in enumerate(self.plots):
            self.view.ci.layout.setRowStretchFactor(row, ROW_STRETCH[name])
            self.plots[name].setMinimumHeight(ROW_MIN_PX[name])
        self._set_y_ranges()

    # ---- public API ---------------------------------------------------------------------
    def set_video(self, frame_count: int, fps: float) -> None:
        """Set the video length (frames) and frame rate; shows the whole video."""
        self._frame_count = max(int(frame_count), 1)
        self._fps = float(fps) if fps and fps > 0 else 25.0
        self._apply_extent()
        self.set_playhead(min(self._playhead, self._frame_count - 1))

    def set_result(self, result) -> None:
        """Show an ``AnalysisResult`` (or clear with ``None``)."""
        self._result = result
        names = list(result.class_names) if result is not None else []
        self._fill_combo(names)
        if result is not None:
            if result.frame_count > self._frame_count or self._frame_count <= 1:
                self._frame_count, self._fps = int(result.frame_count), float(result.fps or self._fps)
                self._apply_extent()
            people = np.unique(result.person).tolist()
            self._lanes = lanes_for(people) if people else {-1: 0}
            cols = segment_arrays(result.segments, self._lanes)
            self.segment_item.set_segments(cols, len(self._lanes), names, self._frame_count)
            self.segment_item.set_hatched(not result.trained)
            if not 0 <= self._class < len(names):
                self._class = int(np.argmax(result.prob_fused.mean(axis=0))) if result.num_windows else 0
            self._select_combo(self._class)
        else:
            self._lanes = {}
            self.segment_item.set_segments(segment_arrays([], {}), 0, [], self._frame_count)
        self._set_lane_axis()
        self._set_y_ranges()
        self._update_curves()
        self._refresh_badge()

    def set_poses(self, poses) -> None:
        """Show how many people are detected in each frame (``Poses`` or None)."""
        self._poses = poses
        if poses is None or poses.num_frames == 0:
            self._curves["people"].setData([], [])
        else:
            x, y = step_curve(poses.people_per_frame())
            self._curves["people"].setData(x, y)
        self._set_y_ranges()

    def set_playhead(self, frame: int) -> None:
        """Move the playhead to ``frame``; while zoomed in, scroll so it stays visible."""
        self._playhead = int(frame)
        for line in self._playheads:
            line.setValue(self._playhead)
        self._position.setText(f"{format_time(self._playhead / self._fps, 1)} / "
                               f"{format_time(self._frame_count / self._fps)}  ·  frame {self._playhead}")
        (x0, x1), _ = self.plots["segments"].viewRange()
        width = x1 - x0
        if width < self._frame_count and not x0 <= self._playhead <= x1:
            start = min(max(self._playhead - 0.1 * width, 0.0), self._frame_count - width)
            self.plots["segments"].setXRange(start, start + width, padding=0)

    def set_class(self, index: int) -> None:
        """Draw the probability curves of class ``index`` (does not emit ``classPicked``)."""
        self._class = int(index)
        self._select_combo(self._class)
        self._update_curves(class_only=True)

    def set_person(self, track_id: Optional[int]) -> None:
        """Per-person mode: show the curves of ``track_id`` and outline its lane (None = first person)."""
        self._person = None if track_id is None else int(track_id)
        self._update_curves()

    def zoom_to_fit(self) -> None:
        """Show the whole video."""
        self.plots["segments"].setXRange(0, self._frame_count, padding=0)

    # ---- read-outs ----------------------------------------------------------------------
    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The full ``(x, y)`` of a curve (one of ``CURVES``), before downsampling."""
        item = self._curves[name]
        x, y = item.xData, item.yData
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def playhead_frame(self) -> int:
        return self._playhead

    def current_class(self) -> int:
        return self._class

    def frame_to_view_pos(self, frame: float, plot: str = "segments") -> QPoint:
        """Viewport position (``self.view``) of ``frame`` at the vertical middle of ``plot``."""
        vb = self.plots[plot].getViewBox()
        (_, _), (y0, y1) = vb.viewRange()
        scene = vb.mapViewToScene(QPointF(frame, (y0 + y1) / 2))
        return self.view.mapFromScene(scene)

    # ---- internals ----------------------------------------------------------------------
    def _shown_person(self) -> Optional[int]:
        if self._result is None:
            return None
        people = [p for p in self._lanes if p >= 0]
        if not people:
            return None
        return self._person if self._person in people else people[0]

    def _update_curves(self, class_only: bool = False) -> None:
        r = self._result
        person = self._shown_person()
        self.segment_item.set_highlight(self._lanes.get(person) if person is not None and len(self._lanes) > 1 else None)
        if r is None or r.num_windows == 0:
            for name in ("confidence", "attention", "rgb", "pose", "fused"):
                self._curves[name].setData([], [])
            return
        rows = rows_for_person(r.person, person)
        s, e = r.window_start[rows], r.window_end[rows]
        if not class_only:
            self._curves["confidence"].setData(*centre_curve(s, e, r.prob_fused[rows].max(axis=1)))
            if r.temporal_attention is not None:
                self._curves["attention"].setData(*attention_points(r.rgb_frames[rows], r.temporal_attention[rows]))
            else:
                self._curves["attention"].setData([], [])
        c = self._class if 0 <= self._class < len(r.class_names) else 0
        for name, probs in (("rgb", r.prob_rgb), ("pose", r.prob_pose), ("fused", r.prob_fused)):
            self._curves[name].setData(*centre_curve(s, e, probs[rows, c]))

    def _apply_extent(self) -> None:
        self._time_axis.set_fps(self._fps)
        for plot in self.plots.values():
            plot.getViewBox().setLimits(xMin=0, xMax=self._frame_count, minXRange=min(10, self._frame_count))
        self.zoom_to_fit()

    def _set_y_ranges(self) -> None:
        n = max(len(self._lanes), 1)
        self.plots["segments"].setYRange(0, n, padding=0)
        self.plots["scores"].setYRange(0, Y_HEADROOM, padding=0)
        self.plots["class"].setYRange(0, Y_HEADROOM, padding=0)
        _, y = self.curve_data("people")
        top = max(float(y.max()) if y.size else 1.0, 1.0)
        self.plots["people"].setYRange(0, top * 1.15, padding=0)
        self.plots["people"].getAxis("left").setTicks([[(0, "0"), (top, str(int(top)))]])
        self.view.ci.layout.setRowStretchFactor(0, 16 + LANE_PX * n)

    def _set_lane_axis(self) -> None:
        ticks = [(lane + 0.5, "all" if p < 0 else f"P{p}") for p, lane in self._lanes.items()]
        self.plots["segments"].getAxis("left").setTicks([ticks])

    def _fill_combo(self, names: list[str]) -> None:
        if names == self._combo_names:
            return
        self._combo_names = names
        self._combo.blockSignals(True)
        self._combo.clear()
        for i, name in enumerate(names):
            pix = QPixmap(10, 10)
            pix.fill(class_color(i))
            self._combo.addItem(QIcon(pix), f"{i}: {name}", i)
        self._combo.setEnabled(bool(names))
        self._combo.blockSignals(False)

    def _select_combo(self, index: int) -> None:
        if 0 <= index < self._combo.count() and self._combo.currentIndex() != index:
            self._combo.blockSignals(True)
            self._combo.setCurrentIndex(index)
            self._combo.blockSignals(False)

    def _on_combo(self, index: int) -> None:
        if index < 0 or index == self._class:
            return
        self._class = index
        self._update_curves(class_only=True)
        self.classPicked.emit(index)

    def _on_seek(self, x: float) -> None:
        frame = int(min(max(round(x), 0), self._frame_count - 1))
        for line in self._playheads:
            line.setValue(frame)
        if frame != self._last_seek:
            self._last_seek = frame
            self.seekRequested.emit(frame)

    def _refresh_badge(self) -> None:
        r = self._result
        if r is None:
            text = "<span style='color:#9aa0a6'>No analysis yet — run Analyze (Ctrl+R)</span>"
        elif not r.trained:
            text = ("<span style='background:#b35900;color:white;font-weight:bold'>&nbsp;UNTRAINED MODEL&nbsp;</span>"
                    "<span style='color:#ffb366'>&nbsp;bars and curves are not predictions</span>")
        else:
            text = f"<span style='color:#9aa0a6'>model: {r.model}</span>"
        self._badge.setText(text)
