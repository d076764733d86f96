"""analyze_video with the real EPAM-Net on synthetic stick-figure videos (ground-truth poses)."""
import json

import numpy as np
import pytest

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.analysis.model_setup import prepare_model
from core_model.errors import Cancelled, CheckpointError, ConfigError, PoseError, VideoError
from core_model.jobs import CancelToken
from core_model.pose.format import Poses
from core_model.video.synthetic import write_stick_figure_video

SIZE = (320, 240)  # w, h
FRAMES = 100
PER_PERSON = AnalysisSettings(window=50, stride=50, unit="frames", per_person=True, batch_size=2)


def gt_poses(keypoints, track_ids, fps=25.0):
    m, t = keypoints.shape[:2]
    return Poses(keypoints, np.ones((m, t, 17), np.float32), np.asarray(track_ids), np.arange(t) / fps,
                 (SIZE[1], SIZE[0]), fps)


@pytest.fixture(scope="module")
def two_people(tmp_path_factory):
    """A 100-frame video of two stick figures in separate lanes, with their true poses."""
    path = tmp_path_factory.mktemp("video") / "two.mp4"
    keypoints = write_stick_figure_video(path, people=2, frames=FRAMES, size=SIZE)
    keypoints[1, 60:] = 0  # track 8 leaves after frame 60
    poses = gt_poses(keypoints, [3, 8])
    poses.keypoint_score[1, 60:] = 0
    return path, poses


@pytest.fixture(scope="module")
def untrained():
    return prepare_model(None, "ntu60", seed=0)


@pytest.fixture(scope="module")
def per_person_result(two_people, untrained, tmp_path_factory):
    path, poses = two_people
    out = tmp_path_factory.mktemp("results") / "two"
    return analyze_video(path, poses=poses, model=untrained, settings=PER_PERSON, out_dir=out, use_cache=False)


def test_per_person_keeps_people_apart(per_person_result, two_people):
    r = per_person_result
    _, poses = two_people
    # track 3 is in both windows, track 8 (present frames 0-59) only in the first
    assert list(zip(r.person.tolist(), r.window_start.tolist())) == [(3, 0), (8, 0), (3, 50)]
    assert r.people() == [3, 8]
    for row in range(r.num_windows):
        m = int(np.nonzero(poses.track_ids == r.person[row])[0][0])
        kp = poses.keypoint[m][r.pose_frames[row]]
        x0, y0, x1, y1 = r.boxes[row]
        # the box holds this person's joints and lies in their own lane (left half for 3, right for 8)
        assert (kp[..., 0] >= x0).all() and (kp[..., 0] <= x1).all()
        assert (kp[..., 1] >= y0).all() and (kp[..., 1] <= y1).all()
        centre = (x0 + x1) / 2
        assert (centre < SIZE[0] / 2) == (r.person[row] == 3)
    assert {s.person for s in r.segments} == {3, 8}
    assert [(s.start_frame, s.end_frame) for s in r.segments_of(8)] == [(0, 50)]
    assert r.summary["mode"] == "per_person"


def test_probabilities_and_attention_line_up(per_person_result):
    r = per_person_result
    w, c = r.num_windows, len(r.class_names)
    assert c == 60 and r.model == "untrained" and r.trained is False
    for probs in (r.prob_rgb, r.prob_pose, r.prob_fused):
        assert probs.shape == (w, c)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(r.prob_fused, (r.prob_rgb + r.prob_pose) / 2, atol=1e-5)
    assert r.pose_frames.shape == (w, 48) and r.rgb_frames.shape == (w, 16)
    np.testing.assert_array_equal(r.rgb_frames, r.pose_frames[:, ::3])
    assert ((r.pose_frames >= r.window_start[:, None]) & (r.pose_frames < r.window_end[:, None])).all()
    assert (np.diff(r.pose_frames, axis=1) >= 0).all()
    assert r.spatial_attention.shape == (w, 16, 7, 7) and r.temporal_attention.shape == (w, 16)
    assert ((r.spatial_attention > 0) & (r.spatial_attention < 1)).all()
    row, k = r.attention_at(int(r.rgb_frames[2, 5]), person=3)
    assert (row, k) == (2, 5)


def test_results_folder_written_and_reloaded(per_person_result):
    r = per_person_result
    back = AnalysisResult.load(r.path)
    np.testing.assert_array_equal(back.spatial_attention, r.spatial_attention)
    assert back.segments == r.segments
    summary = json.loads((r.path / "summary.json").read_text())
    assert summary["model"] == "epam" and summary["model_info"]["name"] == "untrained" and summary["warnings"]
    assert back.model == "untrained" and back.model_name == "epam"
    assert set(summary["products"]) == {"spatial_attention", "temporal_attention"}
    assert set(summary["timings"]) >= {"decode", "preprocess", "model", "total"}
    assert summary["settings"]["window_frames"] == 50


def test_rerun_is_a_cache_hit(two_people, untrained):
    path, poses = two_people
    settings = AnalysisSettings(window=100, stride=100, unit="frames", batch_size=1)
    first = analyze_video(path, poses=poses, model=untrained, settings=settings)
    assert first.summary["cache"] == {"hit": False} and first.num_windows == 1 and first.people() == [-1]
    again = analyze_video(path, poses=poses, model=untrained, settings=settings)
    assert again.summary["cache"]["hit"] is True
    from core_model.analysis.runner import cached_result

    found = cached_result(path, poses=poses, model=untrained, settings=settings)
    np.testing.assert_array_equal(found.prob_fused, first.prob_fused)
    assert cached_result(path, poses=poses, model=untrained, settings=AnalysisSettings(window=99, unit="frames")) is None
    np.testing.assert_array_equal(again.prob_fused, first.prob_fused)
    # other settings or other poses are a different analysis
    moved = Poses(poses.keypoint + 1.0, poses.keypoint_score, poses.track_ids, poses.timestamps,
                  poses.img_shape, poses.fps)
    from core_model.analysis.cache import analysis_key, poses_hash

    assert poses_hash(moved) != poses_hash(poses)
    assert analysis_key("r", poses_hash(moved)) != analysis_key("r", poses_hash(poses))


def test_untrained_network_is_reproducible():
    a, b = prepare_model(None, "ntu60", seed=0), prepare_model(None, "ntu60", seed=0)
    assert a.key == b.key
    from core_model.analysis.cache import state_dict_hash

    assert state_dict_hash(a.module) == state_dict_hash(b.module)
    assert state_dict_hash(prepare_model(None, "ntu60", seed=1).module) != state_dict_hash(a.module)


def test_bad_inputs_give_clear_errors(tmp_path, two_people, untrained):
    path, poses = two_people
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoError):
        analyze_video(garbage, poses=poses, model=untrained)
    nobody = Poses(np.zeros_like(poses.keypoint), np.zeros_like(poses.keypoint_score), poses.track_ids,
                   poses.timestamps, poses.img_shape, poses.fps)
    with pytest.raises(PoseError, match="No person"):
        analyze_video(path, poses=nobody, model=untrained)
    bad_ckpt = tmp_path / "model.pt"
    bad_ckpt.write_bytes(b"garbage")
    with pytest.raises(CheckpointError):
        prepare_model(bad_ckpt)
    with pytest.raises(ConfigError):
        prepare_model(None, ["only", "two"], model=untrained.module)


def test_cancel_stops_the_run(two_people, untrained):
    path, poses = two_people
    token = CancelToken()
    seen = []

    def progress(done, total):
        seen.append(done)
        token.cancel()  # the user cancels after the first batch

    with pytest.raises(Cancelled):
        analyze_video(path, poses=poses, model=untrained, settings=PER_PERSON, progress=progress, cancel=token,
                      use_cache=False)
    assert len(seen) == 1 and seen[0] < 1000


def test_folded_inference_copy_matches_the_network():
    import torch

    prepared = prepare_model(None, "ntu60", seed=0)
    model = prepared.module
    with torch.no_grad():  # give the norms non-trivial statistics, as a trained model has
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm3d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    folded = prepared.inference_module()
    assert not any(isinstance(m, torch.nn.BatchNorm3d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in model.modules())  # the original is untouched
    gen = torch.Generator().manual_seed(0)
    rgb, heat = torch.randn(1, 3, 16, 224, 224, generator=gen), torch.rand(1, 17, 48, 56, 56, generator=gen)
    with torch.inference_mode():
        a, b = model.eval()(rgb, heat), folded(rgb, heat)
    for name in ("rgb_logits", "pose_logits", "spatial_attention", "temporal_attention"):
        torch.testing.assert_close(getattr(b, name), getattr(a, name), rtol=1e-4, atol=1e-5)


def test_heatmap_for_frame_rebuilds_the_model_input(per_person_result, two_people):
    from core_model.analysis import heatmap_for_frame
    from core_model.preprocess import build_inputs

    r, (_, poses) = per_person_result, two_people
    row = 1  # track 8, frames 0-49
    m = int(np.nonzero(poses.track_ids == r.person[row])[0][0])
    built = build_inputs(poses.keypoint[m:m + 1], poses.keypoint_score[m:m + 1], poses.img_shape,
                         lambda idx: np.zeros((len(idx), SIZE[1], SIZE[0], 3), np.uint8),
                         int(r.window_start[row]), int(r.window_end[row]))
    np.testing.assert_array_equal(built.pose_frames, r.pose_frames[row])
    for j in (0, 17, 47):
        heat = heatmap_for_frame(poses, int(r.pose_frames[row, j]), r.boxes[row], person=int(r.person[row]))
        assert heat.shape == (17, 56, 56)
        np.testing.assert_allclose(heat, built.heatmaps[:, j], atol=1e-6)
    single = heatmap_for_frame(poses, 10, r.boxes[row], person=8)
    everybody = heatmap_for_frame(poses, 10, r.boxes[row])  # max over both people
    assert single.sum() > 0 and (everybody >= single - 1e-6).all()
    with pytest.raises(PoseError):
        heatmap_for_frame(poses, 10, r.boxes[row], person=99)


def test_checkpoint_brings_its_class_names(tmp_path, untrained):
    from core_model.models import save_checkpoint

    names = [f"action {i}" for i in range(60)]
    path = save_checkpoint(untrained.module, tmp_path / "mine.pt", names, trained=True, epochs=3)
    prepared = prepare_model(path)
    assert prepared.class_names == names and prepared.name == "mine.pt" and prepared.trained is True
    assert prepared.key.startswith("checkpoint:") and prepared.info["provenance"]["meta"]["epochs"] == 3
    assert prepare_model(path, "ntu60").class_names[0] == "drink water"  # --classes overrides the names
    with pytest.raises(ConfigError):
        prepare_model(path, "ntu120")  # 120 names for a 60-class model
