"""Agreement and statistics panels on a hand-built project: the figures shown, live updates after an edit,
one bar per label, the ethogram, and exports (PNG, SVG, CSV written aside and renamed)."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from core_model.analysis.results import AnalysisResult
from core_model.analysis.segments import Segment
from core_model.project import CreateSegment, ProjectStore

LABELS = ["sit", "stand", "wave"]


def model_result(frames, segments):
    """An everybody-mode result (10 fps) whose model segments are ``segments`` [(start, end, class)]."""
    starts = np.arange(0, frames - 10 + 1, 10)
    w = len(starts)
    probs = np.full((w, 3), 0.1, np.float32)
    probs[:, 0] = 0.8
    pf = starts[:, None] + np.zeros((1, 48), int)
    return AnalysisResult(
        summary={}, class_names=LABELS, model="ckpt.pt", trained=True, frame_count=frames, fps=10.0,
        img_shape=(64, 64), window_start=starts, window_end=starts + 10, person=np.full(w, -1), pose_frames=pf,
        rgb_frames=pf[:, ::3], boxes=np.zeros((w, 4), np.float32), prob_rgb=probs.copy(), prob_pose=probs.copy(),
        prob_fused=probs, spatial_attention=None, temporal_attention=None,
        segments=[Segment(-1, s, e, s / 10, e / 10, LABELS.index(c), c, 0.8) for s, e, c in segments])


@pytest.fixture
def project_path(tmp_path):
    """Video a (100 frames @ 10 fps): ann labels sit [0,50) stand [50,100); the model says sit [0,60) stand
    [60,100). Video b (50 frames, not analysed): ann labels wave [0,20) and [30,50), bob wave [0,10) sit [10,50)."""
    path = tmp_path / "study.epam"
    store = ProjectStore.create(path, labels=LABELS)
    a = store.add_video_record("a.mp4", "key-a", 100, 10.0)
    b = store.add_video_record("b.mp4", "key-b", 50, 10.0)
    ids = {lab.name: lab.id for lab in store.labels()}
    model_result(100, [(0, 60, "sit"), (60, 100, "stand")]).save(tmp_path / "res_a")
    store.set_analysis(a.id, tmp_path / "res_a", "ckpt.pt")
    for vid, s, e, lab, who in ((a.id, 0, 50, "sit", "ann"), (a.id, 50, 100, "stand", "ann"),
                                (b.id, 0, 20, "wave", "ann"), (b.id, 30, 50, "wave", "ann"),
                                (b.id, 0, 10, "wave", "bob"), (b.id, 10, 50, "sit", "bob")):
        CreateSegment(vid, -1, s, e, ids[lab], author=who).apply(store)
    store.close()
    return path


@pytest.fixture
def review(qtbot, project_path):
    """(controller, project controller, session) with the project open and video a current (debounce 20 ms)."""
    from app.project.project_controller import ProjectController
    from app.review.review_controller import ReviewController
    from app.common.state import Session

    holder = QWidget()  # Qt deletes the controllers with it, on this thread, when the test ends
    qtbot.addWidget(holder)
    project = ProjectController(holder)
    session = Session()
    seeks = []
    controller = ReviewController(project, session, seeks.append, debounce_ms=20, parent=holder)
    assert project.open_project(project_path)
    for rec in project.store.videos():
        entry = session.add(project_path.parent / rec.rel_path)
        entry.project_id = rec.id
        session.update(entry, frame_count=rec.frame_count, fps=rec.fps)
    session.set_current(session.entries[0])
    yield controller, project, session
    project.close_project()


def test_agreement_panel_shows_the_figures_and_updates_after_an_edit(qtbot, review):
    from app.review.agreement_panel import AgreementPanel

    controller, project, session = review
    panel = AgreementPanel(controller)
    qtbot.addWidget(panel)
    controller.set_active("agreement", True)
    report = controller.agreement_report()  # video a, model vs human
    assert report.classes == ["sit", "stand"] and report.frames == 100
    assert report.confusion.tolist() == [[50, 0], [10, 40]]
    # p_o = 0.9, p_e = (50*60 + 50*40) / 100^2 = 0.5 -> kappa = 0.8
    text = panel.figures.text()
    assert "90.0 %" in text and "0.80" in text and "100 labeled frames" in text
    model = panel.table_model
    table = {model.text(i, 0): [model.text(i, j) for j in range(1, 5)] for i in range(model.rowCount())}
    assert table == {"sit": ["83.3 %", "100.0 %", "90.9 %", "50"], "stand": ["100.0 %", "80.0 %", "88.9 %", "50"]}
    assert panel.matrix.report is report and panel.matrix.cell_at(-5, -5) is None

    # one coder against the other over the project (only video b has both): ann says wave, bob mostly sit
    labels = [panel.between_box.itemText(i) for i in range(panel.between_box.count())]
    assert labels == ["Model vs human labels", "ann vs bob (coders)"]
    panel.scope_box.setCurrentIndex(1)
    panel.between_box.setCurrentIndex(1)
    panel.between_box.activated.emit(1)
    report = controller.agreement_report()
    assert (report.reference, report.other, report.frames) == ("author:ann", "author:bob", 40)
    assert report.classes == ["sit", "wave"] and report.confusion.tolist() == [[0, 0], [30, 10]]
    assert "25.0 %" in panel.figures.text()
    panel.between_box.setCurrentIndex(0)
    panel.between_box.activated.emit(0)
    panel.scope_box.setCurrentIndex(0)

    # ann corrects stand -> sit up to frame 60 (bob's lane untouched): live update after the debounce
    sit = project.store.label_by_name("sit").id
    vid = session.current.project_id
    assert project.apply(CreateSegment(vid, -1, 50, 60, sit, author="ann"))
    qtbot.waitUntil(lambda: "100.0 %" in panel.figures.text(), timeout=10000)
    assert controller.agreement_report().confusion.tolist() == [[60, 0], [0, 40]]

    # the whole project: video b has no analysis, so only a is compared; scope "this video" of b: nothing
    panel.scope_box.setCurrentIndex(1)
    assert controller.agreement_report().frames == 100
    session.set_current(session.entries[1])
    panel.scope_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not panel.empty.isHidden(), timeout=10000)
    assert controller.agreement_report() is None and "analyze" in panel.empty.text()


def test_stats_panel_one_bar_per_label_and_ethogram(qtbot, review):
    from app.review.stats_panel import StatsPanel

    controller, project, session = review
    panel = StatsPanel(controller)
    qtbot.addWidget(panel)
    controller.set_active("stats", True)
    # two coders (ann, bob): the budgets are one coder's, never their sum; the first by name is shown first
    assert panel.coder_box.isVisibleTo(panel) and panel.coder_box.currentData() == "ann"
    assert [panel.coder_box.itemData(i) for i in range(panel.coder_box.count())] == ["ann", "bob"]
    # ann: sit = a 5 s, stand 5 s, wave = b [0,20) + [30,50) (2 bouts, 4 s)
    assert panel.bar_names() == ["sit", "stand", "wave"]
    assert len(panel.bars.opts["width"]) == 3
    assert panel.bar_seconds() == pytest.approx([5.0, 5.0, 4.0])
    right = panel.chart.getPlotItem().getAxis("right")._tickLevels[0]  # the figures beside the bars
    assert [t for _i, t in right] == ["0:05.0 · 1 bout", "0:05.0 · 1 bout", "0:04.0 · 2 bouts"]
    colors = {lab.name: lab.color for lab in project.store.labels()}
    assert [b.color().name() for b in panel.bars.opts["brushes"]] == [colors[n] for n in panel.bar_names()]
    assert panel.table_model.rowCount() == 3  # (video, person, label): a/sit, a/stand, b/wave
    panel.coder_box.activated.emit(1)  # bob: sit 4 s, wave 1 s
    assert controller.budget_coder() == "bob"
    assert dict(zip(panel.bar_names(), panel.bar_seconds())) == pytest.approx({"sit": 4.0, "wave": 1.0})
    panel.coder_box.activated.emit(0)
    panel.group_box.setCurrentIndex(1)  # per video
    assert panel.bar_names() == ["a.mp4", "b.mp4"] and len(panel.bars.opts["width"]) == 2
    panel.group_box.setCurrentIndex(2)  # per person: a track id is per video
    assert panel.bar_names() == ["a.mp4 · everybody", "b.mp4 · everybody"]
    panel.group_box.setCurrentIndex(0)
    panel.scope_box.setCurrentIndex(1)  # this video (a)
    assert panel.bar_names() == ["sit", "stand"]
    model = panel.table_model  # sortable by value: longest first
    panel.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert [model.index(i, 2).data() for i in range(2)] == ["sit", "stand"]
    assert model.index(0, 3).data() == "0:05.0" and model.index(0, 4).data() == "50.0 %"
    # ethogram of video a: one row (everybody), a bar per label segment
    assert panel.ethogram_rows() == ["everybody"] and len(panel._etho_items[0].opts["x0"]) == 2
    assert "sit" in panel.legend.text() and "stand" in panel.legend.text()
    # a new label updates the chart after the debounce
    vid = session.current.project_id
    assert project.apply(CreateSegment(vid, 3, 0, 30, project.store.label_by_name("wave").id, author="ann"))
    qtbot.waitUntil(lambda: panel.bar_names() == ["sit", "stand", "wave"], timeout=10000)
    assert panel.ethogram_rows() == ["everybody", "P3"]
    session.set_current(session.entries[1])  # video b: two coders -> a row per person and coder
    qtbot.waitUntil(lambda: panel.ethogram_rows() == ["everybody · ann", "everybody · bob"], timeout=10000)


def test_exports_write_png_svg_and_csv(qtbot, review, tmp_path):
    from app.review.agreement_panel import AgreementPanel
    from app.review.stats_panel import StatsPanel

    controller, _project, _session = review
    stats, agreement = StatsPanel(controller), AgreementPanel(controller)
    for w in (stats, agreement):
        qtbot.addWidget(w)
        w.resize(420, 640)
        w.show()
    controller.set_active("stats", True)
    controller.set_active("agreement", True)
    out = tmp_path / "out"
    out.mkdir()
    stats.export_chart(out / "budget.png")
    stats.export_chart(out / "budget.svg")
    stats.export_ethogram(out / "ethogram.png")
    stats.export_table(out / "budget.csv")
    agreement.export_matrix(out / "confusion.png")
    agreement.export_matrix(out / "confusion.svg")
    agreement.export_table(out / "per_class.csv")
    agreement.export_confusion(out / "confusion.csv")
    assert sorted(p.name for p in out.iterdir()) == sorted(  # nothing else left (temporaries renamed)
        ["budget.png", "budget.svg", "ethogram.png", "budget.csv", "confusion.png", "confusion.svg",
         "per_class.csv", "confusion.csv"])
    for name in ("budget.png", "ethogram.png", "confusion.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    for name in ("budget.svg", "confusion.svg"):
        text = (out / name).read_text()
        assert "<svg" in text and "</svg>" in text
    assert "stand" in (out / "confusion.svg").read_text()  # class names are text in the drawing
    rows = list(csv.reader((out / "budget.csv").open()))
    assert rows[0] == ["video", "person", "label", "seconds", "share", "bouts", "mean_bout", "coder", "kind", "events",
                       "rate_per_min"]  # point events: counted (events, rate per minute)
    assert ["b.mp4", "-1", "wave", "4.0", "0.8", "2", "2.0", "ann", "state", "2", "24.0"] in rows
    rows = list(csv.reader((out / "per_class.csv").open()))
    assert rows[0] == ["class", "precision", "recall", "f1", "support"] and len(rows) == 3
    rows = list(csv.reader((out / "confusion.csv").open()))
    assert rows == [["human \\ model", "sit", "stand"], ["sit", "50", "0"], ["stand", "10", "40"]]
    with pytest.raises(Exception, match="folder"):
        stats.export_table(out)  # a folder is refused in one sentence


def test_project_figures_rebuilt_per_video_equal_the_core(qtbot, tmp_path):
    """The controller rebuilds only the edited video's part of the project queue and agreement: the same figures
    as project_queue and project_agreement from scratch."""
    from app.project.project_controller import ProjectController
    from app.review.review_controller import ReviewController
    from app.common.state import Session
    from core_model.project.synthetic import make_project
    from core_model.review.project_review import project_agreement, project_queue

    path = make_project(tmp_path / "big.epam", videos=4, segments=200, frames=400, fps=10.0, labels=LABELS,
                        people=(-1,), seed=2)
    with ProjectStore.open(path) as store:
        for k, video in enumerate(store.videos()):
            rng = np.random.default_rng(k)
            segs = [(s, s + 40, LABELS[int(rng.integers(3))]) for s in range(0, 400, 40)]
            result = model_result(400, segs)
            result.prob_fused[:] = rng.dirichlet(np.ones(3), size=len(result.prob_fused))  # varied reasons
            result.prob_rgb[:] = rng.dirichlet(np.ones(3), size=len(result.prob_rgb))
            result.save(tmp_path / f"res{k}")
            store.set_analysis(video.id, tmp_path / f"res{k}", "ckpt.pt")
    holder = QWidget()
    qtbot.addWidget(holder)
    project, session = ProjectController(holder), Session()
    controller = ReviewController(project, session, lambda f: None, debounce_ms=20, parent=holder)
    assert project.open_project(path)
    controller.set_queue_scope("project")
    controller.set_agreement_scope("project")
    controller.set_active("agreement", True)

    def same():
        core = project_queue(project.store, results=controller.results)
        overall, per_video = project_agreement(project.store)  # from scratch, results loaded anew
        mine, mine_per_video = controller.agreement
        return (all(np.array_equal(core.columns[k], controller.queue.columns[k])
                    for k in ("video", "row", "person", "start", "bits", "score", "done"))
                and overall.to_dict() == mine.to_dict()
                and {v: r.to_dict() for v, r in per_video.items()} == {v: r.to_dict() for v, r in mine_per_video.items()})

    assert len(controller.queue) > 20 and same()
    vid = project.store.videos()[2].id
    before = {v: part for v, part in controller._video_queues.items()}
    reports = {v: part[3] for v, part in controller.agreement_parts.videos.items()}
    sit = project.store.label_by_name("sit").id
    open_before = controller.queue.open_count()
    assert project.apply(CreateSegment(vid, -1, 0, 400, sit))  # covers video 2: its items are done
    qtbot.waitUntil(lambda: controller.queue.open_count() < open_before, timeout=10000)
    assert same() and not any(i.video_id == vid and not i.done for i in controller.queue)
    assert all(controller._video_queues[v] is before[v] for v in before if v != vid)  # the others were reused
    assert all(controller.agreement_parts.videos[v][3] is reports[v] for v in reports if v != vid)
    assert controller.agreement_parts.videos[vid][3] is not reports[vid]
    project.close_project()
