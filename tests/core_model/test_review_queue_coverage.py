"""When a review item is done: labels of its own person cover its window. An "everybody" item is not done by
labels of one person (nor a person's item by everybody labels)."""
import numpy as np

from core_model.analysis.results import AnalysisResult
from core_model.project import CreateSegment, ProjectStore
from core_model.review.project_review import project_queue
from core_model.review.queue import build_queue

CLASSES = ["sit", "stand", "wave"]


def _result(persons):
    """Windows [0,20) and [20,40) for each of ``persons`` (-1 = everybody), all unsure (fused 40 %)."""
    rows = [(p, s) for p in persons for s in (0, 20)]
    w = len(rows)
    probs = np.tile(np.array([0.4, 0.35, 0.25], np.float32), (w, 1))
    starts = np.array([s for _, s in rows])
    pf = starts[:, None] + np.zeros((1, 48), int)
    return AnalysisResult(summary={}, class_names=CLASSES, model="m", trained=True, frame_count=40, fps=10.0,
                          img_shape=(8, 8), window_start=starts, window_end=starts + 20,
                          person=np.array([p for p, _ in rows]), pose_frames=pf, rgb_frames=pf[:, ::3],
                          boxes=np.zeros((w, 4), np.float32), prob_rgb=probs, prob_pose=probs, prob_fused=probs,
                          spatial_attention=None, temporal_attention=None, segments=[])


def _done(queue):
    return {(it.person, it.start_frame): it.done for it in queue}


def test_one_persons_labels_leave_the_everybody_items_open():
    labels = {3: np.array([0] * 40, np.int32)}  # person 3 labelled over the whole video
    done = _done(build_queue(_result([-1, 3]), label_frames=labels))
    assert done == {(-1, 0): False, (-1, 20): False, (3, 0): True, (3, 20): True}


def test_everybody_labels_close_only_the_everybody_items():
    labels = {-1: np.array([1] * 20 + [-1] * 20, np.int32)}  # everybody labelled on [0, 20)
    done = _done(build_queue(_result([-1, 3]), label_frames=labels))
    assert done == {(-1, 0): True, (-1, 20): False, (3, 0): False, (3, 20): False}


def test_project_queue_everybody_items_after_a_persons_label(tmp_path):
    store = ProjectStore.create(tmp_path / "p.epam", labels=CLASSES, author="ann")
    v = store.add_video_record("a.mp4", "key-a", 40, 10.0)
    _result([-1, 2]).save(tmp_path / "res")
    store.set_analysis(v.id, tmp_path / "res", "m")
    sit = store.label_by_name("sit").id
    CreateSegment(v.id, 2, 0, 40, sit).apply(store)
    assert _done(project_queue(store)) == {(-1, 0): False, (-1, 20): False, (2, 0): True, (2, 20): True}
    CreateSegment(v.id, -1, 20, 40, sit).apply(store)
    assert _done(project_queue(store))[(-1, 20)] is True
    store.close()
