"""InspectorWidget: what the model says about the window under the playhead.

API (stable; the main window embeds this):
    InspectorWidget(parent=None)
    set_result(result: AnalysisResult | None)      None shows "No analysis yet — run Analyze (Ctrl+R)"
    set_frame(frame: int, person: int | None = None)
        show the window nearest to ``frame`` (``AnalysisResult.window_at``); in per-person mode of
        ``person`` when given (it also becomes the selected person, without a signal), else of the
        person selected in the combo box
    select_person(track_id: int)                   select a person (e.g. clicked skeleton); emits
                                                   ``personSelected`` when the selection changes
    Signal personSelected(int track_id)            the selected person changed (combo or select_person)
Read-outs for tools and tests: ``top_classes(stream)`` (stream in STREAMS) -> [(index, name, prob)],
``current_row()``, ``selected_person()``, ``window_text()``, ``is_empty()``.

Shows the fused, RGB and pose top-5 as bars coloured with ``class_color``, the model in use with
an "UNTRAINED — not a prediction" badge when it is untrained, the window's frame range and time,
and the segment covering the frame.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QStackedWidget, QVBoxLayout,
                               QWidget)

from core_model.analysis.results import top_k_classes
from core_model.formatting import format_percent, format_time

from app.common.class_colors import class_color_hex
from app.video.topk_bars import TopKBars

STREAMS = ("fused", "rgb", "pose")
TOP_K = 5
EMPTY_TEXT = "No analysis yet — run Analyze (Ctrl+R)"
BADGE_UNTRAINED = ("<span style='background:#b35900;color:white;font-weight:bold'>&nbsp;UNTRAINED — not a "
                   "prediction&nbsp;</span>")
BADGE_TRAINED = "<span style='background:#2e7d32;color:white;font-weight:bold'>&nbsp;trained&nbsp;</span>"


class InspectorWidget(QWidget):
    """Top-5 classes per stream for the window under the playhead (see the module docstring)."""

    personSelected = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._result = None
        self._frame = 0
        self._row: Optional[int] = None
        self._shown_key = None  # (result, row, person) whose top-k bars are on screen
        self._stack = QStackedWidget()
        self._empty = QLabel(EMPTY_TEXT)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setStyleSheet("color: #9aa0a6; padding: 16px;")
        self._stack.addWidget(self._empty)
        scroll = QScrollArea()  # lets the panel shrink below its natural height
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._build_content())
        self._stack.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.setMinimumWidth(240)
        self.set_result(None)

    def _build_content(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(8, 6, 8, 6)
        v.setSpacing(4)
        self._model = QLabel()
        self._model.setTextFormat(Qt.TextFormat.RichText)
        self._model.setWordWrap(True)
        self._badge = QLabel()
        self._badge.setTextFormat(Qt.TextFormat.RichText)
        self._person_label = QLabel("Person")
        self._person_combo = QComboBox()
        self._person_combo.setToolTip("Whose window to inspect (click a skeleton in the video to pick)")
        self._person_combo.currentIndexChanged.connect(self._on_person_combo)
        row = QHBoxLayout()
        row.addWidget(self._person_label)
        row.addWidget(self._person_combo, 1)
        self._window = QLabel()
        self._window.setTextFormat(Qt.TextFormat.RichText)
        self._window.setWordWrap(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self._window.setFont(mono)
        self._segment = QLabel()
        self._segment.setTextFormat(Qt.TextFormat.RichText)
        self._segment.setWordWrap(True)
        self._bars = {"fused": TopKBars("Fused score"), "rgb": TopKBars("RGB stream (guided)"),
                      "pose": TopKBars("Pose stream")}
        self._bars["fused"].set_emphasis(True)
        v.addWidget(self._model)
        v.addWidget(self._badge)
        v.addLayout(row)
        v.addWidget(self._window)
        v.addWidget(self._segment)
        for name in STREAMS:
            v.addSpacing(4)
            v.addWidget(self._bars[name])
        v.addStretch(1)
        return page

    # ---- public API ---------------------------------------------------------------------
    def set_result(self, result) -> None:
        """Show ``result`` (an ``AnalysisResult``) or the empty state for ``None``."""
        self._result = result
        self._shown_key = None
        if result is None:
            self._stack.setCurrentIndex(0)
            self._row = None
            return
        self._stack.setCurrentIndex(1)
        badge = BADGE_TRAINED if result.trained else BADGE_UNTRAINED
        self._model.setText(f"<b>Model</b>&nbsp; {_escape(result.model)}")
        self._badge.setText(badge)
        people = [p for p in result.people() if p >= 0]
        previous = self.selected_person()
        self._person_combo.blockSignals(True)
        self._person_combo.clear()
        for p in people:
            self._person_combo.addItem(f"Person {p}", p)
        if previous in people:
            self._person_combo.setCurrentIndex(people.index(previous))
        self._person_combo.blockSignals(False)
        self._person_label.setVisible(bool(people))
        self._person_combo.setVisible(bool(people))
        self._refresh()

    def set_frame(self, frame: int, person: Optional[int] = None) -> None:
        """Inspect the window nearest to ``frame`` (of ``person`` in per-person mode; see module doc)."""
        self._frame = int(frame)
        if person is not None:
            self._select(int(person), emit=False)
        self._refresh()

    def select_person(self, track_id: int) -> None:
        """Select a person; emits ``personSelected`` if the selection changed."""
        self._select(int(track_id), emit=True)
        self._refresh()

    # ---- read-outs ----------------------------------------------------------------------
    def top_classes(self, stream: str) -> list[tuple[int, str, float]]:
        """The rows shown for ``stream`` ("fused", "rgb" or "pose")."""
        return self._bars[stream].rows()

    def current_row(self) -> Optional[int]:
        """The result row shown, or None."""
        return self._row

    def selected_person(self) -> Optional[int]:
        """The selected track id (None outside per-person mode)."""
        data = self._person_combo.currentData() if self._person_combo.count() else None
        return None if data is None else int(data)

    def window_text(self) -> str:
        """The window description as plain text."""
        return self._window.text().replace("&nbsp;", " ").replace("<b>", "").replace("</b>", "")

    def is_empty(self) -> bool:
        return self._stack.currentIndex() == 0

    # ---- internals ----------------------------------------------------------------------
    def _select(self, track_id: int, *, emit: bool) -> None:
        i = self._person_combo.findData(track_id)
        if i < 0 or i == self._person_combo.currentIndex():
            return
        self._person_combo.blockSignals(True)
        self._person_combo.setCurrentIndex(i)
        self._person_combo.blockSignals(False)
        if emit:
            self.personSelected.emit(track_id)

    def _on_person_combo(self, index: int) -> None:
        if index < 0:
            return
        self._refresh()
        self.personSelected.emit(int(self._person_combo.itemData(index)))

    def _refresh(self) -> None:
        r = self._result
        if r is None:
            return
        person = self.selected_person()
        row = r.window_at(self._frame, person)
        self._row = row
        if row is None:
            self._window.setText(f"frame&nbsp;{self._frame}: <b>no window covers this frame</b>")
            self._segment.setText("")
            self._shown_key = None
            for bars in self._bars.values():
                bars.set_rows([])
            return
        start, end = int(r.window_start[row]), int(r.window_end[row])
        span = f"{format_time(r.frame_time(start), 1)}–{format_time(r.frame_time(end), 1)}"
        covering = len(r.windows_at(self._frame, person))
        self._window.setText(f"<b>Window {row}</b>&nbsp; frames {start}–{end - 1}<br>{span}&nbsp; "
                             f"({covering} cover frame {self._frame})")
        key = (id(r), row, person)
        if key != self._shown_key:  # the bars change with the window row only, not every frame
            self._shown_key = key
            for name, probs in (("fused", r.prob_fused), ("rgb", r.prob_rgb), ("pose", r.prob_pose)):
                self._bars[name].set_rows(top_k_classes(probs[row], r.class_names, TOP_K) if probs is not None else [])
        self._segment.setText(self._segment_html(r, person))

    def _segment_html(self, r, person: Optional[int]) -> str:
        for s in r.segments:
            if s.start_frame <= self._frame < s.end_frame and (person is None or s.person == person):
                return (f"Segment&nbsp; <span style='color:{class_color_hex(s.class_index, s.class_name)}'>■</span> "
                        f"<b>{_escape(s.class_name)}</b>&nbsp; {format_percent(s.confidence, 0, unit='%')}&nbsp; "
                        f"<span style='color:#9aa0a6'>{s.start_frame}–{s.end_frame - 1}</span>")
        return "<span style='color:#9aa0a6'>no segment here</span>"


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
