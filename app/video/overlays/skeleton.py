"""Skeletons: a colour per tracked person, joint score as transparency, track id label.

The selected person is drawn first, with a light halo under its bones and joints no bigger than anybody's, so
the people around (often smaller, further away) stay visible on top of it; joints and bones are never wider
than the person's own size allows (a child at the back keeps visible limbs). The id tag moves off the badges
on the picture (attention legend, sampled-frame badge, frame read-out): ``set_avoid``.

A track assigned to a named subject (``set_subjects``: ``{track: (name, "#rrggbb")}`` of the video shown) is drawn
in the subject's colour and its tag reads "#3 Anna": a subject keeps its colour in every video.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from core_model.pose.coco import COCO17_SKELETON as COCO_BONES

from app.video.overlays.base import Overlay
from app.video.overlays.context import FrameContext

PALETTE = ("#4cc9f0", "#f72585", "#b8f35a", "#ffb703", "#9b5de5", "#00f5d4", "#ff6b6b", "#f1fa8c")
MIN_SCORE = 0.05
ALPHA_LEVELS = 8  # joint scores are shown as this many transparency steps


def _alpha_level(score: float) -> int:
    """Score in [0, 1] -> 1..ALPHA_LEVELS (never fully transparent)."""
    return min(ALPHA_LEVELS, max(1, math.ceil(float(score) * ALPHA_LEVELS)))


def person_color(track_id: int) -> QColor:
    """The colour of a track id (same in the view, the timeline and the inspector)."""
    return QColor(PALETTE[int(track_id) % len(PALETTE)])


Subjects = Dict[int, Tuple[str, str]]  # track id -> (subject name, "#rrggbb")


def track_color(track_id: int, subjects: Optional[Subjects] = None) -> QColor:
    """The colour a track is shown in: its subject's when it is assigned to one, else the track id's."""
    found = subjects.get(int(track_id)) if subjects else None
    return QColor(found[1]) if found else person_color(track_id)


def track_tag(track_id: int, subjects: Optional[Subjects] = None) -> str:
    """The skeleton's tag: "#3", or "#3 Anna" for a track assigned to a subject."""
    found = subjects.get(int(track_id)) if subjects else None
    return f"#{track_id} {found[0]}" if found else f"#{track_id}"


class SkeletonItem(QGraphicsItem):
    """Paints the skeletons of one frame in image (scene) coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self._people: List[Tuple[int, np.ndarray, np.ndarray, bool, bool]] = []
        self._width = 2.0
        self._avoid: List[QRectF] = []  # scene rectangles the id tags keep off (badges)
        self.tag_rects: Dict[int, QRectF] = {}  # where each id tag was drawn last (scene coordinates)
        self.subjects: Subjects = {}  # track -> (subject name, colour) of the video shown

    def set_avoid(self, rects) -> None:
        rects = [QRectF(r) for r in rects]
        if rects != self._avoid:
            self._avoid = rects
            self.update()

    def set_people(self, rect: QRectF, people, width: float) -> None:
        self.prepareGeometryChange()
        self._rect, self._people, self._width = QRectF(rect), people, width
        self.update()

    def boundingRect(self) -> QRectF:
        pad = 40.0 * self._width
        return self._rect.adjusted(-pad, -pad, pad, pad)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.tag_rects = {}
        for track_id, pts, scores, selected, dimmed in sorted(self._people, key=lambda p: not p[3]):
            self._paint_person(painter, track_id, pts, scores, selected, dimmed)  # the selected one first: under

    def _paint_person(self, painter, track_id, pts, scores, selected, dimmed) -> None:
        """Bones and joints grouped by (quantised) score, so each group is one pen/brush change.

        Bones use flat caps (the joint discs cover their ends; round caps cost twice the time)
        and joints are single ellipses (filling one path of 17 ellipses costs ~4x more).
        """
        base = track_color(track_id, self.subjects)
        valid = scores >= MIN_SCORE
        size = float(np.ptp(pts[valid, 1])) if valid.sum() >= 2 else 0.0  # the person's height in pixels
        width = min(self._width, max(1.0, size / 28.0)) if size > 0 else self._width
        fade = 0.35 if dimmed else 1.0
        if selected:  # a halo under the bones marks the selection (the joints keep their size)
            halo = QColor(255, 255, 255, 90)
            painter.setPen(QPen(halo, width * 2.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLines([QLineF(pts[a][0], pts[a][1], pts[b][0], pts[b][1]) for a, b in COCO_BONES
                               if min(scores[a], scores[b]) >= MIN_SCORE])
        bones: Dict[int, List[QLineF]] = {}
        for a, b in COCO_BONES:
            s = min(scores[a], scores[b])
            if s >= MIN_SCORE:
                bones.setdefault(_alpha_level(s), []).append(QLineF(pts[a][0], pts[a][1], pts[b][0], pts[b][1]))
        for level, lines in bones.items():
            color = QColor(base)
            color.setAlphaF(level / ALPHA_LEVELS * fade)
            painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawLines(lines)
        joints: Dict[int, List[QPointF]] = {}
        radius = width * 1.2
        for (x, y), s in zip(pts, scores):
            if s >= MIN_SCORE:
                joints.setdefault(_alpha_level(s), []).append(QPointF(x, y))
        painter.setPen(QPen(QColor(10, 12, 16, int(200 * fade)), max(1.0, width * 0.4)))
        for level, centres in joints.items():
            color = QColor(base).lighter(130)
            color.setAlphaF(level / ALPHA_LEVELS * fade)
            painter.setBrush(QBrush(color))
            for centre in centres:
                painter.drawEllipse(centre, radius, radius)
        self._paint_label(painter, track_id, pts, scores, base, fade)

    def _paint_label(self, painter, track_id, pts, scores, base, fade) -> None:
        valid = scores >= MIN_SCORE
        if not valid.any():
            return
        x = float(pts[valid, 0].min())
        y = float(pts[valid, 1].min())
        font = QFont()
        font.setPixelSize(max(10, int(self._width * 6)))
        font.setBold(True)
        painter.setFont(font)
        text = track_tag(track_id, self.subjects)
        w = painter.fontMetrics().horizontalAdvance(text) + 8
        h = painter.fontMetrics().height() + 2
        right, bottom = float(pts[valid, 0].max()), float(pts[valid, 1].max())
        places = [QRectF(x, y - h - 4, w, h), QRectF(x, bottom + 4, w, h), QRectF(right - w, y - h - 4, w, h),
                  QRectF(right + 4, y, w, h), QRectF(x - w - 4, y, w, h)]
        free = [r for r in places if not any(r.intersects(a) for a in self._avoid)]
        rect = next((r for r in free if self._rect.contains(r)), free[0] if free else places[0])  # on the picture
        self.tag_rects[int(track_id)] = rect
        path = QPainterPath()
        path.addRoundedRect(rect, 3, 3)
        fill = QColor(base)
        fill.setAlphaF(0.85 * fade)
        painter.fillPath(path, fill)
        painter.setPen(QColor(12, 14, 18))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class SkeletonOverlay(Overlay):
    key = "skeleton"
    title = "Skeletons"
    z = 40.0

    def create_item(self) -> QGraphicsItem:
        return SkeletonItem()

    def set_subjects(self, subjects: Subjects) -> None:
        """Tracks of the video shown that are named subjects: ``{track: (name, "#rrggbb")}`` (redrawn at once)."""
        subjects = dict(subjects or {})
        if subjects != self.item.subjects:
            self.item.subjects = subjects
            self.item.update()

    def draw(self, ctx: FrameContext) -> bool:
        slots = ctx.people_at_frame()
        if len(slots) == 0:
            return False
        h, w = ctx.image_shape
        people = []
        for m in slots:
            tid = int(ctx.poses.track_ids[m])
            selected = ctx.person is not None and tid == ctx.person
            dimmed = ctx.person is not None and not selected
            people.append((tid, ctx.poses.keypoint[m, ctx.frame], ctx.poses.keypoint_score[m, ctx.frame],
                           selected, dimmed))
        self.item.set_people(QRectF(0, 0, w, h), people, width=max(1.5, min(h, w) / 160.0))
        return True
