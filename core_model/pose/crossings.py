"""Crowd tracking, first stage after the whole video: two tracks that swapped people where they met are swapped back.

Where two people cross and one goes behind the other, the online tracker may hand each one's body to the other's
track in the same frame or two: each track goes on, in the other person's colours and at the other's size. Neither
track's colours need to change enough for the colour cut (:data:`.reid.SPLIT_GATE`): the two people may look alike
to a single track's eye. Seen together the swap is plain: over :data:`SWAP_WINDOW` detections before and after the
frame, each track's colours after are the other's before. :func:`swap_back` exchanges the two tracks' tails there
when the colours of the swapped pairs agree better, by :data:`SWAP_MARGIN`, than those of the tracks as they are.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

#: detections on each side of a swap compared (their median colours)
SWAP_WINDOW = 8
#: a swap is undone when the colour distances of the swapped pairs sum to at least this much less than the tracks'
#: own before -> after; None: never
SWAP_MARGIN = 0.15
#: the two tracks meet where their body centres are within this many body sizes (of the larger)
SWAP_NEAR = 0.6
#: ... and the swap is looked for within this many frames of where they meet (one of them is often unseen there)
SWAP_REACH = 6

Entry = tuple  # (frame, keypoint (V,2), score (V,), look or None)


def _centres_and_scales(entries: List[Entry]) -> Tuple[np.ndarray, np.ndarray]:
    from .body_geometry import body_scale, centre

    return (np.array([centre(e[1], e[2]) for e in entries]),
            np.array([body_scale(e[1], e[2], 8.0) for e in entries]))


def _gain(a: List[Entry], b: List[Entry], ia: int, ib: int) -> Optional[float]:
    """How much better tracks ``a`` and ``b`` agree with their tails (from entries ``ia``, ``ib``) exchanged: the sum
    of colour distances before -> after as they are minus that of the swapped pairs (None: too few colours)."""
    from .appearance import distance
    from .reid import median_look

    w = SWAP_WINDOW
    if min(ia, ib, len(a) - ia, len(b) - ib) < w:
        return None
    ap, aq = median_look([e[3] for e in a[ia - w:ia]], w // 2), median_look([e[3] for e in a[ia:ia + w]], w // 2)
    bp, bq = median_look([e[3] for e in b[ib - w:ib]], w // 2), median_look([e[3] for e in b[ib:ib + w]], w // 2)
    pairs = [distance(ap, aq), distance(bp, bq), distance(ap, bq), distance(bp, aq)]
    if any(p is None for p in pairs):
        return None
    return (pairs[0] + pairs[1]) - (pairs[2] + pairs[3])


def _best_swap(a: List[Entry], b: List[Entry], geo_a, geo_b) -> Optional[Tuple[float, int]]:
    """``(gain, frame)`` of the best frame to exchange the tails of ``a`` and ``b`` where they meet, or None."""
    frames_a = np.array([e[0] for e in a])
    frames_b = np.array([e[0] for e in b])
    common, ia, ib = np.intersect1d(frames_a, frames_b, return_indices=True)
    if len(common) == 0:
        return None
    (ca, sa), (cb, sb) = geo_a, geo_b
    near = np.hypot(*(ca[ia] - cb[ib]).T) <= SWAP_NEAR * np.maximum(sa[ia], sb[ib])
    gains = []
    for t in sorted({int(f) + k for f in common[near] for k in range(-SWAP_REACH, SWAP_REACH + 1)}):
        gain = _gain(a, b, int(np.searchsorted(frames_a, t)), int(np.searchsorted(frames_b, t)))
        if gain is not None and gain >= SWAP_MARGIN:
            gains.append((gain, t))
    if not gains:
        return None
    best = max(g for g, _ in gains)
    top = [t for g, t in gains if g >= best - 1e-6]  # medians change over a plateau: its middle
    return best, top[len(top) // 2]


def swap_back(per_track: Dict[int, List[Entry]]) -> Dict[int, List[Entry]]:
    """``per_track`` (``{id: [(frame, keypoint, score, look), ...]}``, frames increasing) with the tails of two tracks
    exchanged where they swapped people (see the module docstring), best gain first, each track once; ids kept."""
    if SWAP_MARGIN is None:
        return per_track
    tracks = {tid: list(entries) for tid, entries in per_track.items() if len(entries) >= 2 * SWAP_WINDOW}
    geo = {tid: _centres_and_scales(entries) for tid, entries in tracks.items()}
    found = []
    ids = sorted(tracks)
    for i, ta in enumerate(ids):
        for tb in ids[i + 1:]:
            best = _best_swap(tracks[ta], tracks[tb], geo[ta], geo[tb])
            if best is not None:
                found.append((-best[0], best[1], ta, tb))
    out = dict(per_track)
    done = set()
    for _gain_, t, ta, tb in sorted(found):
        if ta in done or tb in done:
            continue
        done |= {ta, tb}
        a, b = out[ta], out[tb]
        out[ta] = [e for e in a if e[0] < t] + [e for e in b if e[0] >= t]
        out[tb] = [e for e in b if e[0] < t] + [e for e in a if e[0] >= t]
    return out
