"""Two coders on one person: each coder's labels get a sub-lane of their own in the person's band, named on the
lane axis, instead of being drawn over each other."""
from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from core_model.project import CreateSegment

from .test_labeling import labeled  # noqa: F401 - the fixture
from app.timeline.timeline_lanes import LABEL_FILL, LABEL_OFFSET


def pixel(tl, frame, y):
    vb = tl.plots["segments"].getViewBox()
    pos = tl.view.mapFromScene(vb.mapViewToScene(QPointF(frame, y)))
    return QColor(tl.view.grab().toImage().pixel(pos.x(), pos.y()))


def close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def test_two_coders_get_two_named_rows_in_one_band(qtbot, labeled):
    w = labeled
    store, vid = w.project.store, w.session.current.project_id
    walk, sit = store.label_by_name("walk"), store.label_by_name("sit")
    assert w.project.apply(CreateSegment(vid, -1, 0, 40, walk.id, author="ann"))
    assert w.project.apply(CreateSegment(vid, -1, 10, 60, sit.id, author="bob"))
    assert len(store.segments(video_id=vid)) == 2  # two coders' lanes: neither trims the other
    tl = w.timeline.widget()
    qtbot.waitUntil(lambda: tl.label_item.lane_coders()[0] == ["ann", "bob"], timeout=5000)
    assert tl._lane_axis.coders[0] == ["ann", "bob"]
    qtbot.wait(50)
    band = tl.people().index(-1)
    upper = band + LABEL_OFFSET + LABEL_FILL * 0.25
    lower = band + LABEL_OFFSET + LABEL_FILL * 0.75
    assert close(pixel(tl, 20, upper), QColor(walk.color))  # ann's walk on top ...
    assert close(pixel(tl, 20, lower), QColor(sit.color))  # ... bob's sit below, both visible at frame 20
    assert close(pixel(tl, 50, lower), QColor(sit.color)) and not close(pixel(tl, 50, upper), QColor(sit.color))
    # one coder only: the labels lane keeps its full height
    w.project.apply(__import__("core_model.project", fromlist=["DeleteSegments"]).DeleteSegments(
        [s.id for s in store.segments(video_id=vid) if s.author == "bob"]))
    qtbot.waitUntil(lambda: tl.label_item.lane_coders()[0] == [], timeout=5000)
    qtbot.wait(50)
    assert close(pixel(tl, 20, lower), QColor(walk.color))
