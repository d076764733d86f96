"""Many small people: tile detection on a composited crowd video (the real cyclist of bikes.mp4 pasted 8 times,
60-150 px tall, crossing in pairs), with known boxes; the close-up keeps its old behaviour."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose import extract_poses
from core_model.pose.auto_detect import choose_detect, probe_frames
from core_model.pose.tiles import iou, nms, tile_layout
from core_model.video.crowd import cut_source_people, make_crowd_video, score_poses


@pytest.fixture(scope="module")
def cutouts(bikes_video):
    return cut_source_people(bikes_video)


@pytest.fixture(scope="module")
def crowd(tmp_path_factory, cutouts):
    """A 768x576, 48-frame crowd video (8 people) and its truth."""
    path = tmp_path_factory.mktemp("crowd") / "crowd.mp4"
    return path, make_crowd_video(path, None, cutouts=cutouts, people=8, frames=48, seed=0)


@pytest.fixture(scope="module")
def crowd_poses(crowd, tmp_path_factory):
    path, _truth = crowd
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EPAM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return extract_poses(path, detect="tiles", max_people=30, workers=1, use_cache=False)


def test_tiles_cover_the_frame_and_hold_anybody_up_to_the_overlap():
    tiles = tile_layout(768, 576)
    covered = np.zeros((576, 768), bool)
    for x0, y0, x1, y1 in tiles:
        assert 0 <= x0 < x1 <= 768 and 0 <= y0 < y1 <= 576 and x1 - x0 == y1 - y0
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    rng = np.random.default_rng(0)
    smallest = min(x1 - x0 for x0, _, x1, _ in tiles)
    for _ in range(200):  # any box up to 40 % of the small tiles lies whole in one tile
        size = rng.uniform(10, 0.4 * smallest)
        x, y = rng.uniform(0, 768 - size), rng.uniform(0, 576 - size)
        assert any(x0 <= x and y0 <= y and x + size <= x1 and y + size <= y1 for x0, y0, x1, y1 in tiles)
    assert tile_layout(200, 150) == []  # a small frame is one tile: the whole-frame pass


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]], float)
    assert nms(boxes, [0.6, 0.9, 0.5, 0.9]) == [1, 2]
    assert iou(boxes[:1], boxes[2:3])[0, 0] == 0 and iou(boxes[:1], boxes[:1])[0, 0] == 1


def test_probe_frames_prefer_key_frames():
    assert probe_frames(300) == [100, 200]
    assert probe_frames(300, key_frames=[0, 90, 260]) == [90, 200]
    assert probe_frames(0) == []


def test_crowd_recall_and_no_duplicate_skeletons(crowd, crowd_poses):
    _path, truth = crowd
    score = score_poses(truth, crowd_poses.keypoint, crowd_poses.keypoint_score)
    assert crowd_poses.meta["detect"] == "tiles"
    assert score.recall >= 0.9, [round(score.recall_of(p), 2) for p in range(truth.num_people)]
    assert score.duplicates == 0
    assert score.false_positives <= 2
    # people are followed, not re-found as new ids every few frames
    assert crowd_poses.num_people <= truth.num_people + 3


def test_identities_kept_through_crossings(crowd, crowd_poses):
    _path, truth = crowd
    score = score_poses(truth, crowd_poses.keypoint, crowd_poses.keypoint_score)
    kept_both = 0
    for a, b, meet in truth.crossings:
        before, after = range(max(0, meet - 12), meet - 6), range(meet + 6, min(truth.num_frames, meet + 12))
        a0, a1, b0, b1 = (score.rows_of(a, before), score.rows_of(a, after), score.rows_of(b, before),
                          score.rows_of(b, after))
        assert not (a1 & b0) and not (b1 & a0), f"people {a} and {b} swapped ids at frame {meet}"
        assert len(b0) == 1 and b0 == b1, f"person {b} (in front) changed id crossing {a} at frame {meet}"
        kept_both += len(a0) == 1 and a0 == a1
    assert kept_both >= 1


def test_max_people_caps_and_cost_follows_the_people_present(crowd, bikes_video):
    from core_model.pose.tiled_backend import TiledPoseExtractor
    from core_model.video import VideoReader

    path, _truth = crowd
    with VideoReader(path) as reader, TiledPoseExtractor(max_people=3) as extractor:
        counts = [len(extractor.process(frame, float(reader.timestamps[i]))) for i, frame in reader.iter_frames(0, 12)]
    assert max(counts) == 3
    with VideoReader(bikes_video) as reader, TiledPoseExtractor(max_people=30, detect="frame") as extractor:
        for i, frame in reader.iter_frames(108, 128):
            extractor.process(frame, float(reader.timestamps[i]))
        stats = extractor.stats
    assert stats["landmark_runs"] <= 2 * stats["frames"]  # one person: ~1 landmark run per frame, not 30


def test_roi_landmarks_agree_with_the_tasks_landmarker_on_a_close_up(bikes_video):
    """The per-ROI landmark graph gives the same joints as MediaPipe's PoseLandmarker (the cyclist, 20 frames)."""
    from core_model.pose.mediapipe_backend import MediaPipePoseExtractor
    from core_model.pose.tiled_backend import TiledPoseExtractor
    from core_model.pose.tracking import body_scale
    from core_model.video import VideoReader

    errors = []
    with VideoReader(bikes_video) as reader, TiledPoseExtractor(max_people=1, detect="frame") as ours, \
            MediaPipePoseExtractor(max_people=1, adaptive=False) as tasks:
        for i, frame in reader.iter_frames(108, 128):
            a, b = ours.process(frame, float(reader.timestamps[i])), tasks.process(frame, float(reader.timestamps[i]))
            assert len(a) == len(b) == 1
            ok = (a[0].score > 0.5) & (b[0].score > 0.5)
            errors.append(np.linalg.norm(a[0].keypoint[ok] - b[0].keypoint[ok], axis=1).mean()
                          / body_scale(b[0].keypoint, b[0].score))
    assert np.median(errors) < 0.05, errors


def test_auto_picks_tiles_for_small_people_and_full_for_the_close_up(crowd, bikes_video):
    path, _truth = crowd
    assert choose_detect(path, max_people=30) == "tiles"
    assert choose_detect(bikes_video, max_people=4) == "full"
    assert choose_detect(path, max_people=1) == "full"


def test_full_keeps_the_settings_and_cache_key_of_before():
    from core_model.pose import cache
    from core_model.pose.extract import _settings
    from core_model.pose.extractor import backend_settings

    full = _settings(4, "mediapipe", "full")
    assert full == {**backend_settings("mediapipe", max_people=4), "max_gap_seconds": 1.0}
    keys = {cache.settings_key(_settings(4, "mediapipe", d)) for d in ("full", "tiles", "auto")}
    assert len(keys) == 3
    assert cache.settings_key(_settings(30, "mediapipe", "tiles")) != cache.settings_key(_settings(4, "mediapipe",
                                                                                                   "tiles"))


def test_unknown_detect_mode_is_one_sentence(bikes_video):
    from core_model.cli import main
    from core_model.errors import ConfigError

    with pytest.raises(ConfigError, match="Unknown detection mode 'zoom'"):
        extract_poses(bikes_video, detect="zoom")
    with pytest.raises(SystemExit):
        main(["extract", str(bikes_video), "--detect", "zoom"])


@pytest.mark.slow
def test_tiles_do_not_depend_on_the_number_of_workers(tmp_path, cutouts):
    from core_model.pose.parallel import extract_frame_detections

    path = tmp_path / "small_crowd.mp4"
    make_crowd_video(path, None, cutouts=cutouts, people=4, frames=60, seed=3)
    options = {"max_people": 30, "detect": "tiles"}
    # chunks longer than the 25-frame continuation: with shorter ones two continuations cover the same
    # frames and whichever arrives last wins (parallel.py; reported, not changed here)
    one, _ = extract_frame_detections(str(path), options=options, workers=1, chunk_frames=30)
    two, _ = extract_frame_detections(str(path), options=options, workers=2, chunk_frames=30)
    assert len(one) == len(two) == 60
    for a, b in zip(one, two):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert sum(len(a[0]) for a in one) > 0


@pytest.mark.slow
def test_close_up_auto_equals_full(bikes_video):
    auto = extract_poses(bikes_video, workers=2, use_cache=False)
    full = extract_poses(bikes_video, workers=2, use_cache=False, detect="full")
    assert auto.meta["detect"] == full.meta["detect"] == "full"
    assert np.array_equal(auto.keypoint, full.keypoint) and np.array_equal(auto.keypoint_score, full.keypoint_score)


def test_the_tile_gate_looks_again_only_where_something_changed_outside_the_people_followed():
    from core_model.pose.tiles import TileGate

    gate = TileGate()
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (576, 768, 3), dtype=np.uint8)
    left, right = (0, 0, 192, 192), (384, 0, 576, 192)
    small = gate.change_map(frame)
    nobody = gate.people_mask(small.shape, [])
    assert gate.wanted(left, small, nobody)  # never looked at
    gate.looked(left, small, nobody)
    gate.looked(right, small, nobody)
    noisy = np.clip(frame.astype(np.int16) + rng.integers(-6, 7, frame.shape), 0, 255).astype(np.uint8)
    assert not gate.wanted(left, gate.change_map(noisy), nobody)  # video noise is no change
    entering = frame.copy()
    entering[100:140, 60:80] = (250, 20, 20)  # somebody (40 px tall) walks in
    assert gate.wanted(left, gate.change_map(entering), nobody)
    assert not gate.wanted(right, gate.change_map(entering), nobody)
    moved = frame.copy()
    moved[100:140, 450:470] = (20, 250, 20)  # a person followed there moves: their box is left out
    followed = gate.people_mask(small.shape, [np.array([445.0, 95.0, 475.0, 145.0])])
    assert not gate.wanted(right, gate.change_map(moved), followed)


def test_detection_passes_skip_tiles_where_nothing_changed(crowd):
    from core_model.pose.tiled_backend import TiledPoseExtractor
    from core_model.video import VideoReader

    path, _truth = crowd
    with VideoReader(path) as reader, TiledPoseExtractor(max_people=0) as extractor:
        for i, frame in reader.iter_frames(0, 18):
            extractor.process(frame, float(reader.timestamps[i]))
        stats = extractor.stats
    assert stats["detection_passes"] >= 3 and stats["tiles_skipped"] > 0
    tiles = 1 + len(tile_layout(768, 576))
    # the first pass looks everywhere; later ones only where people moved that nobody follows yet
    assert stats["detector_runs"] < stats["detection_passes"] * tiles * 0.75, stats
