"""Label import/export (CSV/JSON round trip, all-or-nothing import) and the project/labels CLI."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from core_model.cli import main
from core_model.project import CreateSegment, History, ProjectError, ProjectStore
from core_model.project.io import COLUMNS, export_labels, import_labels
from core_model.video.synthetic import write_barcode_video

from .project_helpers import file_bytes, new_project, segment_state


def _fill(store):
    CreateSegment(1, 0, 0, 10, 1, note='comma, "quote"\nnew line').apply(store)
    CreateSegment(1, 0, 10, 25, 2, source="accepted", model_key="m", confidence=0.8125).apply(store)
    CreateSegment(1, -1, 5, 600, 3).apply(store)
    CreateSegment(2, 3, 999, 1000, 4, note="ünïcode").apply(store)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_round_trip(tmp_path, suffix):
    with new_project(tmp_path, "a.epam") as src:
        _fill(src)
        out = tmp_path / f"labels{suffix}"
        assert export_labels(src, out) == 4
        expected = [row[:6] + row[7:] for row in segment_state(src)]  # model_key is not a column
        authors = [s.author for s in src.segments()]
    with new_project(tmp_path, "b.epam") as dst:
        assert import_labels(dst, out) == 4
        assert [row[:6] + row[7:] for row in segment_state(dst)] == expected
        assert [s.author for s in dst.segments()] == authors
        export_labels(dst, tmp_path / f"again{suffix}")
    assert (tmp_path / f"again{suffix}").read_text() == out.read_text().replace("a.epam", "b.epam")


def test_csv_has_the_contract_columns_and_times(tmp_path):
    with new_project(tmp_path) as store:
        _fill(store)
        export_labels(store, tmp_path / "l.csv")
    with open(tmp_path / "l.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(COLUMNS)
    first = rows[0]
    assert (first["video"], first["person"], first["start_frame"], first["end_frame"]) == ("v0.mp4", "-1", "5", "600")
    assert (float(first["start_time"]), float(first["end_time"])) == (0.2, 24.0)


def test_import_by_times_and_file_name(tmp_path):
    with new_project(tmp_path) as store:
        (tmp_path / "t.csv").write_text("video,person,start_time,end_time,label\n"
                                        "./v1.mp4,everybody,1.0,2.03,wave\n")
        assert import_labels(store, tmp_path / "t.csv") == 1
        seg = store.segments()[0]
        assert (seg.video_id, seg.person, seg.start_frame, seg.end_frame, seg.source, seg.author) == \
            (2, -1, 25, 51, "user", "tester")


def test_import_is_one_undo_step_and_trims_existing(tmp_path):
    with new_project(tmp_path) as store:
        CreateSegment(1, 0, 0, 100, 1).apply(store)
        (tmp_path / "t.json").write_text(json.dumps([{"video": "v0.mp4", "person": 0, "start_frame": 50,
                                                      "end_frame": 60, "label": "sit"},
                                                     {"video": "v0.mp4", "person": 1, "start_frame": 0,
                                                      "end_frame": 5, "label": "JUMP", "confidence": None}]))
        before = segment_state(store)
        history = History(store)
        assert import_labels(store, tmp_path / "t.json", history=history) == 2
        assert [(s.person, s.start_frame, s.end_frame) for s in store.segments()] == \
            [(0, 0, 50), (0, 50, 60), (0, 60, 100), (1, 0, 5)]
        assert history.undo_text == "Import 2 segments"
        history.undo()
        assert segment_state(store) == before


BAD_CSV = {
    "unknown label": ("v0.mp4,0,0,10,,,fly,user,,,\n", "line 3: the label 'fly' is not in the project's label set"),
    "bad frame": ("v0.mp4,0,zero,10,,,walk,user,,,\n", "line 3: start_frame 'zero' is not a number"),
    "range": ("v0.mp4,0,10,1001,,,walk,user,,,\n", "line 3: frames \\[10, 1001\\) are not a range"),
    "video": ("nope.mp4,0,0,10,,,walk,user,,,\n", "line 3: the video 'nope.mp4' is not in the project"),
    "source": ("v0.mp4,0,0,10,,,walk,robot,,,\n", "line 3: source 'robot'"),
    "confidence": ("v0.mp4,0,0,10,,,walk,accepted,1.5,,\n", "line 3: confidence 1.5 is outside"),
    "columns": ("v0.mp4,0,0,10\n", "line 3: 4 values for 11 columns"),
    "overlap": ("v0.mp4,0,5,20,,,walk,user,,,\n", "line 3: the segment overlaps the one on line 2"),
    "person": ("v0.mp4,-5,0,10,,,walk,user,,,\n", "line 3: person '-5'"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_malformed_csv_is_rejected_and_project_unchanged_byte_for_byte(tmp_path, case):
    new_project(tmp_path).close()
    project = tmp_path / "p.epam"
    data = file_bytes(project)
    bad_row, message = BAD_CSV[case]
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(COLUMNS) + "\nv0.mp4,0,0,10,,,walk,user,,,\n" + bad_row + "v1.mp4,1,0,5,,,sit,,,,\n")
    with ProjectStore.open(project) as store:
        with pytest.raises(ProjectError, match=message):
            import_labels(store, bad)
        assert store.segments() == []
    assert file_bytes(project) == data
    assert main(["labels", "import", str(project), str(bad)]) == 1
    assert file_bytes(project) == data


def test_malformed_json_names_the_line(tmp_path):
    with new_project(tmp_path) as store:
        bad = tmp_path / "bad.json"
        bad.write_text('{"format": "epam-labels",\n "segments": [\n'
                       '  {"video": "v0.mp4", "person": 0, "start_frame": 0, "end_frame": 5, "label": "walk"},\n'
                       '  {"video": "v0.mp4", "person": 0, "start_frame": 9, "end_frame": 5, "label": "walk"}\n'
                       ']}\n')
        with pytest.raises(ProjectError, match=r"bad.json line 4: frames \[9, 5\)"):
            import_labels(store, bad)
        bad.write_text('[\n {"video": "v0.mp4",\n  "person": 0,, }\n]')
        with pytest.raises(ProjectError, match="bad.json line 3: not valid JSON"):
            import_labels(store, bad)
        bad.write_text("\x00\xff".encode("latin-1").decode("latin-1"), encoding="latin-1")
        with pytest.raises(ProjectError, match="not UTF-8|not valid JSON"):
            import_labels(store, bad)
        with pytest.raises(ProjectError, match="must end in .csv or .json"):
            import_labels(store, tmp_path / "labels.txt")
        assert store.segments() == []


def test_cli_new_add_info_export_import(tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    write_barcode_video(video, frames=20)
    shutil.copy(video, tmp_path / "clip2.mp4")  # same content: added once
    project = tmp_path / "study.epam"
    assert main(["project", "new", str(project), "--labels", "ntu60", "--video", str(video)]) == 0
    assert main(["project", "add", str(project), str(tmp_path / "clip2.mp4")]) == 0
    assert "already in the project" in capsys.readouterr().out
    assert main(["project", "new", str(project)]) == 1
    assert "already exists" in capsys.readouterr().err
    with ProjectStore.open(project) as store:
        CreateSegment(1, 0, 0, 10, store.label_by_name("clapping").id).apply(store)
        CreateSegment(1, -1, 2, 4, store.label_by_name("clapping").id, source="accepted", confidence=0.5
                      ).apply(store)
    capsys.readouterr()
    assert main(["project", "info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [v["path"] for v in info["videos"]] == ["clip.mp4"]
    assert info["videos"][0]["found"] and info["videos"][0]["frame_count"] == 20
    assert len(info["labels"]) == 60 and info["labels"][0]["name"] == "drink water"
    assert info["segments"]["by_label"]["clapping"] == {"user": 1, "accepted": 1, "total": 2}
    assert main(["labels", "export", str(project), "-o", str(tmp_path / "out.csv")]) == 0
    assert main(["labels", "export", str(project), "-o", str(tmp_path / "out.json")]) == 0
    assert len(json.loads((tmp_path / "out.json").read_text())["segments"]) == 2
    assert main(["project", "new", str(tmp_path / "copy.epam"), "--labels", "ntu60", "--video", str(video)]) == 0
    assert main(["labels", "import", str(tmp_path / "copy.epam"), str(tmp_path / "out.json")]) == 0
    assert "imported 2 segments" in capsys.readouterr().out
    assert main(["project", "info", str(tmp_path / "copy.epam")]) == 0
    assert "segments: 2 (1 user, 1 accepted)" in capsys.readouterr().out
    assert main(["project", "add", str(project), str(tmp_path / "missing.mp4")]) == 1
    assert "not found" in capsys.readouterr().err
    (tmp_path / "text.epam").write_text("hello")
    assert main(["project", "info", str(tmp_path / "text.epam")]) == 1
    assert capsys.readouterr().err.strip() == "epam: error: text.epam is not an EPAM project file."


def test_project_new_with_an_unreadable_video_leaves_no_project_behind(tmp_path, capsys):
    from core_model.cli import main

    (tmp_path / "empty.mp4").write_bytes(b"")
    assert main(["project", "new", str(tmp_path / "p.epam"), "--video", str(tmp_path / "empty.mp4")]) == 1
    assert "empty.mp4 is empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.mp4"]
