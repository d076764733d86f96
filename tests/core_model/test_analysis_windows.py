"""Window planning, settings parsing and segment merging on synthetic inputs (exact expectations)."""
import numpy as np
import pytest

from core_model.analysis.segments import majority_filter, merge_segments, segments_for_rows
from core_model.analysis.settings import AnalysisSettings, parse_length
from core_model.analysis.windows import fill_gaps, plan_windows, window_bounds
from core_model.preprocess.sampling import rgb_from_pose
from core_model.errors import ConfigError

NAMES = ["a", "b", "c"]


def one_hot(labels, conf=0.8):
    probs = np.full((len(labels), 3), (1 - conf) / 2)
    probs[np.arange(len(labels)), labels] = conf
    return probs


def seconds(frame):
    return frame / 25.0


def test_window_bounds_exact():
    assert window_bounds(250, 75, 38).tolist() == [[0, 75], [38, 113], [76, 151], [114, 189], [152, 227], [175, 250]]
    assert window_bounds(150, 50, 50).tolist() == [[0, 50], [50, 100], [100, 150]]
    assert window_bounds(30, 75, 38).tolist() == [[0, 30]]
    assert window_bounds(75, 75, 38).tolist() == [[0, 75]]
    assert window_bounds(0, 75, 38).shape == (0, 2)


def test_every_frame_covered_by_some_window():
    for n, w, s in [(251, 75, 38), (1000, 90, 45), (77, 75, 10), (10, 3, 3)]:
        bounds = window_bounds(n, w, s)
        covered = np.zeros(n, bool)
        for a, b in bounds:
            covered[a:b] = True
        assert covered.all() and (bounds[:, 1] - bounds[:, 0] == min(w, n)).all()


def test_parse_length_and_settings():
    assert parse_length("3s") == (3.0, "s")
    assert parse_length("1.5s") == (1.5, "s")
    assert parse_length("75") == (75.0, "frames")
    for bad in ("abc", "0", "1.5", "-3s"):
        with pytest.raises(ConfigError):
            parse_length(bad)
    s = AnalysisSettings.from_lengths("75")
    assert (s.window, s.stride, s.unit) == (75, 37, "frames")
    assert (s.window_frames(25), s.stride_frames(25)) == (75, 37)
    d = AnalysisSettings()
    assert (d.window_frames(25), d.stride_frames(25)) == (75, 38)
    assert (d.window_frames(30), d.stride_frames(30)) == (90, 45)
    with pytest.raises(ConfigError):
        AnalysisSettings.from_lengths("3s", "40")
    assert AnalysisSettings.from_dict(d.to_dict()) == d


def test_rgb_frames_are_every_third_pose_frame():
    pose = np.arange(100, 148)
    assert rgb_from_pose(pose).tolist() == list(range(100, 148, 3))


def test_per_person_plan_keeps_windows_where_person_present():
    score = np.zeros((2, 200, 17), np.float32)
    score[0, :120] = 1.0  # track 7: frames 0-119
    score[1, 80:] = 1.0  # track 3: frames 80-199
    bounds = window_bounds(200, 50, 50)
    jobs = plan_windows(bounds, score, np.array([7, 3]), per_person=True, min_presence=0.5)
    assert [(j.person, j.person_index, j.start) for j in jobs] == [
        (7, 0, 0), (7, 0, 50), (3, 1, 100), (3, 1, 150)]
    every = plan_windows(bounds, score, per_person=False)
    assert [(j.person, j.start) for j in every] == [(-1, 0), (-1, 50), (-1, 100), (-1, 150)]
    score[:, 20:200] = 0  # nobody after frame 20: someone in 40% of the first window, nobody later
    assert [j.start for j in plan_windows(bounds, score, min_presence=0.4)] == [0]
    assert plan_windows(bounds, score, min_presence=0.5) == []


def test_merge_consecutive_same_class_at_centre_midpoints():
    bounds = window_bounds(150, 50, 25)  # starts 0,25,50,75,100; centres 25,50,75,100,125
    segs = merge_segments(bounds[:, 0], bounds[:, 1], one_hot([0, 0, 1, 1, 1]), person=-1,
                          class_names=NAMES, frame_time=seconds)
    assert [(s.start_frame, s.end_frame, s.class_name) for s in segs] == [(0, 63, "a"), (63, 150, "b")]
    assert segs[0].start_time == 0.0 and segs[1].end_time == 6.0
    assert segs[0].confidence == pytest.approx(0.8)


def test_smoothing_removes_single_window_flicker():
    bounds = window_bounds(175, 50, 25)
    labels = [0, 0, 2, 0, 0, 1]
    assert majority_filter(labels, 3).tolist() == [0, 0, 0, 0, 0, 1]
    segs = merge_segments(bounds[:, 0], bounds[:, 1], one_hot(labels), person=-1, class_names=NAMES,
                          frame_time=seconds, smoothing=3)
    assert [(s.start_frame, s.end_frame, s.class_index) for s in segs] == [(0, 138, 0), (138, 175, 1)]


def test_majority_filter_exact():
    assert majority_filter([0, 1, 0, 0, 2, 2, 2], 3).tolist() == [0, 0, 0, 0, 2, 2, 2]
    assert majority_filter([0, 1, 0], 1).tolist() == [0, 1, 0]


def test_min_segment_frames_absorbs_short_segment_into_likelier_neighbour():
    bounds = window_bounds(150, 50, 25)
    probs = one_hot([0, 0, 2, 1, 1])
    probs[2] = [0.1, 0.35, 0.55]  # the odd window thinks "b" second most likely
    segs = merge_segments(bounds[:, 0], bounds[:, 1], probs, person=-1, class_names=NAMES,
                          frame_time=seconds, min_frames=30)
    assert [(s.start_frame, s.end_frame, s.class_index) for s in segs] == [(0, 63, 0), (63, 150, 1)]
    # without the minimum the 25-frame "c" segment stays
    segs = merge_segments(bounds[:, 0], bounds[:, 1], probs, person=-1, class_names=NAMES, frame_time=seconds)
    assert [(s.start_frame, s.end_frame, s.class_index) for s in segs] == [(0, 63, 0), (63, 88, 2), (88, 150, 1)]


def test_per_person_segments_split_on_absence_and_stay_apart():
    starts = np.array([0, 50, 150, 0, 50])
    ends = starts + 50
    person = np.array([4, 4, 4, 9, 9])
    segs = segments_for_rows(starts, ends, person, one_hot([1, 1, 1, 2, 0]), class_names=NAMES,
                             frame_time=seconds)
    assert [(s.person, s.start_frame, s.end_frame, s.class_index) for s in segs] == [
        (4, 0, 100, 1), (4, 150, 200, 1), (9, 0, 50, 2), (9, 50, 100, 0)]


def test_short_detection_gaps_count_as_present():
    seen = np.array([[1, 0, 0, 1, 0, 0, 0, 0, 1, 0], [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]], bool)
    assert fill_gaps(seen, 2).astype(int).tolist() == [[1, 1, 1, 1, 0, 0, 0, 0, 1, 0], [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]]
    assert fill_gaps(seen, 4).astype(int)[0].tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert fill_gaps(seen, 0).tolist() == seen.tolist()
    score = np.zeros((1, 100, 17), np.float32)
    score[0, ::4] = 1.0  # seen one frame in four: 25%
    bounds = window_bounds(100, 50, 50)
    assert plan_windows(bounds, score, per_person=True, min_presence=0.5) == []
    assert len(plan_windows(bounds, score, per_person=True, min_presence=0.5, max_gap=3)) == 2
