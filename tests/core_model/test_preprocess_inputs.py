"""build_inputs: one window of a real (synthetic) video -> both model inputs, consistently."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.preprocess import (
    IMAGENET_0_255, build_inputs, compact_box, heatmap_volume, rgb_clip, uniform_sample,
)
from core_model.video import VideoReader
from core_model.video.synthetic import write_stick_figure_video


@pytest.fixture(scope="module")
def two_people(tmp_path_factory):
    path = tmp_path_factory.mktemp("inputs") / "two.mp4"
    kp = write_stick_figure_video(path, people=2, frames=70, size=(256, 192))
    score = np.full(kp.shape[:3], 0.9, np.float32)
    return path, kp, score


def test_window_inputs_are_consistent(two_people):
    path, kp, score = two_people
    with VideoReader(path) as reader:
        calls = []

        def frames_fn(indices):
            calls.append(np.array(indices))
            return reader.get_frames(indices)

        w = build_inputs(kp, score, (192, 256), frames_fn, 10, 65, normalization=IMAGENET_0_255)
        assert w.rgb.shape == (3, 16, 224, 224) and w.rgb.dtype == np.float32
        assert w.heatmaps.shape == (17, 48, 56, 56) and w.heatmaps.dtype == np.float32
        np.testing.assert_array_equal(w.pose_frames, 10 + uniform_sample(55, 48))
        np.testing.assert_array_equal(w.rgb_frames, w.pose_frames[::3])
        assert len(calls) == 1 and np.array_equal(calls[0], w.rgb_frames)
        assert w.box == compact_box(kp[:, w.pose_frames], (192, 256))
        np.testing.assert_array_equal(w.heatmaps, heatmap_volume(kp[:, w.pose_frames], score[:, w.pose_frames], w.box))
        np.testing.assert_array_equal(w.rgb, rgb_clip(reader.get_frames(w.rgb_frames), w.box,
                                                      normalization=IMAGENET_0_255))


def test_per_person_window_and_heatmap_peaks(two_people):
    path, kp, score = two_people
    with VideoReader(path) as reader:
        w = build_inputs(kp[1:2], score[1:2], (192, 256), reader.get_frames, 0, 70)
    x0, y0, x1, y1 = w.box
    assert x0 >= 100, "the second person walks in the right half: its box must be there"
    scale = 56 / (x1 - x0)
    for k in (0, 20, 47):
        t = w.pose_frames[k]
        for joint in (0, 9, 16):
            peak = np.unravel_index(np.argmax(w.heatmaps[joint, k]), (56, 56))
            expect = ((kp[1, t, joint, 1] - y0) * scale, (kp[1, t, joint, 0] - x0) * scale)
            assert np.abs(np.array(peak) - expect).max() <= 1.0
            assert 0.9 * np.exp(-0.5 / 0.72) - 1e-6 <= w.heatmaps[joint, k].max() <= 0.9 + 1e-6  # off-grid peak


def test_short_window_loops_and_flip(two_people):
    path, kp, score = two_people
    with VideoReader(path) as reader:
        w = build_inputs(kp, score, (192, 256), reader.get_frames, 30, 50)
        np.testing.assert_array_equal(w.pose_frames, 30 + np.arange(48) % 20)
        flipped = build_inputs(kp, score, (192, 256), reader.get_frames, 30, 50, flip=True)
    np.testing.assert_array_equal(flipped.rgb, w.rgb[:, :, :, ::-1])
    assert flipped.heatmaps[6].sum() == pytest.approx(w.heatmaps[5].sum(), rel=0.05)  # left <-> right


def test_training_draws_vary(two_people):
    path, kp, score = two_people
    with VideoReader(path) as reader:
        a = build_inputs(kp, score, (192, 256), reader.get_frames, 0, 70, train=True, rng=np.random.default_rng(0))
        b = build_inputs(kp, score, (192, 256), reader.get_frames, 0, 70, train=True, rng=np.random.default_rng(1))
    assert not np.array_equal(a.pose_frames, b.pose_frames)


def test_window_outside_the_poses(two_people):
    _, kp, score = two_people
    with pytest.raises(ValueError):
        build_inputs(kp, score, (192, 256), lambda i: None, 60, 80)
