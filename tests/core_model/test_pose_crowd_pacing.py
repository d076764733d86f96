"""The crowd extractor's costly looks, paced: the passes that look at every tile back off while they find nobody new
and come back when somebody walks in; a person lost for long is looked for at growing gaps; a gated pass runs one
tile per size on each spot of change. Real frames of bikes.mp4 (the cyclist), fed to the extractor directly."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.look_pacing import FULL_EVERY, FULL_MAX, LookEverywhere, lost_look_due
from core_model.pose.tiles import TileGate, tile_layout, tile_per_spot

FIRST, LAST = 104, 137  # the cyclist's shot in bikes.mp4


@pytest.fixture(scope="module")
def shot(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        return [frame for _i, frame in reader.iter_frames(FIRST, LAST)]


def _run(frames, **options):
    """Per frame: whether its detection pass looked everywhere, and the landmark runs; the extractor's stats."""
    from core_model.pose.tiled_backend import TiledPoseExtractor

    everywhere, landmarks, found = [], [], []
    with TiledPoseExtractor(max_people=0, **options) as extractor:
        for t, frame in enumerate(frames):
            before = dict(extractor.stats)
            found.append(len(extractor.process(frame, t / 25.0)))
            delta = {k: extractor.stats[k] - before[k] for k in before}
            # per frame: no detection pass (-1), a gated one (0), one that looked everywhere (1)
            everywhere.append(delta["everywhere_passes"] if delta["detection_passes"] else -1)
            landmarks.append(delta["landmark_runs"])
        return np.array(everywhere), np.array(landmarks), np.array(found), dict(extractor.stats)


ENTERS, END = 58, 70


def test_looking_everywhere_backs_off_on_a_still_scene_and_comes_back_when_somebody_walks_in(shot):
    """Above, the cyclist held still (found by the first pass); below, nothing until the cyclist's shot starts at
    frame ENTERS. A detection pass on every other frame: the passes that look everywhere come every FULL_EVERY
    passes at first, then at gaps that double while they find nobody new (not every 4th pass as before); the
    newcomer (half of the frame changed) brings them back within FULL_EVERY passes."""
    black = np.zeros_like(shot[0])
    frames = [np.vstack([shot[0], shot[t - ENTERS] if t >= ENTERS else black]) for t in range(END)]
    everywhere, _runs, found, stats = _run(frames, redetect_interval=1)
    print(f"passes per frame {everywhere.tolist()}, people per frame {found.tolist()}, {stats}")
    assert found[:ENTERS].min() >= 1 and found[ENTERS + 4:].min() >= 2  # both found
    newcomer = ENTERS + int(np.argmax(found[ENTERS:] >= 2))
    still = everywhere[:newcomer]
    still = still[still >= 0]  # the passes before the newcomer was found
    assert np.flatnonzero(still).tolist() == [0, FULL_EVERY, 3 * FULL_EVERY, 7 * FULL_EVERY]  # gaps of 4, 8, 16
    after = everywhere[newcomer + 1:]
    assert after[after >= 0][:FULL_EVERY].any()  # back within 4 passes, not 16 passes after the last one


def test_look_everywhere_pacing_rules():
    pacer = LookEverywhere()
    order = []
    for t in range(40):
        due = pacer.due()
        order.append(due)
        pacer.passed(due, int(t == 0))  # the first pass finds the people there, later ones nobody new
    assert np.flatnonzero(order).tolist() == [0, 4, 12, 28]  # capped at FULL_MAX from then on
    assert pacer.gap == FULL_MAX
    pacer.passed(False, 1, wanted=0.2)  # a gated pass found somebody where the gate saw them: no reason to look
    assert pacer.gap == FULL_MAX and not pacer.due()  # everywhere sooner
    pacer.passed(False, 0, wanted=0.6)  # much of the frame changed
    assert pacer.gap == FULL_EVERY and pacer.due()  # 12 passes since the last one: due now
    pacer.passed(True, 2)  # and it found somebody new: the gap stays short
    assert pacer.gap == FULL_EVERY and not pacer.due()
    for _ in range(3):
        pacer.passed(False, 0)
    assert pacer.due()


def test_a_person_lost_for_long_is_looked_for_at_growing_gaps(shot):
    """The cyclist for 8 frames, then an empty (black) frame for 27: the landmark model looks for them on each of
    the first frames after they are lost, then at growing gaps (11 looks over the 25 frames they are looked for,
    15 before, after the run that lost them), and one who comes back at once is found again at once."""
    black = np.zeros_like(shot[0])
    frames = shot[:8] + [black] * 27
    _everywhere, runs, found, _stats = _run(frames)
    assert found[:8].min() == 1 and found[8:].max() == 0
    looks = np.flatnonzero(runs[8:]).tolist()
    print(f"landmark runs after the cyclist left: {runs[8:].tolist()}")
    assert looks[:6] == [0, 1, 2, 3, 4, 5] and runs[8:].sum() <= 1 + 11
    assert [s for s in range(1, 26) if lost_look_due(s)] == [1, 2, 3, 4, 5, 6, 8, 11, 15, 20, 25]
    back = shot[:8] + [black] * 2 + shot[8:12]
    _everywhere, _runs, found, _stats = _run(back)
    assert found[10:].min() == 1


def test_a_gated_pass_looks_at_one_tile_per_size_on_a_spot_of_change(shot):
    """Somebody (40 px tall) walks into a still frame: the gate wants every tile that holds the spot (the whole frame,
    several of each size, overlapping); one of each size holds them whole, and only those are run."""
    frame = np.ascontiguousarray(np.vstack([shot[0], shot[0]])[:, :, :])  # 640x544
    height, width = frame.shape[:2]
    tiles = [(0, 0, width, height)] + tile_layout(width, height)
    gate = TileGate()
    small = gate.change_map(frame)
    nobody = gate.people_mask(small.shape, [])
    for tile in tiles:
        gate.looked(tile, small, nobody)
    entering = frame.copy()
    entering[300:340, 200:216] = (250, 20, 20)
    now = gate.change_map(entering)
    wanted = [t for t in tiles if gate.wanted(t, now, nobody)]
    chosen = tile_per_spot(wanted, gate.changed(wanted, now, nobody))
    sizes = {t[2] - t[0] for t in wanted}
    print(f"wanted {wanted}, chosen {chosen}")
    assert len(wanted) >= 5 and len(chosen) == len(sizes) == 3
    for x0, y0, x1, y1 in chosen:
        assert x0 <= 200 and y0 <= 300 and x1 >= 216 and y1 >= 340
    big = entering.copy()
    big[:, 100:540] = 255  # a change larger than a tile: every tile on it stays
    now = gate.change_map(big)
    wanted = [t for t in tiles if gate.wanted(t, now, nobody)]
    assert tile_per_spot(wanted, gate.changed(wanted, now, nobody)) == wanted
