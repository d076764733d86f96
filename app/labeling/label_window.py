"""Which label segments the studio loads: those on screen, not the whole project.

A project may hold a million segments; the timeline and the Labels panel get the segments of the current
video that overlap the time range on screen (plus half a screen each side) in the bands on screen (plus one
each side), read through the lane index (``core_model.project.segment_window``). Every person with labels
still gets a band. ``load`` re-reads only when the view leaves what was loaded or the project changed
(``revision``: the ``ProjectController``'s count of store changes), so a pan inside the margin costs nothing.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from core_model.project.segment_window import lane_people, segments_in_window

MARGIN = 0.5  # of the visible width, loaded on each side
BAND_MARGIN = 1  # bands loaded above and below the visible ones


class LabelWindow:
    def __init__(self) -> None:
        self._key: Optional[tuple] = None  # (store id, video id, revision)
        self._span: Tuple[float, float] = (0.0, 0.0)
        self._people: frozenset = frozenset()
        self._all_people: List[int] = []
        self._segments: list = []
        self.reads = 0  # range reads done (for tests and benchmarks)

    def clear(self) -> None:
        self._key = None

    def _covers(self, key: tuple, x0: float, x1: float, shown: List[int]) -> bool:
        return (key == self._key and self._span[0] <= x0 and x1 <= self._span[1]
                and set(shown) <= self._people)

    def stale(self, store, video_id: int, revision: int, timeline) -> bool:
        """True when the view on screen is not inside what was loaded (a reload is due)."""
        key = (id(store), video_id, revision)
        if key != self._key:
            return True
        x0, x1, shown = timeline.visible_window(self._all_people)
        return not self._covers(key, x0, x1, shown)

    def load(self, store, video_id: int, revision: int, timeline, frame_count: int) -> Tuple[list, List[int]]:
        """(segments on screen, every person with labels in the video)."""
        key = (id(store), video_id, revision)
        if key != self._key:
            self._all_people = lane_people(store, video_id)
        x0, x1, shown = timeline.visible_window(self._all_people)
        if self._covers(key, x0, x1, shown):
            return self._segments, self._all_people
        width = max(x1 - x0, 1.0)
        start = max(int(x0 - MARGIN * width), 0)
        end = int(min(x1 + MARGIN * width, max(frame_count, x1)) + 1)
        lanes = sorted({-1, *self._all_people, *shown})
        first = lanes.index(shown[0]) if shown and shown[0] in lanes else 0
        last = lanes.index(shown[-1]) if shown and shown[-1] in lanes else first
        people = lanes[max(first - BAND_MARGIN, 0):last + BAND_MARGIN + 1]
        self._segments = segments_in_window(store, video_id, start, end, people)
        self._key, self._span, self._people = key, (float(start), float(end)), frozenset(people)
        self.reads += 1
        return self._segments, self._all_people
