"""Dense optical flow of the video (core_model.video.flow) and the ``flow`` input: direction on a real
synthetic video, the cache, cancel, and the training flip (mirrored field, negated x)."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.errors import Cancelled
from core_model.jobs import CancelToken
from core_model.paths import cache_dir
from core_model.video.flow import FLOW_SCALE, clip_flow, flip_flow, video_flow

SIZE = (160, 120)
FPS = 25.0


@pytest.fixture(scope="module")
def walker(tmp_path_factory):
    """One stick figure walking right (first second) then left (around 2.5 s), arms waving."""
    from core_model.video.synthetic import write_stick_figure_video

    path = tmp_path_factory.mktemp("flow") / "walker.mp4"
    kp = write_stick_figure_video(path, people=1, frames=75, size=SIZE, fps=FPS)
    return path, kp


def _torso_flow_x(flow: np.ndarray, kp: np.ndarray, frame: int, scale: float) -> float:
    """Mean x flow over the hips-to-shoulders box of the figure at ``frame`` (flow in its own pixels)."""
    torso = kp[0, frame, [5, 6, 11, 12]] * scale
    x0, y0 = np.floor(torso.min(0)).astype(int)
    x1, y1 = np.ceil(torso.max(0)).astype(int)
    return float(flow[0, y0:y1 + 1, x0:x1 + 1].mean())


def test_flow_moves_with_the_figure(walker):
    path, kp = walker
    frames = [0, 3, 6, 9, 60, 63, 66, 69]  # every third frame: walking right, then walking left
    flow = video_flow(path, frames, width=SIZE[0], use_cache=False)
    assert flow.shape == (8, 2, SIZE[1], SIZE[0]) and flow.dtype == np.float32
    for k in (0, 1, 2, 4, 5, 6):  # pairs within one stretch of walking
        truth = kp[0, frames[k + 1], 11:13, 0].mean() - kp[0, frames[k], 11:13, 0].mean()
        measured = _torso_flow_x(flow[k], kp, frames[k], 1.0) * SIZE[0] / FLOW_SCALE  # back to pixels
        assert np.sign(measured) == np.sign(truth) and abs(truth) > 2, (k, truth, measured)
        assert measured == pytest.approx(truth, rel=0.6)
    still = flow[:, :, :10, :10]  # the empty top-left corner does not move
    assert np.abs(still).max() < 0.05


def test_a_second_call_reads_the_cache(walker):
    path, _ = walker
    calls = []
    first = video_flow(path, [0, 3, 6], width=80, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert list((cache_dir() / "flow").glob("video-*.npy"))
    calls.clear()
    second = video_flow(path, [0, 3, 6], width=80, progress=lambda d, t: calls.append((d, t)))
    assert calls == []  # nothing decoded or computed
    np.testing.assert_array_equal(second, first)  # the same values, warm or cold
    other = video_flow(path, [0, 3, 6], width=64, progress=lambda d, t: calls.append((d, t)))
    assert calls and other.shape[-1] == 64  # other settings, another entry


def test_cancel_stops_the_computation_and_caches_nothing(walker):
    path, _ = walker
    token = CancelToken()
    before = set((cache_dir() / "flow").glob("*.npy")) if (cache_dir() / "flow").is_dir() else set()

    def progress(done, total):
        if done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        video_flow(path, list(range(0, 60, 3)), width=96, progress=progress, cancel=token)
    after = set((cache_dir() / "flow").glob("*")) if (cache_dir() / "flow").is_dir() else set()
    assert {p for p in after if p.suffix == ".npy"} == before and not [p for p in after if p.suffix == ".tmp"]


def test_clip_flow_of_crops_is_cached_by_their_pixels():
    rng = np.random.default_rng(0)
    base = (rng.random((40, 40)) * 255).astype(np.uint8)
    crops = np.stack([np.repeat(np.roll(base, 2 * t, axis=1)[:, :, None], 3, axis=2) for t in range(4)])
    flow = clip_flow(crops)
    assert flow.shape == (4, 2, 40, 40)
    inner = flow[:, :, 10:30, 10:30]
    np.testing.assert_allclose(inner[:, 0].mean(), 2 * FLOW_SCALE / 40, rtol=0.2)  # 2 px right per step
    assert abs(inner[:, 1].mean()) < 0.05
    np.testing.assert_array_equal(flow[3], flow[2])  # the last sample repeats the one before
    files = list((cache_dir() / "flow").glob("crops-*.npy"))
    again = clip_flow(crops)
    assert list((cache_dir() / "flow").glob("crops-*.npy")) == files
    np.testing.assert_array_equal(again, flow)


def test_flip_mirrors_the_field_and_negates_x():
    flow = np.zeros((1, 2, 3, 4), np.float32)
    flow[0, 0, 1, 0], flow[0, 1, 1, 0] = 1.5, -0.5  # at the left edge: moving right and up
    out = flip_flow(flow)
    assert out[0, 0, 1, 3] == -1.5 and out[0, 1, 1, 3] == -0.5 and np.count_nonzero(out) == 2


def test_training_flip_mirrors_the_flow_input(walker):
    """Through the training augmentation: the same draws with and without the flip give mirrored flow
    (x negated) and mirrored keypoints."""
    from core_model.preprocess.kinds import InputSizes
    from core_model.preprocess.spec import InputSpec
    from core_model.training.dataset import Augment, training_inputs
    from core_model.video import VideoReader

    path, kp = walker
    score = np.ones(kp.shape[:3], np.float32)
    sizes = InputSizes.of({"keypoint_frames": 8}, InputSpec(rgb_size=64, heatmap_size=16, rgb_frames=6,
                                                            pose_frames=18))
    out = {}
    with VideoReader(path) as reader:
        for flip in (0.0, 1.0):
            rng = np.random.default_rng(5)
            arrays, _ = training_inputs(kp, score, (SIZE[1], SIZE[0]), lambda idx: reader.get_frames(
                [int(i) for i in idx]), 30, sizes, rng, Augment(flip=flip), ("flow", "keypoints"))
            out[flip] = arrays
    plain, flipped = out[0.0]["flow"], out[1.0]["flow"]
    assert plain.shape == (2, 6, 64, 64) and np.abs(plain).max() > 0.1
    np.testing.assert_allclose(flipped[0], -plain[0][..., ::-1], atol=1e-6)
    np.testing.assert_allclose(flipped[1], plain[1][..., ::-1], atol=1e-6)
    kp_plain, kp_flip = out[0.0]["keypoints"], out[1.0]["keypoints"]
    np.testing.assert_allclose(kp_flip[:, 0, 0, 0], 1.0 - kp_plain[:, 0, 0, 0], atol=1e-6)  # the nose mirrored


def _tiny_model():
    import torch

    from core_model.models.registry import build_named
    from core_model.preprocess.spec import InputSpec

    spec = InputSpec(rgb_size=64, heatmap_size=16, rgb_frames=4, pose_frames=12)
    torch.manual_seed(0)
    model = build_named("skeleton-flow", num_classes=2, class_names=["a", "b"], inputs=spec, tiny=True).eval()
    model.input_spec = spec
    return model


def test_analysis_computes_the_flow_once_with_progress_and_cancel(walker, tmp_path):
    """A skeleton-flow analysis computes the crops' flow (cached: a second analysis adds no flow file and
    gives the same products), reports progress, and stops on cancel."""
    import torch

    from core_model.analysis import AnalysisSettings
    from core_model.pose.format import Poses

    path, kp = walker
    poses = Poses(kp, np.ones(kp.shape[:3], np.float32), np.array([0]), np.arange(kp.shape[1]) / FPS,
                  (SIZE[1], SIZE[0]), FPS)
    settings = AnalysisSettings.from_lengths("20", "20")
    model = _tiny_model()
    folder = cache_dir() / "flow"
    before = set(folder.glob("crops-*.npy")) if folder.is_dir() else set()
    calls = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors on a shared CPU
    try:
        _analyse_twice_then_cancel(path, poses, settings, model, folder, before, calls)
    finally:
        torch.set_num_threads(threads)


def _analyse_twice_then_cancel(path, poses, settings, model, folder, before, calls):
    from core_model.analysis import AnalysisSettings, analyze_video

    first = analyze_video(path, poses=poses, model=model, settings=settings, use_cache=False,
                          progress=lambda d, t: calls.append((d, t)))
    made = set(folder.glob("crops-*.npy")) - before
    assert 1 <= len(made) <= first.num_windows and calls and calls[-1][0] == calls[-1][1]
    second = analyze_video(path, poses=poses, model=model, settings=settings, use_cache=False)
    assert set(folder.glob("crops-*.npy")) - before == made  # read back, not computed again
    for name, values in first.products.items():
        np.testing.assert_array_equal(second.products[name], values)
    token = CancelToken()

    def cancel_after_first(done, total):
        if done:
            token.cancel()

    with pytest.raises(Cancelled):
        analyze_video(path, poses=poses, model=_tiny_model(), settings=AnalysisSettings.from_lengths("8", "4"),
                      use_cache=False, progress=cancel_after_first, cancel=token)
