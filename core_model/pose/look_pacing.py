"""How often the crowd extractor (:mod:`.tiled_backend`) looks where it costs most and finds least.

- :class:`LookEverywhere`: a detection pass normally looks only at the tiles whose pixels changed outside the
  people followed (:class:`.tiles.TileGate`); every few passes one looks at every tile (and the fine tiles) to catch
  what the gate cannot see (somebody stepping out from behind a person followed, a change under the gate's
  threshold). Those passes are most of the detector's work: while they find nobody new the gap between them
  grows (FULL_EVERY, 2x, 4x ... up to FULL_MAX passes); as soon as one finds somebody new, or a gated pass sees
  much of the frame changed (a newcomer filling a view, a camera move), the next one comes FULL_EVERY passes after
  the last.
- :func:`lost_look_due`: a person the landmark model lost is looked for again in each of the first
  LOST_AT_ONCE frames, then at gaps that grow (most people found again are found in the first frames; one lost
  for long has usually left or is hidden for seconds).

Both depend on the frames since the last reset only (chunked extraction stays worker-independent).
"""
from __future__ import annotations

#: a pass looks at every tile every FULL_EVERY-th pass while those find somebody new; while they find nobody new
#: the gap doubles, up to FULL_MAX passes
FULL_EVERY, FULL_MAX = 4, 16
#: somebody new found by a gated pass does not shorten the gap (GATED_NEWCOMERS False): in a crowd the gated passes
#: find somebody (back from behind a pillar, a person lost) most of the time, and what they find is what the gate
#: sees; the passes that look everywhere are for what it cannot see (classroom seed 0: 4.2 detector images per frame
#: instead of 4.75, the same poses)
GATED_NEWCOMERS = False
#: a gated pass that wants at least this fraction of the tiles saw a large change (a camera move, a light): the
#: gap is back to FULL_EVERY
LARGE_CHANGE = 0.5
#: a person lost is looked for in each of the first LOST_AT_ONCE frames, then LOST_GAPS frames apart (the last gap
#: repeats) for up to the extractor's LOST_FRAMES frames
LOST_AT_ONCE, LOST_GAPS = 6, (2, 3, 4, 5)


class LookEverywhere:
    """Which detection passes look at every tile (see the module docstring)."""

    def __init__(self) -> None:
        self.every, self.most = FULL_EVERY, max(FULL_MAX, FULL_EVERY)
        self.reset()

    def reset(self) -> None:
        self.gap = self.every
        self._since = None  # passes since the last one that looked everywhere (None: none yet)

    def due(self) -> bool:
        """Whether the next detection pass looks at every tile."""
        return self._since is None or self._since + 1 >= self.gap

    def passed(self, everywhere: bool, newcomers: int, wanted: float = 0.0) -> None:
        """A detection pass ran: it looked at every tile or not, found ``newcomers`` people not followed before,
        and (gated passes) wanted this fraction of the tiles."""
        if everywhere:
            self._since = 0
            self.gap = self.every if newcomers else min(2 * self.gap, self.most)
        else:
            self._since = (self._since or 0) + 1
            if (newcomers and GATED_NEWCOMERS) or wanted >= LARGE_CHANGE:
                self.gap = self.every


def lost_look_due(since: int) -> bool:
    """Whether a person lost ``since`` frames ago is looked for in this frame."""
    if since <= LOST_AT_ONCE:
        return True
    at, gaps = LOST_AT_ONCE, LOST_GAPS
    for gap in gaps:
        at += gap
        if since == at:
            return True
        if since < at:
            return False
    return (since - at) % gaps[-1] == 0
