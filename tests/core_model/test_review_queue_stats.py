"""Review queue ranking on a hand-built result with known disagreements and flicker; time budgets."""
import numpy as np
import pytest

from core_model.analysis.results import AnalysisResult
from core_model.review import build_queue, frame_codes, time_budgets
from core_model.review.queue import filter_items, js_divergence
from core_model.review.stats import summarize

NAMES = ["drink water", "eat meal", "sit", "stand"]


def onehot(c, p=0.9):
    v = np.full(4, (1 - p) / 3, np.float32)
    v[c] = p
    return v


def make_result(rows):
    """rows: list of (rgb_dist, pose_dist, fused_dist); windows of 20 frames every 10 frames, everybody."""
    w = len(rows)
    starts = np.arange(w) * 10
    ends = starts + 20
    prob_rgb, prob_pose, prob_fused = (np.stack([r[i] for r in rows]) for i in range(3))
    frames = starts[:, None] + np.arange(48)[None] * 20 // 48
    return AnalysisResult(
        summary={}, class_names=NAMES, model="m", trained=True, frame_count=int(ends[-1]), fps=10.0,
        img_shape=(100, 100), window_start=starts, window_end=ends, person=np.full(w, -1), pose_frames=frames,
        rgb_frames=frames[:, ::3], boxes=np.zeros((w, 4), np.float32), prob_rgb=prob_rgb, prob_pose=prob_pose,
        prob_fused=prob_fused, spatial_attention=None, temporal_attention=None)


def test_queue_finds_and_ranks_known_problems():
    confident = (onehot(2), onehot(2), onehot(2))
    rows = [confident] * 10
    rows[1] = (onehot(0, 0.41), onehot(1, 0.38), onehot(0, 0.30))  # disagreement + low confidence
    rows[4] = (onehot(3), onehot(3), onehot(3))  # flicker: sit sit [stand] sit sit
    rows[7] = (onehot(2, 0.45), onehot(2, 0.45), onehot(2, 0.42))  # low confidence only
    result = make_result(rows)
    labels = {-1: frame_codes([(0, 110, 2)], result.frame_count)}  # everything labeled
    items = build_queue(result, label_frames=labels, include_done=True)
    # all labeled -> every item is done; the order among done items is still by score
    assert all(it.done for it in items)
    unlabeled = build_queue(result)
    top = [it.row for it in unlabeled[:3]]
    assert top == [1, 7, 4]
    first = unlabeled[0]
    assert set(first.reasons) >= {"low_confidence", "disagreement", "unlabeled"}
    assert "RGB says drink water 41 %" in first.text and "pose says eat meal 38 %" in first.text
    assert unlabeled[2].reasons[0] == "flicker"
    # plain confident windows are only in the queue as unlabeled, ranked last
    assert {it.row for it in unlabeled[3:]} == {0, 2, 3, 5, 6, 8, 9}
    assert all(it.reasons == ("unlabeled",) for it in unlabeled[3:])
    assert sorted(it.row for it in filter_items(unlabeled, ["flicker"])) == [1, 4]  # row 1 also flickers


def test_labeling_a_window_marks_its_item_done():
    rows = [(onehot(0, 0.41), onehot(1, 0.38), onehot(0, 0.3))] * 3
    result = make_result(rows)
    before = build_queue(result)
    assert not any(it.done for it in before)
    labels = {-1: frame_codes([(10, 30, 1)], result.frame_count)}  # covers window 1 fully
    after = {it.row: it for it in build_queue(result, label_frames=labels)}
    assert after[1].done and not after[0].done and "unlabeled" not in after[1].reasons
    assert [it.row for it in filter_items(list(after.values()))] != [] and 1 not in \
        [it.row for it in filter_items(list(after.values()))]


def test_js_divergence_bounds():
    p = np.array([[1.0, 0, 0, 0], [0.25] * 4])
    assert js_divergence(p, p) == pytest.approx([0, 0], abs=1e-6)
    assert js_divergence(p[:1], np.array([[0, 1.0, 0, 0]]))[0] == pytest.approx(1.0, abs=1e-6)


def test_time_budgets_bouts_and_shares():
    segs = [("a.mp4", 1, 0, 50, "sit"), ("a.mp4", 1, 50, 100, "sit"), ("a.mp4", 1, 150, 200, "sit"),
            ("a.mp4", 1, 100, 150, "stand"), ("a.mp4", 2, 0, 200, "stand"), ("b.mp4", -1, 0, 10, "sit")]
    budgets = time_budgets(segs, lambda v, f: f / 25.0, lambda v: 8.0 if v == "a.mp4" else 1.0)
    by = {(b.video, b.person, b.label): b for b in budgets}
    sit = by[("a.mp4", 1, "sit")]
    assert sit.seconds == pytest.approx(6.0) and sit.bouts == 2 and sit.mean_bout == pytest.approx(3.0)
    assert sit.share == pytest.approx(0.75)
    assert by[("a.mp4", 2, "stand")].share == pytest.approx(1.0)
    assert by[("b.mp4", -1, "sit")].seconds == pytest.approx(0.4)
    totals = summarize(budgets, "label")
    assert totals["sit"]["seconds"] == pytest.approx(6.4) and totals["stand"]["bouts"] == 2
