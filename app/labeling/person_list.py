"""The person list: every tracked person of the current video with colour, id and time present, plus the
track corrections (merge, split at the current frame, delete) for the selected skeleton(s).

Usable with a classroom (30+ people): a sortable table, a filter box (id), the selected person kept
in view, and "present now" marking the people in the current frame. It only shows and asks: the
corrections go out as signals; the owner applies them (``core_model.project.track_edits`` edits in a
project, ``core_model.pose.track_edit`` on a pose file) and calls :meth:`set_poses` again.

API:
    set_poses(poses | None)       a ``core_model.pose.Poses`` (or None: empty)
    set_frame(frame)              the frame shown (split point, "present now" column)
    set_selected(track | None)    select the person (e.g. a clicked skeleton) without a signal
    set_corrections_visible(bool) show or hide the correction buttons
    set_corrections_enabled(bool, reason="")  disable them all, with ``reason`` (one sentence) as their tooltip
    selected_tracks() -> list     the selected track ids, in selection order
    set_subjects({track: (name, "#rrggbb")})  the named subjects of the video's tracks (Subject column, swatch)
    show_suggestion(track, text) / clear_suggestion()  the bar offering a subject for a track (Accept / Not now)
Signals: personSelected(int)  (-1: nobody), mergeRequested(int into, int other),
         splitRequested(int track, int frame), deleteRequested(int track),
         assignRequested(int track) ("Subject…" button, right-click), unassignRequested(int track),
         suggestionAccepted(int track), suggestionDismissed(int track)
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core_model.formatting import format_time

from app.video.overlays.skeleton import track_color

COLUMNS = ("Person", "Subject", "Present", "From", "To", "Now")
COL_ID, COL_SUBJECT, COL_PRESENT, COL_FROM, COL_TO, COL_NOW = range(6)


def _swatch(color: QColor, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(color)
    return QIcon(pix)


def summary_text(poses) -> str:
    """"Found up to 12 people at once, 15 tracks over 400 frames." (+ how to merge and split here when the tracks
    look fragmented) and, on a line of its own, the extraction settings the poses came from."""
    from core_model.pose.track_summary import SHORT_SECONDS, summarize

    look = summarize(poses)
    if look.tracks == 0:
        text = f"No people found in {poses.num_frames} frames."
    else:
        people = "person" if look.most_at_once == 1 else "people"
        tracks = f"{look.tracks} track{'s' if look.tracks != 1 else ''}"
        text = f"Found up to {look.most_at_once} {people} at once, {tracks} over {poses.num_frames} frames."
    if look.fragmented:
        short = f" ({look.short_tracks} shorter than {SHORT_SECONDS:g} s)" if look.short_tracks else ""
        text += (f" More tracks than people{short}: some people's tracks are in pieces. Select two rows and Merge;"
                 " Split here where one track holds two people.")
    settings = settings_text(poses)
    return f"{text}\n{settings}" if settings else text


def settings_text(poses) -> str:
    from core_model.pose.track_summary import describe_settings, extraction_settings

    return describe_settings(extraction_settings(getattr(poses, "meta", None)))


class _NumberItem(QTableWidgetItem):
    """A cell sorted by its number, shown as text."""

    def __init__(self, text: str, value: float) -> None:
        super().__init__(text)
        self.setData(Qt.UserRole, float(value))
        self.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)

    def __lt__(self, other) -> bool:  # noqa: D105
        return float(self.data(Qt.UserRole)) < float(other.data(Qt.UserRole))


class PersonList(QWidget):
    personSelected = Signal(int)
    mergeRequested = Signal(int, int)
    splitRequested = Signal(int, int)
    deleteRequested = Signal(int)
    assignRequested = Signal(int)
    unassignRequested = Signal(int)
    suggestionAccepted = Signal(int)
    suggestionDismissed = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._poses = None
        self._frame = 0
        self._order: List[int] = []  # selection order of track ids
        self._quiet = False
        self._blocked = ""  # why the corrections cannot be made now ("" = they can)
        self._subjects: dict = {}  # track -> (subject name, colour)
        self._suggested: Optional[int] = None  # the track the suggestion bar is about
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find a person (id or subject)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSortIndicator(COL_ID, Qt.SortOrder.AscendingOrder)  # Qt's default: descending
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.setColumnHidden(COL_SUBJECT, True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.summary = QLabel("No poses")
        self.merge_button = QPushButton("Merge")
        self.merge_button.setToolTip("The two selected tracks are one person: the second becomes the first")
        self.split_button = QPushButton("Split here")
        self.split_button.setToolTip("From the current frame on, the selected track is somebody else")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("The selected track is nobody (a bag, a poster): remove it and its labels")
        self.subject_button = QPushButton("Subject…")
        self.subject_button.setObjectName("assignSubjectButton")
        self.subject_button.setToolTip("Assign the selected track to a named subject (a person followed across videos)")
        self._tips = {b: b.toolTip() for b in (self.merge_button, self.split_button, self.delete_button,
                                               self.subject_button)}
        self.merge_button.clicked.connect(self._merge)
        self.split_button.clicked.connect(self._split)
        self.delete_button.clicked.connect(self._delete)
        self.subject_button.clicked.connect(self._assign)
        buttons = QHBoxLayout()
        for b in (self.merge_button, self.split_button, self.delete_button, self.subject_button):
            buttons.addWidget(b)
        self.suggestion = self._build_suggestion()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.suggestion)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        self._update_buttons()

    # ------------------------------------------------------------------ feeding
    def set_poses(self, poses) -> None:
        selected = self.selected_tracks()
        self._poses = poses
        self._quiet = True
        self.table.setSortingEnabled(False)
        self.table.clearContents()
        n = 0 if poses is None else poses.num_people
        self.table.setRowCount(n)
        if poses is not None:
            present = poses.present
            times = poses.timestamps
            fps = poses.fps if poses.fps > 0 else 25.0
            for row, track in enumerate(poses.track_ids):
                frames = np.nonzero(present[row])[0]
                first = float(times[frames[0]]) if len(frames) else 0.0
                last = float(times[frames[-1]]) if len(frames) else 0.0
                ident = _NumberItem(f"{int(track)}", int(track))
                ident.setIcon(_swatch(track_color(int(track), self._subjects)))
                ident.setData(Qt.UserRole + 1, int(track))
                seconds = len(frames) / fps
                self.table.setItem(row, COL_ID, ident)
                self.table.setItem(row, COL_SUBJECT, self._subject_item(int(track)))
                self.table.setItem(row, COL_PRESENT, _NumberItem(f"{seconds:.1f} s", seconds))
                self.table.setItem(row, COL_FROM, _NumberItem(format_time(first, 1, hours=False), first))
                self.table.setItem(row, COL_TO, _NumberItem(format_time(last, 1, hours=False), last))
                self.table.setItem(row, COL_NOW, _NumberItem("", 0))
        self.table.setSortingEnabled(True)
        self.summary.setWordWrap(True)
        self.summary.setText("No poses" if poses is None else summary_text(poses))
        self.summary.setToolTip("" if poses is None else settings_text(poses))
        self._quiet = False
        self._mark_now()
        self._apply_filter(self.filter.text())
        self._select(selected)

    # ------------------------------------------------------------------ subjects
    def _subject_item(self, track: int) -> QTableWidgetItem:
        found = self._subjects.get(int(track))
        item = QTableWidgetItem(found[0] if found else "")
        item.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
        if found:
            item.setForeground(QColor(found[1]))
        return item

    def set_subjects(self, subjects: dict) -> None:
        """The named subjects of the shown video's tracks: ``{track: (name, "#rrggbb")}`` (column, swatch, filter)."""
        subjects = dict(subjects or {})
        if subjects == self._subjects:
            return
        self._subjects = subjects
        self.table.setColumnHidden(COL_SUBJECT, not subjects)  # no room taken before subjects are used
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, COL_ID)
            if item is None:
                continue
            track = int(item.data(Qt.UserRole + 1))
            item.setIcon(_swatch(track_color(track, subjects)))
            self.table.setItem(row, COL_SUBJECT, self._subject_item(track))
        self.table.setSortingEnabled(sorting)
        self._apply_filter(self.filter.text())
        self._update_buttons()

    def subject_of(self, track: int) -> Optional[str]:
        found = self._subjects.get(int(track))
        return found[0] if found else None

    def _build_suggestion(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("subjectSuggestion")
        bar.setStyleSheet("#subjectSuggestion { background: #243447; border: 1px solid #3d6fa8; border-radius: 3px; }")
        self.suggestion_text = QLabel()
        self.suggestion_text.setWordWrap(True)
        self.accept_suggestion_button = QPushButton("Accept")
        self.accept_suggestion_button.setObjectName("acceptSubjectButton")
        self.dismiss_suggestion_button = QPushButton("Not now")
        self.accept_suggestion_button.clicked.connect(self.accept_suggestion)
        self.dismiss_suggestion_button.clicked.connect(self._dismiss_suggestion)
        column = QVBoxLayout(bar)
        column.setContentsMargins(6, 3, 3, 3)
        column.setSpacing(2)
        column.addWidget(self.suggestion_text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.accept_suggestion_button)
        row.addWidget(self.dismiss_suggestion_button)
        column.addLayout(row)
        bar.setVisible(False)
        return bar

    @property
    def suggested_track(self) -> Optional[int]:
        return self._suggested

    def show_suggestion(self, track: int, text: str, accept: str = "Accept") -> None:
        """Offer ``text`` (e.g. "Track 11 looks like Anna"; rich text) for ``track``; Accept / Not now answer it."""
        self._suggested = int(track)
        self.accept_suggestion_button.setText(accept)
        self.suggestion_text.setText(text)
        self.suggestion.setVisible(True)

    def clear_suggestion(self) -> None:
        self._suggested = None
        self.suggestion.setVisible(False)

    def accept_suggestion(self) -> None:
        track = self._suggested
        if track is not None:
            self.clear_suggestion()
            self.suggestionAccepted.emit(track)

    def _dismiss_suggestion(self) -> None:
        track = self._suggested
        self.clear_suggestion()
        if track is not None:
            self.suggestionDismissed.emit(track)

    def _assign(self) -> None:
        chosen = self.selected_tracks()
        if len(chosen) == 1:
            self.assignRequested.emit(chosen[0])

    def _table_menu(self, pos) -> None:
        row = self.table.rowAt(pos.y())
        item = self.table.item(row, COL_ID) if row >= 0 else None
        if item is None:
            return
        track = int(item.data(Qt.UserRole + 1))
        self.set_selected(track)
        self.personSelected.emit(track)
        self.track_menu(track).popup(self.table.viewport().mapToGlobal(pos))

    def track_menu(self, track: int) -> QMenu:
        """Right click on a person: "Assign to subject…" and "Unassign from NAME" (when assigned)."""
        menu = QMenu(self)
        menu.setObjectName("personMenu")
        assign = menu.addAction("Assign to subject…")
        assign.triggered.connect(lambda: self.assignRequested.emit(int(track)))
        name = self.subject_of(track)
        if name:
            menu.addAction(f"Unassign from {name}").triggered.connect(lambda: self.unassignRequested.emit(int(track)))
        for action in menu.actions():
            action.setEnabled(not self._blocked)
            if self._blocked:
                action.setToolTip(self._blocked)
        return menu

    def set_corrections_visible(self, visible: bool) -> None:
        """Show or hide the Merge / Split here / Delete buttons (hidden where nobody applies the requests)."""
        for button in (self.merge_button, self.split_button, self.delete_button, self.subject_button):
            button.setVisible(bool(visible))

    def set_corrections_enabled(self, enabled: bool, reason: str = "") -> None:
        """Allow the corrections, or disable every button with ``reason`` (why, in one sentence) as tooltip."""
        self._blocked = "" if enabled else (reason or "Track corrections are not available now.")
        for button, tip in self._tips.items():
            button.setToolTip(self._blocked or tip)
        self._update_buttons()

    def set_frame(self, frame: int) -> None:
        self._frame = int(frame)
        self._mark_now()
        self._update_buttons()

    def set_selected(self, track: Optional[int]) -> None:
        if track is not None and track >= 0 and int(track) in self.selected_tracks():
            return  # already selected (e.g. the echo of a row added to a selection for Merge): keep the others
        self._select([] if track is None or track < 0 else [int(track)])

    def selected_tracks(self) -> List[int]:
        rows = {i.row() for i in self.table.selectedIndexes()}
        chosen = {int(self.table.item(r, COL_ID).data(Qt.UserRole + 1)) for r in rows if self.table.item(r, COL_ID)}
        ordered = [t for t in self._order if t in chosen]
        return ordered + sorted(chosen - set(ordered))

    def row_of(self, track: int) -> Optional[int]:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, COL_ID)
            if item is not None and int(item.data(Qt.UserRole + 1)) == int(track):
                return row
        return None

    # ------------------------------------------------------------------ internals
    def _select(self, tracks: List[int]) -> None:
        self._quiet = True
        self.table.clearSelection()
        self._order = []
        for track in tracks:
            row = self.row_of(track)
            if row is None:
                continue
            self.table.selectionModel().select(self.table.model().index(row, 0),
                                               QItemSelectionModel.Select | QItemSelectionModel.Rows)
            self._order.append(int(track))
            self.table.scrollToItem(self.table.item(row, COL_ID))
        self._quiet = False
        self._update_buttons()

    def _mark_now(self) -> None:
        if self._poses is None:
            return
        ids = {int(t): row for row, t in enumerate(self._poses.track_ids)}
        now = self._poses.present[:, self._frame] if 0 <= self._frame < self._poses.num_frames else None
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, COL_ID)
            if item is None:
                continue
            here = bool(now is not None and now[ids[int(item.data(Qt.UserRole + 1))]])
            cell = self.table.item(row, COL_NOW)
            cell.setText("●" if here else "")
            cell.setData(Qt.UserRole, 1.0 if here else 0.0)
        self.table.setSortingEnabled(sorting)

    def _apply_filter(self, text: str) -> None:
        text = text.strip()
        folded = text.casefold()
        for row in range(self.table.rowCount()):
            item = self.table.item(row, COL_ID)
            subject = self.table.item(row, COL_SUBJECT)
            found = item is None or item.text().startswith(text) or (
                subject is not None and bool(folded) and folded in subject.text().casefold())
            self.table.setRowHidden(row, bool(text) and not found)

    def _on_selection(self) -> None:
        if self._quiet:
            return
        chosen = self.selected_tracks()
        self._order = [t for t in self._order if t in chosen] + [t for t in chosen if t not in self._order]
        self._update_buttons()
        self.personSelected.emit(self._order[-1] if self._order else -1)

    def _update_buttons(self) -> None:
        chosen = self.selected_tracks()
        self.merge_button.setEnabled(len(chosen) == 2)
        self.delete_button.setEnabled(len(chosen) == 1)
        self.subject_button.setEnabled(len(chosen) == 1)
        can_split = False
        if len(chosen) == 1 and self._poses is not None:
            row = int(np.nonzero(self._poses.track_ids == chosen[0])[0][0])
            frames = np.nonzero(self._poses.present[row])[0]
            can_split = bool(len(frames)) and bool(frames[0] < self._frame <= frames[-1])
        self.split_button.setEnabled(can_split)
        if self._blocked:
            for button in self._tips:
                button.setEnabled(False)

    def _merge(self) -> None:
        chosen = self.selected_tracks()
        if len(chosen) == 2:  # the one selected first keeps its id
            self.mergeRequested.emit(chosen[0], chosen[1])

    def _split(self) -> None:
        chosen = self.selected_tracks()
        if len(chosen) == 1:
            self.splitRequested.emit(chosen[0], self._frame)

    def _delete(self) -> None:
        chosen = self.selected_tracks()
        if len(chosen) == 1:
            self.deleteRequested.emit(chosen[0])
