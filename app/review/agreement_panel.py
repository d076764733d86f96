"""The Agreement panel: how far the model (or a second coder) agrees with the human labels, frame by frame.

Accuracy, Cohen's kappa, a per-class precision / recall / F1 table and the confusion matrix (rows = the human
side, columns = the model or the second author), for the current video or the whole project. Fed by a
``ReviewController`` (``agreement_report()``), which recomputes after edits (debounced). Between two coders a
line beside it matches their events within a time tolerance, as BORIS does (``tolerance`` spin box, seconds:
matched / only A / only B, the share matched and κ; ``core_model.review.coder_agreement``). Blind coding hides
agreement between coders.

API: ``AgreementPanel(controller)``; ``figures`` (QLabel), ``matrix`` (ConfusionMatrixView), ``table``,
``between_box``, ``scope_box``; ``export_matrix(path)``, ``export_table(path)``, ``export_confusion(path)``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QSizePolicy, QSplitter, QTableView, QToolTip, QVBoxLayout, QWidget)

from core_model.formatting import format_percent
from core_model.review.tables import confusion_table, per_class_table

from app.common.plot_export import export_button, save_table, save_widget
from app.common.rows_model import RowsModel

SCOPES = (("This video", "video"), ("Whole project", "project"))
HIT, MISS, CELL_BG = QColor("#59c46a"), QColor("#e15759"), QColor("#1a212c")
EMPTY_TEXT = {"model": "Nothing to compare yet: label some stretches of this video (or accept predictions) "
                       "and analyze it (Ctrl+R); agreement is measured on the labeled frames.",
              "author": "These two coders have not labeled the same person of the same video yet.",
              "blind": "Blind coding is on: the other coders' labels are hidden, so coders are not compared "
                       "(View ▸ Blind coding turns it off)."}
TOLERANCE_S = 0.5  # the events' time tolerance a new panel starts with (seconds)


def cells_rgb(conf: np.ndarray, share: np.ndarray) -> np.ndarray:
    """(n, n, 3) uint8 cell colours: green diagonal, red elsewhere, shaded by the share of the row."""
    rgb = lambda c: np.array([c.red(), c.green(), c.blue()], np.float64)  # noqa: E731
    base = rgb(CELL_BG)
    n = conf.shape[0]
    target = np.where(np.eye(n, dtype=bool)[..., None], rgb(HIT), rgb(MISS))
    amount = np.clip(share, 0.0, 1.0)[..., None] ** 0.7
    out = base + (target - base) * amount
    out[conf == 0] = base
    return np.round(out).astype(np.uint8)


def cells_image(conf: np.ndarray, share: np.ndarray) -> QImage:
    colors = np.ascontiguousarray(cells_rgb(conf, share))
    n = colors.shape[0]
    return QImage(colors.tobytes(), n, n, 3 * n, QImage.Format.Format_RGB888).copy()


NAME_SHARE = 0.4  # class names may take this share of the matrix' width (the cells the rest)


def side_name(side: str) -> str:
    """A side as the matrix titles it: a coder by name ("author:ann" -> "ann"), else as it is."""
    return side[7:] if side.startswith("author:") else side


class ConfusionMatrixView(QWidget):
    """Painted confusion matrix with class names; cells shaded by the share of their row (green diagonal)."""

    NAME_W, PAD = 110, 6

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.report = None
        self.setMouseTracking(True)
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_report(self, report) -> None:
        self.report = report
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 280)

    def _geometry(self):
        """(left, top, side, name width, font metrics, slanted label reach): the matrix centred in the widget."""
        fm = QFontMetrics(self.font())
        n = max(len(self.report.classes), 1)
        cap = max(self.NAME_W, int(self.width() * NAME_SHARE))  # whole names where the panel is wide enough
        name_w = min(cap, max((fm.horizontalAdvance(c) for c in self.report.classes), default=20) + 6)
        reach = name_w * 0.71  # the slanted column names go this far up and right
        top = fm.height() + reach + self.PAD
        left = fm.height() + 4 + name_w + self.PAD
        room_w = self.width() - left - reach * 0.8 - self.PAD
        room_h = self.height() - top - self.PAD
        side = max(4.0, min(56.0, room_w / n, room_h / n))
        left += max(0.0, (room_w - n * side) / 2)
        return left, top, side, name_w, fm, reach

    def cell_at(self, x: float, y: float):
        if self.report is None or not self.report.classes:
            return None
        left, top, side, *_ = self._geometry()
        i, j = int((y - top) // side), int((x - left) // side)
        n = len(self.report.classes)
        return (i, j) if 0 <= i < n and 0 <= j < n and y >= top and x >= left else None

    def mouseMoveEvent(self, event) -> None:
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is None:
            QToolTip.hideText()
            return
        r, (i, j) = self.report, cell
        row_total = int(r.confusion[i].sum())
        count = int(r.confusion[i, j])
        share = f" ({format_percent(count / row_total, 0)} of {r.reference} '{r.classes[i]}')" if row_total else ""
        QToolTip.showText(event.globalPosition().toPoint(),
                          f"{r.reference}: {r.classes[i]}\n{r.other}: {r.classes[j]}\n{count} frames{share}", self)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#161b22"))
        r = self.report
        if r is None or not r.classes:
            p.end()
            return
        left, top, side, name_w, fm, reach = self._geometry()
        n = len(r.classes)
        conf = r.confusion.astype(np.float64)
        rows = conf.sum(axis=1, keepdims=True)
        share = np.divide(conf, rows, out=np.zeros_like(conf), where=rows > 0)
        small = QFont(self.font())  # the largest count fits its cell
        widest = QFontMetrics(small).horizontalAdvance(str(int(conf.max())) if conf.size else "0")
        small.setPointSizeF(max(6.0, small.pointSizeF() * min(1.0, (side - 7) / max(widest, 1))))
        sfm = QFontMetrics(small)
        p.setPen(QColor("#8b97a8"))  # axis titles
        wide = max(n * side, 300.0)  # a title wider than a small matrix stays whole, centred on it
        p.drawText(QRectF(left + n * side / 2 - wide / 2, 0, wide, fm.height()), Qt.AlignmentFlag.AlignCenter,
                   f"{side_name(r.other)} →")
        p.save()
        p.translate(left - name_w - self.PAD - fm.height() - 2, top + n * side / 2)
        p.rotate(-90)
        p.drawText(QRectF(-wide / 2, 0, wide, fm.height()), Qt.AlignmentFlag.AlignCenter,
                   f"{side_name(r.reference)} →")
        p.restore()
        for i, name in enumerate(r.classes):
            p.setPen(QColor("#d8dee9"))
            p.drawText(QRectF(left - name_w - self.PAD, top + i * side, name_w, side),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideRight, int(name_w)))
            p.save()  # column names, slanted
            p.translate(left + (i + 0.5) * side, top - self.PAD)
            p.rotate(-45)
            p.drawText(QRectF(0, -fm.height() / 2, name_w, fm.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideRight, int(name_w)))
            p.restore()
        p.setFont(small)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        if n <= 40:  # cells as rectangles (vector in an SVG export)
            colors = cells_rgb(conf, share)
            for i in range(n):
                for j in range(n):
                    p.fillRect(QRectF(left + j * side, top + i * side, side, side), QColor(*colors[i, j].tolist()))
        else:  # many classes: one pixel per cell, scaled (fast)
            p.drawImage(QRectF(left, top, n * side, n * side), cells_image(conf, share))
        if side >= 6:  # thin gaps between the cells
            p.setPen(QColor("#161b22"))
            for k in range(n + 1):
                p.drawLine(QPointF(left + k * side, top), QPointF(left + k * side, top + n * side))
                p.drawLine(QPointF(left, top + k * side), QPointF(left + n * side, top + k * side))
        if side >= 18:  # counts in the cells when they fit
            colors = cells_rgb(conf, share)
            for i, j in zip(*np.nonzero(conf)):
                text = str(int(conf[i, j]))
                if sfm.horizontalAdvance(text) <= side - 3:
                    lum = (0.2126 * colors[i, j, 0] + 0.7152 * colors[i, j, 1] + 0.0722 * colors[i, j, 2]) / 255
                    p.setPen(QColor("#111111") if lum > 0.5 else QColor("#e8ecf1"))
                    p.drawText(QRectF(left + j * side, top + i * side, side, side), Qt.AlignmentFlag.AlignCenter, text)
        p.end()


class AgreementPanel(QWidget):
    def __init__(self, controller, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("agreementPanel")
        self.c = controller
        self.between_box = QComboBox()
        self.between_box.setObjectName("agreementBetween")
        self.between_box.setToolTip("Model against the human labels, or one coder against another")
        self.between_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.between_box.setMinimumContentsLength(10)
        self.scope_box = QComboBox()
        self.scope_box.setObjectName("agreementScope")
        for text, scope in SCOPES:
            self.scope_box.addItem(text, scope)
        self.scope_box.setCurrentIndex(0 if controller.agreement_scope == "video" else 1)
        for box in (self.between_box, self.scope_box):
            box.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it; a click leaves the keys
        self.export = export_button(self, [("Confusion matrix as PNG / SVG…", "image", self.export_matrix),
                                           ("Per-class table as CSV…", "csv", self.export_table),
                                           ("Confusion matrix as CSV…", "csv", self.export_confusion),
                                           ("Coders' events (tolerance) as CSV…", "csv", self.export_events)],
                                    default_name=lambda text: "confusion" if "matrix" in text
                                    else "events" if "events" in text else "agreement")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.between_box, 1)
        top.addWidget(self.scope_box)
        top.addWidget(self.export)

        self.figures = QLabel()
        self.figures.setObjectName("agreementFigures")
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setWordWrap(True)
        self._build_events_row()
        self.subjects_line = QLabel()  # accuracy and κ per named subject (app/review/subject_stats_view.py)
        self.subjects_line.setObjectName("agreementSubjects")
        self.subjects_line.setTextFormat(Qt.TextFormat.RichText)
        self.subjects_line.setWordWrap(True)
        self.matrix = ConfusionMatrixView()
        share = lambda v: format_percent(v, missing="—")  # noqa: E731
        self.table_model = RowsModel(["class", "precision", "recall", "F1", "frames"],
                                     [str, share, share, share, lambda v: f"{int(v):,}"], parent=self)
        self.table = self._make_table()
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #9aa0a6; padding: 12px;")
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.matrix)
        self.split.addWidget(self.table)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(5)
        layout.addLayout(top)
        layout.addWidget(self.figures)
        layout.addWidget(self.events_row)
        layout.addWidget(self.subjects_line)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.empty, 1)
        self.setMinimumWidth(280)

        self.between_box.activated.connect(lambda i: controller.set_between(self.between_box.itemData(i)))
        self.scope_box.currentIndexChanged.connect(
            lambda i: controller.set_agreement_scope(self.scope_box.itemData(i)))
        controller.agreementChanged.connect(self.refresh)
        self.refresh()

    def _make_table(self) -> QTableView:
        """The per-class precision / recall / F1 table (read-only, sortable, most frequent classes first)."""
        table = QTableView()
        table.setObjectName("agreementTable")
        table.setModel(self.table_model)
        table.setStyleSheet("QTableView { background: #12161d; gridline-color: #232b38; }")
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(QFontMetrics(self.font()).height() + 6)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setSortingEnabled(True)
        table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # most frequent classes first
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, QFontMetrics(self.font()).horizontalAdvance("100.0 %") + 14)
        return table

    def _fill_between(self) -> None:
        choices = [("Model vs human labels", ("human", "model"))]
        authors = self.c.authors()
        for a in authors:
            for b in authors:
                if a < b:
                    choices.append((f"{a} vs {b} (coders)", (f"author:{a}", f"author:{b}")))
        current = tuple(self.c.between)
        index = next((i for i, (_t, c) in enumerate(choices) if c == current), 0)
        if [c for _t, c in choices] == [tuple(self.between_box.itemData(i)) for i in range(self.between_box.count())]:
            if self.between_box.currentIndex() != index:  # the comparison was chosen elsewhere
                self.between_box.blockSignals(True)
                self.between_box.setCurrentIndex(index)
                self.between_box.blockSignals(False)
            return
        self.between_box.blockSignals(True)
        self.between_box.clear()
        for text, between in choices:
            self.between_box.addItem(text, between)
        self.between_box.setCurrentIndex(index)
        self.between_box.blockSignals(False)

    def _build_events_row(self) -> None:
        """Events within ±tolerance (two coders): the spin box and one line of figures."""
        self.events_row = QWidget()
        row = QHBoxLayout(self.events_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setObjectName("agreementTolerance")
        self.tolerance.setRange(0.0, 60.0)
        self.tolerance.setSingleStep(0.1)
        self.tolerance.setDecimals(1)
        self.tolerance.setValue(TOLERANCE_S)
        self.tolerance.setPrefix("± ")
        self.tolerance.setSuffix(" s")
        self.tolerance.setMaximumWidth(90)
        self.tolerance.setToolTip("Events of the two coders match when they carry the same label and their start "
                                  "and stop lie within this many seconds (as BORIS compares coders)")
        self.tolerance.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a click lets one type seconds (not label keys)
        self.events = QLabel()
        self.events.setObjectName("agreementEvents")
        self.events.setTextFormat(Qt.TextFormat.RichText)
        self.events.setWordWrap(True)
        row.addWidget(QLabel("Events"))
        row.addWidget(self.tolerance)
        row.addWidget(self.events, 1)
        self.tolerance.valueChanged.connect(lambda _v: self._refresh_events())
        self.events_report = None

    def tolerance_report(self):
        """The coders' events matched within the tolerance (current video or project), or None."""
        from core_model.review.coder_agreement import project_tolerance_agreement
        from core_model.review.project_review import parse_side

        store, between = self.c.store, self.c.between
        if store is None or getattr(store, "blind_coder", None) or not all(s.startswith("author:") for s in between):
            return None
        vid = self.c.current_video_id()
        if self.c.agreement_scope == "video" and vid is None:
            return None
        overall, per_video = project_tolerance_agreement(store, parse_side(between[0])[1], parse_side(between[1])[1],
                                                         self.tolerance.value())
        return per_video.get(vid) if self.c.agreement_scope == "video" else overall

    def _refresh_events(self) -> None:
        report = self.events_report = self.tolerance_report()
        self.events_row.setVisible(report is not None)
        if report is None:
            return
        share = format_percent(report.percent / 100, missing="—").replace(" ", "&nbsp;")
        kappa = "—" if report.kappa != report.kappa else f"{report.kappa:.2f}"
        self.events.setText(f"<b>{report.matched}</b> matched · <b>{report.only_a}</b> only {report.coder_a} · "
                            f"<b>{report.only_b}</b> only {report.coder_b} · <b>{share}</b> · κ <b>{kappa}</b>")
        self.events.setToolTip(f"{report.confused} unmatched pairs lie within the tolerance with another label "
                               "(label disagreements in κ); κ is computed from the matched and unmatched events")

    def refresh(self) -> None:
        self._fill_between()
        self._refresh_events()
        report = self.c.agreement_report()
        self.matrix.set_report(report)
        has = report is not None and report.frames > 0
        self.split.setVisible(has)
        self.empty.setVisible(not has)
        if not has:
            self.figures.setText("")
            self.figures.hide()
            self.subjects_line.hide()
            coders = self.c.between[0].startswith("author:")
            blind = coders and getattr(self.c.store, "blind_coder", None)
            self.empty.setText(EMPTY_TEXT["blind" if blind else "author" if coders else "model"])
            self.table_model.set_rows([])
            return
        self.figures.show()
        self.figures.setText(
            f"<span style='font-size:15pt;font-weight:bold;color:#e8ecf1'>"
            f"{format_percent(report.accuracy, missing='—')}</span>"
            f"&nbsp;<span style='color:#8b97a8'>accuracy</span>&nbsp;&nbsp;&nbsp;"
            f"<span style='font-size:15pt;font-weight:bold;color:#e8ecf1'>"
            f"{'—' if report.kappa != report.kappa else f'{report.kappa:.2f}'}</span>"
            f"&nbsp;<span style='color:#8b97a8'>Cohen's κ</span><br>"
            f"<span style='color:#8b97a8'>{report.frames:,} labeled frames compared · rows "
            f"{report.reference}, columns {report.other}</span>")
        _header, rows = per_class_table(report)
        self.table_model.set_rows(rows)
        from app.review.subject_stats_view import subject_agreement_text

        line = subject_agreement_text(self.c)
        self.subjects_line.setText(line)
        self.subjects_line.setVisible(bool(line))

    # ---- export ---------------------------------------------------------------------------
    def export_matrix(self, path):
        return save_widget(self.matrix, path)

    def export_table(self, path):
        report = self.c.agreement_report()
        header, rows = per_class_table(report) if report is not None else (["class", "precision", "recall", "f1",
                                                                            "support"], [])
        return save_table(path, header, rows)

    def export_events(self, path):
        """Per label: events matched, only A, only B within the tolerance, and a total row (share, kappa)."""
        report = self.events_report
        header = ["label", "matched", f"only {report.coder_a}" if report else "only A",
                  f"only {report.coder_b}" if report else "only B", "tolerance_s", "share_matched", "kappa"]
        rows = []
        if report is not None:
            rows = [[name, d["matched"], d["only_a"], d["only_b"], report.tolerance, "", ""]
                    for name, d in report.per_label.items()]
            rows.append(["(all)", report.matched, report.only_a, report.only_b, report.tolerance,
                         round(report.percent / 100, 6) if report.percent == report.percent else "",
                         round(report.kappa, 6) if report.kappa == report.kappa else ""])
        return save_table(path, header, rows)

    def export_confusion(self, path):
        report = self.c.agreement_report()
        header, rows = confusion_table(report) if report is not None else (["human \\ model"], [])
        return save_table(path, header, rows)
