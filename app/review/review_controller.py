"""Review, agreement and statistics of the open project, kept up to date for the studio's panels (no widgets).

It rebuilds the review queue, the agreement reports and the time budgets from ``core_model.review`` when labels
change (the project controller's coalesced signals), when a video gets an analysis result and when the current
video changes; rebuilds are debounced (one after a burst of edits) and only the figures a visible panel shows are
computed. The queue's next/previous step jumps the playhead to the item (opening its video if needed), selects
its person and marks its window in/out, so one label key labels it and the item becomes done.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core_model.review import REASONS, ReviewQueue, build_queue
from core_model.review.project_review import (HUMAN, MODEL, AgreementParts, ResultCache, project_agreement,
                                              project_authors, project_budgets, segment_rows, video_queue)

from app.common.state import Session, VideoEntry
from app.common.lifetime import tie

DEBOUNCE_MS = 200
VIDEO, PROJECT = "video", "project"
QUEUE, AGREEMENT, STATS = "queue", "agreement", "stats"
ItemKey = Tuple[int, int, int]  # (video id or -1, person, row of the analysis)


class SessionResults(ResultCache):
    """Analysis results: the one a video of the session holds in memory first, else the project's record."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def get(self, store, video_id: int):
        for entry in self.session.entries:
            if entry.project_id == video_id and entry.result is not None:
                return entry.result
        return super().get(store, video_id)


class ReviewController(QObject):
    queueChanged = Signal()  # ``visible`` was rebuilt or refiltered
    currentChanged = Signal(int)  # index of the current item in ``visible`` (-1: none)
    agreementChanged = Signal()
    statsChanged = Signal()
    message = Signal(str)

    def __init__(self, project, session: Session, seek: Callable[[int], None], *, labeling=None,
                 debounce_ms: int = DEBOUNCE_MS, parent=None) -> None:
        super().__init__(parent)
        self.project, self.session, self.labeling = project, session, labeling
        self._seek = seek
        self.results = SessionResults(session)
        self.queue_scope = VIDEO
        self.reasons: set = set(REASONS)
        self.show_done = False
        self.queue: ReviewQueue = ReviewQueue.concat([])
        self.visible: ReviewQueue = self.queue
        self.current: Optional[ItemKey] = None
        self.current_index = -1
        self.between: Tuple[str, str] = (HUMAN, MODEL)
        self.agreement_scope = VIDEO
        self.agreement = None  # (overall AgreementReport, {video id: AgreementReport}) or None
        self.stats_scope = PROJECT
        self.stats_coder: Optional[str] = None  # the coder the budgets are for (None: see ``budget_coder``)
        self.budgets: list = []
        self.active: Dict[str, bool] = {QUEUE: True, AGREEMENT: False, STATS: False}
        self._dirty = {QUEUE, AGREEMENT, STATS}
        self._pending_jump = None  # item waiting for its video to open
        self._results_seen: Dict[int, int] = {}
        self._video_queues: Dict[int, tuple] = {}  # video id -> (result, its queue): the project queue's parts
        self._stale_videos: set = set()  # videos whose labels changed since their part was built
        self.agreement_parts = AgreementParts()  # the agreement's per-video parts, likewise
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.rebuild)

        project.segmentsChanged.connect(self._on_segments)
        project.labelsChanged.connect(self._on_labels)
        project.projectChanged.connect(self._on_project)
        tie(session.current_changed, self, self._on_current_video)
        tie(session.changed, self, self._on_entry_changed)

    # ---- state ----------------------------------------------------------------------------
    @property
    def store(self):
        return self.project.store

    def current_video_id(self) -> Optional[int]:
        entry = self.session.current
        return entry.project_id if entry is not None else None

    def set_active(self, kind: str, on: bool) -> None:
        """A panel became visible (its figures are kept up to date) or hidden (they are not computed)."""
        self.active[kind] = bool(on)
        if on and kind in self._dirty:
            self.invalidate(kind, now=True)

    def invalidate(self, *kinds: str, now: bool = False) -> None:
        """Mark figures stale (all when none is named) and rebuild them after the debounce delay."""
        self._dirty.update(kinds or (QUEUE, AGREEMENT, STATS))
        if now:
            self._timer.stop()
            self.rebuild()
        else:
            self._timer.start()

    def rebuild(self) -> None:
        """Recompute the stale figures of the visible panels now."""
        self._timer.stop()
        for kind, fn in ((QUEUE, self._rebuild_queue), (AGREEMENT, self._rebuild_agreement),
                         (STATS, self._rebuild_stats)):
            if kind in self._dirty and self.active.get(kind):
                self._dirty.discard(kind)
                fn()

    # ---- queue ----------------------------------------------------------------------------
    def set_queue_scope(self, scope: str) -> None:
        if scope != self.queue_scope:
            self.queue_scope = scope
            self.current, self.current_index = None, -1
            self.invalidate(QUEUE, now=True)

    def set_reasons(self, reasons: Sequence[str]) -> None:
        self.reasons = set(reasons)
        self._refilter()

    def set_show_done(self, on: bool) -> None:
        self.show_done = bool(on)
        self._refilter()

    def _rebuild_queue(self) -> None:
        store, entry = self.store, self.session.current
        if store is not None and self.queue_scope == PROJECT:
            self.queue = self._project_queue([v.id for v in store.videos()])
        elif store is not None and entry is not None and entry.project_id is not None:
            self.queue = self._project_queue([entry.project_id])
        elif entry is not None and entry.result is not None:  # no project: the current video's windows only
            self.queue = build_queue(entry.result)
        else:
            self.queue = ReviewQueue.concat([])
        self._refilter()

    def _project_queue(self, ids: List[int]) -> ReviewQueue:
        """``project_queue`` of these videos, rebuilding only the videos whose labels or result changed."""
        store = self.store
        results = {vid: self.results.get(store, vid) for vid in ids}
        stale = [vid for vid in ids if vid in self._stale_videos or vid not in self._video_queues
                 or self._video_queues[vid][0] is not results[vid]]
        if stale:
            rows = segment_rows(store, stale)
            label_names = {lab.id: lab.name for lab in store.labels()}
            for vid in stale:
                result = results[vid]
                queue = video_queue(store, store.video(vid), result, rows=rows.get(vid, []),
                                    label_names=label_names) if result is not None else None
                self._video_queues[vid] = (result, queue)
                self._stale_videos.discard(vid)
        return ReviewQueue.concat([q for vid in ids for q in [self._video_queues[vid][1]] if q is not None])

    def _refilter(self) -> None:
        reasons = [r for r in REASONS if r in self.reasons]
        self.visible = self.queue.filtered(reasons, include_done=self.show_done)
        index = self.index_of(self.current) if self.current is not None else None
        if index is not None:
            self.current_index = index
        self.queueChanged.emit()
        self.currentChanged.emit(index if index is not None else -1)

    def index_of(self, key: Optional[ItemKey]) -> Optional[int]:
        """Position of the item ``(video, person, row)`` in ``visible`` (None when it is not listed)."""
        if key is None or not len(self.visible):
            return None
        c = self.visible.columns
        hit = np.nonzero((c["video"] == key[0]) & (c["person"] == key[1]) & (c["row"] == key[2]))[0]
        return int(hit[0]) if len(hit) else None

    @staticmethod
    def key(item) -> ItemKey:
        return (-1 if item.video_id is None else int(item.video_id), int(item.person), int(item.row))

    def current_item(self):
        index = self.index_of(self.current)
        return self.visible[index] if index is not None else None

    def step(self, delta: int) -> None:
        """Go to the next (``delta`` > 0) or previous item of the filtered queue."""
        if QUEUE in self._dirty:
            self._dirty.discard(QUEUE)
            self._rebuild_queue()
        n = len(self.visible)
        if n == 0:
            self.message.emit("Nothing to review here" + ("" if self._has_result() else
                                                           ": analyze the video first (Ctrl+R)") + ".")
            return
        index = self.index_of(self.current)
        if index is not None:
            target = index + (1 if delta > 0 else -1)
        elif self.current is not None and self.current_index >= 0:  # it left the list (done): its successor
            target = self.current_index if delta > 0 else self.current_index - 1  # took its place
        else:  # nothing visited in this list yet
            target = 0 if delta > 0 else n - 1
        if not 0 <= target < n:
            self.message.emit("End of the review queue." if delta > 0 else "Start of the review queue.")
            return
        self.activate(target)

    def activate(self, index: int) -> None:
        """Jump to item ``index`` of ``visible``: its video, person and window (in/out marks)."""
        item = self.visible[index]
        self.current, self.current_index = self.key(item), index
        self.currentChanged.emit(index)
        entry = self._entry_for(item.video_id)
        if entry is not None and entry is not self.session.current:
            self._pending_jump = item
            self.session.set_current(entry)  # opens it; the jump happens once it is shown
            if entry.is_open and self._pending_jump is item:
                self._jump(item)
            return
        self._jump(item)

    def _jump(self, item) -> None:
        self._pending_jump = None
        self.session.set_person(None if item.person < 0 else int(item.person))
        if self.labeling is not None:
            self.labeling.select(None)
            self.labeling.set_marks(item.start_frame, max(item.start_frame, item.end_frame - 1))
        self._seek(item.frame)
        n, index = len(self.visible), self.index_of(self.current)
        position = f"{index + 1}/{n}" if index is not None else f"–/{n}"
        self.message.emit(f"Review {position}: {item.text} — a label key labels this window, A accepts the "
                          "prediction in this window, Shift+A every prediction in it (your labels stay), ] goes on.")

    def video_opened(self, entry: VideoEntry) -> None:
        """A video finished opening (the main window shows it): show the analysis the project recorded for it
        (when nothing else is loaded) and finish a pending jump there."""
        if entry.result is None and entry.project_id is not None and self.store is not None:
            recorded = ResultCache.get(self.results, self.store, entry.project_id)
            if recorded is not None and recorded.frame_count == entry.frame_count:
                self.session.update(entry, result=recorded)
        item = self._pending_jump
        if item is not None and entry is self.session.current and entry.project_id == item.video_id:
            self._jump(item)

    def _entry_for(self, video_id: Optional[int]) -> Optional[VideoEntry]:
        if video_id is None:
            return self.session.current
        return next((e for e in self.session.entries if e.project_id == video_id), None)

    def _has_result(self) -> bool:
        entry = self.session.current
        return entry is not None and entry.result is not None

    # ---- agreement ------------------------------------------------------------------------
    def authors(self) -> List[str]:
        return project_authors(self.store) if self.store is not None else []

    def set_between(self, between: Sequence[str]) -> None:
        self.between = (str(between[0]), str(between[1]))
        self.invalidate(AGREEMENT, now=True)

    def set_agreement_scope(self, scope: str) -> None:
        self.agreement_scope = scope
        self.invalidate(AGREEMENT, now=True)

    def agreement_report(self):
        """The report the panel shows: the current video's, or the project's (None: nothing to compare)."""
        if self.agreement is None:
            return None
        overall, per_video = self.agreement
        if self.agreement_scope == VIDEO:
            return per_video.get(self.current_video_id())
        return overall if overall.frames or per_video else None

    def _rebuild_agreement(self) -> None:
        store = self.store
        if store is None or (self.agreement_scope == VIDEO and self.current_video_id() is None):
            self.agreement = None
        else:
            ids = None if self.agreement_scope == PROJECT else [self.current_video_id()]
            try:
                self.agreement = project_agreement(store, self.between, ids, self.results, self.agreement_parts)
            except Exception as err:  # noqa: BLE001 - AgreementError: one sentence
                self.agreement = None
                self.message.emit(str(err))
        self.agreementChanged.emit()

    # ---- statistics -----------------------------------------------------------------------
    def set_stats_scope(self, scope: str) -> None:
        self.stats_scope = scope
        self.invalidate(STATS, now=True)

    def set_stats_coder(self, coder: Optional[str]) -> None:
        """Show the time budgets of this coder's labels (two coders of one person are never added up)."""
        self.stats_coder = coder or None
        self.invalidate(STATS, now=True)

    def budget_coder(self) -> Optional[str]:
        """Whose labels the budgets count: None with one coder (all labels); with several, the chosen coder,
        else the project's own author when they labelled, else the first coder by name."""
        coders = self.authors()
        if len(coders) <= 1:
            return None
        if self.stats_coder in coders:
            return self.stats_coder
        own = getattr(self.store, "author", None)
        return own if own in coders else coders[0]

    def _rebuild_stats(self) -> None:
        store = self.store
        if store is None or (self.stats_scope == VIDEO and self.current_video_id() is None):
            self.budgets = []
        else:
            ids = None if self.stats_scope == PROJECT else [self.current_video_id()]
            self.budgets = project_budgets(store, ids, author=self.budget_coder())
        self.statsChanged.emit()

    def video_segments(self):
        """(labels by id, segments) of the current video for the ethogram (empty without a project video)."""
        store, vid = self.store, self.current_video_id()
        if store is None or vid is None:
            return {}, []
        from core_model.project.coders import visible_segments  # blind coding: the coder's own only

        return {lab.id: lab for lab in store.labels()}, visible_segments(store.segments(video_id=vid),
                                                                         getattr(store, "blind_coder", None))

    def video_duration(self) -> float:
        """Seconds of the current video (from the project's record when it has one)."""
        store, vid, entry = self.store, self.current_video_id(), self.session.current
        if store is not None and vid is not None:
            return self.frame_time(store.video(vid).frame_count)
        return self.frame_time(entry.frame_count) if entry is not None else 0.0

    def frame_times(self, frames) -> np.ndarray:
        """Seconds of many frames of the current video (the end of the video past its last frame)."""
        frames = np.asarray(frames, np.int64)
        store, vid = self.store, self.current_video_id()
        if store is not None and vid is not None:
            ts = store.timestamps(vid)
            times = np.append(ts, store.frame_time(vid, len(ts)))
            return times[np.clip(frames, 0, len(times) - 1)]
        return np.array([self.frame_time(int(f)) for f in frames], np.float64)

    def frame_time(self, frame: int) -> float:
        store, vid, entry = self.store, self.current_video_id(), self.session.current
        if store is not None and vid is not None:
            return store.frame_time(vid, frame)
        return entry.frame_time(frame) if entry is not None else 0.0

    # ---- reactions ------------------------------------------------------------------------
    def _on_segments(self, video_id: int) -> None:
        self._stale_videos.add(int(video_id))
        self.agreement_parts.mark(video_id)
        self.invalidate()

    def _on_labels(self) -> None:
        self._video_queues.clear()
        self.agreement_parts.mark()
        self.invalidate()

    def _on_project(self, _store) -> None:
        self._video_queues.clear()
        self.agreement_parts = AgreementParts()
        self._stale_videos.clear()
        self.current, self.current_index, self._pending_jump = None, -1, None
        self._results_seen.clear()
        self.invalidate(now=True)

    def _on_current_video(self, _entry) -> None:
        if self._pending_jump is None:
            self.current_index = -1 if self.queue_scope == VIDEO else self.current_index
        self.invalidate()

    def _on_entry_changed(self, entry: VideoEntry) -> None:
        result = entry.result
        if self._results_seen.get(id(entry)) == id(result):
            return
        self._results_seen[id(entry)] = id(result)
        if result is not None:
            self._record_analysis(entry, result)
        self.invalidate(QUEUE, AGREEMENT)

    def _record_analysis(self, entry: VideoEntry, result) -> None:
        """Remember a video's analysis in the project (so the whole-project queue finds it next time)."""
        folder = getattr(result, "path", None)
        if folder is None or entry.project_id is None or not self.project.writable(quiet=True):
            return
        try:
            if self.store.analysis_folder(entry.project_id) != folder.resolve():
                info = result.summary.get("model_info", {}) if isinstance(result.summary, dict) else {}
                self.store.set_analysis(entry.project_id, folder, str(info.get("key") or result.model))
            self.results.put(folder, result)
        except Exception:  # noqa: BLE001 - a folder that vanished meanwhile: keep the result in memory only
            pass
