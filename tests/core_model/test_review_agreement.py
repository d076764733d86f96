"""Agreement figures against scikit-learn (an independent reference) on random and hand-made cases."""
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from core_model.review import NO_LABEL, agreement_from_frames, cohen_kappa, frame_codes
from core_model.review.agreement import NONE_NAME

NAMES = ["sit", "stand", "walk", "wave", "clap"]


def _reference(human, model, count_missing=True):
    mask = human != NO_LABEL
    if not count_missing:
        mask &= model != NO_LABEL
    h, m = human[mask], model[mask]
    labels = sorted(set(h.tolist()) | set(m.tolist()))
    labels = [c for c in labels if c != NO_LABEL] + ([NO_LABEL] if NO_LABEL in labels else [])
    return h, m, labels


@pytest.mark.parametrize("seed", range(8))
def test_random_cases_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = 500
    human = rng.integers(-1, 4, n)  # class 4 never used by the human side
    model = np.where(rng.random(n) < 0.6, human, rng.integers(-1, 5, n))
    report = agreement_from_frames(human, model, NAMES)
    h, m, labels = _reference(human, model)
    assert report.frames == len(h)
    assert report.accuracy == pytest.approx(accuracy_score(h, m))
    assert report.kappa == pytest.approx(cohen_kappa_score(h, m))
    np.testing.assert_array_equal(report.confusion, confusion_matrix(h, m, labels=labels))
    p, r, f, s = precision_recall_fscore_support(h, m, labels=labels, zero_division=0)
    names = [NAMES[c] if c != NO_LABEL else NONE_NAME for c in labels]
    assert report.classes == names
    for i, name in enumerate(names):
        got = report.per_class[name]
        assert (got["precision"], got["recall"], got["f1"], got["support"]) == pytest.approx((p[i], r[i], f[i], s[i]))


def test_human_vs_human_ignores_frames_only_one_side_labeled():
    a = np.array([0, 0, 1, 1, -1, -1, 2])
    b = np.array([0, 1, 1, -1, 2, -1, 2])
    report = agreement_from_frames(a, b, NAMES, count_missing_other=False)
    h, m, labels = _reference(a, b, count_missing=False)
    assert report.frames == 4
    assert NONE_NAME not in report.classes
    assert report.kappa == pytest.approx(cohen_kappa_score(h, m))
    assert report.accuracy == pytest.approx(0.75)


def test_hand_made_perfect_and_chance():
    perfect = agreement_from_frames(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1]), NAMES)
    assert perfect.accuracy == 1.0 and perfect.kappa == pytest.approx(1.0)
    # one class on each side only: p_o = 0, p_e = 0 -> kappa 0
    disjoint = agreement_from_frames(np.array([0, 0]), np.array([1, 1]), NAMES)
    assert disjoint.accuracy == 0.0 and disjoint.kappa == pytest.approx(0.0)
    assert disjoint.per_class["sit"]["recall"] == 0.0 and disjoint.per_class["stand"]["precision"] == 0.0
    # hand computed: confusion [[2,1],[0,1]] -> p_o=0.75, p_e=(3*2+1*2)/16=0.5 -> kappa 0.5
    assert cohen_kappa(np.array([[2, 1], [0, 1]])) == pytest.approx(0.5)


def test_empty_overlap_gives_no_frames_and_nan():
    report = agreement_from_frames(np.full(10, NO_LABEL), np.zeros(10, int), NAMES)
    assert report.frames == 0 and np.isnan(report.accuracy) and np.isnan(report.kappa)
    assert report.to_dict()["kappa"] is None


def test_frame_codes_later_segments_win_and_clip():
    codes = frame_codes([(0, 4, 1), (2, 6, 3), (8, 99, 0)], 10)
    np.testing.assert_array_equal(codes, [1, 1, 3, 3, 3, 3, -1, -1, 0, 0])


def test_kappa_is_undefined_when_both_coders_use_one_class_like_sklearn():
    import warnings

    a = np.array([2, 2, 2, 2])
    report = agreement_from_frames(a, a.copy(), NAMES, count_missing_other=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(cohen_kappa_score(a, a))
    assert report.accuracy == 1.0 and np.isnan(report.kappa)
    assert report.to_dict()["kappa"] is None
    assert np.isnan(cohen_kappa(np.array([[7]])))


@pytest.mark.parametrize("seed", range(6))
def test_small_and_degenerate_cases_match_sklearn(seed):
    """Few frames and few classes (where p_e reaches 0 or 1): NaN exactly where scikit-learn gives NaN."""
    import warnings

    rng = np.random.default_rng(100 + seed)
    for _ in range(200):
        n = int(rng.integers(1, 6))
        human = rng.integers(0, 2, n)
        model = rng.integers(0, 2, n) if rng.random() < 0.7 else human.copy()
        report = agreement_from_frames(human, model, NAMES)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cohen_kappa_score(human, model)
        if np.isnan(expected):
            assert np.isnan(report.kappa), (human, model)
        else:
            assert report.kappa == pytest.approx(expected), (human, model)
