"""Faces kept private: the detector shipped in the mediapipe wheel, head boxes from poses, blurred export clips.

The face is a real photograph (tests/data/astronaut_face.jpg: NASA's portrait of Eileen Collins, public domain,
as shipped in scikit-image's data) moving across a 640x360 video.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core_model.cli import main
from core_model.export import load_set
from core_model.pose.format import Poses
from core_model.project import CreateSegment, ProjectStore
from core_model.video import VideoReader
from core_model.video.encoding import encode_frames
from core_model.video.face_blur import FaceBlur, FaceDetector, count_faces, head_boxes, merge_heads, pixelate

FACE = Path(__file__).resolve().parents[1] / "data" / "astronaut_face.jpg"
W, H, FRAMES = 640, 360, 24


def face_frames():
    photo = np.asarray(Image.open(FACE).convert("RGB"))
    frames = []
    for t in range(FRAMES):
        canvas = np.full((H, W, 3), 70, np.uint8)
        x = 40 + 12 * t
        canvas[60:316, x:x + 256] = photo
        frames.append(canvas)
    return frames


@pytest.fixture(scope="module")
def detector():
    with FaceDetector() as det:
        yield det


def test_the_detector_finds_the_face_and_pixelation_hides_it(detector):
    frames = face_frames()[:6]
    assert count_faces(frames, detector) == [1] * 6
    blur = FaceBlur(detector)
    hidden = [blur.apply(f) for f in frames]
    assert count_faces(hidden, detector) == [0] * 6
    box = blur.last_boxes[0]
    assert box[2] - box[0] > 60 and box[3] - box[1] > 60  # the margin grows the detected face
    outside = np.ones((H, W), bool)
    for b in blur.last_boxes:
        outside[max(0, int(b[1])):int(np.ceil(b[3])), max(0, int(b[0])):int(np.ceil(b[2]))] = False
    assert np.array_equal(hidden[-1][outside], frames[5][outside])  # nothing else changes


def test_head_boxes_cover_heads_the_detector_missed():
    kp = np.zeros((2, 17, 2), np.float32)
    sc = np.zeros((2, 17), np.float32)
    kp[0, :5] = [(100, 50), (95, 45), (105, 45), (90, 48), (110, 48)]
    sc[0, :5] = 1
    kp[1, 5:7] = [(300, 200), (340, 200)]  # shoulders only: no head joint seen -> no box
    sc[1, 5:7] = 1
    boxes = head_boxes(kp, sc)
    assert boxes.shape == (1, 4)
    x0, y0, x1, y1 = boxes[0]
    assert x0 < 90 and x1 > 110 and y0 < 45 and y1 > 50
    detected = np.array([[80, 30, 120, 70]], np.float32)
    assert merge_heads(detected, boxes).shape == (1, 4)  # the detector covers it already
    assert merge_heads(np.zeros((0, 4)), boxes).shape == (1, 4)
    img = np.arange(H * W * 3, dtype=np.uint8).reshape(H, W, 3)
    out = pixelate(img, boxes)
    region = out[int(y0) + 1:int(y1) - 1, int(x0) + 1:int(x1) - 1].reshape(-1, 3)
    assert len(np.unique(region, axis=0)) <= 25  # 5 x 5 flat cells


def test_export_blur_faces_leaves_no_detectable_face(tmp_path, detector, capsys):
    video = tmp_path / "face.mp4"
    frames = face_frames()
    encode_frames(video, iter(frames), fps=12.0)
    kp = np.zeros((1, FRAMES, 17, 2), np.float32)
    kp[0, :, :, 0] = (168 + 12 * np.arange(FRAMES))[:, None]
    kp[0, :, :, 1] = 250
    score = np.ones((1, FRAMES, 17), np.float32)
    score[:, :, :5] = 0  # the head is not seen by the poses: the detector alone must hide the face
    poses = Poses(kp, score, [0], np.arange(FRAMES) / 12.0, (H, W), 12.0)
    poses.save(tmp_path / "face.poses.npz")
    project = tmp_path / "p.epam"
    with ProjectStore.create(project, labels=["talks"], author="tester") as store:
        rec = store.add_video(video)
        CreateSegment(rec.id, 0, 2, 20, store.labels()[0].id).apply(store)
    out = tmp_path / "set"
    assert main(["export", str(project), "-o", str(out), "--blur-faces"]) == 0
    capsys.readouterr()
    exported = load_set(out)
    assert exported.info["source"]["blur_faces"] is True
    clip = out / "clips" / f"{exported.rows[0].clip}.mp4"
    with VideoReader(clip) as reader:
        blurred = [frame for _, frame in reader.iter_frames()]
    assert len(blurred) == 18
    assert sum(count_faces(frames[2:20], detector)) == 18
    assert count_faces(blurred, detector) == [0] * 18
