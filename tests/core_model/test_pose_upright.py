"""A person the crowd extractor fits upside down (head at the feet) on a ROI turned upside down is fitted again
upright: the landmark model on a small person's upside-down crop fits an upright body and the next ROI, made from
that fit, stays upside down frame after frame. The real cyclist of bikes.mp4, a third of the size (~50 px tall)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest


@pytest.fixture(scope="module")
def small_cyclist(bikes_video):
    import cv2

    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        frame = [f for _i, f in reader.iter_frames(110, 111)][0]
    small = cv2.resize(frame, None, fx=1 / 3, fy=1 / 3, interpolation=cv2.INTER_AREA)
    canvas = np.zeros_like(frame)
    canvas[:small.shape[0], :small.shape[1]] = small
    return canvas


def _head_and_hips(person):
    kp = person.detection.keypoint
    return float(kp[:5, 1].mean()), float(kp[11:13, 1].mean())


def test_a_person_fitted_upside_down_on_a_turned_roi_is_fitted_again_upright(small_cyclist):
    from core_model.pose.tiled_backend import TiledPoseExtractor

    with TiledPoseExtractor(max_people=0) as extractor:
        assert len(extractor.process(small_cyclist, 0.0)) == 1
        upright = extractor._followed[0]
        head, hips = _head_and_hips(upright)
        assert head < hips and abs(upright.roi.rotation) < 0.3
        runs = extractor.stats["landmark_runs"]
        again = extractor._landmark(small_cyclist, [upright.roi])[0]  # upright ROI: one landmark run
        assert extractor.stats["landmark_runs"] == runs + 1 and again is not None
        runs += 1
        turned = extractor._landmark(small_cyclist, [replace(upright.roi, rotation=np.pi)])[0]
        head, hips = _head_and_hips(turned)
        assert head < hips  # the head above the hips, as the person stands
        assert extractor.stats["landmark_runs"] == runs + 2  # fitted upside down, then again upright
        assert abs(turned.roi.rotation) < 0.5  # and followed upright from here on
        assert np.hypot(*(turned.detection.keypoint - upright.detection.keypoint).T).mean() < 0.1 * (hips - head) * 3
