"""The OpenVINO landmark engine: MediaPipe's per-ROI landmark subgraph (PoseLandmarkByRoiCpu) reproduced on
OpenVINO + numpy/OpenCV, against the subgraph itself on real frames (the close-up cyclist and a crowd made of
him), and how the engine is chosen and keyed in the pose cache."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("openvino")  # a dependency of the project (CI installs it); MediaPipe's subgraph otherwise

from core_model.errors import ConfigError  # noqa: E402
from core_model.pose import openvino_landmarks as ovl  # noqa: E402


@pytest.fixture(scope="module")
def engines():
    from core_model.pose.roi_graph import PoseGraph

    subgraph, ours = PoseGraph(runtime="mediapipe"), PoseGraph(runtime="openvino")
    assert (subgraph.runtime, ours.runtime) == ("mediapipe", "openvino")
    yield subgraph, ours
    subgraph.close()
    ours.close()


@pytest.fixture(scope="module")
def frames(bikes_video):
    """Close-up frames of bikes.mp4 and two frames of a 768x576 crowd of 8 made of the cyclist."""
    from .pose_frame_helpers import close_up_frames, crowd_frames

    return close_up_frames(bikes_video, range(104, 200, 12)), crowd_frames(bikes_video, (12, 36))


def _rois(graph, frame, tiles: bool):
    from core_model.pose.tiles import tile_layout

    h, w = frame.shape[:2]
    boxes = [(0, 0, w, h)] + (tile_layout(w, h) if tiles else [])
    images = [frame[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
    found = graph.detect(images, [(x0, y0) for x0, y0, _x1, _y1 in boxes])
    return [d.roi for people in found for d in people]


def _compare(subgraph, ours, frame, rois, out):
    """Both engines on the ROIs, then on the next ROIs each made (as when following people)."""
    h, w = frame.shape[:2]
    for _step in range(2):
        a, b = subgraph.landmarks(frame, rois), ours.landmarks(frame, rois)
        out["flags"] += [(x is None) == (y is None) for x, y in zip(a, b)]
        pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
        for x, y in pairs:
            out["px"] += list(np.hypot((x.raw[:, 0] - y.raw[:, 0]) * w, (x.raw[:, 1] - y.raw[:, 1]) * h))
            out["vis"] += list(np.abs(x.raw[:, 2:4] - y.raw[:, 2:4]).ravel())
            out["roi"].append(max(abs(x.roi.cx - y.roi.cx), abs(x.roi.cy - y.roi.cy), abs(x.roi.side - y.roi.side)))
        rois = [x.roi for x, _y in pairs]


def test_landmarks_equal_mediapipes_subgraph_on_a_close_up_and_a_crowd(engines, frames):
    subgraph, ours = engines
    close, crowd = frames
    out = {"flags": [], "px": [], "vis": [], "roi": []}
    for frame in close:
        _compare(subgraph, ours, frame, _rois(subgraph, frame, tiles=False), out)
    people_before = len(out["roi"])
    for frame in crowd:
        _compare(subgraph, ours, frame, _rois(subgraph, frame, tiles=True), out)
    assert people_before >= 8 and len(out["roi"]) - people_before >= 16  # the crowd's small people too
    assert all(out["flags"])  # the same presence decisions
    px, roi = np.asarray(out["px"]), np.asarray(out["roi"])
    print(f"{len(roi)} people, landmark px median {np.median(px):.4f} p99 {np.percentile(px, 99):.4f} "
          f"max {px.max():.3f} ({(px >= 0.5).sum()} of {px.size} >= 0.5); visibility {max(out['vis']):.4f}; "
          f"next ROI px p95 {np.percentile(roi, 95):.4f} max {roi.max():.3f}")
    # 33 landmarks in frame pixels; the few beyond are joints whose heatmap peak is at the refinement threshold
    # (0.4998 against 0.5: the two runtimes' last float bits decide whether the heatmap refines the joint)
    assert np.median(px) < 0.01 and np.percentile(px, 99) < 0.5 and (px >= 0.5).mean() < 0.01, px.max()
    assert px.max() < 12
    assert max(out["vis"]) < 0.01  # visibility and presence
    assert np.percentile(roi, 95) < 0.5  # the next frame's ROI (from the auxiliary landmarks), pixels


def test_nobody_in_the_roi_is_none_as_in_the_subgraph(engines, frames):
    from core_model.pose.roi_graph import Roi

    subgraph, ours = engines
    frame = np.full((480, 640, 3), 128, np.uint8)  # a plain grey frame: no person anywhere
    rois = [Roi(320, 240, 200, 0.0), Roi(5, 5, 40, 1.0)]
    assert subgraph.landmarks(frame, rois) == [None, None] == ours.landmarks(frame, rois)
    assert ours.landmarks(frame, []) == []


def test_a_later_start_loads_the_kept_model_and_gets_the_same_landmarks(engines, frames):
    from core_model.runtime import cache_root

    close, _crowd = frames
    rois = _rois(engines[0], close[2], tiles=False)[:1]
    first = ovl.OpenVinoLandmarks()  # reads the wheel's model, keeps the pruned one as IR in the cache
    kept = sorted(p.name for p in (cache_root() / "openvino").glob("pose_landmark_full-*.xml"))
    assert len(kept) == 1
    later = ovl.OpenVinoLandmarks()  # compiles the IR by path (OpenVINO's blob cache)
    (a, fa), (b, fb) = first.infer(close[2], rois), later.infer(close[2], rois)
    np.testing.assert_array_equal(a, b)
    assert fa == fb and fa[0] > 0.5


def test_settings_are_the_wheels_graphs():
    from core_model.pose.torch_engine.graph_settings import read_settings

    assert ovl.from_pose_settings(read_settings()) == ovl.SETTINGS


def test_one_unpinned_thread_and_unused_outputs_pruned(engines):
    _subgraph, ours = engines
    compiled = ours._openvino[1]._compiled
    assert int(compiled.get_property("INFERENCE_NUM_THREADS")) == 1
    assert str(compiled.get_property("ENABLE_CPU_PINNING")).lower() in ("false", "0")
    shapes = [tuple(o.get_partial_shape().to_shape()) for o in compiled.outputs]
    assert shapes == [(1, 195), (1, 1), (1, 64, 64, 39)]  # no segmentation mask, no world landmarks


def test_the_runtime_is_chosen_by_a_setting_and_keys_the_pose_cache(monkeypatch):
    from core_model.pose.roi_graph import PoseGraph
    from core_model.pose.tiled_backend import describe_tiled_settings

    monkeypatch.delenv(ovl.ENV, raising=False)
    assert ovl.pose_runtime() == "openvino" and describe_tiled_settings()["pose_runtime"] == "openvino"
    with_openvino = describe_tiled_settings()
    monkeypatch.setenv(ovl.ENV, "mediapipe")
    assert ovl.pose_runtime() == "mediapipe" and "pose_runtime" not in describe_tiled_settings()
    assert describe_tiled_settings() != with_openvino  # cached poses of one runtime are not served for the other
    graph = PoseGraph(landmarks=False)
    try:
        assert graph.runtime == "mediapipe"
    finally:
        graph.close()
    monkeypatch.setenv(ovl.ENV, "tensorflow")
    with pytest.raises(ConfigError, match="pose runtime"):
        describe_tiled_settings()
    monkeypatch.setenv(ovl.ENV, "auto")
    monkeypatch.setattr(ovl, "openvino_installed", lambda: False)  # where OpenVINO is missing: the subgraphs
    assert ovl.pose_runtime() == "mediapipe" and ovl.settings_key() == {}
    with pytest.raises(ConfigError, match="not installed"):
        ovl.pose_runtime("openvino")
