"""The person list: 30 people with colour, id and time present; selection and track-correction requests."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.format import Poses

pytest.importorskip("PySide6")


def _poses(people: int = 30, frames: int = 300) -> Poses:
    kp = np.zeros((people, frames, 17, 2), np.float32)
    sc = np.zeros((people, frames, 17), np.float32)
    for p in range(people):
        start, stop = 5 * p, min(frames, 5 * p + 25 + 3 * p)  # person p: 25 + 3p frames from frame 5p
        kp[p, start:stop] = 10 + p
        sc[p, start:stop] = 0.9
    ids = [p * 2 for p in range(people)]  # ids need not be row numbers
    return Poses(kp, sc, ids, np.arange(frames) / 25.0, (576, 768), 25.0)


@pytest.fixture
def panel(qtbot):
    from app.labeling.person_list import PersonList

    widget = PersonList()
    qtbot.addWidget(widget)
    widget.set_poses(_poses())
    return widget


def _cell(panel, track, column):
    return panel.table.item(panel.row_of(track), column).text()


def test_thirty_people_with_colour_id_and_time_present(panel):
    from app.video.overlays.skeleton import person_color
    from app.labeling.person_list import COL_FROM, COL_NOW, COL_PRESENT

    assert panel.table.rowCount() == 30
    summary = panel.summary.text()
    assert summary.startswith("Found up to ") and ", 30 tracks over 300 frames." in summary
    assert summary.count("30 tracks") == 1  # once (it was "30 tracks over 300 frames. Found …, 30 tracks.")
    assert _cell(panel, 10, COL_PRESENT) == "1.6 s"  # person 5 (id 10): 40 frames at 25 fps
    assert _cell(panel, 10, COL_FROM) == "0:01.0"
    image = panel.table.item(panel.row_of(58), 0).icon().pixmap(12, 12).toImage()
    assert image.pixelColor(6, 6) == person_color(58)
    panel.set_frame(3)
    assert _cell(panel, 0, COL_NOW) == "●" and _cell(panel, 58, COL_NOW) == ""
    panel.table.sortItems(COL_PRESENT)  # sorted by time present, numerically
    assert panel.table.item(0, 0).text() == "0" and panel.table.item(29, 0).text() == "58"
    panel.filter.setText("5")
    shown = [panel.table.item(r, 0).text() for r in range(30) if not panel.table.isRowHidden(r)]
    assert sorted(shown) == ["50", "52", "54", "56", "58"]


def test_selection_goes_both_ways(panel, qtbot):
    with qtbot.waitSignal(panel.personSelected) as blocker:
        panel.table.selectRow(panel.row_of(12))
    assert blocker.args == [12]
    with qtbot.assertNotEmitted(panel.personSelected):
        panel.set_selected(40)  # a clicked skeleton
    assert panel.selected_tracks() == [40]
    panel.set_selected(None)
    assert panel.selected_tracks() == []


def test_corrections_are_requested_for_the_selected_tracks(panel, qtbot):
    panel.set_frame(30)
    panel.set_selected(4)  # id 4: frames 10-40
    assert panel.split_button.isEnabled() and panel.delete_button.isEnabled()
    assert not panel.merge_button.isEnabled()
    with qtbot.waitSignal(panel.splitRequested) as blocker:
        panel.split_button.click()
    assert blocker.args == [4, 30]
    with qtbot.waitSignal(panel.deleteRequested) as blocker:
        panel.delete_button.click()
    assert blocker.args == [4]
    panel.set_frame(100)  # outside track 4: nothing to split
    assert not panel.split_button.isEnabled()
    panel.set_selected(6)
    model = panel.table.selectionModel()
    from PySide6.QtCore import QItemSelectionModel

    model.select(panel.table.model().index(panel.row_of(2), 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
    assert panel.merge_button.isEnabled()
    with qtbot.waitSignal(panel.mergeRequested) as blocker:
        panel.merge_button.click()
    assert blocker.args == [6, 2]  # the one selected first keeps its id


def test_refresh_keeps_the_selection_and_empty_is_fine(panel):
    panel.set_selected(20)
    poses = _poses()
    panel.set_poses(poses.select([r for r in range(30) if r != 3]))  # person id 6 deleted
    assert panel.table.rowCount() == 29 and panel.selected_tracks() == [20]
    panel.set_poses(None)
    assert panel.table.rowCount() == 0 and panel.summary.text() == "No poses"


def test_people_are_listed_by_id_from_the_smallest_with_the_arrow_saying_so(qtbot):
    from PySide6.QtCore import Qt

    from app.labeling.person_list import COL_ID, PersonList

    from .conftest import make_poses

    panel = PersonList()
    qtbot.addWidget(panel)
    import numpy as np

    poses = make_poses(np.zeros((3, 10, 17, 2), np.float32))
    poses.track_ids[:] = [7, 2, 12]
    panel.set_poses(poses)
    ids = [int(panel.table.item(r, COL_ID).text()) for r in range(panel.table.rowCount())]
    assert ids == sorted(ids)
    header = panel.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (COL_ID, Qt.SortOrder.AscendingOrder)
