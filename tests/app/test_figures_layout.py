"""Names in the figures and the labels list are readable in a dock: the ethogram's row names never overlap, the
confusion matrix writes whole class names where the panel is wide enough, the segments' Label column gets
the room a long label name needs."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics

from core_model.project import CreateSegment

from .test_review_panels import project_path, review  # noqa: F401 - fixtures


def test_ethogram_row_names_never_overlap(qtbot, review):  # noqa: F811
    from app.review.stats_panel import StatsPanel

    controller, project, session = review
    vid = session.current.project_id
    wave = project.store.label_by_name("wave").id
    for person in (1, 2, 3, 4):
        assert project.apply(CreateSegment(vid, person, 10 * person, 10 * person + 20, wave, author="ann"))
    panel = StatsPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(340, 420)  # the Figures dock on a 720-px screen
    panel.show()
    controller.set_active("stats", True)
    qtbot.waitUntil(lambda: len(panel.ethogram_rows()) == 5, timeout=10000)
    qtbot.wait(100)
    plot = panel.ethogram.getPlotItem()
    axis = plot.getAxis("left")
    shown = axis._tickLevels[0]
    height = plot.getViewBox().height()
    font = QFontMetrics(axis.style.get("tickFont") or QFont()).height()
    rows = len(panel.ethogram_rows())
    assert len(shown) >= 2
    positions = sorted(i for i, _t in shown)
    gaps = [b - a for a, b in zip(positions, positions[1:])]
    assert min(gaps) * height / rows >= font, (height, rows, shown)  # a name's height between two names


def test_confusion_matrix_writes_whole_class_names_when_it_has_room(qtbot):
    from types import SimpleNamespace

    import numpy as np

    from app.review.agreement_panel import ConfusionMatrixView

    names = ["stand up from a chair", "wave", "sit down"]
    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    view.resize(420, 360)
    view.set_report(SimpleNamespace(classes=names, confusion=np.eye(3, dtype=int) * 5, reference="human",
                                    other="model"))
    _left, _top, side, name_w, fm, _reach = view._geometry()
    assert name_w >= fm.horizontalAdvance(names[0]), name_w  # not elided
    assert side >= 30  # the cells keep a useful size


def test_the_label_column_has_room_for_most_label_names(qtbot):
    from app.labeling.labels_panel import COL_LABEL, LabelsPanel
    from core_model.labels import load_class_names

    panel = LabelsPanel()
    qtbot.addWidget(panel)
    panel.resize(380, 600)  # the right docks on a 1024-px screen
    panel.show()
    qtbot.wait(50)
    header = panel.table.horizontalHeader()
    width = header.sectionSize(COL_LABEL) - 16 - 8  # the colour swatch and the cell's margins
    fm = QFontMetrics(panel.table.font())
    names = load_class_names("ntu120")
    fitting = sum(fm.horizontalAdvance(n) <= width for n in names) / len(names)
    assert fitting >= 0.65, (width, fitting)  # NTU RGB+D 120: 2 names in 3 whole (was 1 in 2), the rest in tooltips
    for col in (1, 2):  # the times are never cut
        assert header.sectionSize(col) >= fm.horizontalAdvance("0:00.0") + 8
