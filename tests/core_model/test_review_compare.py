"""Two analyses compared without Qt (core_model.review.compare): What changed over a project, and two results
of one video (differing spans, frames per class, attention agreement, refusals)."""
import numpy as np
import pytest

from core_model.analysis.results import ResultsError
from core_model.review.compare import (NO_CLASS, NOT_ANALYZED, agreement_rows, change_rows, check_same_video,
                                       compare_analyses, compare_results)

from .compare_helpers import analyzed_again, labeled_store, result  # noqa: F401 (labeled_store: a fixture)


# ---- What changed over a project (moved from the dialog) ------------------------------------------
def test_what_changed_agreement_changes_and_their_text(labeled_store):
    store, a, b = labeled_store
    what = compare_results(store, *analyzed_again(a, b))
    # before: a's person 1 = 50/100 frames right (b has no result: its 100 labeled frames count as missed)
    assert what.before.frames == what.after.frames == 200 and what.before.accuracy == pytest.approx(50 / 200)
    assert what.after.accuracy == pytest.approx((80 + 60) / 200) and what.after.kappa > what.before.kappa
    spans = [(c.video_id, c.person, c.start_frame, c.end_frame, c.before, c.after) for c in what.changes]
    assert spans == [(a, 1, 50, 80, "wave", "walk"), (a, 1, 80, 100, "wave", "sit"),
                     (b, 2, 0, 40, NOT_ANALYZED, "walk"), (b, 2, 40, 100, NOT_ANALYZED, "sit")]
    assert what.changes[0].start_time == pytest.approx(2.0) and what.changes[1].end_time == pytest.approx(4.0)
    assert what.frames_changed == 150 and what.videos == 2

    rows = agreement_rows(what)
    assert rows[0] == ["accuracy (frames)", "25.0 %", "70.0 %", "+45.0 pts"]
    assert rows[1][0] == "Cohen's κ" and rows[1][3].startswith("+") and "pts" not in rows[1][3]
    assert rows[2] == ["frames compared", "200", "200", ""]
    f1 = {r[0]: r for r in rows[3:]}
    assert set(f1) == {"F1 wave", "F1 walk", "F1 sit"}  # every class the people used
    assert change_rows(what)[0] == ["a.mp4", "P1", "00:02.000", "00:03.200", "wave", "walk"]
    assert change_rows(what)[2][:4] == ["b.mp4", "P2", "00:00.000", "00:01.600"]


def test_nothing_changed_when_results_agree(labeled_store):
    store, a, _b = labeled_store
    same = result([(1, 0, 50, "wave"), (1, 50, 100, "walk")])
    what = compare_results(store, {a: same}, {a: same})
    assert what.changes == [] and what.before.accuracy == what.after.accuracy == 1.0
    assert change_rows(what) == []


def test_a_class_only_the_model_used_has_no_f1_row(labeled_store):
    store, a, _b = labeled_store
    what = compare_results(store, {a: None}, {a: result([(1, 0, 100, "sit")])})
    assert [r[0] for r in agreement_rows(what)[3:]] == ["F1 wave", "F1 walk"]  # video a's people never said sit
    what = compare_results(store, {}, {})
    assert what.before is None and what.after is None
    assert agreement_rows(what)[:3] == [["accuracy (frames)", "–", "–", ""], ["Cohen's κ", "–", "–", ""],
                                        ["frames compared", "–", "–", ""]]


# ---- two results of one video ----------------------------------------------------------------------
def _attention(seed, n=2, noise=0.0, base=None):
    rng = np.random.default_rng(seed)
    maps = rng.random((n, 16, 7, 7)).astype(np.float32) if base is None else base + noise * rng.random(base.shape)
    return maps.astype(np.float32)


def test_two_results_differences_per_class_and_attention():
    windows = [(3, 0, 50), (3, 50, 100)]
    spatial_a = _attention(0)
    spatial_b = spatial_a.copy()
    spatial_b[1] = 1.0 - spatial_a[1]  # second window: the opposite map (r = -1)
    temporal_a = np.tile(np.linspace(0, 1, 16, dtype=np.float32), (2, 1))
    temporal_b = temporal_a * 2 + 1  # the same shape: r = 1
    probs_a = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1]], np.float32)
    probs_b = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    a = result([(3, 0, 50, "wave"), (3, 50, 100, "walk")], windows=windows, probs=probs_a, spatial=spatial_a,
               temporal=temporal_a)
    b = result([(3, 0, 60, "wave"), (3, 60, 100, "sit")], windows=windows, probs=probs_b, spatial=spatial_b,
               temporal=temporal_b)
    cmp = compare_analyses(a, b)
    assert [(d.person, d.start_frame, d.end_frame, d.class_a, d.class_b) for d in cmp.differences] == \
        [(3, 50, 60, "walk", "wave"), (3, 60, 100, "walk", "sit")]
    assert cmp.differences[0].start_time == pytest.approx(2.0) and cmp.differences[1].end_time == pytest.approx(4.0)
    assert cmp.frames_differing == 50 and cmp.frames_compared == 100 and cmp.people == [3]
    per_class = {c.name: (c.frames_a, c.frames_b, c.change) for c in cmp.per_class}
    assert per_class == {"wave": (50, 60, 10), "walk": (50, 0, -50), "sit": (0, 40, 40)}
    assert cmp.per_class[0].name == "walk"  # largest change first
    att = cmp.attention
    assert att.windows == 2 and att.top1_agreement == pytest.approx(0.5)
    assert att.spatial_maps == 32 and att.spatial_correlation == pytest.approx(0.0, abs=1e-6)  # (16·1 + 16·-1)/32
    assert att.temporal_windows == 2 and att.temporal_correlation == pytest.approx(1.0)
    data = cmp.to_dict()
    assert data["attention"]["top1_agreement"] == 0.5 and data["frames_differing"] == 50
    assert data["differences"][1] == {"person": 3, "start_frame": 60, "end_frame": 100, "start_time": 2.4,
                                      "end_time": 4.0, "class_a": "walk", "class_b": "sit"}
    assert data["video"] == {"name": "v.mp4", "content_key": "key-v", "frame_count": 100, "fps": 25.0}


def test_flat_or_missing_attention_reads_as_undefined():
    windows = [(-1, 0, 50)]
    flat = np.full((1, 16, 7, 7), 1 / 49, np.float32)
    a = result([(-1, 0, 50, "wave")], windows=windows, spatial=flat, temporal=None)
    b = result([(-1, 0, 50, "wave")], windows=windows, spatial=_attention(1, n=1), temporal=None)
    cmp = compare_analyses(a, b)
    assert cmp.differences == [] and cmp.attention.top1_agreement == 1.0
    assert cmp.attention.spatial_maps == 0 and np.isnan(cmp.attention.spatial_correlation)
    assert cmp.attention.temporal_windows == 0
    assert cmp.to_dict()["attention"]["spatial_correlation"] is None  # null in JSON, never NaN


def test_unlike_attention_is_not_correlated_but_said():
    windows = [(-1, 0, 50)]
    a = result([(-1, 0, 50, "wave")], windows=windows, spatial=_attention(1, n=1))
    b = result([(-1, 0, 50, "wave")], windows=windows, spatial=np.ones((1, 16, 14, 14), np.float32))
    cmp = compare_analyses(a, b)
    assert cmp.attention.spatial_maps == 0 and any("7×7 and 14×14" in w for w in cmp.warnings)


def test_different_videos_are_refused_in_one_sentence():
    a = result([(-1, 0, 50, "wave")], key="key-1")
    with pytest.raises(ResultsError, match=r"different videos \(A: v.mp4, B: v.mp4, different content\)") as err:
        compare_analyses(a, result([(-1, 0, 50, "wave")], key="key-2"))
    assert "\n" not in str(err.value)
    b = result([(-1, 0, 50, "wave")], key=None)
    b.frame_count = 90
    with pytest.raises(ResultsError, match="100 frames; B: v.mp4, 90 frames"):
        compare_analyses(a, b)
    b.frame_count = 100
    assert any("content key" in w for w in check_same_video(a, b))  # same length, unknown content: warned
    c = result([(-1, 0, 50, "wave")], classes=("wave", "jump"), key="key-1")
    assert any("class lists" in w for w in check_same_video(a, c))


def test_no_window_in_common_is_refused():
    a = result([(-1, 0, 50, "wave")])
    b = result([(2, 0, 50, "wave")])  # per person: no everybody window
    with pytest.raises(ResultsError, match=r"no window in common \(A: per-person mode, 1 window; B: per-person"):
        compare_analyses(a, b)


def test_a_person_without_rows_on_one_side_is_compared_with_its_everybody_rows():
    a = result([(-1, 0, 100, "wave")], windows=[(-1, 0, 50), (-1, 50, 100)])
    b = result([(1, 0, 100, "walk"), (-1, 0, 50, "wave")], windows=[(1, 0, 50), (-1, 0, 50)])
    cmp = compare_analyses(a, b)
    assert cmp.people == [-1, 1]
    assert [(d.person, d.start_frame, d.end_frame, d.class_a, d.class_b) for d in cmp.differences] == \
        [(-1, 50, 100, "wave", NO_CLASS), (1, 0, 100, "wave", "walk")]
    assert cmp.attention.windows == 1  # only the everybody window [0, 50) is in both
    assert {c.name: (c.frames_a, c.frames_b) for c in cmp.per_class} == {"wave": (200, 50), "walk": (0, 100)}
