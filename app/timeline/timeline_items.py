"""pyqtgraph items for the timeline: segment bars, a time axis and a seek-aware view box.

``SegmentBarsItem`` draws every segment of every lane as ONE graphics item. ``paint`` works in
device pixels: it picks the visible segments with ``searchsorted``, snaps them to whole
pixels, drops the ones hidden inside an already drawn pixel and merges touching runs of one
class, so at most about one rectangle per pixel column is drawn whatever the zoom
(level of detail). Class names are written only inside bars wide enough to hold them.

``RowAxisItem`` is a left axis that also names its row: short, horizontal, colour-coded entries
(one per curve, so it doubles as the legend) drawn in the axis's own margin, left of the tick
labels. Nothing is drawn over the data and rows never share pixels, so labels cannot overlap.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF

from core_model.formatting import format_percent, format_time

from app.common.class_colors import class_color, text_color_for
from app.timeline.timeline_data import FrameClock

LANE_FILL = 0.76  # fraction of a lane's height covered by its bars
MIN_LABEL_PX = 28  # narrowest bar that gets a text label


class SegmentBarsItem(pg.GraphicsObject):
    """Coloured bars ``[start, end) x lane`` with names; data coordinates: x = frame, y = lane.

    Lane ``i`` is drawn in ``[i + offset, i + offset + fill)`` (so several items can share a lane band:
    the labels on top, the predictions below). ``alpha`` < 255 and ``italic`` mark read-only predictions;
    ``separate`` keeps a visible boundary between touching segments of one class (editable labels).
    """

    def __init__(self, *, offset: float = (1 - LANE_FILL) / 2, fill: float = LANE_FILL, alpha: int = 255,
                 separate: bool = False, italic: bool = False) -> None:
        super().__init__()
        self._lanes: list[dict[str, np.ndarray]] = []
        self._tracks: list[tuple] = []
        self._names: dict[int, str] | Sequence[str] = ()
        self._extent = 1.0
        self._hatched = False
        self._highlight: Optional[int] = None
        self._colors: dict[int, QColor] = {}
        self._custom_colors = False
        self.offset, self.fill, self.alpha, self.separate = float(offset), float(fill), int(alpha), bool(separate)
        self._selected: Optional[tuple[int, int]] = None  # (lane, index in lane)
        self._preview: Optional[tuple[int, float, float]] = None  # (lane, start, end) while dragging
        self._font = QFont()
        self._font.setPointSizeF(8.0)
        self._font.setItalic(italic)
        self.drawn_rects = 0  # rectangles painted by the last paint() (for tests and benchmarks)
        self.point_ids: set = set()  # classes (label ids) of point events: drawn as diamonds, not bars
        self.drawn_points = 0  # diamonds painted by the last paint()
        self.setAcceptHoverEvents(True)

    # ---- data ---------------------------------------------------------------------------
    def set_segments(self, arrays: dict[str, np.ndarray], n_lanes: int, names, extent: float,
                     colors: Optional[dict[int, QColor]] = None) -> None:
        """Set columns ``start, end, lane, cls, conf`` (+ optional ``id``; sorted by lane, start) and the x extent.

        ``names``: class names by index (a list) or by id (a dict); ``colors``: id -> QColor (default: class colours).
        """
        self.prepareGeometryChange()
        lane = arrays["lane"]
        self._lanes = []
        for i in range(max(n_lanes, 0)):
            sel = lane == i
            self._lanes.append({k: v[sel] for k, v in arrays.items()})
        self._names = dict(names) if isinstance(names, dict) else list(names)
        self._extent = max(float(extent), 1.0)
        self._custom_colors = colors is not None
        self._colors = dict(colors) if colors is not None else {int(c): class_color(int(c))
                                                                for c in np.unique(arrays["cls"])}
        self._selected = None
        self._tracks = []  # (lane, sub-lane, sub-lanes in the lane, its rows): one drawn row per coder
        for i, d in enumerate(self._lanes):
            nsub = int(d["nsub"].max()) if "nsub" in d and len(d["nsub"]) else 1
            if nsub <= 1:
                self._tracks.append((i, 0, 1, d))
                continue
            for k in range(nsub):
                sel = d["sub"] == k
                self._tracks.append((i, k, nsub, {key: v[sel] for key, v in d.items()}))
        self.update()

    def lane_coders(self) -> list[list[str]]:
        """Per lane, the coders with a sub-lane of their own (top to bottom); [] where one coder or none."""
        out = []
        for d in self._lanes:
            names: list[str] = []
            # rows of one coder's overlapping labels (two categories at once) are not named: coders are
            if "coder" in d and len(d["coder"]) and int(d["nsub"].max()) > 1 and len(set(d["coder"].tolist())) > 1:
                names = [""] * int(d["nsub"].max())
                for k, name in zip(d["sub"].tolist(), d["coder"].tolist()):
                    names[k] = name or "(no name)"
            out.append(names)
        return out

    def _name(self, c: int) -> str:
        if isinstance(self._names, dict):
            return self._names.get(c, "?")
        return self._names[c] if 0 <= c < len(self._names) else f"class {c}"

    def _color(self, c: int) -> QColor:
        color = self._colors.get(c)
        if color is None:
            color = QColor("#8a8f98") if self._custom_colors else class_color(c)
        if self.alpha < 255:
            color = QColor(color)
            color.setAlpha(self.alpha)
        return color

    def set_hatched(self, hatched: bool) -> None:
        """Overlay a diagonal hatch (used for results of an untrained model)."""
        self._hatched = bool(hatched)
        self.update()

    def set_highlight(self, lane: Optional[int]) -> None:
        """Outline one lane (the selected person), or none."""
        self._highlight = lane
        self.update()

    def set_selected_id(self, seg_id: Optional[int]) -> None:
        """Outline the segment whose ``id`` column is ``seg_id`` (None: no selection)."""
        found = None
        if seg_id is not None:
            for lane, d in enumerate(self._lanes):
                ids = d.get("id")
                if ids is not None:
                    hit = np.nonzero(ids == seg_id)[0]
                    if hit.size:
                        found = (lane, int(hit[0]))
                        break
        if found != self._selected:
            self._selected = found
            self.update()

    def selected(self) -> Optional[tuple[int, int]]:
        return self._selected

    def set_preview(self, lane: Optional[int], start: float = 0.0, end: float = 0.0) -> None:
        """Draw a dashed outline ``[start, end)`` in ``lane`` (a drag in progress), or none."""
        self._preview = None if lane is None else (int(lane), float(start), float(end))
        self.update()

    def segment_count(self) -> int:
        """Number of segments held (all lanes)."""
        return int(sum(len(d["start"]) for d in self._lanes))

    def lane_data(self, lane: int) -> Optional[dict[str, np.ndarray]]:
        return self._lanes[lane] if 0 <= lane < len(self._lanes) else None

    def segment_at(self, frame: float, lane: int) -> Optional[int]:
        """Index (within its lane) of the segment covering ``frame`` in ``lane``, or None."""
        if not 0 <= lane < len(self._lanes):
            return None
        d = self._lanes[lane]
        i = int(np.searchsorted(d["start"], frame, side="right")) - 1
        if i >= 0 and frame < d["end"][i]:
            return i
        if "nsub" in d and len(d["nsub"]) and int(d["nsub"].max()) > 1:  # coders overlap: any that covers it
            hit = np.nonzero((d["start"][: i + 1] <= frame) & (frame < d["end"][: i + 1]))[0]
            return int(hit[-1]) if hit.size else None
        return None

    # ---- QGraphicsItem ------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, self._extent, float(max(len(self._lanes), 1)))

    def paint(self, p: QPainter, *args) -> None:
        self.drawn_rects = self.drawn_points = 0
        if not self._lanes and self._preview is None:
            return
        tr = p.transform()
        sx, dx, sy, dy = tr.m11(), tr.dx(), tr.m22(), tr.dy()
        if sx <= 0:
            return
        vb = self.getViewBox()
        if vb is not None:
            (x_min, x_max), (y_min, y_max) = vb.viewRange()
        else:
            (x_min, x_max), (y_min, y_max) = (0.0, self._extent), (0.0, float(len(self._lanes)))
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setFont(self._font)
        fm = QFontMetrics(self._font)
        hatch = QBrush(QColor(0, 0, 0, 110), Qt.BrushStyle.BDiagPattern)
        for lane, sub, nsub, d in self._tracks:
            if lane + 1 < y_min or lane > y_max:
                continue  # band scrolled out of view
            top, height = self._lane_pixels(lane, sy, dy, sub, nsub)
            rects = _visible_pixel_runs(d, x_min, x_max, sx, dx, self.separate)
            if rects is None:
                if sub == 0:
                    self._paint_highlight(p, lane, *self._lane_pixels(lane, sy, dy), x_min, x_max, sx, dx)
                continue
            px0, px1, cls, first = rects
            absent = d.get("absent")
            self.drawn_rects += len(px0)
            p.setPen(Qt.PenStyle.NoPen)
            for a, b, c in zip(px0.tolist(), px1.tolist(), cls.tolist()):
                if c not in self.point_ids:
                    p.fillRect(a, top, b - a, height, self._color(c))
            if self.point_ids:  # sized by the whole band: a diamond stays visible on a thin row
                self._paint_points(p, d, top, height, x_min, x_max, sx, dx, self._lane_pixels(lane, sy, dy)[1])
            if self._hatched:
                for a, b in zip(px0.tolist(), px1.tolist()):
                    p.fillRect(a, top, b - a, height, hatch)
            if self.separate:  # a dark hairline at each segment start: touching segments stay distinct
                for a in px0[px1 - px0 >= 4].tolist():
                    p.fillRect(a, top, 1, height, QColor(0, 0, 0, 160))
            if sub == 0:
                self._paint_highlight(p, lane, *self._lane_pixels(lane, sy, dy), x_min, x_max, sx, dx)
            self._paint_absent(p, d, top, height, x_min, x_max, sx, dx)
            wide = np.nonzero(px1 - px0 >= MIN_LABEL_PX)[0]
            if height < fm.height() - 4:
                wide = wide[:0]
            for i in wide.tolist():
                a, b, c = int(px0[i]), int(px1[i]), int(cls[i])
                warn = "⚠ " if absent is not None and absent[first[i]] > 0 else ""  # person not there
                text = fm.elidedText(warn + self._name(c), Qt.TextElideMode.ElideRight, b - a - 6)
                if len(text) <= 1:
                    continue
                color = self._color(c)
                color.setAlpha(255)
                p.setPen(text_color_for(color) if self.alpha >= 200 else QColor("#e8eaed"))
                p.drawText(QRectF(a + 3, top, b - a - 6, height),
                           Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        self._paint_selection(p, sx, dx, sy, dy)
        if self._preview is not None:
            lane, a, b = self._preview
            top, height = self._lane_pixels(lane, sy, dy)
            x0, x1 = sorted((a * sx + dx, b * sx + dx))
            p.setPen(QPen(QColor("#ffffff"), 1, Qt.PenStyle.DashLine))
            p.setBrush(QColor(255, 255, 255, 50))
            p.drawRect(QRectF(x0, top, max(x1 - x0, 1.0), height))
        p.restore()

    def _lane_pixels(self, lane: int, sy: float, dy: float, sub: int = 0, nsub: int = 1) -> tuple[int, int]:
        """Top and height in pixels of a lane (of its coder's sub-lane ``sub`` of ``nsub``: 1 px apart)."""
        part = self.fill / max(nsub, 1)
        y_a = (lane + self.offset + sub * part) * sy + dy
        y_b = (lane + self.offset + (sub + 1) * part) * sy + dy
        top, height = int(round(min(y_a, y_b))), max(int(round(abs(y_b - y_a))), 1)
        if nsub > 1 and sub < nsub - 1 and height > 3:
            height -= 1  # a gap between two coders' rows
        return top, height

    def _paint_points(self, p, d, top, height, x_min, x_max, sx, dx, band: int = 0) -> None:
        """Point events (one-frame segments of a point label) as diamonds on the middle of their frame."""
        sel = np.isin(d["cls"], list(self.point_ids)) & (d["end"] > x_min) & (d["start"] < x_max)
        half = max(min(max(height, band * 0.7) / 2 - 1, 7), 3)
        mid = top + height / 2
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 0, 0, 200), 1))
        for start, c in zip(d["start"][sel].tolist(), d["cls"][sel].tolist()):
            x = (start + 0.5) * sx + dx
            p.setBrush(self._color(int(c)))
            p.drawPolygon(QPolygonF([QPointF(x, mid - half), QPointF(x + half * 0.8, mid), QPointF(x, mid + half),
                                     QPointF(x - half * 0.8, mid)]))
            self.drawn_points += 1
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(Qt.PenStyle.NoPen)

    def _paint_absent(self, p, d, top, height, x_min, x_max, sx, dx) -> None:
        """A dashed orange frame over labels with frames where their person's track does not exist."""
        absent = d.get("absent")
        if absent is None or not absent.any():
            return
        rows = np.nonzero((absent > 0) & (d["end"] > x_min) & (d["start"] < x_max))[0]
        pen = QPen(QColor("#ffb020"), 2, Qt.PenStyle.DashLine)
        for i in rows.tolist():
            x0, x1 = d["start"][i] * sx + dx, d["end"][i] * sx + dx
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x0 + 1, top + 1, max(x1 - x0 - 2, 2.0), max(height - 2, 1)))

    def _paint_highlight(self, p, lane, top, height, x_min, x_max, sx, dx) -> None:
        if self._highlight == lane:
            p.setPen(QPen(QColor(255, 255, 255, 220), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x_min * sx + dx + 1, top - 1, (x_max - x_min) * sx - 2, height + 2))

    def _paint_selection(self, p, sx, dx, sy, dy) -> None:
        if self._selected is None:
            return
        lane, i = self._selected
        d = self._lanes[lane]
        sub = (int(d["sub"][i]), int(d["nsub"][i])) if "sub" in d else (0, 1)
        top, height = self._lane_pixels(lane, sy, dy, *sub)
        x0, x1 = d["start"][i] * sx + dx, d["end"][i] * sx + dx
        p.setPen(QPen(QColor("#ffffff"), 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(x0, top - 1, max(x1 - x0, 2.0), height + 2))
        p.setPen(Qt.PenStyle.NoPen)
        for x in (x0, x1):  # drag handles on both edges
            p.fillRect(QRectF(x - 2, top - 2, 4, height + 4), QColor("#ffffff"))

    def hoverMoveEvent(self, ev) -> None:
        pos = ev.pos()
        lane = int(np.floor(pos.y()))
        if not self.offset <= pos.y() - lane < self.offset + self.fill:
            self.setToolTip("")
            return
        i = self.segment_at(pos.x(), lane)
        if i is None:
            self.setToolTip("")
            return
        d = self._lanes[lane]
        c = int(d["cls"][i])
        conf = float(d["conf"][i])
        tip = f"{self._name(c)}\nframes {int(d['start'][i])}–{int(d['end'][i]) - 1}"
        if np.isfinite(conf):
            tip += f"\nconfidence {format_percent(conf, 0, unit='%')}"
        if "coder" in d and int(d["nsub"][i]) > 1:
            tip += f"\ncoder {d['coder'][i] or '(no name)'}"
        if "absent" in d and int(d["absent"][i]) > 0:
            tip += f"\n⚠ {int(d['absent'][i])} frames where this person's track does not exist"
        self.setToolTip(tip)


def _visible_pixel_runs(d: dict[str, np.ndarray], x_min: float, x_max: float, sx: float, dx: float,
                        separate: bool = False):
    """Whole-pixel rectangles ``(px0, px1, cls, first_row)`` of the visible segments of one lane.

    Touching runs of one class merge into one rectangle unless ``separate`` (then only runs narrower
    than 4 px merge, so a boundary stays visible wherever there is room to show it).
    """
    lo = int(np.searchsorted(d["end"], x_min, side="right"))
    hi = int(np.searchsorted(d["start"], x_max, side="left"))
    if hi <= lo:
        return None
    px0 = np.floor(d["start"][lo:hi] * sx + dx).astype(np.int64)
    px1 = np.ceil(d["end"][lo:hi] * sx + dx).astype(np.int64)
    px1 = np.maximum(px1, px0 + 1)
    cls = d["cls"][lo:hi]
    # drop segments hidden inside pixels an earlier segment already covers
    prev_end = np.maximum.accumulate(np.concatenate([[np.iinfo(np.int64).min], px1[:-1]]))
    keep = px1 > prev_end
    px0, px1, cls = px0[keep], px1[keep], cls[keep]
    px0 = np.maximum(px0, prev_end[keep])
    # merge touching runs of the same class into one rectangle
    new_run = np.ones(len(px0), bool)
    new_run[1:] = (cls[1:] != cls[:-1]) | (px0[1:] > px1[:-1])
    if separate:
        new_run[1:] |= (px1[1:] - px0[1:]) >= 4
    starts = np.nonzero(new_run)[0]
    ends = np.concatenate([starts[1:], [len(px0)]]) - 1
    return px0[starts], px1[ends], cls[starts], starts + lo


class RowAxisItem(pg.AxisItem):
    """A left axis whose margin names the row: ``entries`` = ``[(text, colour), ...]``, one line each.

    Entries are stacked top-down and vertically centred; when the row is too short for one line
    per entry they share lines (``entry_lines``), and text that still does not fit is elided.
    """

    def __init__(self, entries: Sequence[tuple[str, str]] = (), font_pt: float = 7.5, **kw) -> None:
        super().__init__("left", **kw)
        self._entries = list(entries)
        self._label_font = QFont()
        self._label_font.setPointSizeF(font_pt)
        self.label_rects: list[QRectF] = []  # where the last paint put each line (axis coordinates)

    def set_entries(self, entries: Sequence[tuple[str, str]]) -> None:
        self._entries = list(entries)
        self.picture = None
        self.update()

    def entries(self) -> list[tuple[str, str]]:
        return list(self._entries)

    def _text_room(self) -> float:
        """Width left of the tick labels (axis coordinates start at 0 on the left)."""
        fm = QFontMetrics(self.style["tickFont"] or QFont())
        ticks = [t for level in (self._tickLevels or []) for _, t in level]
        tick_w = max((fm.horizontalAdvance(t) for t in ticks), default=fm.horizontalAdvance("0"))
        return self.width() - tick_w - abs(self.style["tickLength"]) - self.style["tickTextOffset"][0] - 6

    def entry_lines(self) -> list[list[tuple[str, str]]]:
        """The entries grouped into the lines that fit the row's height."""
        if not self._entries:
            return []
        line_h = QFontMetrics(self._label_font).height()
        n_fit = max(int(self.height() // line_h), 1)
        if n_fit >= len(self._entries):
            return [[e] for e in self._entries]
        per_line = -(-len(self._entries) // n_fit)
        return [self._entries[i:i + per_line] for i in range(0, len(self._entries), per_line)]

    def generateDrawSpecs(self, p):
        """As ``AxisItem``, with tick labels moved inside the row (never into the next row)."""
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        height, kept = self.height(), []
        for rect, flags, text in sorted(text_specs, key=lambda t: t[0].top()):
            rect = QRectF(rect)
            if rect.top() < 0:
                rect.moveTop(0)
            if rect.bottom() > height:
                rect.moveBottom(height)
            if kept and rect.top() < kept[-1][0].bottom():
                continue  # row too short for both labels
            kept.append((rect, flags, text))
        return axis_spec, tick_specs, kept

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):
        super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        self.label_rects = []
        lines = self.entry_lines()
        if not lines:
            return
        fm = QFontMetrics(self._label_font)
        room = max(self._text_room(), 8.0)
        line_h = fm.height()
        height = self.height()
        top = max((height - line_h * len(lines)) / 2, 0.0)
        p.setFont(self._label_font)
        p.setClipRect(QRectF(0, 0, room + 3, height))
        for k, line in enumerate(lines):
            y = top + k * line_h
            if y + line_h > height + 1:
                break
            x, left = 3.0, room
            for text, color in line:
                shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(left))
                if not shown:
                    break
                w = fm.horizontalAdvance(shown)
                p.setPen(pg.mkColor(color))
                rect = QRectF(x, y, w, line_h)
                p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
                self.label_rects.append(rect)
                step = w + fm.horizontalAdvance(" ")
                x, left = x + step, left - step
                if left <= 4:
                    break


class TimeAxisItem(pg.AxisItem):
    """An x axis in frames whose ticks fall on round times and read ``m:ss`` (or ``m:ss.s``); times come
    from a :class:`FrameClock` (the video's timestamps, so variable-frame-rate video reads true)."""

    def __init__(self, orientation: str = "top", fps: float = 25.0, **kw) -> None:
        super().__init__(orientation, **kw)
        self.clock = FrameClock(1, fps)
        self.enableAutoSIPrefix(False)

    @property
    def fps(self) -> float:
        return self.clock.fps

    def set_fps(self, fps: float) -> None:
        self.set_clock(FrameClock(self.clock.frame_count, fps))

    def set_clock(self, clock: FrameClock) -> None:
        self.clock = clock
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):
        c = self.clock
        levels = super().tickValues(c.time(minVal), c.time(maxVal), size)
        return [(spacing * c.fps, [float(c.frame(v)) for v in values]) for spacing, values in levels]

    def tickStrings(self, values, scale, spacing):
        step = spacing / self.clock.fps
        decimals = 0 if step >= 1 else (1 if step >= 0.1 else 2)
        return [format_time(self.clock.time(v), decimals) for v in values]


class SeekViewBox(pg.ViewBox):
    """A ViewBox where left click/drag seeks, right/middle drag pans x and the wheel zooms x."""

    sigSeek = Signal(float)

    def __init__(self, **kw) -> None:
        super().__init__(enableMenu=False, **kw)
        self.setMouseEnabled(x=True, y=False)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.sigSeek.emit(self.mapSceneToView(ev.scenePos()).x())
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.sigSeek.emit(self.mapSceneToView(ev.scenePos()).x())
        elif ev.button() in (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
            ev.accept()
            a = self.mapSceneToView(ev.lastScenePos()).x()
            b = self.mapSceneToView(ev.scenePos()).x()
            self.translateBy(x=a - b)
        else:
            ev.ignore()


__all__ = ["SegmentBarsItem", "RowAxisItem", "TimeAxisItem", "SeekViewBox"]
