"""Classrooms at default settings: a generated video of 12 people 40-150 px tall (the real cyclist of bikes.mp4
pasted in their own colours, pillars, crossings) is extracted with ``extract_poses``'s defaults: everybody is
found (no cap of four), the 40-px person too, and the extraction settings are recorded in the poses."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose import extract_poses
from core_model.video.classroom import classroom_layout, find_crossings, identity_figures, make_classroom_video
from core_model.video.crowd import cut_source_people, score_poses


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, bikes_video):
    """A 768x576, 40-frame classroom video (12 people, nobody leaving) and its default-settings poses."""
    path = tmp_path_factory.mktemp("classroom") / "classroom.mp4"
    truth = make_classroom_video(path, None, cutouts=cut_source_people(bikes_video), people=12, frames=40, seed=3,
                                 leavers=0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EPAM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        poses = extract_poses(path, workers=1, use_cache=False)
    return truth, poses


def test_the_generator_makes_a_harder_crowd():
    lanes, pillars = classroom_layout(14, (768, 576), 400, seed=0)
    heights = sorted(lane.height for lane in lanes)
    assert heights[0] == pytest.approx(40, abs=1.5) and heights[-1] == pytest.approx(150, abs=5)
    assert len(pillars) == 2
    away = [lane for lane in lanes if any(lane.x_at(f) is not None and (lane.x_at(f) < -lane.height * 0.5
                                                                         or lane.x_at(f) > 768) for f in range(400))]
    assert len(away) >= 3  # people leave the frame (and come back: their waypoints go on)
    boxes = np.zeros((3, 2, 4))
    boxes[:, 0] = [[100, 100, 140, 180], [118, 100, 158, 180], [140, 100, 180, 180]]
    boxes[:, 1] = [[140, 100, 180, 180], [122, 100, 162, 180], [100, 100, 140, 180]]
    assert find_crossings(boxes, np.ones((3, 2))) == [(0, 1, 1)]


def test_default_settings_find_more_than_four_people(classroom):
    truth, poses = classroom
    assert poses.meta["max_people"] == 0 and poses.meta["detect"] == "tiles"  # recorded with the poses
    assert poses.meta["runtime"] == "openvino"  # what ran MediaPipe's models (OpenVINO is a dependency)
    at_once = poses.present.sum(axis=0)
    assert at_once.max() > 4 and np.median(at_once) >= 8, at_once
    score = score_poses(truth, poses.keypoint, poses.keypoint_score)
    # a 40-frame clip: small people are found within a few detection passes, then followed (the 400-frame
    # benchmark, benchmarks/classroom_pose.py, measures recall over whole videos)
    assert score.recall >= 0.7, [round(score.recall_of(p), 2) for p in range(truth.num_people)]
    assert score.duplicates == 0
    assert identity_figures(truth, score).ids_per_person <= 1.3


def test_a_40_px_person_is_found(classroom):
    truth, poses = classroom
    smallest = int(np.argmin([w.height for w in truth.walkers]))
    assert truth.walkers[smallest].height < 42
    score = score_poses(truth, poses.keypoint, poses.keypoint_score)
    assert score.counted[:, smallest].sum() >= 16  # in view most of the clip
    found = score.found[:, smallest] & score.counted[:, smallest]
    assert found.sum() >= 5 and found[-5:].all(), found.astype(int)  # found, then followed to the end


def test_max_people_zero_means_no_limit_and_a_negative_one_is_one_sentence(capsys, bikes_video):
    from core_model.cli import main
    from core_model.pose.extract import DEFAULT_MAX_PEOPLE, extract_poses as extract
    from core_model.pose.mediapipe_backend import WHOLE_FRAME_PEOPLE, MediaPipePoseExtractor
    from core_model.pose.tiled_backend import TiledPoseExtractor

    assert DEFAULT_MAX_PEOPLE == 0 and extract.__kwdefaults__["max_people"] == 0
    with TiledPoseExtractor(max_people=0, detect="frame") as tiled:
        assert tiled._cap > 1000
    with MediaPipePoseExtractor(max_people=0) as whole:
        assert whole.max_people == WHOLE_FRAME_PEOPLE
    code = main(["extract", str(bikes_video), "--max-people", "-1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err == ["epam: error: --max-people must be at least 1, or 0 for no limit."]
