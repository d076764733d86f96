"""TimelineWidget: segments, confidence, attention, people and class probabilities under the video.

API (stable; the main window embeds this):
    TimelineWidget(parent=None)
    set_video(frame_count: int, fps: float)          length of the x axis (frames) and time labels
    set_result(result: AnalysisResult | None)         segments and per-window curves (None clears)
    set_poses(poses: Poses | None)                    people-per-frame strip
    set_playhead(frame: int)                          move the playhead (keeps it in view while zoomed)
    set_class(index: int)                             class whose probability curves are shown (no signal)
    set_person(track_id: int | None)                  whose curves are shown and whose band is highlighted
    set_labels(segments, labels)                      label segments (``SegmentRecord``-like) and the label set
    set_labels(segments, labels, people)              ... only those on screen, with ``people``: every labelled person
    set_selected_segment(id | None), set_marks(in, out), set_editable(bool)
    clear_video()                                     no video: an empty axis, no labels
    visible_window(label_people) -> (x0, x1, persons) the frames and the bands' persons on screen
    Signal windowChanged()                            the frames or bands on screen changed (after a pause)
    Signal seekRequested(int frame)                   left click / drag on any plot
    Signal classPicked(int index)                     the user picked a class in the combo box
    Signal personPicked(int track_id)                 a click on a band (-1 = everybody)
    Signal segmentClicked(object id | None)           a click on a label (None: empty space)
    Signal segmentDrawn(int person, int start, int end)      drag in an empty labels lane
    Signal boundsDragged(int id, int start, int end)         drag of a label's edge or body
    Signal contextRequested(int person, int frame, object id, QPoint screen)   right click on a band
Read-outs for tools and tests: ``curve_data(name)`` (name in CURVES), ``playhead_frame()``,
``segment_item`` (the single item drawing every segment), ``frame_to_view_pos(frame)``.

Plots, top to bottom, share the x axis (frames; time ``m:ss`` on top, frame numbers below):
the lanes (one band per person and one for everybody: labels on top, predictions below, see
``timeline_lanes``), fused top-class confidence and
temporal attention, the picked class's RGB / pose / fused probability, people per frame.
Each row is named in its left margin by short colour-coded entries that double as the legend
(``RowAxisItem``); nothing is drawn over the curves.
Window rows become curves as described in ``timeline_data``: each window's value sits at its
centre frame, points connected in order; attention weights sit at their 16 sampled frames.
The class box and badge are ``timeline_header``'s, the mouse on the lanes ``timeline_mouse``'s (mixins).
Mouse: left click/drag seeks, wheel zooms x, right/middle drag pans x; y never moves.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QVBoxLayout, QWidget

from core_model.formatting import format_time

from app.video.overlays.context import shown_person
from app.common.class_colors import class_color
from app.timeline.timeline_data import (FrameClock, attention_points, centre_curve, lanes_for, rows_for_person,
                            segment_arrays, step_curve)
from app.timeline.timeline_header import ClassHeaderMixin
from app.timeline.timeline_items import RowAxisItem, SeekViewBox, SegmentBarsItem, TimeAxisItem
from app.timeline.timeline_lanes import (BAND_MAX_PX, BAND_MIN_PX, LABEL_FILL, LABEL_OFFSET, PRED_FILL, PRED_OFFSET, BandsItem,
                             Drag, LaneAxisItem, LanesViewBox, label_arrays)
from app.timeline.timeline_mouse import LaneMouseMixin
from app.timeline.product_curves import ProductCurves
from app.video.overlays.product_data import timeline_curves

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
ROW_STRETCH = {"segments": 0, "scores": 50, "class": 60, "people": 40}  # segments: fixed height per band count
ROW_MIN_PX = {"segments": 24, "scores": 26, "class": 30, "people": 24}
ROW_GAP_PX = 5
LEFT_AXIS_WIDTH = 66
SCROLLBAR_PX = 10
AXIS_PX = 22  # height of the time axis on top of the lanes (and of the frame axis below the last row)
MAX_BANDS_SHOWN = 4  # bands shown without scrolling (the curves keep the rest of the height)
WINDOW_PAUSE_MS = 120  # windowChanged fires once the view rests this long
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


class TimelineWidget(ClassHeaderMixin, LaneMouseMixin, QWidget):
    """The analysis timeline under the video (see the module docstring for the API)."""

    seekRequested = Signal(int)
    classPicked = Signal(int)
    personPicked = Signal(int)
    segmentClicked = Signal(object)
    segmentDrawn = Signal(int, int, int)
    boundsDragged = Signal(int, int, int)
    contextRequested = Signal(int, int, object, QPoint)
    windowChanged = Signal()  # the time range or the bands on screen changed (after a short pause)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._window_timer = QTimer(self)
        self._window_timer.setSingleShot(True)
        self._window_timer.setInterval(WINDOW_PAUSE_MS)
        self._window_timer.timeout.connect(self.windowChanged)
        self._label_people: list[int] = []
        self._result = None
        self._poses = None
        self._frame_count = 1
        self._fps = 25.0
        self._clock = FrameClock(1, 25.0)
        self._playhead = 0
        self._class = -1
        self._person: Optional[int] = None
        self._lanes: dict[int, int] = {}  # person -> band (every person shown, -1 = everybody first)
        self._result_people: list[int] = []
        self._pose_people: list[int] = []
        self._label_segments: list = []
        self._label_set: list = []
        self._label_key: list = []  # (id, name, colour) of the label set: its colours and names are made once
        self._label_colors: dict = {}
        self._label_names: dict = {}
        self._selected_segment: Optional[int] = None
        self._band_top = 0.0
        self._drag: Optional[Drag] = None
        self.editable = False
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
        self._rebuild_lanes()
        self._refresh_badge()

    # ---- construction -------------------------------------------------------------------
    def _build_plots(self) -> None:
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(BACKGROUND)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.view.ci.layout.setSpacing(0)
        self.view.ci.layout.setVerticalSpacing(ROW_GAP_PX)  # keeps tick labels of adjacent rows apart
        self.view.ci.setContentsMargins(2, 2, 4 + SCROLLBAR_PX, 2)
        self._time_axis = TimeAxisItem("top")
        self._frame_axis = pg.AxisItem("bottom")
        self._frame_axis.enableAutoSIPrefix(False)
        rows = {name: RowAxisItem([(ROW_LABELS.get(k, k), CURVE_STYLE[k][0]) for k in keys])
                for name, keys in ROW_CURVES.items()}
        self._lane_axis = LaneAxisItem()
        specs = [("segments", {"top": self._time_axis, "left": self._lane_axis}), ("scores", {"left": rows["scores"]}),
                 ("class", {"left": rows["class"]}), ("people", {"left": rows["people"], "bottom": self._frame_axis})]
        self.plots: dict[str, pg.PlotItem] = {}
        self._playheads: list[pg.InfiniteLine] = []
        for row, (name, axes) in enumerate(specs):
            vb = LanesViewBox() if name == "segments" else SeekViewBox()
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
        lanes = self.plots["segments"]
        self.bands_item = BandsItem()
        self.segment_item = SegmentBarsItem(offset=PRED_OFFSET, fill=PRED_FILL, alpha=150, italic=True)
        self.label_item = SegmentBarsItem(offset=LABEL_OFFSET, fill=LABEL_FILL, separate=True)
        for item in (self.bands_item, self.segment_item, self.label_item):
            lanes.addItem(item)
        lanes.invertY(True)
        lanes.sigXRangeChanged.connect(lambda *_: self._window_timer.start())
        vb = lanes.getViewBox()
        vb.editor = self
        vb.sigWheelBands.connect(lambda steps: self.scroll_bands(steps))
        vb.sigResized.connect(self._apply_band_range)
        self._band_bar = QScrollBar(Qt.Orientation.Vertical, self.view)
        self._band_bar.setObjectName("laneScrollBar")
        self._band_bar.setToolTip("Scroll the people's lanes (Shift+wheel)")
        self._band_bar.valueChanged.connect(self._on_band_bar)
        self._band_bar.hide()
        self._curves: dict[str, pg.PlotDataItem] = {}  # made with their first data (``_set_curve``)
        self.product_curves = ProductCurves(self.plots["scores"])
        for name, keys in ROW_CURVES.items():
            axis = self.plots[name].getAxis("left")
            axis.setTicks([[(0, "0"), (1, "1")]])
            axis.setToolTip("\n".join(f"{ROW_LABELS.get(k, k)}: {CURVE_STYLE[k][2]}" for k in keys))
        for row, name in enumerate(self.plots):
            self.view.ci.layout.setRowStretchFactor(row, ROW_STRETCH[name])
            self.plots[name].setMinimumHeight(ROW_MIN_PX[name])
        self._set_y_ranges()

    # ---- public API ---------------------------------------------------------------------
    def set_video(self, frame_count: int, fps: float, timestamps=None) -> None:
        """Set the video length (frames), frame rate and the frames' timestamps (seconds, VFR aware;
        None: frame / fps); shows the whole video."""
        self._frame_count = max(int(frame_count), 1)
        self._fps = float(fps) if fps and fps > 0 else 25.0
        self._clock = FrameClock(self._frame_count, self._fps, timestamps)
        for axis in (self._time_axis, self._frame_axis):
            axis.setStyle(showValues=True)
        self._apply_extent()
        self._rebuild_lanes()
        self.set_playhead(min(self._playhead, self._frame_count - 1))

    def clear_video(self) -> None:
        """No video any more (its project or the video was closed): an empty axis, no labels, marks or read-out."""
        self._label_segments, self._label_people = [], []
        self._playhead = 0
        self.bands_item.set_marks(None, None)
        self.set_video(1, 25.0)
        self._position.setText("")
        for axis in (self._time_axis, self._frame_axis):  # no times or frame numbers of a video that is not there
            axis.setStyle(showValues=False)

    def set_result(self, result) -> None:
        """Show an ``AnalysisResult`` (or clear with ``None``)."""
        self._result = result
        names = list(result.class_names) if result is not None else []
        self._fill_combo(names)
        if result is not None:
            if result.frame_count > self._frame_count or self._frame_count <= 1:
                self._frame_count, self._fps = int(result.frame_count), float(result.fps or self._fps)
                self._clock = FrameClock(self._frame_count, self._fps, getattr(result, "frame_times", None))
                self._apply_extent()
            self._result_people = [int(p) for p in np.unique(result.person).tolist()]
            self.segment_item.set_hatched(not result.trained)
            if not 0 <= self._class < len(names):
                self._class = int(np.argmax(result.prob_fused.mean(axis=0))) if result.num_windows else 0
            self._select_combo(self._class)
        else:
            self._result_people = []
        self._rebuild_lanes()
        self._update_curves()
        self._refresh_badge()

    def set_poses(self, poses) -> None:
        """Show how many people are detected in each frame (``Poses`` or None)."""
        self._poses = poses
        if poses is None or poses.num_frames == 0:
            self._set_curve("people", [], [])
            self._pose_people = []
        else:
            x, y = step_curve(poses.people_per_frame())
            self._set_curve("people", x, y)
            self._pose_people = [int(t) for t in np.asarray(poses.track_ids).tolist()]
        self._rebuild_lanes()

    def set_playhead(self, frame: int) -> None:
        """Move the playhead to ``frame``; while zoomed in, scroll so it stays visible."""
        self._playhead = int(frame)
        for line in self._playheads:
            line.setValue(self._playhead)
        self._position.setText(f"{format_time(self._clock.time(self._playhead), 1)} / "
                               f"{format_time(self._clock.end())}  ·  frame {self._playhead}")
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
        """Show the curves of ``track_id`` (None: everybody, or the first person in per-person mode),
        highlight its band and scroll it into view."""
        self._person = None if track_id is None or track_id < 0 else int(track_id)
        self._update_curves()
        self._show_selected_band()

    def set_labels(self, segments, labels, people=None) -> None:
        """Label segments (objects with ``id, person, start_frame, end_frame, label_id, confidence``) of
        this video, and the label set (objects with ``id, name, color``); ``people``: every person with labels
        in the video when ``segments`` are only those on screen (their lanes are shown all the same)."""
        self._label_segments = list(segments)
        self._label_people = [int(p) for p in people] if people is not None else []
        self._label_set = list(labels)
        self.label_item.point_ids = {lab.id for lab in self._label_set if getattr(lab, "kind", "") == "point"}
        key = [(int(lb.id), lb.name, lb.color) for lb in self._label_set]
        if key != self._label_key:  # colours and names made once per label set (not at every lanes rebuild)
            self._label_key = key
            self._label_colors = {i: QColor(color) for i, _name, color in key}
            self._label_names = {i: name for i, name, _color in key}
        self._rebuild_lanes()

    def set_selected_segment(self, seg_id: Optional[int]) -> None:
        """Outline the label segment ``seg_id`` (None: none)."""
        self._selected_segment = seg_id
        self.label_item.set_selected_id(seg_id)

    def set_bookmarks(self, frames) -> None:
        """Show the video's bookmarks as marks (frames)."""
        self.bands_item.set_bookmarks(frames)

    def set_marks(self, mark_in: Optional[int], mark_out: Optional[int]) -> None:
        """Show the in/out marks (either may be None)."""
        self.bands_item.set_marks(mark_in, mark_out)

    def set_focus_target(self, widget: Optional[QWidget]) -> None:
        """The widget that gets the keyboard back once a class is picked (the video)."""
        self._focus_target = widget

    def set_stale(self, reason: Optional[str]) -> None:
        """Mark the result shown as not matching the settings (``reason``), or clear the mark (None)."""
        self._stale = reason
        self._refresh_badge()

    def set_editable(self, editable: bool) -> None:
        """Whether drags in a labels lane edit labels (a project is open) or only scrub."""
        self.editable = bool(editable)

    def people(self) -> list[int]:
        """The person of each band, top to bottom (-1 = everybody)."""
        return list(self._lanes)

    def visible_window(self, label_people=()) -> tuple[float, float, list[int]]:
        """(first frame, end frame, persons of the bands) on screen, with lanes for ``label_people`` too."""
        (x0, x1), _ = self.plots["segments"].viewRange()
        lanes = list(lanes_for({-1, *self._result_people, *self._pose_people, *map(int, label_people)}))
        top = int(self._band_top)
        shown = int(np.ceil(self._band_top + self._visible_bands())) if len(lanes) == len(self._lanes) \
            else top + MAX_BANDS_SHOWN
        return max(float(x0), 0.0), min(float(x1), float(self._frame_count)), lanes[top:max(shown, top + 1)]

    def scroll_bands(self, steps: float) -> None:
        """Scroll the bands by ``steps`` bands (positive = down)."""
        self._band_top += steps
        self._apply_band_range()

    def band_pos(self, frame: float, person: int, labels: bool = True) -> QPoint:
        """Viewport position (``self.view``) of ``frame`` in the labels (or prediction) lane of ``person``."""
        band = self._lanes[int(person)]
        y = band + (LABEL_OFFSET + LABEL_FILL / 2 if labels else PRED_OFFSET + PRED_FILL / 2)
        scene = self.plots["segments"].getViewBox().mapViewToScene(QPointF(frame, y))
        return self.view.mapFromScene(scene)

    def zoom_to_fit(self) -> None:
        """Show the whole video."""
        self.plots["segments"].setXRange(0, self._frame_count, padding=0)

    # ---- read-outs ----------------------------------------------------------------------
    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The full ``(x, y)`` of a curve (one of ``CURVES``), before downsampling."""
        item = self._curves.get(name)
        x, y = (item.xData, item.yData) if item is not None else (None, None)
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
        return shown_person(self._result, self._person)

    def _set_curve(self, name: str, x, y) -> None:
        """Data of curve ``name``; its item is made with the first data (a labeling project without analysis or
        poses makes none), kept and emptied afterwards."""
        item = self._curves.get(name)
        if item is None:
            if len(x) == 0:
                return
            row = next(r for r, keys in ROW_CURVES.items() if name in keys)
            item = self._curves[name] = _curve(self.plots[row], name, fill="#8fd69440" if name == "people" else None)
        item.setData(x, y)

    def _update_curves(self, class_only: bool = False) -> None:
        r = self._result
        person = self._shown_person()
        if r is None or r.num_windows == 0:
            for name in ("confidence", "attention", "rgb", "pose", "fused"):
                self._set_curve(name, [], [])
            self.product_curves.update(None, [])
            return
        rows = rows_for_person(r.person, person)
        s, e = r.window_start[rows], r.window_end[rows]
        if not class_only:
            self._set_curve("confidence", *centre_curve(s, e, r.prob_fused[rows].max(axis=1)))
            if r.temporal_attention is not None and "temporal_attention" not in timeline_curves(r):
                self._set_curve("attention", *attention_points(r.rgb_frames[rows], r.temporal_attention[rows]))
            else:
                self._set_curve("attention", [], [])
            self.product_curves.update(r, rows)  # any model's curve products (app/timeline/product_curves.py)
        c = self._class if 0 <= self._class < len(r.class_names) else 0
        for name, probs in (("rgb", r.prob_rgb), ("pose", r.prob_pose), ("fused", r.prob_fused)):
            self._set_curve(name, *(centre_curve(s, e, probs[rows, c]) if probs is not None else ([], [])))

    def _apply_extent(self) -> None:
        self._time_axis.set_clock(self._clock)
        for plot in self.plots.values():
            plot.getViewBox().setLimits(xMin=0, xMax=self._frame_count, minXRange=min(10, self._frame_count))
        self.zoom_to_fit()

    def _set_y_ranges(self) -> None:
        n = max(len(self._lanes), 1)
        self._apply_band_range()
        self.plots["scores"].setYRange(0, Y_HEADROOM, padding=0)
        self.plots["class"].setYRange(0, Y_HEADROOM, padding=0)
        _, y = self.curve_data("people")
        top = max(float(y.max()) if y.size else 1.0, 1.0)
        self.plots["people"].setYRange(0, top * 1.15, padding=0)
        self.plots["people"].getAxis("left").setTicks([[(0, "0"), (top, str(int(top)))]])
        self._size_lanes_row()

    def _size_lanes_row(self) -> None:
        """Give the lanes row room for up to ``MAX_BANDS_SHOWN`` bands at their minimum height (more scroll),
        leaving the curve rows at least their minimum height."""
        n = max(len(self._lanes), 1)
        others = sum(ROW_MIN_PX[k] for k in ("scores", "class", "people")) + AXIS_PX + 3 * ROW_GAP_PX
        room = self.view.height() - others - AXIS_PX - 4
        fit = int(min(max(room // BAND_MIN_PX, 1), n, MAX_BANDS_SHOWN))
        height = AXIS_PX + fit * BAND_MIN_PX
        lanes = self.plots["segments"]
        if lanes.minimumHeight() != height or lanes.maximumHeight() != height:
            lanes.setMinimumHeight(height)
            lanes.setMaximumHeight(height)
            self.view.ci.layout.activate()  # now, so the band range below uses the new height

    # ---- lanes ----------------------------------------------------------------------------
    def _rebuild_lanes(self) -> None:
        """Bands for everybody + every person seen in the result, the poses or the labels; fill both items."""
        people = {-1, *self._result_people, *self._pose_people, *self._label_people,
                  *(int(s.person) for s in self._label_segments)}
        self._lanes = lanes_for(people)
        n = len(self._lanes)
        r = self._result
        if r is not None:
            names = list(r.class_names)
            self.segment_item.set_segments(segment_arrays(r.segments, self._lanes), n, names, self._frame_count,
                                           colors={i: class_color(i, name) for i, name in enumerate(names)})
            self._fill_combo(names)  # the label set's colours may have changed
        else:
            self.segment_item.set_segments(segment_arrays([], {}), n, [], self._frame_count)
        self.label_item.set_segments(label_arrays(self._label_segments, list(self._lanes)), n, self._label_names,
                                     self._frame_count, colors=self._label_colors)
        self.label_item.set_selected_id(self._selected_segment)
        self._lane_axis.set_coders(self.label_item.lane_coders())  # each coder of a person: a named row
        self.bands_item.set_bands(n, self._frame_count)
        self._set_y_ranges()
        self._show_selected_band()

    def set_subjects(self, subjects: dict) -> None:
        """Named subjects of the video's tracks (``{track: (name, "#rrggbb")}``): shown in the lane header."""
        self._lane_axis.set_subjects(subjects)

    def _selected_band(self) -> int:
        return self._lanes.get(-1 if self._person is None else self._person, 0)

    def _show_selected_band(self) -> None:
        band = self._selected_band()
        self.bands_item.set_selected(band)
        self._lane_axis.set_people(list(self._lanes), -1 if self._person is None else self._person)
        visible = self._visible_bands()
        if band < self._band_top:
            self._band_top = float(band)
        elif band + 1 > self._band_top + visible:
            self._band_top = band + 1 - visible
        self._apply_band_range()

    def _visible_bands(self) -> float:
        h = self.plots["segments"].getViewBox().height()
        n = max(len(self._lanes), 1)
        if h <= 1:
            return float(n)
        if n * BAND_MIN_PX <= h:
            return max(float(n), h / BAND_MAX_PX)  # all fit: bands between the minimum and maximum height
        return h / BAND_MIN_PX

    def _apply_band_range(self) -> None:
        n = max(len(self._lanes), 1)
        visible = self._visible_bands()
        scroll = visible < n - 1e-6
        self._band_top = min(max(self._band_top, 0.0), max(n - visible, 0.0)) if scroll else 0.0
        self.plots["segments"].setYRange(self._band_top, self._band_top + visible, padding=0)
        bar = self._band_bar
        bar.blockSignals(True)
        bar.setRange(0, int(round(100 * max(n - visible, 0.0))) if scroll else 0)
        bar.setPageStep(int(round(100 * visible)))
        bar.setSingleStep(100)
        bar.setValue(int(round(100 * self._band_top)))
        bar.blockSignals(False)
        bar.setVisible(scroll)
        self._window_timer.start()
        if scroll:
            rect = self.view.mapFromScene(self.plots["segments"].getViewBox().sceneBoundingRect()).boundingRect()
            bar.setGeometry(rect.right() + 2, rect.top(), SCROLLBAR_PX, rect.height())
        self._lane_axis.picture = None
        self._lane_axis.update()

    def _on_band_bar(self, value: int) -> None:
        self._band_top = value / 100.0
        self._apply_band_range()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._size_lanes_row()
        self._apply_band_range()

    def _on_seek(self, x: float) -> None:
        frame = int(min(max(round(x), 0), self._frame_count - 1))
        for line in self._playheads:
            line.setValue(frame)
        if frame != self._last_seek:
            self._last_seek = frame
            self.seekRequested.emit(frame)
