"""The timeline's header: the class box (type to search; it picks the class whose probability curves are drawn)
and the badge saying what the results are (untrained, stale, the model). A mixin of ``TimelineWidget``."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QToolButton, QWidget

from app.common.class_colors import class_color, class_color_hex
from app.common.fit_label import FitLabel


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ClassHeaderMixin:
    """Builds ``self._header`` (class box, badge, time read-out, Fit) and keeps it in step."""

    def _build_header(self) -> None:
        self._combo = QComboBox()
        self._combo.setEditable(True)
        self._combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._combo.setMinimumContentsLength(16)
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._combo.lineEdit().setPlaceholderText("pick a class…")
        completer = QCompleter(self._combo.model(), self._combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._combo.setCompleter(completer)
        self._combo.currentIndexChanged.connect(self._on_combo)
        self._combo.activated.connect(lambda _i: self._give_focus_back())
        completer.activated.connect(self._pick_text)  # a completion chosen in the popup
        self._combo.lineEdit().returnPressed.connect(lambda: self._pick_text(self._combo.lineEdit().text()))
        self._focus_target: Optional[QWidget] = None
        self._stale: Optional[str] = None
        self._combo.setEnabled(False)
        self._combo.setToolTip("Class whose RGB / pose / fused probability is drawn (type to search)")
        self._badge = FitLabel()  # the longest text that fits: never runs into the time read-out or widens the window
        self._position = QLabel()
        self._position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._position.setStyleSheet("font-family: monospace;")
        fit = QToolButton()
        fit.setText("Fit")
        fit.setToolTip("Show the whole video (wheel zooms, right-drag pans)")
        fit.clicked.connect(self.zoom_to_fit)
        self._header = QHBoxLayout()
        self._header.setContentsMargins(4, 2, 4, 0)
        self._header.setSpacing(8)
        self._header.addWidget(QLabel("Class"))
        self._header.addWidget(self._combo)
        self._header.addWidget(self._badge, 1)
        self._header.addWidget(self._position)
        self._header.addWidget(fit)

    def _fill_combo(self, names: list[str]) -> None:
        key = [(name, class_color_hex(i, name)) for i, name in enumerate(names)]
        if key == self._combo_names:
            return
        self._combo_names = key
        self._combo.blockSignals(True)
        self._combo.clear()
        for i, name in enumerate(names):
            pix = QPixmap(10, 10)
            pix.fill(class_color(i, name))
            self._combo.addItem(QIcon(pix), f"{i}: {name}", i)
        self._combo.setEnabled(bool(names))
        self._combo.blockSignals(False)

    def _select_combo(self, index: int) -> None:
        if 0 <= index < self._combo.count() and self._combo.currentIndex() != index:
            self._combo.blockSignals(True)
            self._combo.setCurrentIndex(index)
            self._combo.blockSignals(False)
        self._combo.lineEdit().setCursorPosition(0)  # a long name shows its start

    def _pick_text(self, text: str) -> None:
        """Pick the class ``text`` names: the exact entry, else the first whose text contains it (what
        the completer offers); the box then shows that class in full and the keyboard goes back."""
        typed = text.strip().lower()
        names = [self._combo.itemText(i) for i in range(self._combo.count())]
        index = next((i for i, n in enumerate(names) if n.lower() == typed), None)
        if index is None and typed:
            index = next((i for i, n in enumerate(names) if typed in n.lower()), None)
        if index is not None:
            self._combo.setCurrentIndex(index)
            self._on_combo(index)
        if 0 <= self._combo.currentIndex():
            self._combo.lineEdit().setText(self._combo.currentText())
            self._combo.lineEdit().setCursorPosition(0)
        self._give_focus_back()

    def _give_focus_back(self) -> None:
        if self._focus_target is not None:
            self._focus_target.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._combo.clearFocus()

    def _on_combo(self, index: int) -> None:
        if index < 0 or index == self._class:
            return
        self._class = index
        self._update_curves(class_only=True)
        self.classPicked.emit(index)

    def _refresh_badge(self) -> None:
        """What the results are, from the longest wording to the shortest (the badge shows what fits)."""
        r = self._result
        grey = "<span style='color:#9aa0a6'>{}</span>"
        if r is None:
            variants = [grey.format("No analysis yet — run Analyze (Ctrl+R)"), grey.format("No analysis yet"),
                        grey.format("no analysis")]
        elif not r.trained:
            chip = "<span style='background:#b35900;color:white;font-weight:bold'>&nbsp;UNTRAINED MODEL&nbsp;</span>"
            variants = [chip + "<span style='color:#ffb366'>&nbsp;bars and curves are not predictions</span>", chip,
                        chip.replace("UNTRAINED MODEL", "UNTRAINED")]
        else:
            variants = [grey.format(f"model: {_escape(r.model)}"), grey.format(_escape(r.model)), ""]
        if r is not None and self._stale:
            chip = "<span style='background:#7a5c00;color:white;font-weight:bold'>&nbsp;STALE&nbsp;</span>"
            note = f"<span style='color:#ffd166'>&nbsp;results from {self._stale}: Analyze again (Ctrl+R)&nbsp;</span>"
            variants = [chip + note + variants[0], chip + note + variants[-1], chip + variants[-1], chip]
        self._badge.set_variants(variants)
