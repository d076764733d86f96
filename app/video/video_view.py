"""The video canvas: a QGraphicsView showing one frame plus overlay items.

Wheel zooms around the cursor, dragging pans, Ctrl+0 (``fit``) fits the frame. A click that
did not pan emits ``imageClicked`` with image coordinates (used to select a skeleton).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView

from app.common.imaging import rgb_view_qimage

MIN_ZOOM, MAX_ZOOM = 0.05, 40.0
BANNER_MARGIN = 6  # px above and below the warning banner
BACKGROUND = QColor("#0e1117")
POSE_ONLY_CANVAS = QColor("#151a22")


class VideoView(QGraphicsView):
    imageClicked = Signal(QPointF)
    painted = Signal()  # after each paint of the viewport (benchmarks, tests)
    filesDropped = Signal(list)
    zoomChanged = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setObjectName("videoView")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QBrush(BACKGROUND))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        # a new frame repaints (nearly) everything anyway; one full update per step also redraws the HUD
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setMinimumSize(320, 200)

        self._canvas = QGraphicsRectItem()
        self._canvas.setBrush(QBrush(POSE_ONLY_CANVAS))
        self._canvas.setPen(Qt.PenStyle.NoPen)
        self._canvas.setZValue(-1)
        self._canvas.setVisible(False)
        self.scene().addItem(self._canvas)
        self._pixmap = QGraphicsPixmapItem()
        self._pixmap.setZValue(0)
        self._pixmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._pixmap)

        self._image: Optional[QImage] = None
        self._frame: Optional[np.ndarray] = None  # keeps the buffer of ``_image`` alive
        self._source: Optional[np.ndarray] = None  # the decoded frame before :attr:`frame_filter`
        self._shown_frame: Optional[int] = None
        self._pose_only = False
        self._fit_mode = True
        self._press_pos = None
        self._hud_text = ""
        self._hud_warning = ""
        self._placeholder = "Open a video (Ctrl+O) or drop one here"
        #: ``filter(index, rgb) -> rgb`` applied to each frame before it is shown (faces hidden), or None; a filter
        #: that finishes a frame later (on its own thread) calls :meth:`refresh_frame` with its index
        self.frame_filter = None

    # frame ---------------------------------------------------------------------------------
    @property
    def shown_frame(self) -> Optional[int]:
        """Index of the frame on screen (None before the first one)."""
        return self._shown_frame

    def frame_image(self) -> Optional[QImage]:
        """The QImage of the frame on screen (video pixels only, no overlays)."""
        return self._image

    def set_frame(self, index: int, frame: np.ndarray) -> None:
        """Show decoded frame ``index`` (RGB uint8), through :attr:`frame_filter` when one is set."""
        self._source = frame
        if self.frame_filter is not None:
            frame = self.frame_filter(int(index), frame)
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        image = rgb_view_qimage(frame)  # shares the decoded frame: no 2.7 MB copy per 720p step
        resized = self._image is None or image.size() != self._image.size()
        self._frame, self._image = frame, image
        self._shown_frame = int(index)
        self._pixmap.setPixmap(QPixmap.fromImage(image))
        if resized:
            rect = QRectF(0, 0, image.width(), image.height())
            self._canvas.setRect(rect)
            margin = max(rect.width(), rect.height()) * 0.5
            self.scene().setSceneRect(rect.adjusted(-margin, -margin, margin, margin))
            self.fit()

    def refresh_frame(self, index: int) -> None:
        """The filter has finished frame ``index``: shown again through it when it is the frame on screen."""
        if self._source is not None and self._shown_frame == int(index):
            self.set_frame(int(index), self._source)

    def clear(self) -> None:
        self._image = None
        self._frame = None
        self._source = None
        self._shown_frame = None
        self._pixmap.setPixmap(QPixmap())
        self._canvas.setVisible(False)
        self.set_hud("", "")

    def image_rect(self) -> QRectF:
        return self._canvas.rect()

    # pose-only (sensitive footage) ---------------------------------------------------------
    @property
    def pose_only(self) -> bool:
        return self._pose_only

    def set_pose_only(self, on: bool) -> None:
        """Hide the video pixels, keep skeletons and heatmaps."""
        self._pose_only = bool(on)
        self._pixmap.setVisible(not self._pose_only)
        self._canvas.setVisible(self._pose_only and self._image is not None)
        self.viewport().update()

    # zoom / pan ----------------------------------------------------------------------------
    def zoom(self) -> float:
        return float(self.transform().m11())

    def set_zoom(self, factor: float) -> None:
        factor = min(MAX_ZOOM, max(MIN_ZOOM, factor))
        self.setTransform(self.transform().fromScale(factor, factor))
        self.zoomChanged.emit(factor)

    def zoom_by(self, step: float) -> None:
        self._fit_mode = False
        self.set_zoom(self.zoom() * step)

    def fit(self) -> None:
        """Fit the whole frame in the view (and keep fitting on resize until the user zooms), below the
        warning banner when one is shown: nothing drawn on the picture hides under it."""
        self._fit_mode = True
        rect = self._canvas.rect()
        if rect.isEmpty():
            return
        vp = self.viewport().rect()
        band = self.banner_height()
        scale = max(1e-6, min((vp.width() - 4) / rect.width(), (vp.height() - 4 - band) / rect.height()))
        self.setTransform(QTransform.fromScale(scale, scale))
        self.centerOn(rect.center() - QPointF(0.0, band / 2.0 / scale))
        self.zoomChanged.emit(self.zoom())

    def banner_height(self) -> int:
        """Pixels the warning banner takes at the top of the view (0 without a warning)."""
        if not self._hud_warning:
            return 0
        font = QFont(self.font())
        font.setPixelSize(13)
        font.setBold(True)
        return QFontMetrics(font).height() + 8 + 2 * BANNER_MARGIN

    def wheelEvent(self, event) -> None:
        if self._image is None:
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()

    def mousePressEvent(self, event) -> None:
        self._press_pos = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._press_pos is not None and event.button() == Qt.MouseButton.LeftButton:
            moved = (event.position() - self._press_pos).manhattanLength()
            if moved < 4 and self._image is not None:
                self.imageClicked.emit(self.mapToScene(event.position().toPoint()))
        self._press_pos = None

    def mouseMoveEvent(self, event) -> None:
        if self._press_pos is not None and (event.position() - self._press_pos).manhattanLength() >= 4:
            self._fit_mode = False
        super().mouseMoveEvent(event)

    # drag and drop -------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.filesDropped.emit(paths)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        self.painted.emit()

    # heads-up display ----------------------------------------------------------------------
    def set_hud(self, text: str, warning: str = "") -> None:
        """Frame/time line (bottom left) and a warning line (top centre), drawn over everything."""
        if (text, warning) != (self._hud_text, self._hud_warning):
            banner = bool(warning) != bool(self._hud_warning)
            self._hud_text, self._hud_warning = text, warning
            if banner and self._fit_mode:
                self.fit()  # make room for the banner (or take it back)
            self.scene().update()  # coalesced with the frame's own scene changes into one paint

    def hud_text(self) -> str:
        return self._hud_text

    def hud_rect(self) -> QRect:
        """Where the frame read-out is drawn (viewport pixels; empty when none)."""
        if not self._hud_text or self._image is None:
            return QRect()
        fm = QFontMetrics(self._hud_font())
        w, h = fm.horizontalAdvance(self._hud_text) + 16, fm.height() + 8
        return QRect(8, self.viewport().height() - h - 8, w, h)

    def _hud_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(13)
        font.setBold(True)
        return font

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.resetTransform()
        vp = self.viewport().rect()
        font = QFont(self.font())
        if self._image is None:
            font.setPixelSize(16)
            painter.setFont(font)
            painter.setPen(QColor("#6b7686"))
            painter.drawText(vp, Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.restore()
            return
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        fm = painter.fontMetrics()
        if self._hud_text:
            w, h = fm.horizontalAdvance(self._hud_text) + 16, fm.height() + 8
            box = QRectF(8, vp.height() - h - 8, w, h)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(QColor(14, 17, 23, 200))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(box, 5, 5)
            painter.setPen(QColor("#e8ecf1"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._hud_text)
        if self._hud_warning:
            w, h = fm.horizontalAdvance(self._hud_warning) + 20, fm.height() + 8
            box = QRectF((vp.width() - w) / 2, BANNER_MARGIN, w, h)
            painter.setBrush(QColor(120, 60, 10, 215))
            painter.setPen(QColor("#f4a261"))
            painter.drawRoundedRect(box, 5, 5)
            painter.setPen(QColor("#ffe8cc"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._hud_warning)
        painter.restore()
