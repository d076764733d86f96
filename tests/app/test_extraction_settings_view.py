"""The studio's first look at extracted poses: how many people were found and how many tracks were made, a
pointer to Merge/Split when tracks are fragmented, and the extraction settings (recorded with the project's
pose file, shown in the People dock and the Videos list tooltip)."""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.format import Poses

pytest.importorskip("PySide6")

TILES = {"source": "hall.mp4", "backend": "mediapipe", "max_people": 0, "detect": "tiles", "delegate": "cpu"}


def _poses(pieces: int = 1, people: int = 3, frames: int = 250, meta=None) -> Poses:
    """``people`` people present all along, each cut into ``pieces`` tracks."""
    rows = people * pieces
    kp = np.zeros((rows, frames, 17, 2), np.float32)
    sc = np.zeros((rows, frames, 17), np.float32)
    length = frames // pieces
    for p in range(people):
        for k in range(pieces):
            r = p * pieces + k
            kp[r, k * length:(k + 1) * length] = 20 + 40 * p
            sc[r, k * length:(k + 1) * length] = 0.9
    return Poses(kp, sc, np.arange(rows), np.arange(frames) / 25.0, (576, 768), 25.0, dict(meta or TILES))


def test_the_project_records_the_extraction_settings(tmp_path):
    from core_model.project.pose_origin import extraction_of, has_corrections, replace_project_poses

    path = tmp_path / "study.epam-data" / "poses" / "abc.poses.npz"
    replace_project_poses(path, _poses())
    assert extraction_of(path) == {"backend": "mediapipe", "detect": "tiles", "max_people": 0, "delegate": "cpu"}
    assert not has_corrections(path)
    assert Poses.load(path).meta["max_people"] == 0  # the pose file says it too


def test_people_dock_says_people_tracks_and_settings(qtbot, tmp_path):
    from app.labeling.person_list import PersonList

    path = tmp_path / "one.poses.npz"
    _poses().save(path)
    panel = PersonList()
    qtbot.addWidget(panel)
    panel.set_poses(Poses.load(path))  # as the studio shows a saved pose file
    text = panel.summary.text()
    assert text.startswith("Found up to 3 people at once, 3 tracks over 250 frames.\n")  # the tracks said once
    assert "Merge" not in text
    assert "detection: tiles" in text and "people per frame: no limit" in text
    panel.set_poses(_poses(pieces=4, meta={**TILES, "max_people": 6, "detect": "full"}))
    text = panel.summary.text()
    assert text.startswith("Found up to 3 people at once, 12 tracks over 250 frames. More tracks than people")
    assert text.count("tracks over") == 1 and "Select two rows and Merge" in text and "Split here" in text
    assert "people per frame: at most 6" in text and "detection: full" in text
    panel.set_poses(_poses(meta={**TILES, "engine": "mediapipe", "runtime": "openvino"}))
    assert "engine: mediapipe (OpenVINO) on CPU" in panel.summary.text()


def test_videos_list_tooltip_shows_the_extraction_settings(qtbot, barcode_video):
    from app.common.state import Session
    from app.video.video_list import VideoListWidget

    session = Session()
    widget = VideoListWidget(session)
    qtbot.addWidget(widget)
    entry = session.add(barcode_video)
    session.update(entry, poses=_poses())
    assert "people per frame: no limit" in widget.item_for(entry).toolTip()
    session.update(entry, poses=_poses(meta={"source": "x.mp4"}))  # imported poses: nothing recorded
    assert "without recorded extraction settings" in widget.item_for(entry).toolTip()


def test_status_line_after_extraction_counts_people_and_tracks():
    from core_model.pose.track_summary import summarize

    assert summarize(_poses()).sentence() == "Found up to 3 people at once, 3 tracks."
    fragmented = summarize(_poses(pieces=3)).sentence()
    assert fragmented.startswith("Found up to 3 people at once, 9 tracks. More tracks than people: ")
    assert "Merge" in fragmented
    pieces = summarize(_poses(pieces=6)).sentence()  # 250 frames in 6 pieces: 1.6 s each
    assert "More tracks than people (18 shorter than 2 s)" in pieces
    assert summarize(None).sentence() == "No people found."
