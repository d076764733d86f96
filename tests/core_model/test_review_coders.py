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
