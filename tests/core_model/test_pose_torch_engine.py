"""The torch pose engine: MediaPipe's models from the wheel in PyTorch, against MediaPipe itself on real video."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.errors import ConfigError
from core_model.pose.torch_engine.graph_settings import model_path, read_settings


@pytest.fixture(scope="module")
def bikes_frames(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        return [reader[i] for i in range(0, 250, 6)]


@pytest.fixture(scope="module")
def graphs():
    from core_model.pose.roi_graph import PoseGraph
    from core_model.pose.torch_engine.graph import TorchPoseGraph

    mp, tg = PoseGraph(runtime="mediapipe"), TorchPoseGraph(device="cpu", threads=1)
    yield mp, tg
    mp.close()
    tg.close()


def test_settings_come_from_the_wheels_graphs():
    s = read_settings()
    assert s.detector_input == (224, 224) and s.detector_range == (-1.0, 1.0)
    assert s.landmark_input == (256, 256) and s.landmark_range == (0.0, 1.0)
    assert s.landmark_border == "replicate"  # BORDER_UNSPECIFIED in the landmark graph
    assert s.nms_algorithm == "WEIGHTED" and s.roi_target_angle == 90 and s.roi_scale == (1.25, 1.25)
    assert s.heatmap_kernel == 7 and s.landmark_split == ((0, 33), (33, 35)) and s.num_boxes == 2254
    from core_model.pose.detector_geometry import ssd_anchors

    assert len(ssd_anchors(s.anchors)) == s.num_boxes


def test_models_read_without_tensorflow_have_the_expected_operators():
    from core_model.pose.torch_engine.tflite_reader import read_model

    det = read_model(model_path(read_settings().detector_model))
    lm = read_model(model_path(read_settings().landmark_model))
    # DEQUANTIZE (fp16) and DENSIFY (sparse) weights are resolved when reading
    assert det.op_counts() == {"CONV_2D": 45, "DEPTHWISE_CONV_2D": 28, "ADD": 15, "PAD": 8, "RESHAPE": 6,
                               "DEPTH_TO_SPACE": 3, "RESIZE_BILINEAR": 2, "CONCATENATION": 2}
    assert lm.op_counts() == {"CONV_2D": 58, "DEPTHWISE_CONV_2D": 38, "ADD": 28, "PAD": 5, "RESIZE_BILINEAR": 5,
                              "MAX_POOL_2D": 2, "RESHAPE": 3, "LOGISTIC": 1}


def test_whole_networks_match_a_tflite_interpreter_when_one_is_installed():
    litert = pytest.importorskip("ai_edge_litert.interpreter")  # optional: not a dependency of the project
    import torch

    from core_model.pose.torch_engine.interpreter import TFLiteNet
    from core_model.pose.torch_engine.tflite_reader import read_model

    rng = np.random.default_rng(0)
    for name in (read_settings().detector_model, read_settings().landmark_model):
        interp = litert.Interpreter(model_path=model_path(name))
        interp.allocate_tensors()
        shape = interp.get_input_details()[0]["shape"]
        x = rng.random(tuple(shape), dtype=np.float32)
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        with torch.inference_mode():
            ours = TFLiteNet(read_model(model_path(name))).eval()(torch.from_numpy(x))
        for got, detail in zip(ours, interp.get_output_details()):
            ref = interp.get_tensor(detail["index"])
            if got.shape[-1] == 1 and got.dim() == 4:
                continue  # the segmentation mask: unused
            np.testing.assert_allclose(got.numpy(), ref, atol=1e-3 * max(1.0, float(np.abs(ref).max())))


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def test_detections_and_landmarks_on_the_same_rois_match_mediapipe(bikes_frames, graphs):
    mp, tg = graphs
    ious, errors, vis, flags = [], [], [], []
    for frame in bikes_frames:
        h, w = frame.shape[:2]
        ref, ours = mp.detect([frame], [(0, 0)])[0], tg.detect([frame], [(0, 0)])[0]
        assert len(ref) == len(ours)
        ious += [max(_iou(r.box, o.box) for o in ours) for r in ref]
        rois = [d.roi for d in ref]
        for a, b, roi in zip(mp.landmarks(frame, rois), tg.landmarks(frame, rois), rois):
            flags.append((a is None) == (b is None))
            if a is None or b is None:
                continue
            errors += list(np.hypot((a.raw[:, 0] - b.raw[:, 0]) * w, (a.raw[:, 1] - b.raw[:, 1]) * h) / roi.side)
            vis += list(np.abs(a.raw[:, 2:4] - b.raw[:, 2:4]).ravel())
            assert abs(a.roi.side - b.roi.side) < 0.03 * a.roi.side  # the next frame's ROI
    assert len(ious) >= 20 and min(ious) >= 0.9
    assert all(flags) and len(errors) >= 12 * 33
    assert np.median(errors) <= 0.01 and np.percentile(errors, 95) <= 0.03
    assert max(vis) <= 0.05


def test_all_tiles_and_all_rois_of_a_frame_run_in_one_batch(bikes_frames, graphs):
    _mp, tg = graphs
    frame = bikes_frames[20]
    tiles = [frame, frame[:, :320], frame[:, 320:]]
    batched = tg.detect(tiles, [(0, 0), (0, 0), (320, 0)])
    one_by_one = [tg.detect([t], [o])[0] for t, o in zip(tiles, [(0, 0), (0, 0), (320, 0)])]
    for a, b in zip(batched, one_by_one):
        assert [round(d.score, 4) for d in a] == [round(d.score, 4) for d in b]
    rois = [d.roi for d in batched[0]] * 3
    together = tg.landmarks(frame, rois)
    alone = tg.landmarks(frame, rois[:1])
    assert np.allclose(together[2].raw, alone[0].raw, atol=1e-4)


def test_bad_engine_device_and_precision_are_readable_errors():
    from core_model.pose.torch_engine.backend import resolve_engine
    from core_model.pose.torch_engine.graph import TorchPoseGraph

    with pytest.raises(ConfigError):
        resolve_engine("tensorflow")
    with pytest.raises(ConfigError):
        TorchPoseGraph(device="cpu", precision="int4")
    if not __import__("torch").cuda.is_available():
        with pytest.raises(ConfigError):
            TorchPoseGraph(device="cuda")
        assert resolve_engine("auto", "auto") == "mediapipe"  # no GPU: MediaPipe, measured faster on a CPU


def _write_clip(path, frames, fps=25):
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        stream.options = {"crf": "12"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _frame_match(a, b):
    """Per frame: (people in a?, people in b?); for each person of a the joint distances (in units of a's
    size, joints confident in both) to the same person in b (the nearest, within half a size), and the
    fraction of a's people found in b."""
    from core_model.pose.tracking import body_scale

    found, dists, matched = [], [], []
    for t in range(a.num_frames):
        pa = [m for m in range(a.num_people) if a.keypoint_score[m, t].any()]
        pb = [m for m in range(b.num_people) if b.keypoint_score[m, t].any()]
        found.append((bool(pa), bool(pb)))
        for m in pa:
            if not pb:
                continue
            ka, sa = a.keypoint[m, t], a.keypoint_score[m, t]
            best = min(pb, key=lambda n: np.linalg.norm(b.keypoint[n, t] - ka, axis=1).mean())
            ok = (sa >= 0.5) & (b.keypoint_score[best, t] >= 0.5)
            size = body_scale(ka, sa)
            d = np.linalg.norm(b.keypoint[best, t][ok] - ka[ok], axis=1) / size
            matched.append(bool(ok.any()) and float(np.median(d)) < 0.5)
            if matched[-1]:
                dists += list(d)
    return found, np.asarray(dists), float(np.mean(matched))


def test_whole_video_extraction_with_each_engine_agrees_and_is_cached_by_engine(bikes_video, tmp_path):
    from core_model.cli import main
    from core_model.pose import cached_poses, extract_poses
    from core_model.pose.extract import _settings
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        clip = _write_clip(tmp_path / "clip.mp4", [reader[i] for i in range(104, 130)])
    runs = {engine: extract_poses(clip, workers=1, detect="tiles", engine=engine) for engine in ("mediapipe", "torch")}
    mp, tp = runs["mediapipe"], runs["torch"]
    assert mp.meta["engine"] == "mediapipe" and tp.meta["engine"] == "torch"
    assert tp.meta["device"] == "cpu" and "device" not in mp.meta  # where the torch engine ran
    found, dists, matched = _frame_match(mp, tp)
    assert sum(a for a, _b in found) >= 20  # the cyclist is there most of the clip
    assert np.mean([a == b for a, b in found]) >= 0.98 and matched >= 0.95
    assert len(dists) > 200 and np.median(dists) <= 0.01 and np.percentile(dists, 95) <= 0.05
    # caches are keyed by the engine; the mediapipe engine's key is the one of before engines
    assert "engine" not in _settings(0, "mediapipe", "tiles", "mediapipe")
    assert _settings(0, "mediapipe", "tiles", "torch")["engine"]["engine"] == "torch"
    assert cached_poses(clip, detect="tiles", engine="torch").meta["engine"] == "torch"
    assert cached_poses(clip, detect="tiles", engine="mediapipe").meta["engine"] == "mediapipe"
    out = tmp_path / "clip.poses.npz"
    assert main(["extract", str(clip), "--detect", "tiles", "--pose-engine", "torch", "--device", "cpu",
                 "-o", str(out), "--json"]) == 0
    from core_model.pose.format import Poses

    assert Poses.load(out).meta["engine"] == "torch"
