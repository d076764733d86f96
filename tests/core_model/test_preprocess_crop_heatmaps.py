"""compact_box, heatmap_volume, rgb_clip against plain loop references of the PYSKL rules."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from core_model.preprocess import (
    IMAGENET_0_255, PYTORCHVIDEO_X3D, compact_box, crop_with_padding, heatmap_volume, rgb_clip,
)

FLIP_PAIRS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)]


# ----------------------------------------------------------------------------- references
def reference_box(keypoint, img_shape, padding=0.25, threshold=10):
    """MMCompact._get_box with hw_ratio 1 and image padding allowed, written out with loops."""
    h, w = img_shape
    xs, ys = [], []
    for value in keypoint.reshape(-1, 2):
        x, y = (0.0 if math.isnan(v) else float(v) for v in value)
        if x != 0:
            xs.append(x)
        if y != 0:
            ys.append(y)
    if not xs or not ys or max(xs) - min(xs) < threshold or max(ys) - min(ys) < threshold:
        return (0, 0, w, h)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    hw, hh = (max(xs) - min(xs)) / 2 * (1 + padding), (max(ys) - min(ys)) / 2 * (1 + padding)
    hh = max(hw, hh)
    hw = max(hh, hw)
    return (int(cx - hw), int(cy - hh), int(cx + hw), int(cy + hh))


def reference_heatmaps(keypoint, score, box, size=56, sigma=0.6, flip=False):
    """MMCompact shift + Resize + (Flip) + GeneratePoseTarget, one joint of one person at a time."""
    kp = np.nan_to_num(keypoint.astype(np.float32)).copy()
    sc = score.astype(np.float32).copy()
    x0, y0, x1, y1 = box
    m_count, t_count, v_count, _ = kp.shape
    for m in range(m_count):
        for t in range(t_count):
            for v in range(v_count):
                for axis, corner, side in ((0, x0, x1 - x0), (1, y0, y1 - y0)):
                    if kp[m, t, v, axis] != 0:
                        kp[m, t, v, axis] -= corner
                    kp[m, t, v, axis] *= np.float32(size / side)
    if flip:
        for m in range(m_count):
            for t in range(t_count):
                for v in range(v_count):
                    if kp[m, t, v, 0] != 0:  # pixel-centre mirror (PYSKL: size - x, one pixel off)
                        kp[m, t, v, 0] = size - 1 - kp[m, t, v, 0]
        order = list(range(v_count))
        for a, b in FLIP_PAIRS:
            order[a], order[b] = b, a
        kp, sc = kp[:, :, order], sc[:, :, order]
    out = np.zeros((v_count, t_count, size, size), np.float32)
    for t in range(t_count):
        for v in range(v_count):
            arr = out[v, t]
            for m in range(m_count):
                if sc[m, t, v] < 1e-3:
                    continue
                mu_x, mu_y = kp[m, t, v]
                st_x, ed_x = max(int(mu_x - 3 * sigma), 0), min(int(mu_x + 3 * sigma) + 1, size)
                st_y, ed_y = max(int(mu_y - 3 * sigma), 0), min(int(mu_y + 3 * sigma) + 1, size)
                for y in range(st_y, ed_y):
                    for x in range(st_x, ed_x):
                        g = math.exp(-((x - mu_x) ** 2 + (y - mu_y) ** 2) / 2 / sigma ** 2) * sc[m, t, v]
                        arr[y, x] = max(arr[y, x], g)
    return out


def random_poses(rng, people, frames, img_shape):
    h, w = img_shape
    kp = np.stack([rng.uniform(-0.1 * w, 1.1 * w, (people, frames, 17)),
                   rng.uniform(-0.1 * h, 1.1 * h, (people, frames, 17))], axis=-1).astype(np.float32)
    score = rng.uniform(0, 1, (people, frames, 17)).astype(np.float32)
    score[rng.uniform(size=score.shape) < 0.15] = 0.0005  # below PYSKL's EPS: not drawn
    missing = rng.uniform(size=score.shape) < 0.1
    kp[missing] = 0
    score[missing] = 0
    return kp, score


# ----------------------------------------------------------------------------- compact box
def test_compact_box_matches_reference_on_random_poses():
    rng = np.random.default_rng(0)
    for trial in range(40):
        img_shape = (int(rng.integers(100, 500)), int(rng.integers(100, 700)))
        kp, _ = random_poses(rng, int(rng.integers(1, 4)), 8, img_shape)
        kp *= rng.uniform(0.05, 1.0)  # from tiny to image-sized skeletons
        if trial % 7 == 0:
            kp[0, 0, 0, 0] = np.nan
        assert compact_box(kp, img_shape) == reference_box(kp, img_shape), trial


def test_compact_box_rules():
    kp = np.zeros((1, 2, 17, 2), np.float32)
    kp[0, :, :, 0] = np.linspace(100, 140, 17)  # 40 wide
    kp[0, :, :, 1] = np.linspace(50, 130, 17)   # 80 tall
    x0, y0, x1, y1 = compact_box(kp, (200, 300))
    assert (x1 - x0, y1 - y0) == (100, 100)     # square: 80 * 1.25 both ways
    assert (x0 + x1) / 2 == pytest.approx(120, abs=1) and (y0 + y1) / 2 == pytest.approx(90, abs=1)
    assert y0 < 50 - 9 and y1 > 130 + 9
    small = kp.copy()
    small[..., 0] = np.linspace(100, 105, 17)    # narrower than the 10 px threshold
    assert compact_box(small, (200, 300)) == (0, 0, 300, 200)
    assert compact_box(np.zeros((1, 3, 17, 2)), (200, 300)) == (0, 0, 300, 200)
    edge = kp.copy()
    edge[..., 1] = np.linspace(2, 190, 17)       # tall: the square box leaves the image
    box = compact_box(edge, (200, 300))
    assert box[1] < 0 and box[3] > 200
    scored = kp.copy()
    scored[0, 0, 0] = (290, 190)                 # an outlier joint whose score is 0 is ignored
    score = np.ones((1, 2, 17))
    score[0, 0, 0] = 0
    assert compact_box(scored, (200, 300), score=score) == (x0, y0, x1, y1)


def test_crop_with_padding_matches_numpy_pad():
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (2, 30, 40, 3), dtype=np.uint8)
    for box in [(5, 5, 25, 25), (-7, -3, 20, 40), (30, 20, 55, 45), (-10, -10, 50, 40), (45, 0, 60, 10)]:
        pad = 70
        padded = np.pad(frames, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        x0, y0, x1, y1 = box
        want = padded[:, y0 + pad:y1 + pad, x0 + pad:x1 + pad]
        np.testing.assert_array_equal(crop_with_padding(frames, box), want)


# ----------------------------------------------------------------------------- heatmaps
@pytest.mark.parametrize("people, flip", [(1, False), (2, False), (3, True), (2, True)])
def test_heatmap_volume_matches_reference(people, flip):
    rng = np.random.default_rng(people + 10 * flip)
    img_shape = (240, 320)
    kp, score = random_poses(rng, people, 6, img_shape)
    for box in [compact_box(kp, img_shape), (-20, 10, 300, 250), (0, 0, 320, 240)]:
        got = heatmap_volume(kp, score, box, flip=flip)
        want = reference_heatmaps(kp, score, box, flip=flip)
        assert got.shape == (17, 6, 56, 56) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
        assert got.max() > 0.3


def test_heatmap_peak_and_shape_of_one_joint():
    kp = np.zeros((1, 1, 17, 2), np.float32)
    score = np.zeros((1, 1, 17), np.float32)
    kp[0, 0, 5] = (20.0, 30.0)        # exactly on a grid point after mapping (box 0..56 -> scale 1)
    score[0, 0, 5] = 0.8
    hm = heatmap_volume(kp, score, (0, 0, 56, 56))
    assert hm[5, 0, 30, 20] == pytest.approx(0.8)
    assert hm[5, 0, 30, 21] == pytest.approx(0.8 * math.exp(-1 / (2 * 0.36)), rel=1e-5)
    assert hm[5, 0, 30, 18] == pytest.approx(0.8 * math.exp(-4 / (2 * 0.36)), rel=1e-5)
    # PYSKL's window is [int(mu - 1.8), int(mu + 1.8) + 1) = [18, 22): x = 22 is cut although x = 18 is not
    assert hm[5, 0, 30, 22] == 0.0 and hm[5, 0, 30, 17] == 0.0
    assert np.count_nonzero(hm) == 16 and np.count_nonzero(hm[np.arange(17) != 5]) == 0
    flipped = heatmap_volume(kp, score, (0, 0, 56, 56), flip=True)
    assert flipped[6, 0, 30, 55 - 20] == pytest.approx(0.8)  # left shoulder -> right, x -> 55 - x
    assert np.count_nonzero(flipped[5]) == 0


def test_one_flip_table_swaps_coco_pairs():
    from core_model.pose.coco import COCO17_FLIP_INDEX

    assert COCO17_FLIP_INDEX[0] == 0
    for a, b in FLIP_PAIRS:
        assert (COCO17_FLIP_INDEX[a], COCO17_FLIP_INDEX[b]) == (b, a)


def test_flipped_heatmaps_are_the_mirrored_picture():
    """Pixel-centre coordinates: flipping the keypoints draws exactly the column-reversed heatmap (w - x would
    shift it by one pixel)."""
    from core_model.pose.coco import COCO17_FLIP_INDEX

    rng = np.random.default_rng(3)
    kp = rng.uniform(5, 50, (2, 3, 17, 2)).astype(np.float32)
    kp[..., 0] = np.round(kp[..., 0])  # on grid columns
    score = rng.uniform(0.2, 1, (2, 3, 17)).astype(np.float32)
    plain = heatmap_volume(kp, score, (0, 0, 56, 56))
    flipped = heatmap_volume(kp, score, (0, 0, 56, 56), flip=True)
    # equal up to PYSKL's lopsided 3-sigma cut (a value of exp(-4 / 0.72) = 0.004 at 2 px on one side only);
    # with x -> 56 - x every peak would move by one pixel (differences of ~0.5)
    np.testing.assert_allclose(flipped, plain[COCO17_FLIP_INDEX][..., ::-1], atol=0.0045)


def test_heatmaps_without_scores_use_one():
    rng = np.random.default_rng(5)
    kp, _ = random_poses(rng, 1, 3, (100, 100))
    ones = np.ones(kp.shape[:3], np.float32)
    np.testing.assert_array_equal(heatmap_volume(kp, None, (0, 0, 100, 100)),
                                  heatmap_volume(kp, ones, (0, 0, 100, 100)))


# ----------------------------------------------------------------------------- rgb
@pytest.mark.parametrize("normalization", [PYTORCHVIDEO_X3D, IMAGENET_0_255])
def test_rgb_clip_matches_crop_resize_normalize(normalization):
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 256, (4, 90, 120, 3), dtype=np.uint8)
    for box in [(10, 5, 100, 95), (-30, -20, 100, 110), (0, 0, 120, 90)]:
        for flip in (False, True):
            got = rgb_clip(frames, box, normalization=normalization, flip=flip)
            assert got.shape == (3, 4, 224, 224) and got.dtype == np.float32
            for t in range(4):
                x0, y0, x1, y1 = box
                padded = np.pad(frames[t], ((50, 50), (50, 50), (0, 0)))
                crop = padded[y0 + 50:y1 + 50, x0 + 50:x1 + 50]
                img = cv2.resize(crop, (224, 224), interpolation=cv2.INTER_LINEAR)
                if flip:
                    img = img[:, ::-1]
                want = normalization.apply(img).transpose(2, 0, 1)
                np.testing.assert_allclose(got[:, t], want, atol=1e-5, rtol=0)


def test_rgb_clip_rejects_bad_frames():
    with pytest.raises(ValueError):
        rgb_clip(np.zeros((2, 10, 10, 3), np.float32), (0, 0, 10, 10))
