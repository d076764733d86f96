"""Crowd tracking: the tracklets of one person joined into one track, once the whole video is known.

Every tracklet (a piece of an online track, cut where it was continued after a gap, where the body jumped, or where
its colours changed) starts as a group of its own. Two groups are joined, cheapest first, when none of their
tracklets overlap in time and every junction of the joined sequence (a tracklet of one group followed by one of the
other) may be one person going on: the second starts within ``max_gap`` frames after the first ends, the two
groups' colours agree, the sizes do, and the second starts within reach of where the first ended
(:func:`.reid.stitch_cost`). Unlike chaining tracklets one after the other, a group can take a tracklet in between
two of its own (a person seen, hidden, seen for a moment, hidden again and back).

A cut where the colours changed is a proposal, not a decision (``soft`` pairs: consecutive pieces of one online
track): that junction costs the colour distance of its two pieces (up to :data:`SOFT_GATE`), more than any
stitch of a person's own colours, so each piece first joins a person whose colours fit it better, and the two are
joined again where none does. A piece is judged with its soft partner beside it: a person's last frames before
being hidden (first ones after) are fitted smaller and in mixed colours, and follow on from the partner.
"""
from __future__ import annotations

import heapq
from typing import Dict, FrozenSet, List, Optional, Tuple

import numpy as np

#: pieces of a track cut where its colours changed are joined again when their colours differ by at most this
#: (and neither joins somebody who fits better first); further apart, only as any two tracklets are
SOFT_GATE = 0.65

Pair = Tuple[int, int]

#: a tracklet starting at most TIGHT_GAP frames after another ended, within TIGHT_REACH of the first one's body sizes
#: of where it ended and within TIGHT_SIZE x its size, each the other's nearest, is proposed as its continuation like
#: a colour cut (a ``soft`` pair: joined at the cost of their colour distance unless either fits somebody better): a
#: person going behind somebody or a pillar is fitted smaller and in mixed colours for their last frames (first
#: frames coming out), which the online tracker and the stitch gates refuse
TIGHT_GAP, TIGHT_REACH, TIGHT_SIZE = 2, 0.3, 2.0


class _Groups:
    """Groups of tracklets being joined: members in time order, the group of each tracklet, each group's colours."""

    def __init__(self, per_track: dict, max_gap: int, soft: FrozenSet[Pair], tight: bool = False) -> None:
        from .reid import tracklet_summary

        self.info = {tid: tracklet_summary(entries) for tid, entries in per_track.items()}
        if tight:
            soft = soft | _tight_pairs(self.info, soft)
        self.per_track, self.max_gap, self.soft = per_track, int(max_gap), soft
        self.members: Dict[int, List[int]] = {tid: [tid] for tid in per_track}
        self.group = {tid: tid for tid in per_track}
        self.look = {tid: self.info[tid]["look"] for tid in per_track}
        self.version = {tid: 0 for tid in per_track}
        self.starts = {tid: [self.info[tid]["start"]] for tid in per_track}  # of a group's members, in order
        self.partners: Dict[int, set] = {tid: set() for tid in per_track}  # soft partners of a group's tracklets
        for x, y in soft:
            self.partners[x].add(y)
            self.partners[y].add(x)

    def _sorted(self, tids: List[int]) -> List[int]:
        return sorted(tids, key=lambda t: (self.info[t]["start"], t))

    def cost(self, a: int, b: int) -> Optional[float]:
        """The cost of joining groups ``a`` and ``b``: their worst junction (``None`` when any is impossible)."""
        from .appearance import distance
        from .reid import STITCH_GATE

        apart = distance(self.look[a], self.look[b])
        if self.partners[a].isdisjoint(self.members[b]) and (apart is None or apart > STITCH_GATE):
            return None  # every junction compares the two groups' colours
        merged = self._around(a, b)
        worst = None
        for i in range(len(merged) - 1):
            x, y = merged[i], merged[i + 1]
            if self.info[x]["end"] >= self.info[y]["start"]:
                return None
            if self.group[x] == self.group[y]:
                continue
            found = self._junction(merged, i, apart)
            if found is None:
                return None
            worst = found if worst is None else max(worst, found)
        return worst

    def _around(self, a: int, b: int) -> List[int]:
        """The tracklets of groups ``a`` and ``b`` in time order where they meet: all of the smaller group, and of
        the larger the two before and after each of them (every junction and overlap of the two, and the tracklets
        beside each junction, without walking a long group whole)."""
        from bisect import bisect_left

        small, large = sorted((a, b), key=lambda g: (len(self.members[g]), g))
        tracklets, starts = self.members[large], self.starts[large]
        kept = set(self.members[small])
        for t in self.members[small]:
            at = bisect_left(starts, self.info[t]["start"])
            kept.update(tracklets[max(at - 2, 0):at + 2])
        return self._sorted(list(kept))

    def _junction(self, merged: List[int], i: int, apart: Optional[float]) -> Optional[float]:
        """The cost of ``merged[i + 1]`` following ``merged[i]`` (tracklets of two groups whose colours are ``apart``):
        a soft pair's colour distance, else the best stitch of either tracklet or its soft partner beside it."""
        from .appearance import distance
        from .reid import STITCH_GATE, stitch_cost

        x, y = merged[i], merged[i + 1]
        if (x, y) in self.soft:
            pair = distance(self.info[x]["look"], self.info[y]["look"])
            return 0.0 if pair is None else (pair if pair <= SOFT_GATE else None)
        before = [x] + ([merged[i - 1]] if i > 0 and (merged[i - 1], x) in self.soft else [])
        after = [y] + ([merged[i + 2]] if i + 2 < len(merged) and (y, merged[i + 2]) in self.soft else [])
        best = None
        for u in before:
            for v in after:
                colours = 0.0 if self.group[u] == self.group[v] else apart
                if colours is None or colours > STITCH_GATE:
                    continue
                found = stitch_cost(self.info[u], self.info[v], self.max_gap, colours=False)
                if found is not None and (best is None or found + colours < best):
                    best = found + colours
        return best

    def join(self, a: int, b: int) -> None:
        """Group ``b`` joins group ``a``."""
        from .reid import median_look

        self.members[a] = self._sorted(self.members[a] + self.members.pop(b))
        self.starts[a] = [self.info[t]["start"] for t in self.members[a]]
        del self.starts[b]
        for t in self.members[a]:
            self.group[t] = a
        self.look[a] = median_look([e[3] for t in self.members[a] for e in self.per_track[t]])
        self.version[a] += 1
        self.partners[a] |= self.partners.pop(b)
        del self.look[b], self.version[b]


def tight_pairs(per_track: dict, taken: FrozenSet[Pair] = frozenset()) -> set:
    """Pairs ``(a, b)`` of tracklets where ``b`` closely continues ``a`` (see :data:`TIGHT_GAP`), each tracklet in
    at most one pair, counting those of ``taken``."""
    from .reid import tracklet_summary

    return _tight_pairs({tid: tracklet_summary(entries) for tid, entries in per_track.items()}, taken)


def _tight_pairs(info: dict, taken: FrozenSet[Pair]) -> set:
    """:func:`tight_pairs` of the tracklets summarised in ``info`` (:func:`.reid.tracklet_summary` by id)."""
    has_next, has_prev = {a for a, _ in taken}, {b for _, b in taken}
    tids = [t for t in info if t not in has_prev]
    starts = np.array([info[t]["start"] for t in tids])
    best_next: Dict[int, Tuple[float, int]] = {}
    best_prev: Dict[int, Tuple[float, int]] = {}
    for a, x in info.items():
        if a in has_next:
            continue
        for j in np.flatnonzero((starts > x["end"]) & (starts <= x["end"] + TIGHT_GAP)):
            b, y = tids[j], info[tids[j]]
            if max(x["scale"], y["scale"]) > TIGHT_SIZE * min(x["scale"], y["scale"]):
                continue
            far = float(np.hypot(*(y["first"] - x["last"]))) / max(x["scale"], 1.0)
            if far <= TIGHT_REACH:
                best_next[a] = min(best_next.get(a, (far, b)), (far, b))
                best_prev[b] = min(best_prev.get(b, (far, a)), (far, a))
    return {(a, b) for a, (_, b) in best_next.items() if best_prev[b][1] == a}


def _near(info: dict, max_gap: int, partners: Dict[int, set]) -> Dict[int, List[int]]:
    """For each tracklet, those that may follow or precede it (:func:`.reid.stitch_cost` in time, size and reach,
    whatever the colours), with its soft ``partners`` and theirs: only groups holding one of these can join its own."""
    from .reid import stitch_cost

    tids = list(info)
    starts = np.array([info[t]["start"] for t in tids])
    ends = np.array([info[t]["end"] for t in tids])
    near: Dict[int, set] = {t: set() for t in tids}
    for i, t in enumerate(tids):
        for j in np.flatnonzero((starts > ends[i]) & (starts <= ends[i] + max_gap)):
            u = tids[j]
            if stitch_cost({**info[t], "look": None}, {**info[u], "look": None}, max_gap, colours=False) is not None:
                near[t].add(u)
                near[u].add(t)
    return {t: sorted(near[t].union(partners[t], *(near[p] for p in partners[t])) - {t}) for t in tids}


def stitch_tracklets(per_track: dict, max_gap: int, soft: FrozenSet[Pair] = frozenset(),
                     tight: bool = False) -> Dict[int, int]:
    """Tracklets of one person joined: ``{tracklet id: the id of the first tracklet of its person}`` for
    ``per_track`` = ``{id: [(frame, keypoint, score, look), ...]}`` (frames increasing), groups joined cheapest first
    (see the module docstring; ``soft``: pairs of pieces of one track cut where its colours changed; ``tight``: the
    :func:`tight_pairs` are soft too). A person hidden for a while thus keeps one id even when they came back with
    the mixed colours of whoever hid them; people of other colours are never joined."""
    groups = _Groups(per_track, max_gap, frozenset(soft), tight)
    near = _near(groups.info, max_gap, groups.partners)  # before any join: each tracklet's own partners
    heap: list = []

    def push(a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        cost = groups.cost(a, b)
        if cost is not None:
            heapq.heappush(heap, (cost, a, b, groups.version[a], groups.version[b]))

    for a in per_track:
        for b in near[a]:
            if a < b:
                push(a, b)
    while heap:
        _cost, a, b, va, vb = heapq.heappop(heap)
        if groups.version.get(a) != va or groups.version.get(b) != vb:
            continue  # a group changed since: its pairs were pushed again
        groups.join(a, b)
        for c in sorted({groups.group[t] for m in groups.members[a] for t in near[m]} - {a}):
            push(a, c)
    root = {}
    for tids in groups.members.values():
        for t in tids:
            root[t] = tids[0]
    return root


#: a track starting more than the stitching gap after another ended continues it (a person away or hidden for long)
#: when their colours differ by at most RETURN_GATE, their sizes by at most RETURN_SIZE x, and every other track's
#: colours are at least RETURN_MARGIN further from either: nobody else in the video could be that person
RETURN_GATE, RETURN_SIZE, RETURN_MARGIN = 0.12, 1.25, 0.2


def join_returning(per_track: dict, max_gap: int) -> dict:
    """``per_track`` (``{id: [(frame, keypoint, score, look), ...]}``) with a track joined to one that continues it
    after a long absence (see :data:`RETURN_GATE`), closest colours first, each track continued and continuing at
    most once; the joined track keeps the first one's id."""
    from .appearance import distance
    from .reid import tracklet_summary

    info = {tid: tracklet_summary(entries) for tid, entries in per_track.items() if entries}
    apart = {(a, b): distance(info[a]["look"], info[b]["look"]) for a in info for b in info if a != b}
    pairs = []
    for (a, b), d in apart.items():
        x, y = info[a], info[b]
        if d is None or d > RETURN_GATE or y["start"] - x["end"] <= max_gap:
            continue
        if max(x["scale"], y["scale"]) > RETURN_SIZE * min(x["scale"], y["scale"]):
            continue
        others = [apart[u, c] for u in (a, b) for c in info if c not in (a, b)]
        if all(o is not None and o >= d + RETURN_MARGIN for o in others):
            pairs.append((d, a, b))
    out, head = dict(per_track), {tid: tid for tid in per_track}
    continued, continuing = set(), set()
    for _d, a, b in sorted(pairs):
        if a in continued or b in continuing:
            continue
        continued.add(a)
        continuing.add(b)
        out[head[a]] = sorted(out[head[a]] + out.pop(b), key=lambda e: e[0])
        for tid, h in head.items():
            if h == b:
                head[tid] = head[a]
    return out
