"""The Review dock: the ranked places where the model needs a human, each saying why.

Fed by a ``ReviewController`` (``visible`` queue, ``current`` item); rows are painted (reason tags in colour,
person, time, video in project scope, and the reason in words), so a queue of thousands of windows lists fast
(items are made only for the rows on screen). Double-click or Enter jumps there; ``]`` / ``[`` step.

API: ``ReviewQueueWidget(controller)``; ``list`` (the QListView), ``model``; ``reason_buttons[reason]``,
``done_box``, ``scope_box``, ``count_label``.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QListView,
                               QStyle, QStyledItemDelegate, QToolButton, QVBoxLayout, QWidget)

from core_model.formatting import format_time
from core_model.review import REASONS
from core_model.review.queue import REASON_TITLES


REASON_COLORS = {"low_confidence": "#f4a261", "disagreement": "#e76f9a", "flicker": "#b388eb",
                 "unlabeled": "#5fa8d3"}
CHIP_TEXT = {"low_confidence": "unsure", "disagreement": "disagree", "flicker": "flicker", "unlabeled": "unlabeled"}
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
SCOPES = (("This video", "video"), ("Whole project", "project"))
EMPTY_HINT = {"no_result": "Analyze the video (Ctrl+R) to see where the model is unsure.",
              "empty": "Nothing left to review with these filters."}


def item_place(item, seconds: float) -> str:
    """'P2 · 0:22.2' (who and when)."""
    return f"{'everybody' if item.person < 0 else f'P{item.person}'} · {format_time(seconds, 1)}"


class ReviewQueueModel(QAbstractListModel):
    """Rows of the controller's ``visible`` queue; ``ITEM_ROLE`` gives the ``ReviewItem``."""

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.c = controller
        self._names: dict = {}

    def reset(self) -> None:
        self.beginResetModel()
        self._names = {}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.c.visible)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.c.visible):
            return None
        item = self.c.visible[index.row()]
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return item.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{item.text}\nframes {item.start_frame}–{item.end_frame - 1} · score {item.score:.2f}"
                    + ("\ndone: labels cover this window" if item.done else ""))
        return None

    def video_name(self, video_id) -> str:
        if video_id is None or self.c.store is None:
            return ""
        if video_id not in self._names:
            try:
                self._names[video_id] = self.c.store.video(video_id).name
            except Exception:  # noqa: BLE001 - removed meanwhile
                self._names[video_id] = "?"
        return self._names[video_id]


class ReviewItemDelegate(QStyledItemDelegate):
    """Two lines: reason tags · person · time (· video), then the reason in words."""

    def __init__(self, model: ReviewQueueModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.show_video = False

    def sizeHint(self, option, index) -> QSize:
        fm = QFontMetrics(option.font)
        return QSize(200, 2 * fm.height() + 14)

    def paint(self, painter: QPainter, option, index) -> None:
        item = index.data(ITEM_ROLE)
        if item is None:
            return
        painter.save()
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, QColor("#22344a" if selected else ("#161b22" if index.row() % 2 else "#12161d")))
        if selected:
            painter.fillRect(rect.x(), rect.y(), 3, rect.height(), QColor("#4cc9f0"))
        fm = QFontMetrics(option.font)
        small = QFont(option.font)
        small.setPointSizeF(max(6.5, option.font.pointSizeF() * 0.82))
        sfm = QFontMetrics(small)
        painter.setFont(option.font)
        x, y = rect.x() + 8, rect.y() + 5
        painter.setOpacity(0.45 if item.done else 1.0)
        where = ("✓ " if item.done else "") + item_place(item, self._time(item))
        painter.setPen(QColor("#aab4c3"))
        width = min(fm.horizontalAdvance(where) + 4, int(rect.width() * 0.6))
        painter.drawText(QRectF(x, y, width, fm.height()), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(where, Qt.TextElideMode.ElideMiddle, width))
        x += width + 8
        painter.setFont(small)
        tag_h = fm.height() - 2
        for reason in item.reasons:
            text = REASON_TITLES[reason]
            w = sfm.horizontalAdvance(text) + 10
            if x + w > rect.right() - 6:  # no room: a dot in the reason's colour instead
                text, w = "", tag_h * 0.6
            box = QRectF(x, y + 1 + (tag_h * 0.2 if not text else 0), w, tag_h * 0.6 if not text else tag_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(REASON_COLORS[reason]))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor("#111111"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 4
        painter.setFont(option.font)
        room = int(rect.right() - 8 - x)
        if self.show_video and room > 40:  # the video, in what is left of the first line
            painter.setPen(QColor("#8b97a8"))
            painter.drawText(QRectF(x, y, room, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             fm.elidedText(self.model.video_name(item.video_id), Qt.TextElideMode.ElideMiddle, room))
        painter.setPen(QColor("#e8ecf1" if not item.done else "#aab4c3"))
        line = QRectF(rect.x() + 8, y + fm.height() + 3, rect.width() - 16, fm.height())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(item.text, Qt.TextElideMode.ElideRight, int(line.width())))
        painter.setOpacity(1.0)
        painter.setPen(QPen(QColor("#1e2531")))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()

    def _time(self, item, frame=None) -> float:
        """Seconds of ``frame`` (default: the item's first frame) in the item's video."""
        c, frame = self.model.c, item.start_frame if frame is None else frame
        if c.store is not None and item.video_id is not None:
            try:
                return c.store.frame_time(item.video_id, frame)
            except Exception:  # noqa: BLE001 - video removed meanwhile
                return 0.0
        entry = c.session.current
        return entry.frame_time(frame) if entry is not None else 0.0


def _chip_style(color: str) -> str:
    return (f"QToolButton {{ border: 1px solid {color}; border-radius: 8px; padding: 0px 5px; color: {color};"
            f" font-size: 9pt; }} QToolButton:checked {{ background: {color}; color: #111111; }}")


def _fix_chip(button: QToolButton) -> None:
    font = QFont(button.font())
    font.setPointSizeF(9)
    button.setFixedSize(QFontMetrics(font).horizontalAdvance(button.text()) + 16, QFontMetrics(font).height() + 4)


class ReviewQueueWidget(QWidget):
    def __init__(self, controller, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewQueue")
        self.c = controller
        self.model = ReviewQueueModel(controller, self)
        self.delegate = ReviewItemDelegate(self.model, self)

        self.scope_box = QComboBox()
        self.scope_box.setObjectName("reviewScope")
        for text, scope in SCOPES:
            self.scope_box.addItem(text, scope)
        self.scope_box.setToolTip("Review the current video or every analysed video of the project")
        self.scope_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.count_label = QLabel()
        self.count_label.setObjectName("reviewCount")
        self.prev_button = QToolButton()
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous item ([)")
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next item (])")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.scope_box)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.prev_button)
        top.addWidget(self.next_button)

        chips = self._build_chips(controller)

        self.list = QListView()
        self.list.setObjectName("reviewList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setStyleSheet("QListView { background: #12161d; border: none; outline: none; }")
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #9aa0a6; padding: 12px;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(5)
        layout.addLayout(top)
        layout.addLayout(chips)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        self.details = QLabel()
        self.details.setObjectName("reviewDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setStyleSheet("background: #1b2230; border-radius: 5px; padding: 6px;")
        layout.addWidget(self.details)
        self.setMinimumWidth(280)

        self.scope_box.currentIndexChanged.connect(lambda i: controller.set_queue_scope(self.scope_box.itemData(i)))
        self.done_box.toggled.connect(controller.set_show_done)
        self.prev_button.clicked.connect(lambda: controller.step(-1))
        self.next_button.clicked.connect(lambda: controller.step(1))
        self.list.activated.connect(lambda index: controller.activate(index.row()))
        self.list.doubleClicked.connect(lambda index: controller.activate(index.row()))
        controller.queueChanged.connect(self.refresh)
        controller.currentChanged.connect(self._select_row)
        self.refresh()

    def _build_chips(self, controller) -> QHBoxLayout:
        """The row of reason filters and the 'done' toggle."""
        self.reason_buttons = {}
        chips = QHBoxLayout()
        chips.setContentsMargins(0, 0, 0, 0)
        chips.setSpacing(3)
        for reason in REASONS:
            b = QToolButton()
            b.setObjectName(f"reason_{reason}")
            b.setText(CHIP_TEXT[reason])
            b.setCheckable(True)
            b.setChecked(reason in controller.reasons)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            color = REASON_COLORS[reason]
            b.setStyleSheet(_chip_style(color))
            _fix_chip(b)
            b.setToolTip(f"Show items where: {REASON_TITLES[reason]}")
            b.toggled.connect(self._reasons_changed)
            self.reason_buttons[reason] = b
            chips.addWidget(b)
        chips.addStretch(1)
        self.done_box = QToolButton()
        self.done_box.setText("done")
        self.done_box.setCheckable(True)
        self.done_box.setStyleSheet(_chip_style("#8b97a8"))
        _fix_chip(self.done_box)
        self.done_box.setObjectName("reviewShowDone")
        self.done_box.setToolTip("Also list the items whose window labels already cover")
        self.done_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        chips.addWidget(self.done_box)
        return chips

    def _reasons_changed(self) -> None:
        self.c.set_reasons([r for r, b in self.reason_buttons.items() if b.isChecked()])

    def refresh(self) -> None:
        c = self.c
        self.delegate.show_video = c.queue_scope == "project"
        self.model.reset()
        total, open_ = len(c.queue), c.queue.open_count()
        self.count_label.setText(f"{open_} open · {total - open_} done" if total else "")
        self.count_label.setToolTip(f"{len(c.visible)} listed with these filters")
        if len(c.visible):
            self.empty.hide()
        else:
            has_result = any(e.result is not None for e in c.session.entries) if c.queue_scope == "project" \
                else c.session.current is not None and c.session.current.result is not None
            self.empty.setText(EMPTY_HINT["empty" if has_result or total else "no_result"])
            self.empty.show()
        self._select_row(c.index_of(c.current) if c.current is not None else -1)

    def _show_details(self, row: int) -> None:
        c = self.c
        if 0 <= row < len(c.visible):
            item = c.visible[row]
            end = self.delegate._time(item, item.end_frame)
            tags = " ".join(f"<span style='color:{REASON_COLORS[r]}'>●</span>&nbsp;{REASON_TITLES[r]}"
                            for r in item.reasons)
            where = item_place(item, self.delegate._time(item)) + f"–{format_time(end, 1)}"
            if c.queue_scope == "project":
                where += f" · {self.model.video_name(item.video_id)}"
            self.details.setText(f"<b>{row + 1} / {len(c.visible)}</b> · {where}{' · ✓ done' if item.done else ''}"
                                 f"<br>{tags}<br><span style='color:#e8ecf1'>{item.text}</span><br>"
                                 "<span style='color:#8b97a8'>a label key labels this window · A accepts the "
                                 "prediction · ] next · [ previous</span>")
        else:
            self.details.setText("<span style='color:#8b97a8'><b>]</b> next item · <b>[</b> previous · "
                                 "double-click a row to go there. The playhead jumps to the window, selects the "
                                 "person and marks the window in/out: a label key labels it.</span>")

    def _select_row(self, row) -> None:
        row = -1 if row is None else int(row)
        self._show_details(row)
        sel = self.list.selectionModel()
        if row < 0 or row >= self.model.rowCount():
            sel.clearSelection()
            return
        index = self.model.index(row)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)
