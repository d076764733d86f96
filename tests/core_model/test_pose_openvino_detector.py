"""The OpenVINO pose detector: MediaPipe's PoseDetectionCpu subgraph reproduced on OpenVINO + numpy/OpenCV (SSD
anchors, decoding, weighted NMS, letterbox), against the subgraph on real frames: the close-up cyclist, and the
whole frame and tiles of a crowd made of him."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("openvino")  # a dependency of the project (CI installs it); MediaPipe's subgraph otherwise

from core_model.pose import openvino_detector as ovd  # noqa: E402


@pytest.fixture(scope="module")
def graphs():
    from core_model.pose.roi_graph import PoseGraph

    subgraph, ours = PoseGraph(runtime="mediapipe", landmarks=False), PoseGraph(runtime="openvino", landmarks=False)
    yield subgraph, ours
    subgraph.close()
    ours.close()


@pytest.fixture(scope="module")
def images(bikes_video):
    """(images, offsets): close-up frames of bikes.mp4 whole, a 768x576 crowd frame whole and in its tiles."""
    from core_model.pose.tiles import tile_layout

    from .pose_frame_helpers import close_up_frames, crowd_frames

    close = close_up_frames(bikes_video, range(104, 200, 16))
    crowd = crowd_frames(bikes_video, [20])[0]
    boxes = [(0, 0, 768, 576)] + tile_layout(768, 576)
    return (close + [crowd[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes],
            [(0, 0)] * len(close) + [(x0, y0) for x0, y0, _x1, _y1 in boxes])


def test_detections_equal_mediapipes_subgraph(graphs, images):
    subgraph, ours = graphs
    frames, offsets = images
    expected, got = subgraph.detect(frames, offsets), ours.detect(frames, offsets)
    pairs = []
    for a, b in zip(expected, got):
        assert len(a) == len(b)  # the same people found in every image (no score near the threshold flipped)
        pairs += zip(sorted(a, key=lambda d: -d.score), sorted(b, key=lambda d: -d.score))
    assert len(pairs) >= 15
    score = max(abs(a.score - b.score) for a, b in pairs)
    box = max(float(np.abs(a.box - b.box).max()) for a, b in pairs)
    roi = max(max(abs(a.roi.cx - b.roi.cx), abs(a.roi.cy - b.roi.cy), abs(a.roi.side - b.roi.side)) for a, b in pairs)
    print(f"{len(pairs)} detections: score within {score:.1e}, box within {box:.1e} px, ROI within {roi:.1e} px")
    assert score < 1e-3 and box < 0.5 and roi < 0.5


def test_settings_and_anchors_are_the_wheels():
    from core_model.pose.torch_engine.graph_settings import read_settings

    assert ovd.from_pose_settings(read_settings()) == ovd.SETTINGS
    anchors = ovd.ssd_anchors(ovd.SETTINGS.anchors)
    assert anchors.shape == (2254, 4) and (anchors[:, 2:] == 1).all()  # fixed anchor size
    assert anchors[0, :2] == pytest.approx([0.5 / 28, 0.5 / 28])  # stride 8: a 28x28 grid first


def test_weighted_nms_merges_overlaps_by_score():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float32)
    kps = np.zeros((3, 4, 2), np.float32)
    kps[1] += 3
    merged = ovd.weighted_nms(np.array([0.9, 0.6, 0.7], np.float32), boxes, kps, 0.3)
    assert [round(score, 2) for score, _box, _kps in merged] == [0.9, 0.7]
    assert merged[0][1][0] == pytest.approx(0.6 / 1.5) and merged[0][2][0, 0] == pytest.approx(3 * 0.6 / 1.5)

