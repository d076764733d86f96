"""Agreement, queue and time budgets over a hand-built project, through the API and `epam labels`."""
import json

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from core_model.analysis.results import AnalysisResult
from core_model.analysis.segments import Segment
from core_model.cli import main
from core_model.project import CreateSegment, ProjectStore
from core_model.review.project_review import project_agreement, project_budgets, project_queue

LABELS = ["sit", "stand", "wave"]


def _result(frames, segments, rows):
    """An everybody-mode result with given model segments and window rows (start, end, fused top, conf)."""
    w = len(rows)
    starts = np.array([r[0] for r in rows])
    ends = np.array([r[1] for r in rows])
    fused = np.full((w, 3), 0.0, np.float32)
    for i, (_, _, top, conf) in enumerate(rows):
        fused[i] = (1 - conf) / 2
        fused[i, top] = conf
    pf = starts[:, None] + np.zeros((1, 48), int)
    return AnalysisResult(
        summary={}, class_names=LABELS, model="ckpt.pt", trained=True, frame_count=frames, fps=10.0,
        img_shape=(64, 64), window_start=starts, window_end=ends, person=np.full(w, -1), pose_frames=pf,
        rgb_frames=pf[:, ::3], boxes=np.zeros((w, 4), np.float32), prob_rgb=fused.copy(), prob_pose=fused.copy(),
        prob_fused=fused, spatial_attention=None, temporal_attention=None,
        segments=[Segment(-1, s, e, s / 10, e / 10, LABELS.index(c), c, 0.9) for s, e, c in segments])


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.epam"
    store = ProjectStore.create(path, labels=LABELS + ["clap"], author="ann")
    a = store.add_video_record("a.mp4", "key-a", 100, 10.0)
    b = store.add_video_record("b.mp4", "key-b", 50, 10.0)
    ids = {lab.name: lab.id for lab in store.labels()}
    # model: a = sit [0,60) stand [60,100); b = wave [0,50)
    for video, segs, rows in ((a, [(0, 60, "sit"), (60, 100, "stand")], [(0, 50, 0, 0.9), (50, 100, 1, 0.3)]),
                              (b, [(0, 50, "wave")], [(0, 50, 2, 0.95)])):
        folder = tmp_path / f"res_{video.id}"
        _result(video.frame_count, segs, rows).save(folder)
        store.set_analysis(video.id, folder, "ckpt.pt")
    # ann labels a: sit [0,40) stand [40,100); b: clap [0,20)
    for vid, s, e, lab in ((a.id, 0, 40, "sit"), (a.id, 40, 100, "stand"), (b.id, 0, 20, "clap")):
        CreateSegment(vid, -1, s, e, ids[lab]).apply(store)
    yield store, a, b, ids
    store.close()


def test_model_vs_human_frame_level(project):
    store, a, b, ids = project
    overall, per_video = project_agreement(store, ("model", "human"))
    human = np.array([0] * 40 + [1] * 60 + [3] * 20)
    model = np.array([0] * 60 + [1] * 40 + [2] * 20)
    assert overall.frames == 120
    assert overall.accuracy == pytest.approx((human == model).mean())
    assert overall.kappa == pytest.approx(cohen_kappa_score(human, model))
    assert overall.confusion[overall.classes.index("stand"), overall.classes.index("sit")] == 20
    assert per_video[a.id].accuracy == pytest.approx(0.8) and per_video[b.id].accuracy == 0.0
    assert overall.per_class["clap"]["recall"] == 0.0 and overall.per_class["wave"]["precision"] == 0.0


def test_agreement_updates_live_after_an_edit(project):
    store, a, b, ids = project
    before, _ = project_agreement(store)
    CreateSegment(b.id, -1, 0, 20, ids["wave"]).apply(store)  # correct the human label to the model's class
    after, per_video = project_agreement(store)
    assert after.accuracy > before.accuracy and per_video[b.id].accuracy == 1.0


def test_cli_agreement_and_stats(project, tmp_path, capsys):
    store, a, b, ids = project
    path = str(store.path)
    store.close()
    assert main(["labels", "agreement", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"]["frames"] == 120 and out["overall"]["kappa"] is not None and set(out["videos"]) == {"a.mp4", "b.mp4"}
    assert main(["labels", "agreement", path, "--between", "model,bogus"]) == 1
    assert "not a side" in capsys.readouterr().err
    assert main(["labels", "stats", path, "--csv", str(tmp_path / "s.csv"), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    sit = [b for b in stats["budgets"] if b["video"] == "a.mp4" and b["label"] == "sit" and b["person"] == -1][0]
    assert sit["seconds"] == pytest.approx(4.0) and sit["share"] == pytest.approx(0.4) and sit["bouts"] == 1
    assert (tmp_path / "s.csv").read_text().startswith("video,person,label,seconds")


def test_queue_over_project_marks_labeled_windows_done(project):
    store, a, b, ids = project
    items = project_queue(store)
    low = [it for it in items if "low_confidence" in it.reasons]
    assert [(it.video_id, it.start_frame) for it in low] == [(a.id, 50)]
    assert low[0].done  # covered by ann's stand label
    budgets = {(x.video, x.label): x for x in project_budgets(store)}
    assert budgets[("b.mp4", "clap")].share == pytest.approx(0.4)


def test_two_authors_keep_their_own_lanes_and_agree_frame_by_frame(project, capsys):
    store, a, b, ids = project
    # bob codes video a independently: his labels do not trim ann's (each coder has a lane of their own)
    CreateSegment(a.id, -1, 0, 30, ids["sit"], author="bob").apply(store)
    CreateSegment(a.id, -1, 30, 100, ids["stand"], author="bob").apply(store)
    ann = [s for s in store.segments(video_id=a.id) if s.author == "ann"]
    assert [(s.start_frame, s.end_frame) for s in ann] == [(0, 40), (40, 100)]
    assert store.segment_at(a.id, -1, 35, author="bob").label_id == ids["stand"]
    overall, per_video = project_agreement(store, ("author:ann", "author:bob"))
    ann_codes = np.array([0] * 40 + [1] * 60)
    bob_codes = np.array([0] * 30 + [1] * 70)
    assert overall.frames == 100 and list(per_video) == [a.id]
    assert overall.accuracy == pytest.approx(0.9)
    assert overall.kappa == pytest.approx(cohen_kappa_score(ann_codes, bob_codes))
    path = str(store.path)
    store.close()
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob"]) == 0
    out = capsys.readouterr().out
    assert "author:ann vs author:bob" in out and "accuracy 0.900" in out
