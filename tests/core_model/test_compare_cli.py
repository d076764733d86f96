"""``epam compare RESULTS_A RESULTS_B [--json]`` end to end on results folders of real analyses (a real
stick-figure video decoded from disk, its true poses, the untrained EPAM-Net with two seeds: its tiny config, as
the comparison reads the folders, not the network's size)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from core_model.analysis import AnalysisResult, AnalysisSettings, analyze_video
from core_model.cli import main
from core_model.pose.format import Poses
from core_model.video.synthetic import write_stick_figure_video

SIZE, FRAMES, FPS = (160, 120), 100, 25.0
SETTINGS = AnalysisSettings(window=50, stride=25, unit="frames", per_person=True, batch_size=3)


def _poses(keypoints, fps=FPS):
    m, t = keypoints.shape[:2]
    return Poses(keypoints, np.ones((m, t, 17), np.float32), np.arange(m) + 1, np.arange(t) / fps,
                 (SIZE[1], SIZE[0]), fps)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, tiny_untrained):
    """Results folders A (seed 0), B (seed 2) of one two-person video, and C of another (shorter) video. (Seed 1 of
    the tiny network leaves its pose features at zero on these sparse stick-figure heatmaps: flat spatial maps,
    which have no correlation to compare.)"""
    root = tmp_path_factory.mktemp("compare")
    video = root / "two.mp4"
    poses = _poses(write_stick_figure_video(video, people=2, frames=FRAMES, size=SIZE))
    poses.keypoint_score[1, 60:] = 0  # person 2 leaves after frame 60: no window of theirs from frame 25 on
    out = {"video": video, "poses": poses}
    for name, seed in (("A", 0), ("B", 2)):
        out[name] = root / name
        analyze_video(video, poses=poses, model=tiny_untrained(seed),
                      settings=SETTINGS, out_dir=out[name], use_cache=False)
    other = root / "one.mp4"
    other_poses = _poses(write_stick_figure_video(other, people=1, frames=50, size=SIZE))
    out["C"] = root / "C"
    analyze_video(other, poses=other_poses, model=tiny_untrained(0),
                  settings=SETTINGS, out_dir=out["C"], use_cache=False)
    return out


def _frame_classes(result: AnalysisResult, person: int) -> list:
    """The predicted class name per frame of ``person`` from the folder's segments (None: no segment)."""
    lane = [None] * result.frame_count
    for s in result.segments_of(person):
        lane[s.start_frame:s.end_frame] = [s.class_name] * (s.end_frame - s.start_frame)
    return lane


def test_json_report_matches_the_two_folders(folders, capsys):
    assert main(["compare", str(folders["A"]), str(folders["B"]), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and len(out.strip().splitlines()) == 1
    data = json.loads(out)
    a, b = AnalysisResult.load(folders["A"]), AnalysisResult.load(folders["B"])
    assert data["a"]["path"] == str(folders["A"]) and data["b"]["model"] == "untrained"
    assert data["video"]["frame_count"] == FRAMES and data["video"]["content_key"] == a.summary["video"]["content_key"]
    assert data["people"] == [1, 2] and data["frames_compared"] == 2 * FRAMES

    # every differing span is a run of frames where A's and B's segments name other classes, and all of them are
    for person in (1, 2):
        lane_a, lane_b = _frame_classes(a, person), _frame_classes(b, person)
        differ = [f for f in range(FRAMES) if lane_a[f] != lane_b[f]]
        spans = [d for d in data["differences"] if d["person"] == person]
        assert sorted(f for d in spans for f in range(d["start_frame"], d["end_frame"])) == differ
        for d in spans:
            assert {lane_a[f] or "(none)" for f in range(d["start_frame"], d["end_frame"])} == {d["class_a"]}
            assert {lane_b[f] or "(none)" for f in range(d["start_frame"], d["end_frame"])} == {d["class_b"]}
            assert d["start_time"] == pytest.approx(a.frame_time(d["start_frame"]), abs=1e-4)
            assert d["end_time"] == pytest.approx(a.frame_time(d["end_frame"]), abs=1e-4)
    assert data["frames_differing"] == sum(d["end_frame"] - d["start_frame"] for d in data["differences"]) > 0
    for c in data["per_class"]:
        assert c["frames_a"] == sum(_frame_classes(a, p).count(c["class"]) for p in (1, 2))
        assert c["change"] == c["frames_b"] - c["frames_a"]

    # attention: recomputed here from the arrays of both folders
    att = data["attention"]
    w = a.num_windows
    assert att["windows"] == w == b.num_windows and 4 <= w < 6  # person 2's windows end when they leave
    assert att["top1_agreement"] == pytest.approx(np.mean(
        [a.class_names[i] == b.class_names[j] for i, j in zip(a.top_class, b.top_class)]))
    r_spatial = [np.corrcoef(a.spatial_attention[i, k].ravel(), b.spatial_attention[i, k].ravel())[0, 1]
                 for i in range(w) for k in range(a.rgb_frames.shape[1])]
    assert att["spatial_maps"] == w * a.rgb_frames.shape[1]
    assert att["spatial_correlation"] == pytest.approx(np.mean(r_spatial), abs=1e-5)
    r_temporal = [np.corrcoef(a.temporal_attention[i], b.temporal_attention[i])[0, 1] for i in range(w)]
    assert att["temporal_windows"] == w and att["temporal_correlation"] == pytest.approx(np.mean(r_temporal), abs=1e-5)
    assert -1 <= att["spatial_correlation"] < 0.99 and data["warnings"] == []


def test_an_analysis_agrees_with_itself(folders, capsys):
    assert main(["compare", str(folders["A"]), str(folders["A"]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["differences"] == [] and data["frames_differing"] == 0
    assert data["attention"]["top1_agreement"] == 1.0
    assert data["attention"]["spatial_correlation"] == pytest.approx(1.0)
    assert data["attention"]["temporal_correlation"] == pytest.approx(1.0)
    assert all(c["change"] == 0 for c in data["per_class"])


def test_text_report(folders, capsys):
    assert main(["compare", str(folders["A"]), str(folders["B"])]) == 0
    out = capsys.readouterr().out
    data_main = out.splitlines()
    assert data_main[0].startswith(f"A: {folders['A']}") and "two.mp4, 100 frames at 25 fps" in out
    assert "Predictions differ on " in out and "of 200 frames" in out and "Frames per class (A → B):" in out
    w = AnalysisResult.load(folders["A"]).num_windows
    assert f"Attention on the {w} windows both have:" in out and "top-1 agreement" in out
    assert "spatial correlation    " in out and f"(mean over {16 * w} maps)" in out


@pytest.mark.parametrize("case, message", [
    ("missing", "Results folder B '{missing}' does not exist."),
    ("other video", "The two results are analyses of different videos (A: two.mp4, B: one.mp4, different "
                    "content), so their frames cannot be compared."),
    ("not results", "'{empty}' is not an analysis results folder (it has no summary.json or arrays.npz)."),
])
def test_errors_are_one_sentence(folders, tmp_path, case, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "gone"
    b = {"missing": missing, "other video": folders["C"], "not results": empty}[case]
    run = subprocess.run([sys.executable, "-m", "core_model.cli", "compare", str(folders["A"]), str(b), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr == "epam: error: " + message.format(missing=missing, empty=empty) + "\n"


def test_no_window_in_common_is_refused(folders, tmp_path, capsys, tiny_untrained):
    """The same video analysed in everybody mode: no window has the same person, so nothing can be compared."""
    everybody = tmp_path / "everybody"
    analyze_video(folders["video"], poses=folders["poses"], model=tiny_untrained(0),
                  settings=AnalysisSettings(window=50, stride=50, unit="frames", batch_size=2), out_dir=everybody,
                  use_cache=False)
    assert main(["compare", str(folders["A"]), str(everybody)]) == 1
    err = capsys.readouterr().err
    assert err == ("epam: error: The two analyses have no window in common (A: per-person mode, 50-frame windows "
                   "every 25 frames; B: everybody mode, 50-frame windows every 50 frames); analyse both with the "
                   "same window, stride and mode to compare them.\n")
