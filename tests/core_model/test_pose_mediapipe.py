"""The MediaPipe backend: the .task bundle built from the wheel, one-frame behaviour, GPU fallback."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from core_model.errors import ConfigError, PoseError
from core_model.pose.extractor import backend_settings, create_extractor
from core_model.pose.mediapipe_backend import blazepose_to_coco
from core_model.pose.task_bundle import DETECTOR_MEMBER, LANDMARKER_MEMBER, pose_landmarker_bundle


def test_bundle_is_an_uncompressed_zip_with_normalization_metadata_built_once():
    from mediapipe.tasks.python.metadata import metadata

    path = pose_landmarker_bundle()
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == {DETECTOR_MEMBER, LANDMARKER_MEMBER}
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())
        for name, value_range in ((DETECTOR_MEMBER, [-1.0, 1.0]), (LANDMARKER_MEMBER, [0.0, 1.0])):
            shown = json.loads(metadata.MetadataDisplayer.with_model_buffer(zf.read(name)).get_metadata_json())
            image = shown["subgraph_metadata"][0]["input_tensor_metadata"][0]
            norm = image["process_units"][0]["options"]
            assert [(0 - norm["mean"][0]) / norm["std"][0], (255 - norm["mean"][0]) / norm["std"][0]] == value_range
    mtime = path.stat().st_mtime_ns
    assert pose_landmarker_bundle() == path and path.stat().st_mtime_ns == mtime  # cached, not rebuilt


def test_one_frame_of_bikes_gives_the_cyclist_in_pixels(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        frames = [(reader.timestamps[i], reader[i]) for i in range(104, 109)]
    with create_extractor("mediapipe", max_people=4) as extractor:
        for ts, frame in frames:
            detections = extractor.process(frame, ts)
        with pytest.raises(PoseError):
            extractor.process(frame[..., 0], ts + 1)
    assert len(detections) == 1
    kp, score = detections[0].keypoint, detections[0].score
    assert kp.shape == (17, 2) and score.shape == (17,) and kp.dtype == np.float32
    assert (kp[:, 0] >= 0).all() and (kp[:, 0] <= 639).all() and (kp[:, 1] >= 0).all() and (kp[:, 1] <= 271).all()
    assert 350 < kp[0, 0] < 500  # the cyclist stands right of centre in this shot
    assert np.median(score) > 0.5
    assert kp[0, 1] < kp[15, 1] or score[15] == 0  # head above the ankles


def test_gpu_delegate_falls_back_to_cpu_with_one_line_note():
    extractor = create_extractor("mediapipe", max_people=2, delegate="auto")
    try:
        assert extractor.device in ("cpu", "gpu")
        if extractor.device == "cpu":
            assert extractor.note and "\n" not in extractor.note and "CPU" in extractor.note
    finally:
        extractor.close()
    with pytest.raises(ConfigError):
        create_extractor("mediapipe", delegate="tpu")
    with pytest.raises(ConfigError):
        create_extractor("nope")


def test_settings_key_does_not_load_a_model():
    s = backend_settings("mediapipe", max_people=3)
    assert s["max_people"] == 3 and s["mediapipe"] == "0.10.21" and s["backend"] == "mediapipe"


def test_blazepose_mapping_zeroes_joints_outside_the_frame():
    raw = np.zeros((33, 4), np.float32)
    raw[:, 0], raw[:, 1], raw[:, 2:] = 0.5, 0.5, 0.9
    raw[27] = (0.5, 1.3, 0.9, 0.9)  # left ankle well below the frame
    det = blazepose_to_coco(raw, width=200, height=100)
    assert det.keypoint[15].tolist() == [100.0, 99.0] and det.score[15] == 0
    assert det.keypoint[0].tolist() == [100.0, 50.0] and det.score[0] == pytest.approx(0.9)
