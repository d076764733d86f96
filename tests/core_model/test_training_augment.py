"""Training randomness: flip mirrors RGB and heatmaps together (left/right joints swapped), crops, sampler."""
import numpy as np

from core_model.pose.coco import COCO17_FLIP_INDEX
from core_model.preprocess.spec import InputSpec
from core_model.training.dataset import Augment, EpochSampler, random_resized_crop, training_clip
from core_model.video.synthetic import draw_stick_figures, stick_figure_keypoints

SPEC = InputSpec(rgb_size=64, heatmap_size=32, rgb_frames=4, pose_frames=12)


def _clip(flip: float, seed: int = 5):
    size = (160, 120)
    kp = stick_figure_keypoints(1, 30, size)
    frames = np.stack([draw_stick_figures(kp[:, t], size) for t in range(30)])
    score = np.ones(kp.shape[:3], np.float32)
    rng = np.random.default_rng(seed)
    return training_clip(kp, score, (120, 160), lambda idx: frames[idx], 30, SPEC, rng,
                         Augment(area_range=(1.0, 1.0), aspect_range=(1.0, 1.0), flip=flip))


def test_flip_mirrors_rgb_and_swaps_joints_together():
    rgb, heat, frames = _clip(0.0)
    rgb_f, heat_f, frames_f = _clip(1.0)
    assert np.array_equal(frames, frames_f)  # same draws apart from the flip
    assert np.allclose(rgb_f, rgb[..., ::-1])  # RGB mirrored left-right
    # heatmaps mirrored the same way, with left and right joints swapped
    # equal up to the edge of the 3-sigma window, which PYSKL truncates asymmetrically
    assert np.abs(heat_f - heat[COCO17_FLIP_INDEX][..., ::-1]).max() < 0.03
    assert not np.allclose(heat_f, heat[..., ::-1])  # the swap matters: a plain mirror is not the flip


def test_random_resized_crop_stays_inside_and_in_range():
    rng = np.random.default_rng(0)
    box = (10, 20, 110, 120)
    for _ in range(200):
        x0, y0, x1, y1 = random_resized_crop(box, rng, (0.56, 1.0), (0.75, 4 / 3))
        assert 10 <= x0 < x1 <= 110 and 20 <= y0 < y1 <= 120
        assert 0.5 <= (x1 - x0) * (y1 - y0) / 100 ** 2 <= 1.0


def test_sampler_shards_cover_the_epoch_and_resume_mid_epoch():
    shards = [list(EpochSampler(10, shuffle=True, seed=1, rank=r, world=3)) for r in range(3)]
    assert len({len(s) for s in shards}) == 1  # every rank takes as many steps
    assert {i for s in shards for i, _ in s} == set(range(10))
    one = EpochSampler(10, shuffle=True, seed=1)
    one.set_epoch(2)
    full = list(one)
    one.set_epoch(2, start=4)
    assert list(one) == full[4:] and all(e == 2 for _, e in full)
    one.set_epoch(3)
    assert list(one) != full
