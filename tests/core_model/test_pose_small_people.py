"""People too small for MediaPipe's person detector (40-55 px: a head of a few pixels) are found by the landmark
model where something moved, a half body fitted as a smaller person on somebody is not a second skeleton, and the
legs of somebody half hidden behind a nearer person are not drawn onto that person.
Real composited clips (the cyclist of bikes.mp4 pasted in a classroom, core_model/video/classroom.py), real models."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.roi_graph import Roi
from core_model.pose.tiled_backend import TiledPoseExtractor, _without_duplicates
from core_model.pose.tiles import moving_blobs, person_box
from core_model.video import VideoReader
from core_model.video.classroom import make_classroom_video
from core_model.video.crowd import cut_source_people, score_poses


@pytest.fixture(scope="module")
def cutouts(bikes_video):
    return cut_source_people(bikes_video)


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory, cutouts):
    """A 768x576, 32-frame classroom clip: 5 people 40-150 px tall walking, nobody leaving, no pillars."""
    path = tmp_path_factory.mktemp("small") / "small.mp4"
    truth = make_classroom_video(path, None, cutouts=cutouts, people=5, frames=32, seed=6, leavers=0, pillars=0)
    return path, truth


def _poses(path, frames):
    out = []
    with VideoReader(path) as reader, TiledPoseExtractor(max_people=0) as extractor:
        for i, frame in reader.iter_frames(0, frames):
            out.append(extractor.process(frame, float(reader.timestamps[i])))
    rows = max(len(f) for f in out)
    keypoint, score = np.zeros((rows, len(out), 17, 2)), np.zeros((rows, len(out), 17))
    for t, found in enumerate(out):
        for m, det in enumerate(found):
            keypoint[m, t], score[m, t] = det.keypoint, det.score
    return keypoint, score, extractor.stats


def test_a_40_px_person_walking_is_found_and_followed(small_clip):
    path, truth = small_clip
    keypoint, score, stats = _poses(path, 32)
    smallest = int(np.argmin([w.height for w in truth.walkers]))
    assert truth.walkers[smallest].height < 42
    found = score_poses(truth, keypoint, score)
    seen = found.found[:, smallest] & found.counted[:, smallest]
    # the second detection pass (frame 8 at the latest) finds them where they moved; then they are followed
    assert found.counted[8:, smallest].all() and seen[8:].mean() >= 0.9, seen.astype(int)
    assert found.recall >= 0.85 and found.duplicates == 0
    assert stats["landmark_runs"] <= 2 * 5 * 32  # about one landmark run per person per frame


def test_moving_blobs_are_people_sized_places_that_changed_outside_the_people_followed():
    before = np.full((144, 192), 100, np.int16)
    now = before.copy()
    now[40:52, 20:24] = 180  # a 48-px person (12 change-map rows) walked in
    now[100:142, 100:104] = 180  # a 168-px one: the detector's
    now[10:12, 150:152] = 180  # a speck
    now[60:72, 120:124] = 180  # somebody followed (masked)
    people = np.zeros_like(now, bool)
    people[55:80, 115:130] = True
    blobs = moving_blobs(now, before, people, 576)
    assert len(blobs) == 1
    cx, cy, tall = blobs[0]
    assert abs(cx - 88) <= 8 and abs(cy - 184) <= 8 and 40 <= tall <= 60
    # with a perspective fit the blob's lowest row gives the height: legs alone make a whole person
    seen_from_behind = before.copy()
    seen_from_behind[60:90, 60:64] = 180  # 120 px: the detector misses a face that does not show
    (cx, cy, tall), = moving_blobs(seen_from_behind, before, np.zeros_like(people), 576)
    assert 110 <= tall <= 130
    legs = before.copy()
    legs[46:52, 20:24] = 180
    (_, cy, tall), = moving_blobs(legs, before, np.zeros_like(people), 576, fit=(-100.0, 0.72))
    assert 40 <= tall <= 50 and cy < 52 * 4 - 15


def test_a_half_body_fitted_on_somebody_is_not_a_second_skeleton(small_clip):
    """The landmark model on a ROI over the upper body of a large person fits a whole smaller person there (as it
    does when somebody's legs are hidden): one skeleton stays. A small person of their own next to them stays."""
    path, truth = small_clip
    heights = [w.height for w in truth.walkers]
    tallest, smallest = int(np.argmax(heights)), int(np.argmin(heights))
    with VideoReader(path) as reader, TiledPoseExtractor(max_people=0) as extractor:
        for t in (16, 24, 8, 30):  # a frame where the model fits all three (the walk cycle changes the shapes)
            frame = reader.get_frame(t)
            x0, y0, x1, y1 = truth.boxes[t, tallest]
            tall = y1 - y0
            whole, half = extractor._landmark(frame, [Roi((x0 + x1) / 2, (y0 + y1) / 2, 1.6 * tall),
                                                      Roi((x0 + x1) / 2, y0 + 0.25 * tall, 0.6 * tall)])
            sx0, sy0, sx1, sy1 = truth.boxes[t, smallest]
            small, = extractor._landmark(frame, [Roi((sx0 + sx1) / 2, (sy0 + sy1) / 2, 1.6 * (sy1 - sy0))])
            if whole is not None and half is not None and small is not None:
                break
    assert whole is not None and half is not None and small is not None
    big_box, half_box = (person_box(p.detection.keypoint, p.detection.score) for p in (whole, half))
    # fitted as a whole person half their size (merging skeletons of similar sizes only would keep both)
    assert half_box[3] - half_box[1] < 0.6 * (big_box[3] - big_box[1])
    assert _without_duplicates([whole, half]) == [whole]
    assert _without_duplicates([half, whole]) == [whole]  # whichever came first
    # the small person moved into the large one's box (standing behind them, beside the body): kept
    small_box = person_box(small.detection.keypoint, small.detection.score)
    shift = np.array([big_box[0] - small_box[0] + 2, big_box[1] + 0.55 * (big_box[3] - big_box[1]) - small_box[1]])
    small.detection.keypoint = small.detection.keypoint + shift
    assert len(_without_duplicates([whole, small])) == 2


def test_a_lost_person_costs_less_than_a_landmark_and_a_detector_run_every_frame():
    from core_model.pose.tiled_backend import LOST_FRAMES, _Lost

    tries = sum(_Lost(Roi(0, 0, 10), LOST_FRAMES - s, np.zeros(2), s).due() for s in range(1, LOST_FRAMES + 1))
    assert tries <= 2 * LOST_FRAMES / 3
    assert all(_Lost(Roi(0, 0, 10), LOST_FRAMES, np.zeros(2), s).due() for s in (1, 2, 3))  # at once first


def test_the_legs_of_somebody_half_hidden_behind_a_nearer_person_are_not_drawn_on_that_person(tmp_path, cutouts):
    """A 92-px person stands behind a 140-px one (feet higher: further back) with knees and ankles behind them (59 %
    visible): the landmark model fits them a whole body, legs on the person in front (a second skeleton on their
    body). Their legs there are not confident; they are still found (head to hips), and the person in front too."""
    from core_model.video.classroom import Lane, render_classroom
    from core_model.video.encoding import encode_frames

    frames = 12
    lanes = [Lane(140, 380, [(0, 300.0), (frames, 305.0)], 30, 1.0, 0),  # in front
             Lane(92, 323, [(0, 310.0), (frames, 312.0)], 120, 1.0, 7)]  # behind: lower 40 % hidden
    rendered = list(render_classroom(cutouts, lanes, [], (768, 576), frames, 0))
    path = tmp_path / "behind.mp4"
    encode_frames(path, [f for f, _, _ in rendered], fps=25.0, options={"crf": "18"})
    front_box = rendered[0][1][0]
    back_box = rendered[0][1][1]
    assert 0.5 <= rendered[0][2][1] <= 0.65  # the one behind is about 60 % visible
    legs_on_front, back_found, front_found = 0, 0, 0
    with VideoReader(path) as reader, TiledPoseExtractor(max_people=0) as extractor:
        for i, frame in reader.iter_frames(0, frames):
            for det in extractor.process(frame, float(reader.timestamps[i])):
                ok = det.score >= 0.5
                if ok.sum() < 5:
                    continue
                head = det.keypoint[0]
                if back_box[0] <= head[0] <= back_box[2] and back_box[1] <= head[1] <= back_box[1] + 0.3 * 92:
                    back_found += 1
                    legs = det.keypoint[11:][ok[11:]]
                    legs_on_front += int(((legs[:, 0] >= front_box[0] - 5) & (legs[:, 0] <= front_box[2] + 5)
                                          & (legs[:, 1] >= front_box[1])).sum())
                elif front_box[1] <= head[1] <= front_box[1] + 0.3 * 140:
                    front_found += 1
    assert back_found >= frames - 2 and front_found == frames
    assert legs_on_front == 0
