"""One colour per class name: a prediction has the colour of the project's label of the same name (timeline,
class box, inspector), other classes never look like another label, and closing the project restores the palette."""
from __future__ import annotations

from PySide6.QtGui import QColor

from app.common.class_colors import NEAR, class_color, class_color_hex

from .conftest import make_result, open_and_wait


def _rgb(color: QColor):
    return color.red(), color.green(), color.blue()


def _dist(a, b) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def test_predictions_take_the_label_colour_of_their_class_name(qtbot, window, stick_video, tmp_path):
    assert window.project.new_project(tmp_path / "study.epam", labels=["walk", "wave", "pick up"])
    store = window.project.store
    walk, wave = store.label_by_name("walk"), store.label_by_name("wave")
    # a label colour equal to the palette colour of a class that is not in the label set
    window.project.recolor_label(walk.id, class_color_hex(2))
    entry = open_and_wait(qtbot, window, stick_video[0])
    window.session.update(entry, result=make_result(trained=True))  # classes: wave, walk, sit
    timeline = window.timeline.widget()
    labels = {lab.name: _rgb(QColor(lab.color)) for lab in store.labels()}

    prediction = timeline.segment_item._color(0)  # the "wave" segment
    assert _rgb(prediction) == labels["wave"]
    assert _rgb(class_color(1, "walk")) == labels["walk"]
    assert class_color_hex(0, "wave") == store.label(wave.id).color
    sit = _rgb(timeline.segment_item._color(2))  # not in the label set: unlike every label
    assert all(_dist(sit, rgb) >= NEAR for rgb in labels.values()), (sit, labels)
    icon = timeline._combo.itemIcon(0).pixmap(10, 10).toImage().pixelColor(5, 5)
    assert _rgb(icon) == labels["wave"]
    # the inspector's bars and segment line use the same colours
    html = window.inspector._segment_html(entry.result, None) if hasattr(window.inspector, "_segment_html") else ""
    assert store.label(wave.id).color in html

    # a recoloured label recolours its predictions
    window.project.recolor_label(wave.id, "#123456")
    qtbot.waitUntil(lambda: _rgb(timeline.segment_item._color(0)) == (0x12, 0x34, 0x56), timeout=5000)

    window.project.close_project()
    assert _rgb(class_color(0, "wave")) == _rgb(class_color(0))  # no project: the palette
