"""Hand-built analysis results and a labeled project for the comparison tests (core and the studio's dialog)."""
import numpy as np
import pytest

from core_model.analysis.results import AnalysisResult
from core_model.analysis.segments import Segment

FPS, FRAMES = 25.0, 100
CLASSES = ("wave", "walk", "sit")


def result(segments, classes=CLASSES, *, windows=None, probs=None, spatial=None, temporal=None, key="key-v"):
    """A hand-built AnalysisResult: ``segments`` are ``(person, start, end, class name)``; ``windows``
    ``(person, start, end)`` (default: one per segment)."""
    classes = list(classes)
    segs = [Segment(p, a, b, a / FPS, b / FPS, classes.index(c), c, 0.7) for p, a, b, c in segments]
    windows = windows or [(p, a, b) for p, a, b, _c in segments]
    n = len(windows)
    if probs is None:
        probs = np.full((n, len(classes)), 1.0 / len(classes), np.float32)
    pose_frames = np.stack([np.linspace(a, b - 1, 48).round().astype(int) for _p, a, b in windows])
    return AnalysisResult(summary={"video": {"name": "v.mp4", "content_key": key}, "mode": "per_person"},
                          class_names=classes, model="model.pt", trained=True, frame_count=FRAMES,
                          fps=FPS, img_shape=(72, 96), window_start=np.array([a for _p, a, _b in windows]),
                          window_end=np.array([b for _p, _a, b in windows]),
                          person=np.array([p for p, _a, _b in windows]), pose_frames=pose_frames,
                          rgb_frames=pose_frames[:, ::3], boxes=np.zeros((n, 4), np.float32), prob_rgb=probs,
                          prob_pose=probs, prob_fused=np.asarray(probs, np.float32), spatial_attention=spatial,
                          temporal_attention=temporal, segments=segs)


@pytest.fixture
def labeled_store(tmp_path):
    from core_model.project import CreateSegment, ProjectStore

    store = ProjectStore.create(tmp_path / "p.epam", labels=["wave", "walk", "sit"], author="ann")
    a = store.add_video_record(tmp_path / "a.mp4", "key-a", FRAMES, FPS)
    b = store.add_video_record(tmp_path / "b.mp4", "key-b", FRAMES, FPS)
    ids = {lab.name: lab.id for lab in store.labels()}
    for video, person, start, end, name in [(a.id, 1, 0, 50, "wave"), (a.id, 1, 50, 100, "walk"),
                                            (b.id, 2, 0, 100, "sit")]:
        CreateSegment(video, person, start, end, ids[name]).apply(store)
    yield store, a.id, b.id
    store.close()


def analyzed_again(a: int, b: int):
    """``(before, after)`` results per video id: before, video ``a`` has everybody rows saying wave and ``b`` was
    never analyzed; after, both have per-person rows (a: wave, walk, sit; b: walk, sit)."""
    before = {a: result([(-1, 0, 100, "wave")]), b: None}
    after = {a: result([(1, 0, 50, "wave"), (1, 50, 80, "walk"), (1, 80, 100, "sit")]),
             b: result([(2, 0, 40, "walk"), (2, 40, 100, "sit")])}
    return before, after
