"""The timeline's lanes: one band per person (and one for everybody), labels on top, predictions below.

Band ``k`` covers ``y ∈ [k, k + 1)`` of the lanes plot (y grows downwards). Its upper part is the
person's **labels lane** (editable with the mouse), its lower part the **prediction lane** (read-only,
translucent, italic). Bands keep at least ``BAND_MIN_PX`` pixels: with many people the plot shows a
window of bands and scrolls (scroll bar, Shift+wheel); the selected person's band is highlighted.

Mouse on the lanes plot (``LanesViewBox``), all in frames (x snaps to whole frames):
    left click                select the band's person and the label segment under the cursor; seek there
    left drag on an edge      move that boundary of the label segment (``boundsDragged`` on release)
    left drag inside a label  move the segment (``boundsDragged``)
    left drag on empty label  draw a new segment (``segmentDrawn`` on release)
    left drag elsewhere       scrub (seek), as on the other rows
    right click               ``contextRequested`` (the timeline shows the label menu)
    right / middle drag       pan; wheel zooms x; Shift+wheel scrolls the bands
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from app.timeline.timeline_items import SeekViewBox

LABEL_OFFSET, LABEL_FILL = 0.06, 0.50  # labels lane inside a band (fractions of the band)
PRED_OFFSET, PRED_FILL = 0.62, 0.30  # prediction lane
LABEL_ZONE = 0.59  # y within a band below which a click belongs to the labels lane
BAND_MIN_PX = 34  # never thinner: names stay readable with 30 people (label lane ~17 px)
BAND_MAX_PX = 56  # a few people do not get huge bars
EDGE_PX = 6  # a press this close to a label's edge drags that edge
BAND_SHADE = QColor(255, 255, 255, 10)
BAND_SELECTED = QColor(90, 160, 255, 46)


def person_name(person: int) -> str:
    return "all" if person < 0 else f"P{person}"


class BandsItem(pg.GraphicsObject):
    """Band backgrounds: alternate shading, the selected person's band and the in/out range."""

    def __init__(self) -> None:
        super().__init__()
        self.n_bands = 0
        self.selected: Optional[int] = None
        self.marks: tuple[Optional[int], Optional[int]] = (None, None)
        self._extent = 1.0
        self.setZValue(-10)

    def set_bands(self, n: int, extent: float) -> None:
        self.prepareGeometryChange()
        self.n_bands, self._extent = int(n), max(float(extent), 1.0)
        self.update()

    def set_selected(self, band: Optional[int]) -> None:
        self.selected = band
        self.update()

    def set_marks(self, mark_in: Optional[int], mark_out: Optional[int]) -> None:
        self.marks = (mark_in, mark_out)
        self.update()

    def set_bookmarks(self, frames) -> None:
        """Bookmarks: dashed orange lines across the bands (app/labeling/coding_ui.py)."""
        self.bookmarks = [int(f) for f in frames]
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, self._extent, float(max(self.n_bands, 1)))

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        p.setPen(Qt.PenStyle.NoPen)
        for k in range(max(int(np.floor(y0)), 0), min(int(np.ceil(y1)), self.n_bands)):
            if k == self.selected:
                p.fillRect(QRectF(x0, k, x1 - x0, 1.0), BAND_SELECTED)
            elif k % 2:
                p.fillRect(QRectF(x0, k, x1 - x0, 1.0), BAND_SHADE)
        pen = QPen(QColor("#f0a030"), 0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        p.setPen(pen)
        for x in getattr(self, "bookmarks", ()):
            if x0 <= x <= x1:
                p.drawLine(QPointF(x + 0.5, y0), QPointF(x + 0.5, y1))
        p.setPen(Qt.PenStyle.NoPen)
        a, b = self.marks
        if a is not None or b is not None:
            lo = a if a is not None else b
            hi = b if b is not None else lo + 1
            lo, hi = min(lo, hi), max(lo, hi)
            p.fillRect(QRectF(lo, y0, max(hi - lo, 1), y1 - y0), QColor(120, 220, 120, 40))
            pen = QPen(QColor("#7ddc7d"), 0)
            pen.setCosmetic(True)
            p.setPen(pen)
            for x in (a, b):
                if x is not None:
                    p.drawLine(QPointF(x, y0), QPointF(x, y1))


class LaneAxisItem(pg.AxisItem):
    """Left axis of the lanes plot: the person of each band, and a dim "pred" beside its prediction lane."""

    def __init__(self, **kw) -> None:
        super().__init__("left", **kw)
        self.people: list[int] = []
        self.coders: list[list[str]] = []  # per band: the coders with a row of their own (none: one coder)
        self.selected: Optional[int] = None
        self.subjects: dict = {}  # track -> (subject name, "#rrggbb"): a colour strip and the name under P<id>
        self._bold = QFont()
        self._bold.setBold(True)
        self._small = QFont()
        self._small.setPointSizeF(7.0)
        self._small.setItalic(True)
        self._coder_font = QFont()
        self._coder_font.setPointSizeF(7.0)
        self.setStyle(showValues=False, tickLength=0)

    def set_people(self, people: list[int], selected: Optional[int]) -> None:
        self.people, self.selected = list(people), selected
        self.picture = None
        self.update()

    def set_subjects(self, subjects: dict) -> None:
        """Named subjects of the video's tracks: ``{track: (name, "#rrggbb")}``."""
        if dict(subjects) != self.subjects:
            self.subjects = dict(subjects)
            self.picture = None
            self.update()

    def set_coders(self, coders: list[list[str]]) -> None:
        """Per band, the coders whose labels have a row of their own (named beside their row)."""
        if coders != self.coders:
            self.coders = [list(c) for c in coders]
            self.picture = None
            self.update()

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):
        super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        vb = self.linkedView()
        if vb is None or not self.people:
            return
        (_, _), (y0, y1) = vb.viewRange()
        h = self.height()
        scale = h / max(y1 - y0, 1e-9)
        width = self.width() - 4
        p.setClipRect(QRectF(0, 0, self.width(), h))
        for k, person in enumerate(self.people):
            if k + 1 < y0 or k > y1:
                continue
            top = (k - y0) * scale
            chosen = person == self.selected
            coders = self.coders[k] if k < len(self.coders) else []
            p.setFont(self._bold)
            p.setPen(pg.mkColor("#ffffff" if chosen else "#c9ced6"))
            name = ("▶ " if chosen else "") + person_name(person)
            if coders:  # the person's name on the left, each coder's name beside their row
                self._draw_coders(p, coders, name, top, scale, width)
            else:
                p.drawText(QRectF(2, top + LABEL_OFFSET * scale, width, LABEL_FILL * scale),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            p.setFont(self._small)
            p.setPen(pg.mkColor("#8d939c"))
            p.drawText(QRectF(2, top + PRED_OFFSET * scale, width, PRED_FILL * scale),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "pred")
            if person in self.subjects:
                self._draw_subject(p, self.subjects[person], top, scale, width)


    def _draw_subject(self, p, subject, top: float, scale: float, width: float) -> None:
        """The subject's colour as a strip at the band's left edge, its name (elided) left of "pred"."""
        name, color = subject
        p.fillRect(QRectF(0, top + LABEL_OFFSET * scale, 3, (PRED_OFFSET + PRED_FILL - LABEL_OFFSET) * scale),
                   QColor(color))
        p.setFont(self._coder_font)
        fm = p.fontMetrics()
        p.setPen(QColor(color))
        p.drawText(QRectF(5, top + PRED_OFFSET * scale, max(width - 26, 8), PRED_FILL * scale),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   fm.elidedText(name, Qt.TextElideMode.ElideRight, int(max(width - 26, 8))))

    def _draw_coders(self, p, coders: list[str], name: str, top: float, scale: float, width: float) -> None:
        """Each coder's name beside their row (right), the person's name left of them, as on other bands."""
        row = LABEL_FILL * scale / len(coders)
        p.setFont(self._coder_font)
        fm = p.fontMetrics()
        room = max(int(width * 0.45), 12)
        shown = [fm.elidedText(c, Qt.TextElideMode.ElideRight, room) for c in coders]
        used = max(fm.horizontalAdvance(c) for c in shown) + 5
        p.setPen(pg.mkColor("#e0c36a"))
        for j, coder in enumerate(shown):
            p.drawText(QRectF(2, top + LABEL_OFFSET * scale + j * row, width, row),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, coder)
        p.setFont(self._bold)
        p.setPen(pg.mkColor("#ffffff" if name.startswith("▶") else "#c9ced6"))
        p.drawText(QRectF(2, top + LABEL_OFFSET * scale, max(width - used, 8), LABEL_FILL * scale),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)


@dataclass
class Hit:
    """What is under a point of the lanes plot."""

    band: int
    frame: float
    in_labels: bool  # the upper (labels) lane of the band


@dataclass
class Drag:
    kind: str  # "create" | "start" | "end" | "move" | "scrub"
    band: int
    origin: float  # frame where the drag began
    seg_id: Optional[int] = None
    start: int = 0  # segment bounds when the drag began
    end: int = 0


class LanesViewBox(SeekViewBox):
    """The lanes plot's view box: delegates left clicks/drags and right clicks to ``editor`` callbacks."""

    sigWheelBands = Signal(float)

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.editor = None  # the TimelineWidget, set after construction

    def hit(self, scene_pos) -> Hit:
        p = self.mapSceneToView(scene_pos)
        band = int(np.floor(p.y()))
        return Hit(band, p.x(), (p.y() - band) < LABEL_ZONE)

    def mouseClickEvent(self, ev) -> None:
        if self.editor is None:
            return super().mouseClickEvent(ev)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.editor.lane_clicked(self.hit(ev.scenePos()))
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self.editor.lane_context(self.hit(ev.scenePos()), ev.screenPos())
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.editor is None or ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        if ev.isStart():
            self.editor.lane_drag_start(self.hit(ev.buttonDownScenePos()), self.hit(ev.scenePos()))
        elif ev.isFinish():
            self.editor.lane_drag_finish(self.hit(ev.scenePos()))
        else:
            self.editor.lane_drag_move(self.hit(ev.scenePos()))

    def hoverEvent(self, ev) -> None:
        if self.editor is None:
            return
        if ev.isExit():
            self.unsetCursor()
            return
        self.setCursor(self.editor.lane_cursor(self.hit(ev.scenePos())))

    def wheelEvent(self, ev, axis=None) -> None:
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            ev.accept()
            delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
            self.sigWheelBands.emit(-delta / 120.0)
            return
        super().wheelEvent(ev, axis)

    def pixels_per_frame(self) -> float:
        (x0, x1), _ = self.viewRange()
        return self.width() / max(x1 - x0, 1e-9)


def label_arrays(segments, people: list[int]) -> dict[str, np.ndarray]:
    """Columns ``start, end, lane, cls (label id), conf, id`` of label segments (any objects with
    ``person, start_frame, end_frame, label_id, confidence, id``), sorted by (lane, start); and, per segment,
    its coder's sub-lane ``sub`` of ``nsub`` in the band (each coder of a person gets a row of their own, named by
    ``coder``) and ``absent``: frames outside the person's track (an optional ``absent`` attribute)."""
    band = {p: k for k, p in enumerate(people)}
    n = len(segments)
    start = np.fromiter((s.start_frame for s in segments), np.int64, n)
    end = np.fromiter((s.end_frame for s in segments), np.int64, n)
    lane = np.fromiter((band.get(s.person, -1) for s in segments), np.int64, n)
    cls = np.fromiter((s.label_id for s in segments), np.int64, n)
    conf = np.fromiter((np.nan if s.confidence is None else s.confidence for s in segments), np.float64, n)
    ids = np.fromiter((s.id for s in segments), np.int64, n)
    absent = np.fromiter((int(getattr(s, "absent", 0) or 0) for s in segments), np.int64, n)
    coder = np.array([getattr(s, "author", None) or "" for s in segments], dtype=object)
    coders: dict[int, list[str]] = {}
    for k in range(n):
        coders.setdefault(int(lane[k]), []).append(coder[k])
    coders = {b: sorted(set(names)) for b, names in coders.items()}
    row, rows = _overlap_rows(start, end, lane, coder)  # states of two categories may overlap: a row each
    first = {b: np.cumsum([0] + [rows[(b, c)] for c in names]) for b, names in coders.items()}
    sub = np.fromiter((first[int(lane[k])][coders[int(lane[k])].index(coder[k])] + row[k] for k in range(n)),
                      np.int64, n)
    nsub = np.fromiter((first[int(lane[k])][-1] for k in range(n)), np.int64, n)
    order = np.lexsort((start, lane))
    return {"start": start[order], "end": end[order], "lane": lane[order], "cls": cls[order],
            "conf": conf[order], "id": ids[order], "absent": absent[order], "sub": sub[order], "nsub": nsub[order],
            "coder": coder[order]}


def _overlap_rows(start, end, lane, coder):
    """Per segment, its row among the segments of its band and coder (overlapping ones: the next free row; a
    one-frame segment, a point event drawn as a diamond, stays on the first row), and ``{(band, coder): rows}``."""
    row = np.zeros(len(start), np.int64)
    ends: dict = {}
    for k in np.lexsort((start, lane)).tolist():
        key = (int(lane[k]), coder[k])
        taken = ends.setdefault(key, [])
        if end[k] - start[k] <= 1:
            if not taken:
                taken.append(0)
            continue
        free = next((r for r, e in enumerate(taken) if e <= start[k]), len(taken))
        if free == len(taken):
            taken.append(int(end[k]))
        else:
            taken[free] = int(end[k])
        row[k] = free
    return row, {key: max(len(v), 1) for key, v in ends.items()}
