"""Label Studio video JSON in and out: the documented task structure (timelinelabels ranges in 1-based inclusive
frames, videorectangle sequences), a task as Label Studio exports it, VFR round trip, malformed files."""
from __future__ import annotations

import json

import pytest

from core_model.interop import export_file, import_file
from core_model.project import ProjectError

from .interop_tools import coded_project, empty_project, one_sentence, segments_of, state_of


@pytest.fixture
def coded(tmp_path):
    store = coded_project(tmp_path)
    yield store
    store.close()


def test_tasks_follow_label_studios_video_timeline_structure(coded, tmp_path):
    out = tmp_path / "coded.json"
    assert export_file(coded, out, "labelstudio") == 6
    tasks = json.loads(out.read_text())
    assert len(tasks) == 1 and tasks[0]["data"]["video"] == "vfr.mkv"
    by_author = {a["completed_by"]["email"]: a["result"] for a in tasks[0]["annotations"]}
    assert set(by_author) == {"ana", "ben"}
    first = by_author["ana"][0]
    assert first["type"] == "timelinelabels" and first["to_name"] == "video"
    assert first["from_name"] == "actions" or first["from_name"].startswith("actions_person_")
    walk = next(r for r in by_author["ana"] if r["value"]["timelinelabels"] == ["walk"] and r.get("meta"))
    assert walk["value"]["ranges"] == [{"start": 1, "end": 5}] and walk["meta"] == {"text": ["fast, left"]}
    assert walk["from_name"] == "actions_person_1"


def test_round_trip_on_a_vfr_video_gives_the_same_segments(coded, tmp_path):
    out = tmp_path / "coded.json"
    export_file(coded, out, "labelstudio")
    fresh = empty_project(tmp_path)
    assert import_file(fresh, out).imported == 6  # auto: a JSON list of tasks with timelinelabels
    assert segments_of(fresh) == segments_of(coded)
    fresh.close()


LABEL_STUDIO_EXPORT = [{
    "id": 12, "data": {"video": "/data/upload/3/5d1c2a7e-vfr.mkv"},
    "annotations": [{"id": 40, "completed_by": 2, "result": [
        {"id": "Xy1", "type": "timelinelabels", "from_name": "videoLabels", "to_name": "video", "origin": "manual",
         "value": {"ranges": [{"start": 3, "end": 10}, {"start": 20, "end": 20}], "timelinelabels": ["jump"]}},
        {"id": "Rk2", "type": "videorectangle", "from_name": "box", "to_name": "video", "origin": "manual",
         "value": {"framesCount": 40, "duration": 2.4, "labels": ["jump"], "sequence": [
             {"frame": 5, "enabled": True, "rotation": 0, "x": 10, "y": 10, "width": 20, "height": 30, "time": 0.08},
             {"frame": 9, "enabled": False, "rotation": 0, "x": 12, "y": 10, "width": 20, "height": 30, "time": 0.16},
             {"frame": 30, "enabled": True, "rotation": 0, "x": 12, "y": 10, "width": 20, "height": 30,
              "time": 1.3}]}},
        {"id": "c3", "type": "textarea", "from_name": "comment", "to_name": "video", "value": {"text": ["ok"]}},
    ]}], "predictions": []}]


def test_imports_a_task_as_label_studio_exports_it(tmp_path):
    store = empty_project(tmp_path)
    path = tmp_path / "project-3-at-2026.json"
    path.write_text(json.dumps(LABEL_STUDIO_EXPORT))
    report = import_file(store, path)
    assert segments_of(store) == [(-1, 2, 10, "jump", "2", ""), (-1, 19, 20, "jump", "2", ""),
                                  (1, 4, 9, "jump", "2", ""), (1, 29, 40, "jump", "2", "")]
    assert any("'textarea'" in s for s in report.skipped)
    assert "'Label Studio region Rk2' is person 1." in report.mapped
    store.close()


MALFORMED = [
    ("not JSON", "[{", "is not JSON"),
    ("not tasks", "[1, 2]", "is not a list of Label Studio tasks"),
    ("results not a list", json.dumps([{"data": {"video": "vfr.mkv"}, "annotations": [{"result": 5}]}]),
     "annotation 1 of task 1: has no list of results"),
    ("range without frames", json.dumps([{"id": 9, "data": {"video": "vfr.mkv"}, "annotations": [{"result": [
        {"type": "timelinelabels", "value": {"ranges": [{"start": "a"}], "timelinelabels": ["x"]}}]}]}]),
     "result 1 of annotation 1 of task 9: has a range without whole 'start' and 'end' frames"),
    ("no label", json.dumps([{"id": 9, "data": {"video": "vfr.mkv"}, "annotations": [{"result": [
        {"type": "timelinelabels", "value": {"ranges": [{"start": 1, "end": 2}]}}]}]}]), "has no label"),
    ("range past the video", json.dumps([{"id": 9, "data": {"video": "vfr.mkv"}, "annotations": [{"result": [
        {"type": "timelinelabels", "value": {"ranges": [{"start": 30, "end": 99}], "timelinelabels": ["x"]}}]}]}]),
     "frames [29, 99) are not a range inside the 40 frames"),
]


@pytest.mark.parametrize("case, content, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_label_studio_files_say_one_sentence_and_change_nothing(tmp_path, case, content, expected):
    store = empty_project(tmp_path)
    before = state_of(store)
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ProjectError) as err:
        import_file(store, path, "labelstudio")
    assert one_sentence(str(err.value)) and expected in str(err.value), str(err.value)
    assert state_of(store) == before
    store.close()
