"""AnalysisResult: queries and the results folder round trip."""
import csv
import json

import numpy as np
import pytest

from core_model.analysis.results import AnalysisResult, ResultsError, is_results_dir
from core_model.analysis.segments import segments_for_rows
from core_model.analysis.windows import window_bounds


def make_result(per_person=False):
    bounds = window_bounds(250, 75, 38)
    starts, ends = bounds[:, 0], bounds[:, 1]
    person = np.full(len(starts), -1)
    if per_person:
        starts, ends = np.concatenate([starts, starts[:2]]), np.concatenate([ends, ends[:2]])
        person = np.concatenate([np.full(len(bounds), 2), np.full(2, 5)])
    w = len(starts)
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=(3, w)).astype(np.float32)
    pose_frames = starts[:, None] + np.round(np.linspace(0, 74, 48)).astype(int)[None]
    names = ["wave", "sit", "run", "jump"]
    times = np.arange(250) / 25.0
    segs = segments_for_rows(starts, ends, person, probs[2], class_names=names,
                             frame_time=lambda f: f / 25.0)
    return AnalysisResult(
        summary={"settings": {"top_k": 3}, "video": {"path": "x.mp4"}}, class_names=names, model="untrained",
        trained=False, frame_count=250, fps=25.0, img_shape=(272, 640), window_start=starts, window_end=ends,
        person=person, pose_frames=pose_frames, rgb_frames=pose_frames[:, ::3], boxes=np.tile(
            np.array([10, 20, 300, 260], np.float32), (w, 1)), prob_rgb=probs[0], prob_pose=probs[1],
        prob_fused=probs[2], spatial_attention=rng.random((w, 16, 7, 7), dtype=np.float32),
        temporal_attention=rng.random((w, 16), dtype=np.float32), segments=segs, frame_times=times)


def test_windows_at_and_window_at():
    r = make_result()
    # windows [0,75) [38,113) [76,151) [114,189) [152,227) [175,250)
    assert r.windows_at(0).tolist() == [0]
    assert r.windows_at(40).tolist() == [0, 1]
    assert r.window_at(40) == 0  # centres 37 and 75
    assert r.window_at(60) == 1
    assert r.window_at(200) == 4 and r.window_at(201) == 5  # centres 189 and 212; segments split at 201 too
    assert r.window_at(250) is None
    assert r.people() == [-1]


def test_per_person_queries():
    r = make_result(per_person=True)
    assert r.people() == [2, 5]
    assert r.windows_at(40, person=5).tolist() == [6, 7]
    assert r.window_at(120, person=5) is None
    assert r.window_at(100, person=2) == 2
    assert {s.person for s in r.segments} == {2, 5}


def test_save_load_round_trip(tmp_path):
    r = make_result(per_person=True)
    out = r.save(tmp_path / "res")
    assert is_results_dir(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["format"] == "epam-analysis" and summary["version"] == 1
    assert summary["model"] == "epam" and summary["model_info"]["name"] == "untrained"
    assert summary["trained"] is False
    assert len(summary["windows"]) == r.num_windows and len(summary["windows"][0]["top"]) == 3
    assert summary["windows"][3]["top"][0]["class_index"] == int(np.argmax(r.prob_fused[3]))
    rows = list(csv.DictReader(open(out / "segments.csv")))
    assert len(rows) == len(r.segments) and int(rows[0]["end_frame"]) == r.segments[0].end_frame

    back = AnalysisResult.load(out)
    for name in ("window_start", "person", "rgb_frames", "boxes", "prob_fused", "spatial_attention", "frame_times"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name))
    assert back.segments == r.segments and back.class_names == r.class_names
    assert (back.frame_count, back.fps, back.img_shape) == (250, 25.0, (272, 640))

    r.save(out)  # overwriting leaves one complete folder and no temporaries
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_load_rejects_other_folders(tmp_path):
    with pytest.raises(ResultsError):
        AnalysisResult.load(tmp_path)
    r = make_result()
    r.summary["format"] = "something-else"
    out = tmp_path / "x"
    r.save(out)
    data = json.loads((out / "summary.json").read_text())
    data["format"] = "other"
    (out / "summary.json").write_text(json.dumps(data))
    with pytest.raises(ResultsError):
        AnalysisResult.load(out)


def test_attention_at_picks_nearest_sampled_frame():
    r = make_result()
    row, k = r.attention_at(40)
    assert row == 0 and abs(r.rgb_frames[0, k] - 40) <= 2
    assert np.abs(r.rgb_frames[row] - 40).min() == abs(r.rgb_frames[row, k] - 40)
    assert r.attention_at(250) is None
