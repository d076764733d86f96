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
    bad.write_text(",".join(COLUMNS[:11]) + "\nv0.mp4,0,0,10,,,walk,user,,,\n" + bad_row + "v1.mp4,1,0,5,,,sit,,,,\n")
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


# ------------------------------------------------------------------ separators, big person ids, absent tracks
def test_semicolon_separated_file_with_decimal_commas_is_read(tmp_path):
    with new_project(tmp_path) as store:
        (tmp_path / "semi.csv").write_text("video;person;start_frame;end_frame;start_time;end_time;label;note\n"
                                           "v0.mp4;2;10;20;;;walk;a, b\n"
                                           "v0.mp4;-1;;;1,0;2,04;sit;\n", encoding="utf-8")
        assert import_labels(store, tmp_path / "semi.csv") == 2
        assert [(s.person, s.start_frame, s.end_frame, s.note) for s in store.segments()] == [
            (-1, 25, 51, ""), (2, 10, 20, "a, b")]
        (tmp_path / "tab.csv").write_text("video\tperson\tstart_frame\tend_frame\tlabel\nv1.mp4\t1\t0\t5\twave\n")
        assert import_labels(store, tmp_path / "tab.csv") == 1


def test_header_without_the_columns_names_the_separator(tmp_path):
    with new_project(tmp_path) as store:
        (tmp_path / "odd.csv").write_text("video:person:label\nv0.mp4:1:walk\n")
        with pytest.raises(ProjectError) as err:
            import_labels(store, tmp_path / "odd.csv")
        text = str(err.value)
        assert text.startswith("odd.csv line 1: missing columns video, person, label")
        assert "separated by commas the header line has 1 column: 'video:person:label'" in text
        assert store.segments() == []


@pytest.mark.parametrize("person", ["9223372036854775808", "99999999999999999999999", "1e30"])
def test_person_larger_than_sqlite_integer_is_refused_with_its_line(tmp_path, person):
    with new_project(tmp_path) as store:
        (tmp_path / "big.csv").write_text(f"video,person,start_frame,end_frame,label\nv0.mp4,1,0,5,walk\n"
                                          f"v0.mp4,{person},0,5,walk\n")
        with pytest.raises(ProjectError) as err:
            import_labels(store, tmp_path / "big.csv")
        assert str(err.value) == (f"big.csv line 3: person '{person}' is larger than the largest track id "
                                  "(9223372036854775807); nothing was imported.")
        assert store.segments() == []
        (tmp_path / "max.csv").write_text("video,person,start_frame,end_frame,label\n"
                                          "v0.mp4,9223372036854775807,0,5,walk\n")
        assert import_labels(store, tmp_path / "max.csv") == 1
        assert store.segments()[0].person == 9223372036854775807


def test_cli_refuses_a_huge_person_in_one_line(tmp_path, capsys):
    with new_project(tmp_path) as store:
        path = store.path
    (tmp_path / "big.json").write_text('[{"video": "v0.mp4", "person": 18446744073709551616, "start_frame": 0,'
                                       ' "end_frame": 5, "label": "walk"}]')
    assert main(["labels", "import", str(path), str(tmp_path / "big.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("epam: error: big.json line 1: person '18446744073709551616' is larger than") and \
        err.count("\n") == 1


def _present_from(path, frames, track, start):
    import numpy as np

    from core_model.pose.format import Poses
    kp = np.zeros((1, frames, 17, 2), np.float32)
    sc = np.zeros((1, frames, 17), np.float32)
    kp[0, start:] = 40.0
    sc[0, start:] = 0.8
    path.parent.mkdir(parents=True, exist_ok=True)
    Poses(kp, sc, np.array([track]), np.arange(frames) / 25.0, (720, 1280), 25.0).save(path)


def test_import_report_warns_of_labels_where_the_track_does_not_exist(tmp_path, capsys):
    from core_model.project.io import ImportReport
    from core_model.project.track_edits import project_poses_path

    with new_project(tmp_path, frames=3000) as store:
        _present_from(project_poses_path(store, 1), 3000, 4, 1875)  # person 4 present only from 1:15
        (tmp_path / "l.csv").write_text("video,person,start_frame,end_frame,label\n"
                                        "v0.mp4,4,0,50,walk\n"        # 0:00-0:02: absent
                                        "v0.mp4,4,1900,2000,sit\n"    # present
                                        "v0.mp4,-1,0,50,wave\n"       # everybody
                                        "v0.mp4,7,0,10,walk\n"        # no such track
                                        "v1.mp4,4,0,50,walk\n")       # v1 has no poses: nothing to compare
        report = ImportReport()
        assert import_labels(store, tmp_path / "l.csv", report=report) == 5  # warned, not refused
        assert (report.imported, report.absent) == (5, 2)
        assert report.absent_examples == ["line 2: person 4, frames 0-50: track 4 exists only in frames 1875-3000",
                                          "line 5: person 7, frames 0-10: the poses have no track 7"]
        assert report.warnings()[0].startswith("2 imported labels mark a person on frames where the person's track "
                                               "does not exist (kept; check them): line 2: person 4")
        path = store.path
    (tmp_path / "m.csv").write_text("video,person,start_frame,end_frame,label\nv0.mp4,4,100,150,walk\n")
    assert main(["labels", "import", str(path), str(tmp_path / "m.csv")]) == 0
    out, err = capsys.readouterr()
    assert "imported 1 segment" in out
    assert err == ("epam: warning: 1 imported label marks a person on frames where the person's track does not exist "
                   "(kept; check them): line 2: person 4, frames 100-150: track 4 exists only in frames 1875-3000.\n")


def test_import_into_lanes_with_labels_trims_them_and_is_one_undo_step(tmp_path):
    with new_project(tmp_path) as store:
        CreateSegment(1, 0, 0, 100, 1).apply(store)
        CreateSegment(1, 1, 0, 100, 1).apply(store)
        before = segment_state(store)
        (tmp_path / "l.csv").write_text("video,person,start_frame,end_frame,label,author\n"
                                        "v0.mp4,0,10,20,sit,\n"
                                        "v0.mp4,0,50,60,wave,\n"      # splits the rest of 0-100 again
                                        "v0.mp4,1,10,20,sit,other\n"  # another coder: a lane of its own
                                        "v1.mp4,2,0,10,jump,\n")
        history = History(store)
        assert import_labels(store, tmp_path / "l.csv", history=history) == 4
        assert [(s.person, s.start_frame, s.end_frame, s.label_id) for s in store.segments(1, person=0)] == [
            (0, 0, 10, 1), (0, 10, 20, 2), (0, 20, 50, 1), (0, 50, 60, 3), (0, 60, 100, 1)]
        assert len(store.segments(1, person=1)) == 2
        after = segment_state(store)
        history.undo()
        assert segment_state(store) == before
        history.redo()
        assert segment_state(store) == after


def test_long_json_file_is_streamed_with_exact_line_numbers(tmp_path):
    """More than one read chunk (64 KiB): items cut at chunk ends, a bad item far down names its own line."""
    rows = [{"video": "v0.mp4", "person": i % 7, "start_frame": (i // 7) * 2, "end_frame": (i // 7) * 2 + 1,
             "label": "walk", "note": "x" * (i % 50)} for i in range(3000)]
    body = ",\n".join("  " + json.dumps(r) for r in rows)
    text = '{"format": "epam-labels", "segments": [\n' + body + '\n], "labels": [{"name": "walk"}]}\n'
    (tmp_path / "ok.json").write_text(text)
    with new_project(tmp_path, frames=2000) as store:
        assert import_labels(store, tmp_path / "ok.json") == 3000
        bad = text.replace('"person": 3, "start_frame": 572', '"person": "three", "start_frame": 572')
        assert bad != text
        (tmp_path / "bad.json").write_text(bad)
        line = bad[:bad.index('"three"')].count("\n") + 1
        with pytest.raises(ProjectError, match=rf"^bad\.json line {line}: person 'three' is not a number"):
            import_labels(store, tmp_path / "bad.json")
        cut = text.index("},\n", 65000)  # an extra '}' just after the first read chunk
        broken = text[:cut] + "}}" + text[cut + 1:]
        (tmp_path / "broken.json").write_text(broken)
        line = broken[:cut].count("\n") + 1
        with pytest.raises(ProjectError, match=rf"^broken\.json line {line}: not valid JSON \(expected"):
            import_labels(store, tmp_path / "broken.json")
        assert len(store.segments()) == 3000


def test_import_announces_each_lane_after_the_commit(tmp_path):
    from core_model.project.records import Change

    with new_project(tmp_path) as store:
        CreateSegment(1, 0, 0, 100, 1).apply(store)
        seen = []
        store.subscribe(seen.append)
        (tmp_path / "l.csv").write_text("video,person,start_frame,end_frame,label\n"
                                        "v0.mp4,0,10,20,sit\nv0.mp4,2,5,9,sit\nv0.mp4,2,30,40,walk\nv1.mp4,-1,0,3,wave\n")
        assert import_labels(store, tmp_path / "l.csv") == 4
        lanes = {(c.video_id, c.person): (c.start, c.end) for c in seen if c.kind == "segments"}
        assert lanes[(1, 2)] == (5, 40) and lanes[(2, -1)] == (0, 3)
        assert lanes[(1, 0)][0] <= 10 and lanes[(1, 0)][1] >= 20
        assert all(isinstance(c, Change) for c in seen)
