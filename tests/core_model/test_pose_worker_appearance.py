"""Colour descriptors of crowd tracking measured by the pose workers on the frames they decode (no second decode
of the video in the calling process): the same values as :func:`frame_appearances`, so the same tracks."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose import appearance
from core_model.pose.extract import MAX_GAP_SECONDS, REID_SECONDS, extract_poses
from core_model.pose.parallel import extract_frame_detections
from core_model.pose.tracking import track_frames
from core_model.video.crowd import cut_source_people, make_crowd_video

#: what extract_poses gives the workers at default settings when the video gets tiles
OPTIONS = {"max_people": 0, "delegate": "cpu", "detect": "tiles"}


@pytest.fixture(scope="module")
def small_crowd(tmp_path_factory, bikes_video):
    path = tmp_path_factory.mktemp("worker_looks") / "small_crowd.mp4"
    make_crowd_video(path, None, cutouts=cut_source_people(bikes_video), people=4, frames=32, seed=3)
    return path


@pytest.fixture(scope="module")
def extracted(small_crowd):
    """Two chunks, the second run by a spawned worker; the first one's continuation then replaces all of the
    second (nobody leaves): the frames of one 32-frame chunk, as ``extract_poses`` makes them."""
    return extract_frame_detections(str(small_crowd), options=OPTIONS, workers=2, chunk_frames=16, appearances=True)


def _same_looks(got, expected) -> int:
    """Asserts both are equal frame by frame, detection by detection; returns how many descriptors there are."""
    assert len(got) == len(expected)
    measured = 0
    for a, b in zip(got, expected):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert (x is None) == (y is None)
            if x is not None:
                assert x.dtype == y.dtype == np.float32 and np.array_equal(x, y)
                measured += 1
    return measured


def _tracks(frames, info, looks):
    return track_frames(frames, info.timestamps, info.img_shape, info.fps, max_gap_seconds=MAX_GAP_SECONDS,
                        crowd=True, appearances=looks, reid_seconds=REID_SECONDS)


def test_workers_send_the_appearances_of_a_second_decode_and_extract_poses_uses_them(small_crowd, extracted,
                                                                                     monkeypatch, tmp_path):
    frames, info = extracted
    expected = appearance.frame_appearances(small_crowd, frames)
    assert _same_looks(info.appearances, expected) > 60  # 4 people in most of the 32 frames
    mine, theirs = _tracks(frames, info, info.appearances), _tracks(frames, info, expected)
    assert np.array_equal(mine.keypoint, theirs.keypoint) and np.array_equal(mine.keypoint_score,
                                                                            theirs.keypoint_score)

    def second_decode(*_args, **_kwargs):
        raise AssertionError("the video was decoded a second time for the appearances")

    monkeypatch.setattr(appearance, "frame_appearances", second_decode)
    monkeypatch.setenv("EPAM_CACHE_DIR", str(tmp_path))
    poses = extract_poses(small_crowd, detect="tiles", workers=2, use_cache=False)
    assert poses.meta["detect"] == "tiles"
    assert np.array_equal(poses.keypoint, theirs.keypoint) and np.array_equal(poses.keypoint_score,
                                                                             theirs.keypoint_score)


def test_describe_frame_packs_describe_and_unpack_restores_it(small_crowd, extracted):
    from core_model.video import VideoReader

    frames, _info = extracted
    with VideoReader(small_crowd) as reader:
        image = reader.get_frame(10)
    keypoints, scores = frames[10]
    tiny = keypoints[:1] * 0.05  # a 5 % copy of a person: too small to describe
    keypoints, scores = np.concatenate([keypoints, tiny]), np.concatenate([scores, scores[:1]])
    packed = appearance.describe_frame(image, keypoints, scores)
    assert packed.shape == (len(keypoints), appearance.SIZE) and packed.dtype == np.float32
    looks = appearance.unpack(packed)
    assert looks[-1] is None
    for look, k, s in zip(looks[:-1], keypoints[:-1], scores[:-1]):
        assert np.array_equal(look, appearance.describe(image, k, s))
