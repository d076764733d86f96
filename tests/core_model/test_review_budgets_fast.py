"""project_budgets (arrays) gives exactly what the reference time_budgets gives, on a random project with touching,
overlapping-author and separate segments, real variable frame times, and one video only."""
import numpy as np
import pytest

from core_model.project import ProjectStore
from core_model.project.synthetic import make_project
from core_model.review.project_review import project_budgets
from core_model.review.stats import time_budgets


def reference(store, video_ids=None):
    """time_budgets run for each coder on their own (budgets are per coder: two coders are never added up)."""
    import dataclasses

    labels = {lab.id: lab.name for lab in store.labels()}
    videos = {v.id: v for v in store.videos() if video_ids is None or v.id in video_ids}
    ids = {v.rel_path: v.id for v in videos.values()}
    out = []
    for coder in sorted({s.author or "" for s in store.segments()}):
        segs = [(videos[s.video_id].rel_path, s.person, s.start_frame, s.end_frame, labels[s.label_id])
                for s in store.segments() if s.video_id in videos and (s.author or "") == coder]
        out += [dataclasses.replace(b, coder=coder) for b in time_budgets(
            segs, lambda name, f: store.frame_time(ids[name], f),
            lambda name: store.frame_time(ids[name], videos[ids[name]].frame_count) - store.frame_time(ids[name], 0))]
    return sorted(out, key=lambda b: (b.video, b.person, b.coder, b.label))


def test_same_budgets_as_the_reference(tmp_path):
    path = make_project(tmp_path / "p.epam", videos=3, segments=400, frames=3000, labels=["a", "b", "c"], seed=4)
    with ProjectStore.open(path) as store:
        rng = np.random.default_rng(1)
        vfr = np.cumsum(rng.uniform(0.02, 0.06, 500))  # a variable-frame-rate video with real timestamps
        v = store.add_video_record("vfr.mp4", "key-vfr", 500, 25.0, timestamps=vfr)
        ids = [lab.id for lab in store.labels()]
        from core_model.project import CreateSegment
        for s, e, lab, who in ((0, 50, 0, None), (50, 80, 0, None), (90, 100, 0, None), (95, 120, 1, "bob"),
                               (0, 500, 2, "bob"), (400, 500, 0, None)):
            CreateSegment(v.id, 1, s, e, ids[lab], author=who).apply(store)
        expected, got = reference(store), project_budgets(store)
        assert len(got) == len(expected) > 20
        for a, b in zip(got, expected):
            assert (a.video, a.person, a.coder, a.label, a.bouts) == (b.video, b.person, b.coder, b.label, b.bouts)
            assert a.seconds == pytest.approx(b.seconds) and a.share == pytest.approx(b.share)
            assert a.mean_bout == pytest.approx(b.mean_bout)
        one = project_budgets(store, [v.id])
        assert [b.to_dict() for b in one] == [b.to_dict() for b in reference(store, [v.id])]
        a_vfr = next(b for b in one if b.label == "a")  # [0,50)+[50,80) touch: one bout; [90,100); [400,500)
        t = lambda f: store.frame_time(v.id, f)  # noqa: E731
        assert a_vfr.bouts == 3 and a_vfr.seconds == pytest.approx(t(80) - t(0) + t(100) - t(90) + t(500) - t(400))
        assert project_budgets(store, []) == []
