"""Tiles of a frame for the person detector, boxes in frame coordinates and their merge (NMS).

MediaPipe's pose detector sees a 224x224 resize of its input, so people below about a fifth of the
input height are missed. Overlapping square tiles of the frame, each resized to the detector input,
zoom small people in; boxes found in several tiles (or in a tile and the whole frame) are merged
with non-maximum suppression in frame coordinates.

Boxes are ``(x0, y0, x1, y1)`` float arrays in pixels.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

#: tiles of two sizes, these fractions of the frame's short side (at least MIN_TILE pixels): the detector
#: finds people of about 1/4 to 1/2 of its input, so each size zooms in on one range of person sizes
TILE_FRACTIONS = (0.6, 0.33)
MIN_TILE = 192
#: neighbouring tiles share this fraction of a tile (a person up to this size lies whole in one tile)
TILE_OVERLAP = 0.45

Tile = Tuple[int, int, int, int]  # x0, y0, x1, y1 (pixels, x1/y1 exclusive)


def _starts(length: int, tile: int, step: int) -> List[int]:
    if tile >= length:
        return [0]
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)  # the last tile ends on the border
    return sorted(set(starts))


def tile_layout(width: int, height: int, *, fractions: Sequence[float] = TILE_FRACTIONS,
                overlap: float = TILE_OVERLAP, min_tile: int = MIN_TILE) -> List[Tile]:
    """Square tiles covering a ``width`` x ``height`` frame: for each size, row by row.

    A size that would be about the whole frame is left out (the whole-frame pass sees it). 768x576
    gives 12 tiles of 317 px and 30 of 192 px; 640x360 gives 8 of 198 px (the second size is the same).
    """
    short = min(width, height)
    tiles: List[Tile] = []
    for fraction in fractions:
        tile = max(int(min_tile), int(round(short * fraction)))
        if tile >= 0.8 * short:
            continue
        step = max(1, int(round(tile * (1.0 - overlap))))
        for y in _starts(height, tile, step):
            for x in _starts(width, tile, step):
                if (x, y, x + tile, y + tile) not in tiles:
                    tiles.append((x, y, x + tile, y + tile))
    return tiles


def _intersections(a: np.ndarray, b: np.ndarray):
    """Pairwise intersection areas ``(n, m)`` of boxes ``a (n,4)`` and ``b (m,4)``, and both boxes' areas."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter, (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of boxes ``a (n,4)`` with ``b (m,4)``: ``(n, m)``."""
    inter, area_a, area_b = _intersections(a, b)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def overlap_of_smaller(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over the smaller box's area, ``(n, m)``: 1 when one box lies inside the other."""
    inter, area_a, area_b = _intersections(a, b)
    smaller = np.minimum(area_a[:, None], area_b[None, :])
    return np.where(smaller > 0, inter / np.maximum(smaller, 1e-9), 0.0)


def nms(boxes: np.ndarray, scores: Sequence[float], threshold: float = 0.4) -> List[int]:
    """Indices of the boxes kept by greedy non-maximum suppression (best score first; ties by index)."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    order = sorted(range(len(boxes)), key=lambda i: (-float(scores[i]), i))
    keep: List[int] = []
    for i in order:
        if not keep or iou(boxes[i], boxes[keep]).max() <= threshold:
            keep.append(i)
    return keep


def person_box(keypoint: np.ndarray, score: np.ndarray, min_score: float = 0.3) -> np.ndarray:
    """Box around a skeleton's confident joints (all joints when fewer than 3 are confident)."""
    ok = score >= min_score
    pts = keypoint[ok] if ok.sum() >= 3 else keypoint
    return np.concatenate([pts.min(axis=0), pts.max(axis=0)]).astype(np.float64)


# -- finer tiles where people are small (chosen from the people found so far) ---------------------------------

#: people predicted shorter than this (pixels) get finer tiles, down to people of MIN_PERSON
FINE_BELOW, MIN_PERSON = 72.0, 30.0
#: a fine tile's side is this many times the people's predicted height (the detector finds people of about
#: 1/4 to 1/2 of its input), at least MIN_FINE_TILE pixels and under the smallest regular tile
FINE_SCALE, MIN_FINE_TILE = 2.2, 96
#: fine tiles' sides and band rows are multiples of this (pixels)
FINE_GRID = 16
#: the perspective fit needs this many people spread over at least this fraction of the frame height
FIT_SAMPLES, FIT_SPREAD = 4, 0.15


def perspective_fit(samples: Sequence[Tuple[float, float]], height: int) -> Optional[Tuple[float, float]]:
    """``(a, b)`` with body height = a + b x feet row, fitted to ``samples`` of ``(feet row, body height)``
    (least squares), when they spread over depth and nearer (lower) people are taller; else ``None``."""
    if len(samples) < FIT_SAMPLES:
        return None
    pts = np.asarray(samples, np.float64)
    if np.ptp(pts[:, 0]) < FIT_SPREAD * height:
        return None
    b, a = np.polyfit(pts[:, 0], pts[:, 1], 1)
    return (float(a), float(b)) if b > 0 else None


def fine_tiles(width: int, height: int, samples: Sequence[Tuple[float, float]],
               overlap: float = TILE_OVERLAP) -> List[Tile]:
    """Square tiles over the rows where people are (or would be) shorter than :data:`FINE_BELOW`.

    With a perspective fit of the people found (:func:`perspective_fit`) the rows are where the fit predicts
    a height between :data:`MIN_PERSON` and :data:`FINE_BELOW` (people at the back of a room, even where
    nobody was found yet); without one, around the small people found. Empty when nobody small is expected.
    """
    fit = perspective_fit(samples, height)
    rows = np.arange(0, height + 1, 2, dtype=np.float64)
    if fit is not None:
        predicted = fit[0] + fit[1] * rows
        small = (predicted < FINE_BELOW) & (predicted >= MIN_PERSON)
        if not small.any():
            return []
        feet, sizes = rows[small], predicted[small]
        top, bottom = float((feet - sizes).min()), float(feet.max() + 0.25 * sizes.max())
    else:
        pts = np.asarray([s for s in samples if s[1] < FINE_BELOW], np.float64).reshape(-1, 2)
        if not len(pts):
            return []
        sizes = pts[:, 1]
        top, bottom = float((pts[:, 0] - 2 * sizes).min()), float((pts[:, 0] + sizes).max())
    # sizes and rows on a grid of FINE_GRID pixels: the tiles stay the same from one detection pass to the next
    # while the fit moves a little (the tile gate compares a tile with itself when it was last looked at)
    tile = int(np.clip(FINE_GRID * round(FINE_SCALE * float(np.median(sizes)) / FINE_GRID), MIN_FINE_TILE,
                       MIN_TILE - 1))
    top = max(0, FINE_GRID * int(np.floor(top / FINE_GRID)))
    bottom = min(height, FINE_GRID * int(np.ceil(bottom / FINE_GRID)))
    if bottom - top < tile:  # one row of tiles, centred on the band
        top = int(np.clip((top + bottom - tile) // 2, 0, max(height - tile, 0)))
        bottom = min(height, top + tile)
    step = max(1, int(round(tile * (1.0 - overlap))))
    out: List[Tile] = []
    for y in _starts(bottom - top, tile, step):
        for x in _starts(width, tile, step):
            out.append((x, top + y, x + tile, top + y + tile))
    return out


# -- tiles worth the detector: what changed, outside the people followed -----------------------------------

#: the change map is the grey frame at 1/CHANGE_SCALE of its size (averaged: video noise cancels out)
CHANGE_SCALE = 4
#: a pixel of the change map changed when its grey level moved by more than this
CHANGE_LEVEL = 16
#: a tile is looked at again when at least this many change-map pixels changed outside the people followed
#: (a 40-px person entering covers ~50 of them)
CHANGE_PIXELS = 6
#: people's boxes are grown by this fraction of their size on each side before they are left out of the change
PEOPLE_MARGIN = 0.25
#: a gated detection pass looks at one tile per size for each spot of change of at least SPOT_PIXELS change-map pixels
#: (:func:`tile_per_spot`)
SPOT_PIXELS = 3


class TileGate:
    """Which tiles are worth a detector run: those whose pixels changed since the detector last looked at them,
    outside the people already followed (and where they were then).

    A person standing still whom the detector missed is missed again on the same pixels, and somebody entering
    or walking out from behind a pillar changes pixels where nobody is followed; so a static camera costs
    detector runs only where something happens. A camera that moves or a light that flickers changes every
    tile: the gate then lets everything through (slower, never worse).
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._seen: dict = {}  # tile -> (change-map crop when last looked at, people mask then)

    @staticmethod
    def change_map(frame_rgb: np.ndarray) -> np.ndarray:
        """The frame's change map (grey, 1/CHANGE_SCALE size, int16)."""
        import cv2

        h, w = frame_rgb.shape[:2]
        grey = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY)
        small = cv2.resize(grey, (max(1, w // CHANGE_SCALE), max(1, h // CHANGE_SCALE)), interpolation=cv2.INTER_AREA)
        return small.astype(np.int16)

    @staticmethod
    def people_mask(shape, boxes: Sequence[np.ndarray], margin: float = PEOPLE_MARGIN) -> np.ndarray:
        """Where the people of ``boxes`` (frame pixels) are on a change map of ``shape`` (their boxes grown by
        ``margin`` of their size on each side)."""
        mask = np.zeros(shape, bool)
        for x0, y0, x1, y1 in boxes:
            mx, my = margin * (x1 - x0), margin * (y1 - y0)
            a0, b0 = int(max(0, (x0 - mx) // CHANGE_SCALE)), int(max(0, (y0 - my) // CHANGE_SCALE))
            a1, b1 = int(np.ceil((x1 + mx) / CHANGE_SCALE)), int(np.ceil((y1 + my) / CHANGE_SCALE))
            mask[b0:max(b0, b1), a0:max(a0, a1)] = True
        return mask

    @staticmethod
    def _crop(image: np.ndarray, tile: Tile) -> np.ndarray:
        x0, y0, x1, y1 = (int(v) // CHANGE_SCALE for v in tile)
        return image[y0:max(y0 + 1, y1), x0:max(x0 + 1, x1)]

    def _change(self, tile: Tile, small: np.ndarray, mask: np.ndarray) -> Optional[np.ndarray]:
        """Where ``tile`` changed outside the people (now and when last looked at) since it was last looked at, on its
        crop of the change map; None when it was never looked at (or the frame size changed): all of it."""
        seen = self._seen.get(tile)
        now = self._crop(small, tile)
        if seen is None or seen[0].shape != now.shape:
            return None
        before, people_then = seen
        return (np.abs(now - before) > CHANGE_LEVEL) & ~people_then & ~self._crop(mask, tile)

    def wanted(self, tile: Tile, small: np.ndarray, mask: np.ndarray) -> bool:
        """Whether ``tile`` changed outside the people (now and when last looked at) since it was last looked at."""
        change = self._change(tile, small, mask)
        return change is None or int(change.sum()) >= CHANGE_PIXELS

    def looked(self, tile: Tile, small: np.ndarray, mask: np.ndarray) -> None:
        """The detector looked at ``tile`` in this frame."""
        self._seen[tile] = (self._crop(small, tile).copy(), self._crop(mask, tile).copy())

    def changed(self, tiles: Sequence[Tile], small: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Where ``tiles`` changed outside the people since each was last looked at, on one change map (a tile never
        looked at: all of it)."""
        out = np.zeros(small.shape, bool)
        for tile in tiles:
            change = self._change(tile, small, mask)
            view = self._crop(out, tile)  # a view: written through
            view |= True if change is None else change
        return out


def tile_per_spot(tiles: Sequence[Tile], changed: np.ndarray) -> List[Tile]:
    """Of ``tiles`` (all wanted by the gate), for each spot of change (:meth:`TileGate.changed`) and each tile size
    the one tile that holds the spot with the widest margin: a person there lies whole in it (tiles overlap by
    :data:`TILE_OVERLAP`), the overlapping neighbours would see the same person again. A spot no tile of a size
    holds whole (a large change) keeps every tile of that size on it. In the order of ``tiles``."""
    import cv2

    spots = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    count, _labels, stats, _centres = cv2.connectedComponentsWithStats(spots, connectivity=8)
    boxes = np.asarray(tiles, np.float64).reshape(-1, 4)
    sizes = boxes[:, 2] - boxes[:, 0] + 1e-3 * (boxes[:, 3] - boxes[:, 1])  # the whole frame is a size of its own
    chosen = set()
    for x, y, w, h, area in stats[1:count]:
        if area < SPOT_PIXELS:
            continue
        spot = np.array([x, y, x + w, y + h], np.float64) * CHANGE_SCALE
        margin = np.minimum.reduce([spot[0] - boxes[:, 0], spot[1] - boxes[:, 1], boxes[:, 2] - spot[2],
                                    boxes[:, 3] - spot[3]])
        on = (boxes[:, 0] < spot[2]) & (boxes[:, 2] > spot[0]) & (boxes[:, 1] < spot[3]) & (boxes[:, 3] > spot[1])
        for size in np.unique(sizes[on]):
            mine = np.flatnonzero(on & (sizes == size))
            best = mine[np.argmax(margin[mine])]
            chosen.update([int(best)] if margin[best] >= 0 else mine.tolist())
    return [tile for i, tile in enumerate(tiles) if i in chosen]


# -- people too small for the detector: the landmark model where something moved ---------------------------------

#: MediaPipe's person detector keys on the face: people under ~60 px (a head of a few pixels) are rarely found even
#: on zoomed tiles, but the landmark model on a ROI MOVER_ROI times their height finds them from a rough place
#: (a quarter of their height off is fine). A person moving where nobody is followed changes the change map: each
#: blob of change up to MOVER_TALLEST pixels tall gets one landmark run, at most MOVERS per detection pass. The detector
#: misses larger people too where their face does not show (seen from behind, walking in at the frame's edge): 110 ->
#: 160 px raised recall on 20 of 22 classroom captures (seed 10 0.892 -> 0.903, seed 21 0.945 -> 0.979)
MOVER_ROI, MOVER_TALLEST, MOVERS = 1.6, 160.0, 6
#: a blob is at least this many change-map pixels (a 40-px person walking a few pixels covers ~15)
MOVER_PIXELS = 6
#: people followed are left out of the change with their boxes at least MOVER_WIDTH of their height wide (a body
#: seen from the side has its joints in a narrow box), grown by MOVER_MARGIN of their height
MOVER_WIDTH, MOVER_MARGIN = 0.6, 0.25


def bodies_mask(shape, boxes: Sequence[np.ndarray]) -> np.ndarray:
    """Where the people of ``boxes`` (boxes of their joints, frame pixels) and what moves with them are, on a change
    map of ``shape``: each box at least MOVER_WIDTH of its height wide, grown by MOVER_MARGIN of its height."""
    wide = []
    for x0, y0, x1, y1 in boxes:
        tall = max(y1 - y0, 1.0)
        half = max(x1 - x0, MOVER_WIDTH * tall) / 2 + MOVER_MARGIN * tall
        cx = (x0 + x1) / 2
        wide.append(np.array([cx - half, y0 - MOVER_MARGIN * tall, cx + half, y1 + MOVER_MARGIN * tall]))
    return TileGate.people_mask(shape, wide, margin=0.0)


def moving_blobs(now: np.ndarray, before: np.ndarray, people: np.ndarray, height: int,
                 fit: Optional[Tuple[float, float]] = None) -> List[Tuple[float, float, float]]:
    """``(centre x, centre y, person height)`` in frame pixels of the places where something of a person's size moved
    between two change maps (:meth:`TileGate.change_map`) outside ``people`` (a mask), largest first.

    The person's height is the perspective fit's at the blob's lowest row (its feet) when there is a fit (a blob may
    be the legs only), else the blob's height.
    """
    import cv2

    if now.shape != before.shape:
        return []
    changed = ((np.abs(now - before) > CHANGE_LEVEL) & ~people).astype(np.uint8)
    changed = cv2.morphologyEx(changed, cv2.MORPH_CLOSE, np.ones((5, 3), np.uint8))  # a body's pieces: one blob
    count, _labels, stats, _centres = cv2.connectedComponentsWithStats(changed, connectivity=8)
    out = []
    for x, y, w, h, area in stats[1:count]:
        if area < MOVER_PIXELS:
            continue
        x0, x1, bottom = x * CHANGE_SCALE, (x + w) * CHANGE_SCALE, (y + h) * CHANGE_SCALE
        tall = float(h * CHANGE_SCALE)
        if fit is not None:
            tall = max(tall, min(fit[0] + fit[1] * bottom, 2.0 * tall))
        if not MIN_PERSON <= tall <= MOVER_TALLEST or w * CHANGE_SCALE > 1.5 * tall:
            continue
        out.append((area, (x0 + x1) / 2.0, min(bottom - tall / 2.0, height - tall / 2.0), tall))
    out.sort(key=lambda b: -b[0])
    return [(cx, cy, tall) for _a, cx, cy, tall in out]
