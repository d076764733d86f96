"""What changed when the project's videos were analyzed again with a new model.

``compare_results(store, before, after)`` takes the analysis results per video id before and after and returns
:class:`WhatChanged`: the frame-level agreement of the model with the human labels before and after
(``core_model.review.project_agreement``), and every stretch of frames whose predicted class changed, per video
and person (:class:`ClassChange`). :class:`WhatChangedDialog` shows both; double-clicking a change goes there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from core_model.review.frames import NO_LABEL, frame_codes
from core_model.review.project_review import HUMAN, MODEL, NameIndex, ResultCache, project_agreement

NOT_ANALYZED = "(not analyzed)"
NO_CLASS = "(none)"


class _NoResult:
    """A video without analysis, as the agreement sees it: no prediction on any frame (counted as missed)."""

    segments: list = []
    class_names: list = []

    @staticmethod
    def people() -> list:
        return []


class FixedResults(ResultCache):
    """A result cache answering from ``{video id: AnalysisResult}``; a video without one has no predictions."""

    def __init__(self, results: Dict[int, object]) -> None:
        super().__init__()
        self.results = dict(results)

    def get(self, store, video_id: int):
        result = self.results.get(video_id)
        return _NoResult() if result is None else result


@dataclass
class ClassChange:
    """Frames ``[start_frame, end_frame)`` of one person whose predicted class went from ``before`` to ``after``."""

    video_id: int
    video: str
    person: int
    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    before: str
    after: str

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass
class WhatChanged:
    before: Optional[object]  # AgreementReport of the model before (None: nothing to compare)
    after: Optional[object]
    changes: List[ClassChange] = field(default_factory=list)
    videos: int = 0  # videos compared
    model_before: str = ""
    model_after: str = ""

    @property
    def frames_changed(self) -> int:
        return sum(c.frames for c in self.changes)


def _lane(result, person: int, frame_count: int, names: NameIndex) -> np.ndarray:
    """Class code (in ``names``) per frame of ``person`` (everybody rows when the person has none)."""
    if result is None:
        return np.full(frame_count, names.code(NOT_ANALYZED), np.int64)
    source = person if person in result.people() else -1
    spans = [(s.start_frame, s.end_frame, s.class_index) for s in result.segments if s.person == source]
    codes = frame_codes(spans, frame_count)
    lookup = np.array([names.code(n) for n in result.class_names] + [names.code(NO_CLASS)], np.int64)
    return lookup[np.where(codes == NO_LABEL, len(result.class_names), codes)]


def changed_spans(before, after, frame_count: int) -> List[tuple]:
    """``(person, start, end, before name, after name)`` for every run of frames whose class changed."""
    ours = [set(r.people()) for r in (before, after) if r is not None]
    people = set().union(*ours)
    if len(ours) == 2 and not all(-1 in p for p in ours):
        people.discard(-1)  # one side per person: its people are compared with the other side's everybody rows
    people = sorted(people)
    names = NameIndex()
    out: List[tuple] = []
    if frame_count <= 0:
        return out
    for person in people:
        a, b = _lane(before, person, frame_count, names), _lane(after, person, frame_count, names)
        pair = np.where(a != b, a * (len(names.names) + 1) + b, -1)  # one code per (before, after) pair
        edges = np.flatnonzero(np.diff(pair)) + 1
        for start, end in zip(np.r_[0, edges], np.r_[edges, frame_count]):
            if pair[start] >= 0:
                out.append((person, int(start), int(end), names.names[a[start]], names.names[b[start]]))
    return out


def _agreement(store, results: Dict[int, object], video_ids: List[int]):
    """The model's agreement with the human labels on ``video_ids`` (a video without a result counts as missed)."""
    try:
        overall, _per_video = project_agreement(store, (HUMAN, MODEL), video_ids, FixedResults(results))
    except Exception:  # noqa: BLE001 - a project without labels or results: nothing to compare
        return None
    return overall if overall.frames else None


def _model_name(results: Dict[int, object]) -> str:
    names = sorted({getattr(r, "model", "") for r in results.values() if r is not None})
    return ", ".join(names) if names else "not analyzed"


def compare_results(store, before: Dict[int, object], after: Dict[int, object]) -> WhatChanged:
    """Agreement with the human labels before/after and the changed stretches, on the videos ``after`` has.

    Both agreements are over the same frames (the human-labeled frames of those videos); a video without a
    result before counts as predicting nothing there."""
    changes: List[ClassChange] = []
    for video_id, new in sorted(after.items()):
        if new is None:
            continue
        rec = store.video(video_id)
        for person, start, end, old_name, new_name in changed_spans(before.get(video_id), new, new.frame_count):
            end_time = store.frame_time(video_id, end) if end < rec.frame_count else rec.duration
            changes.append(ClassChange(video_id, rec.name, int(person), int(start), int(end),
                                       float(store.frame_time(video_id, start)), float(end_time), old_name, new_name))
    compared = [vid for vid, result in after.items() if result is not None]
    merged_before = {vid: before.get(vid) for vid in compared}
    return WhatChanged(_agreement(store, merged_before, compared), _agreement(store, after, compared), changes,
                       videos=sum(r is not None for r in after.values()),
                       model_before=_model_name(merged_before), model_after=_model_name(after))


# ---- the dialog --------------------------------------------------------------------------------
def _pct(value) -> str:
    return "–" if value is None or value != value else f"{100 * value:.1f} %"


def _num(value) -> str:
    return "–" if value is None or value != value else f"{value:.3f}"


def _delta(before, after, scale: float = 100.0, unit: str = " pts") -> str:
    if before is None or after is None or before != before or after != after:
        return ""
    return f"{scale * (after - before):+.1f}{unit}" if unit else f"{after - before:+.3f}"


def _time(seconds: float) -> str:
    m, s = divmod(max(0.0, float(seconds)), 60.0)
    return f"{int(m):02d}:{s:06.3f}"


def _table(headers: List[str], stretch: int = 0) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: List[List[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class WhatChangedDialog(QDialog):
    """Agreement before/after and the segments that changed class. ``seek(video_id, frame)`` on double-click."""

    def __init__(self, what: WhatChanged, parent=None, seek: Optional[Callable[[int, int], None]] = None) -> None:
        super().__init__(parent)
        self.setObjectName("whatChangedDialog")
        self.setWindowTitle("What changed")
        self.what, self._seek = what, seek
        self.resize(820, 560)
        layout = QVBoxLayout(self)
        head = QLabel(f"{what.videos} video{'s' if what.videos != 1 else ''} analyzed again. Model before: "
                      f"<b>{what.model_before}</b> → now: <b>{what.model_after}</b>.")
        head.setWordWrap(True)
        layout.addWidget(head)

        b, a = what.before, what.after
        self.agreement = _table(["agreement with the human labels", "before", "after", "change"])
        self.agreement.setObjectName("agreementTable")
        if a is None and b is None:
            layout.addWidget(QLabel("No human labels to compare with (label some segments, then analyze again)."))
        rows = [["accuracy (frames)", _pct(b.accuracy if b else None), _pct(a.accuracy if a else None),
                 _delta(b.accuracy if b else None, a.accuracy if a else None)],
                ["Cohen's κ", _num(b.kappa if b else None), _num(a.kappa if a else None),
                 _delta(b.kappa if b else None, a.kappa if a else None, 1.0, "")],
                ["frames compared", str(b.frames) if b else "–", str(a.frames) if a else "–", ""]]
        classes = list(dict.fromkeys((list(b.per_class) if b else []) + (list(a.per_class) if a else [])))
        for name in classes:
            f_b = b.per_class.get(name, {}).get("f1") if b else None
            f_a = a.per_class.get(name, {}).get("f1") if a else None
            if (b is None or name not in b.per_class or not b.per_class[name].get("support")) and \
                    (a is None or name not in a.per_class or not a.per_class[name].get("support")):
                continue  # a class only the model used: its F1 is 0 on both sides, not worth a row
            rows.append([f"F1 {name}", _pct(f_b), _pct(f_a), _delta(f_b, f_a)])
        _fill(self.agreement, rows)
        self.agreement.resizeRowsToContents()
        shown = sum(self.agreement.rowHeight(r) for r in range(min(len(rows), 7)))
        self.agreement.setFixedHeight(self.agreement.horizontalHeader().sizeHint().height() + shown
                                      + 2 * self.agreement.frameWidth() + 2)
        layout.addWidget(self.agreement)

        n = len(what.changes)
        title = QLabel(f"<b>{n} segment{'s' if n != 1 else ''} changed class</b> ({what.frames_changed} frames)"
                       + (" — double-click one to go there." if n else "."))
        layout.addWidget(title)
        self.changes = _table(["video", "person", "from", "to", "before", "after"], stretch=5)
        self.changes.setObjectName("changesTable")
        _fill(self.changes, [[c.video, "everybody" if c.person < 0 else f"P{c.person}", _time(c.start_time),
                              _time(c.end_time), c.before, c.after] for c in what.changes])
        for r in range(n):
            for c in (0, 4, 5):
                self.changes.item(r, c).setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.changes.cellDoubleClicked.connect(self._go)
        layout.addWidget(self.changes, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _go(self, row: int, _column: int) -> None:
        if self._seek is not None and 0 <= row < len(self.what.changes):
            change = self.what.changes[row]
            self._seek(change.video_id, change.start_frame)
