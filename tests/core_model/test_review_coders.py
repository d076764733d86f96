"""Model vs human with two coders on one video: each coder's labels are compared on their own (not merged)."""
import numpy as np
import pytest

from core_model.analysis.results import AnalysisResult
from core_model.analysis.segments import Segment
from core_model.project import CreateSegment, ProjectStore
from core_model.review.project_review import project_agreement, project_authors

LABELS = ["sit", "stand"]


def test_model_vs_every_coder(tmp_path):
    store = ProjectStore.create(tmp_path / "p.epam", labels=LABELS)
    v = store.add_video_record("a.mp4", "key-a", 100, 10.0)
    pf = np.zeros((1, 48), int)
    probs = np.array([[0.9, 0.1]], np.float32)
    AnalysisResult(summary={}, class_names=LABELS, model="m", trained=True, frame_count=100, fps=10.0,
                   img_shape=(8, 8), window_start=np.array([0]), window_end=np.array([100]), person=np.array([-1]),
                   pose_frames=pf, rgb_frames=pf[:, ::3], boxes=np.zeros((1, 4), np.float32), prob_rgb=probs,
                   prob_pose=probs, prob_fused=probs, spatial_attention=None, temporal_attention=None,
                   segments=[Segment(-1, 0, 100, 0.0, 10.0, 0, "sit", 0.9)]).save(tmp_path / "res")
    store.set_analysis(v.id, tmp_path / "res", "m")
    ids = {lab.name: lab.id for lab in store.labels()}
    CreateSegment(v.id, -1, 0, 100, ids["sit"], author="ann").apply(store)  # agrees with the model
    CreateSegment(v.id, -1, 0, 40, ids["stand"], author="bob").apply(store)  # disagrees on 40 frames
    assert project_authors(store) == ["ann", "bob"]
    overall, _ = project_agreement(store, ("human", "model"))
    assert overall.frames == 140 and overall.accuracy == pytest.approx(100 / 140)
    assert overall.confusion.tolist() == [[100, 0], [40, 0]]
    bob, _ = project_agreement(store, ("author:bob", "model"))
    assert bob.frames == 40 and bob.accuracy == 0.0
    store.close()


def test_time_budgets_count_each_coder_on_their_own(tmp_path):
    """Two coders label the same person: the budgets are per coder (or one chosen coder's), never their sum."""
    from core_model.review.project_review import project_budgets

    store = ProjectStore.create(tmp_path / "p.epam", labels=LABELS, author="ann")
    v = store.add_video_record("a.mp4", "key-a", 100, 10.0)
    ids = {lab.name: lab.id for lab in store.labels()}
    CreateSegment(v.id, 2, 0, 60, ids["sit"]).apply(store)  # ann: sit 6 s
    CreateSegment(v.id, 2, 0, 40, ids["sit"], author="bob").apply(store)  # bob: sit 4 s, stand 6 s
    CreateSegment(v.id, 2, 40, 100, ids["stand"], author="bob").apply(store)
    rows = {(b.coder, b.label): (b.seconds, b.share, b.bouts) for b in project_budgets(store)}
    assert rows == {("ann", "sit"): (pytest.approx(6.0), pytest.approx(0.6), 1),
                    ("bob", "sit"): (pytest.approx(4.0), pytest.approx(0.4), 1),
                    ("bob", "stand"): (pytest.approx(6.0), pytest.approx(0.6), 1)}
    bob = project_budgets(store, author="bob")
    assert [(b.coder, b.label, round(b.seconds, 6)) for b in bob] == [("bob", "sit", 4.0), ("bob", "stand", 6.0)]
    assert project_budgets(store, author="nobody") == []
    assert project_budgets(store)[0].to_dict()["coder"] == "ann"
    store.close()
