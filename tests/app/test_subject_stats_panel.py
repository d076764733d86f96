"""The studio's Statistics panel per subject: one bar per named subject across the project's two videos, in the
subject's colour, for the chosen scope (real project file)."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from core_model.project import CreateSegment, ProjectStore


@pytest.fixture
def review(qtbot, tmp_path):
    from app.common.state import Session
    from app.project.project_controller import ProjectController
    from app.review.review_controller import ReviewController

    path = tmp_path / "study.epam"
    with ProjectStore.create(path, labels=["hand up", "writes"]) as store:
        a = store.add_video_record("lesson1.mp4", "key-a", 100, 10.0)
        b = store.add_video_record("lesson2.mp4", "key-b", 100, 10.0)
        hand, writes = (lab.id for lab in store.labels())
        anna, ben = store.add_subject("Anna", color="#e6194b"), store.add_subject("Ben", color="#3cb44b")
        for vid, person, sid in ((a.id, 0, anna.id), (b.id, 11, anna.id), (a.id, 1, ben.id)):
            store.assign_track(vid, person, sid)
        for vid, person, s, e, lab in ((a.id, 0, 0, 30, hand), (b.id, 11, 10, 60, writes), (a.id, 1, 0, 20, hand),
                                       (b.id, 12, 0, 90, hand)):  # track 12 of lesson2: nobody's subject
            CreateSegment(vid, person, s, e, lab, author="ann").apply(store)
    holder = QWidget()
    qtbot.addWidget(holder)
    project, session = ProjectController(holder), Session()
    controller = ReviewController(project, session, lambda _f: None, debounce_ms=20, parent=holder)
    assert project.open_project(path)
    for rec in project.store.videos():
        entry = session.add(tmp_path / rec.rel_path)
        entry.project_id = rec.id
        session.update(entry, frame_count=rec.frame_count, fps=rec.fps)
    session.set_current(session.entries[0])
    yield controller, project, session
    project.close_project()


def test_statistics_per_subject_across_two_videos(qtbot, review):
    from app.review.stats_panel import StatsPanel

    controller, project, session = review
    panel = StatsPanel(controller)
    qtbot.addWidget(panel)
    controller.set_active("stats", True)
    panel.group_box.setCurrentIndex(panel.group_box.findData("subject"))
    assert panel.bar_names() == ["Anna", "Ben"]  # Anna: 3 s in lesson1 + 5 s in lesson2; Ben 2 s
    assert panel.bar_seconds() == pytest.approx([8.0, 2.0])
    assert [b.color().name() for b in panel.bars.opts["brushes"]] == ["#e6194b", "#3cb44b"]
    panel.scope_box.setCurrentIndex(1)  # this video (lesson1)
    assert dict(zip(panel.bar_names(), panel.bar_seconds())) == pytest.approx({"Anna": 3.0, "Ben": 2.0})
    assert panel.ethogram_rows() == ["P0 Anna", "P1 Ben"]  # the ethogram of lesson1 names the subjects


def test_agreement_per_subject_in_the_agreement_panel(qtbot, review):
    from app.review.agreement_panel import AgreementPanel

    controller, project, session = review
    store = project.store
    a = store.videos()[0].id
    hand, writes = (lab.id for lab in store.labels())
    CreateSegment(a, 0, 0, 30, writes, author="bob").apply(store)  # Anna: ann says hand up, bob writes
    CreateSegment(a, 1, 0, 20, hand, author="bob").apply(store)  # Ben: both say hand up
    panel = AgreementPanel(controller)
    qtbot.addWidget(panel)
    panel.show()
    controller.set_active("agreement", True)
    controller.set_between(("author:ann", "author:bob"))
    panel.scope_box.setCurrentIndex(panel.scope_box.findData("project"))
    qtbot.waitUntil(lambda: panel.subjects_line.isVisible(), timeout=3000)
    text = panel.subjects_line.text()
    assert "Anna&nbsp;0 %" in text and "Ben&nbsp;100 %" in text
    assert text.index("#e6194b") < text.index("Anna")  # each name after a swatch of its colour
