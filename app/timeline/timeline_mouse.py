"""Mouse on the timeline's lanes (called by ``LanesViewBox``): pick a band, select, draw, move and resize
labels, scrub. A mixin of ``TimelineWidget``."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPoint, Qt

from app.timeline.timeline_lanes import EDGE_PX, Drag, Hit


class LaneMouseMixin:
    # ---- mouse on the lanes (called by LanesViewBox) ---------------------------------------
    def _band_person(self, hit: Hit) -> Optional[int]:
        people = list(self._lanes)
        return people[hit.band] if 0 <= hit.band < len(people) else None

    def _label_at(self, hit: Hit) -> Optional[int]:
        d = self.label_item.lane_data(hit.band)
        i = self.label_item.segment_at(hit.frame, hit.band)
        return None if i is None or d is None else int(d["id"][i])

    def _frame(self, x: float, lo: int = 0, hi: Optional[int] = None) -> int:
        hi = self._frame_count if hi is None else hi
        return int(min(max(round(x), lo), hi))

    def lane_clicked(self, hit: Hit) -> None:
        person = self._band_person(hit)
        if person is not None:
            self.personPicked.emit(person)
            if hit.in_labels:
                seg = self._label_at(hit)
                self.set_selected_segment(seg)
                self.segmentClicked.emit(seg)
        self._on_seek(hit.frame)

    def lane_context(self, hit: Hit, screen_pos) -> None:
        person = self._band_person(hit)
        if person is None:
            return
        self.personPicked.emit(person)
        seg = self._label_at(hit) if hit.in_labels else None
        if seg is not None:
            self.set_selected_segment(seg)
        self.contextRequested.emit(person, self._frame(hit.frame, 0, self._frame_count - 1), seg,
                                   QPoint(int(screen_pos.x()), int(screen_pos.y())))

    def _edge_near(self, band: int, x: float) -> Optional[Drag]:
        """A drag of the label edge within ``EDGE_PX`` of ``x`` (or of the label body under ``x``)."""
        d = self.label_item.lane_data(band)
        if d is None or not len(d["start"]):
            return None
        ppf = self.plots["segments"].getViewBox().pixels_per_frame()
        i = int(np.searchsorted(d["start"], x, side="right")) - 1
        best, best_px = None, EDGE_PX + 1e-9
        for j in (i - 1, i, i + 1):
            if not 0 <= j < len(d["start"]):
                continue
            for kind, edge in (("start", d["start"][j]), ("end", d["end"][j])):
                dist = abs(x - edge) * ppf
                if dist < best_px or (dist == best_px and kind == "start"):
                    best, best_px = (kind, j), dist
        if best is None and 0 <= i < len(d["start"]) and x < d["end"][i]:
            best = ("move", i)
        if best is None:
            return None
        kind, j = best
        return Drag(kind, band, x, int(d["id"][j]), int(d["start"][j]), int(d["end"][j]))

    def lane_cursor(self, hit: Hit) -> Qt.CursorShape:
        """The mouse cursor over ``hit``: what a drag there would do."""
        if not (self.editable and hit.in_labels and self._band_person(hit) is not None):
            return Qt.CursorShape.ArrowCursor
        drag = self._edge_near(hit.band, hit.frame)
        if drag is None:
            return Qt.CursorShape.CrossCursor  # draw a new label
        return Qt.CursorShape.OpenHandCursor if drag.kind == "move" else Qt.CursorShape.SizeHorCursor

    def lane_drag_start(self, start: Hit, now: Hit) -> None:
        person = self._band_person(start)
        drag = None
        if self.editable and person is not None and start.in_labels:
            drag = self._edge_near(start.band, start.frame) or Drag("create", start.band, start.frame)
            self.personPicked.emit(person)
        self._drag = drag or Drag("scrub", start.band, start.frame)
        self.lane_drag_move(now)

    def _drag_bounds(self, hit: Hit) -> tuple[int, int]:
        d, n = self._drag, self._frame_count
        if d.kind == "create":
            a, b = sorted((self._frame(d.origin), self._frame(hit.frame)))
            return (a, b) if b > a else (a, min(a + 1, n))
        if d.kind == "start":
            return self._frame(hit.frame, 0, d.end - 1), d.end
        if d.kind == "end":
            return d.start, self._frame(hit.frame, d.start + 1, n)
        delta = int(round(hit.frame - d.origin))
        delta = min(max(delta, -d.start), n - d.end)
        return d.start + delta, d.end + delta

    def lane_drag_move(self, hit: Hit) -> None:
        if self._drag is None:
            return
        if self._drag.kind == "scrub":
            self._on_seek(hit.frame)
            return
        a, b = self._drag_bounds(hit)
        self.label_item.set_preview(self._drag.band, a, b)

    def lane_drag_finish(self, hit: Hit) -> None:
        drag = self._drag
        if drag is None:
            return
        if drag.kind == "scrub":
            self._on_seek(hit.frame)
            self._drag = None
            return
        a, b = self._drag_bounds(hit)
        self._drag = None
        self.label_item.set_preview(None)
        if drag.kind == "create":
            person = list(self._lanes)[drag.band]
            self.segmentDrawn.emit(person, a, b)
        elif (a, b) != (drag.start, drag.end):
            self.boundsDragged.emit(drag.seg_id, a, b)
