"""uniform_sample against a plain transcription of PYSKL's UniformSampleFrames rules."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.preprocess import rgb_from_pose, uniform_sample


def pyskl_reference(num_frames, clip_len, test_mode, rs):
    """UniformSampleFrames (num_clips=1, p_interval=1) step by step, drawing from RandomState ``rs``."""
    if test_mode:
        rs = np.random.RandomState(255)
    ratio = rs.rand() * 0 + 1
    sub = int(ratio * num_frames)
    off = rs.randint(num_frames - sub + 1)
    if sub < clip_len:
        start = rs.randint(0, sub) if not test_mode else 0
        inds = list(range(start, start + clip_len))
    elif sub < 2 * clip_len:
        chosen = rs.choice(clip_len + 1, sub - clip_len, replace=False)
        inds = []
        for i in range(clip_len):
            inds.append(i + sum(1 for c in chosen if c <= i))
    else:
        bounds = [i * sub // clip_len for i in range(clip_len + 1)]
        sizes = [bounds[i + 1] - bounds[i] for i in range(clip_len)]
        offsets = rs.randint(np.array(sizes))
        inds = [bounds[i] + offsets[i] for i in range(clip_len)]
    return np.array([(i + off) % num_frames for i in inds])


@pytest.mark.parametrize("clip_len", [48, 16, 5])
def test_test_mode_matches_pyskl(clip_len):
    for t in list(range(1, 3 * clip_len)) + [150, 251, 1000]:
        got = uniform_sample(t, clip_len)
        np.testing.assert_array_equal(got, pyskl_reference(t, clip_len, True, None), err_msg=f"T={t}")
        np.testing.assert_array_equal(got, uniform_sample(t, clip_len), err_msg="test mode must be deterministic")


@pytest.mark.parametrize("clip_len", [48, 16])
def test_train_mode_matches_pyskl_with_same_draws(clip_len):
    for t in [1, 7, clip_len - 1, clip_len, clip_len + 5, 2 * clip_len - 1, 2 * clip_len, 300]:
        for seed in range(3):
            got = uniform_sample(t, clip_len, train=True, rng=np.random.RandomState(seed))
            want = pyskl_reference(t, clip_len, False, np.random.RandomState(seed))
            np.testing.assert_array_equal(got, want, err_msg=f"T={t} seed={seed}")


def test_one_frame_per_segment_and_randomness():
    t, clip_len = 200, 48
    bounds = np.arange(clip_len + 1) * t // clip_len
    draws = [uniform_sample(t, clip_len, train=True, rng=np.random.default_rng(s)) for s in range(5)]
    for inds in draws + [uniform_sample(t, clip_len)]:
        assert inds.shape == (clip_len,) and inds.dtype == np.int64
        assert np.all((inds >= bounds[:-1]) & (inds < bounds[1:]))
    assert len({tuple(d) for d in draws}) > 1


def test_short_clips_loop():
    inds = uniform_sample(5, 16)
    np.testing.assert_array_equal(inds, np.arange(16) % 5)
    assert set(uniform_sample(5, 16, train=True, rng=1)) == set(range(5))


def test_rgb_frames_are_every_third_pose_frame():
    pose = uniform_sample(300, 48)
    rgb = rgb_from_pose(pose)
    np.testing.assert_array_equal(rgb, pose[[0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45]])
    with pytest.raises(ValueError):
        rgb_from_pose(pose[:47])


def test_bad_arguments():
    with pytest.raises(ValueError):
        uniform_sample(0, 48)
