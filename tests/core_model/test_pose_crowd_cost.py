"""What the crowd (``tiles``) extractor no longer spends: the fine tiles of the passes that look everywhere are looked
at only where something changed since they were last looked at. Real models, real frames."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.tiled_backend import TiledPoseExtractor
from core_model.pose.tiles import fine_tiles, tile_layout


@pytest.fixture(scope="module")
def room():
    """A still 768x576 frame (smooth random colours, no people) and a copy with a 20x20 px patch changed."""
    import cv2

    rng = np.random.default_rng(3)
    frame = cv2.resize(rng.integers(40, 220, (36, 48, 3), dtype=np.uint8), (768, 576), interpolation=cv2.INTER_CUBIC)
    changed = frame.copy()
    changed[290:310, 290:310] = (230, 30, 30)
    return frame, changed


@pytest.fixture(scope="module")
def extractor():
    with TiledPoseExtractor(max_people=0) as made:
        yield made


def test_fine_tiles_are_looked_at_again_only_where_something_changed(extractor, room):
    """Fine tiles (people under 72 px at the back of a room) come with every FULL_EVERY-th detection pass; the
    detector saw their pixels at the last such pass and rarely finds people that small anyway: a tile whose pixels
    did not change is not looked at again (the regular tiles are, on those passes)."""
    still, changed = (np.ascontiguousarray(f[::2, ::2]) for f in room)  # 384x288: fewer tiles, a quicker test
    extractor.reset()
    extractor._sizes = [(100.0, 30.0), (150.0, 40.0), (200.0, 50.0), (250.0, 60.0)]
    fine = fine_tiles(384, 288, extractor._sizes)
    regular = 1 + len(tile_layout(384, 288))
    assert len(fine) >= 4
    runs = []
    for frame in (still, still, changed):
        extractor._passes = 0  # a pass that looks at every tile
        before = extractor.stats["detector_runs"]
        extractor._detect(frame, [])
        extractor._remember_looked([])
        runs.append(extractor.stats["detector_runs"] - before)
    inside = sum(x0 <= 145 and 155 <= x1 and y0 <= 145 and 155 <= y1 for x0, y0, x1, y1 in fine)
    touched = sum(x0 < 155 and 145 < x1 and y0 < 155 and 145 < y1 for x0, y0, x1, y1 in fine)
    assert runs[0] == regular + len(fine)
    assert runs[1] == regular  # nothing changed: no fine tile again
    assert regular + max(inside, 1) <= runs[2] <= regular + touched
