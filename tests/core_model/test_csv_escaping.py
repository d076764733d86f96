"""CSV formula injection: every CSV the core writes escapes text cells a spreadsheet would run as formulas
(OWASP: a leading ``'``), writes numbers as they are (negative ones too), and the label import reads its own
escaping back."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from core_model.cli import main
from core_model.csv_safe import FORMULA_STARTS, escape_cell, unescape_cell
from core_model.project import CreateSegment, ProjectStore
from core_model.project.io import export_labels, import_labels

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _cells(path, delimiter=","):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def _dangerous(cell: str) -> bool:
    """A cell a spreadsheet may evaluate: starts with a formula character and is not a plain number."""
    if not cell or cell[0] not in FORMULA_STARTS:
        return False
    try:
        float(cell)
        return False
    except ValueError:
        return True


def test_escape_cell_rules_and_round_trip():
    for text in HOSTILE:
        assert escape_cell(text) == "'" + text
    for number in (-1, -0.25, 3, 1.5):
        assert escape_cell(number) == number
    assert escape_cell("-1") == "-1" and escape_cell("-0.250000") == "-0.250000" and escape_cell("+3e5") == "+3e5"
    assert escape_cell("walk") == "walk" and escape_cell("'quoted") == "'quoted" and escape_cell("") == ""
    for text in HOSTILE + ["'=x", "''=x", "'-1", "-1", "'", "''", "plain", "-", "=", "'@"]:
        assert unescape_cell(escape_cell(text)) == text, text


def _hostile_project(tmp_path, name="p.epam"):
    store = ProjectStore.create(tmp_path / name, labels=HOSTILE[:4] + ["walk"], author="@author")
    store.add_video_record("=video.mp4", "k" * 40, 1000, 25.0)
    for i, label in enumerate(store.labels()):
        CreateSegment(1, -1 if i == 0 else i, 10 * i, 10 * i + 5, label.id, note=HOSTILE[i % len(HOSTILE)]).apply(store)
    return store


def test_label_export_escapes_text_and_import_reads_it_back(tmp_path):
    with _hostile_project(tmp_path, "a.epam") as src:
        export_labels(src, tmp_path / "l.csv")
        expected = [(s.person, s.start_frame, s.end_frame, s.label_id, s.note, s.author) for s in src.segments()]
    rows = _cells(tmp_path / "l.csv")
    assert not [c for row in rows for c in row if _dangerous(c)]
    first = dict(zip(rows[0], rows[1]))
    assert first["person"] == "-1" and first["video"] == "'=video.mp4" and first["author"] == "'@author"
    assert first["label"] == "'" + HOSTILE[0] and first["note"] == "'" + HOSTILE[0]
    assert first["start_time"] == "0.0"
    with _hostile_project(tmp_path, "b.epam") as dst:
        for seg in dst.segments():
            from core_model.project import DeleteSegments
            DeleteSegments([seg.id]).apply(dst)
        assert import_labels(dst, tmp_path / "l.csv") == len(expected)
        assert [(s.person, s.start_frame, s.end_frame, s.label_id, s.note, s.author) for s in dst.segments()] == expected


def test_stats_csv_escapes_label_and_video_names(tmp_path, capsys):
    with _hostile_project(tmp_path) as store:
        path = store.path
    assert main(["labels", "stats", str(path), "--csv", str(tmp_path / "s.csv")]) == 0
    rows = _cells(tmp_path / "s.csv")
    assert not [c for row in rows for c in row if _dangerous(c)]
    labels = {row[2] for row in rows[1:]}
    assert "'" + HOSTILE[0] in labels and rows[1][0] == "'=video.mp4"
    assert "-1" in {row[1] for row in rows[1:]}


def test_review_tables_escape_class_names(tmp_path):
    from core_model.review import agreement_from_frames
    from core_model.review.tables import confusion_table, per_class_table, write_csv

    report = agreement_from_frames(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), ["=cmd", "-x"])
    write_csv(tmp_path / "pc.csv", *per_class_table(report))
    write_csv(tmp_path / "cm.csv", *confusion_table(report))
    for name in ("pc.csv", "cm.csv"):
        rows = _cells(tmp_path / name)
        assert not [c for row in rows for c in row if _dangerous(c)], rows
    assert [r[0] for r in _cells(tmp_path / "pc.csv")[1:]] == ["'=cmd", "'-x"]


def test_results_segments_csv_escapes_class_names_and_reads_them_back(tmp_path):
    from core_model.analysis.results import read_segments_csv, write_segments_csv
    from core_model.analysis.segments import Segment

    segs = [Segment(-1, 0, 10, 0.0, 0.4, 0, "=1+2", 0.5), Segment(2, 10, 20, 0.4, 0.8, 1, "walk", 0.25)]
    write_segments_csv(tmp_path / "segments.csv", segs)
    rows = _cells(tmp_path / "segments.csv")
    assert rows[1][0] == "-1" and rows[1][6] == "'=1+2"
    assert read_segments_csv(tmp_path / "segments.csv") == segs


def test_set_manifest_escapes_text_cells(tmp_path):
    from core_model.export.builder import SetBuilder
    from core_model.export.layout import MANIFEST_CSV, SetRow
    from core_model.pose.format import Poses

    builder = SetBuilder(tmp_path / "set", ["=cmd", "walk"], pose_only=True, source={"kind": "project"})
    for i, (label, person) in enumerate((("=cmd", -1), ("walk", 3), ("=cmd", 4), ("walk", 5))):
        row = SetRow(clip=f"c{i}", split="", video="@v.mp4", video_key=f"k{i}", start_frame=0, end_frame=4, frames=4,
                     start_time=0.0, end_time=0.16, person=person, label=label, label_index=0 if label == "=cmd" else 1,
                     source="user", author="+me", confidence=None)
        builder.add(row, Poses.empty(4, (10, 10), 25.0), (10, 10))
    builder.finish(split_by="random", ratio=0.5, seed=0)
    rows = _cells(tmp_path / "set" / MANIFEST_CSV)
    assert not [c for row in rows for c in row if _dangerous(c)]
    head = rows[0]
    first = dict(zip(head, rows[1]))
    assert first["label"] == "'=cmd" and first["video"] == "'@v.mp4" and first["author"] == "'+me"
    assert first["person"] == "-1"


@pytest.mark.parametrize("text", HOSTILE[:4])
def test_import_of_a_hand_written_escaped_cell(tmp_path, text):
    with ProjectStore.create(tmp_path / "p.epam", labels=[text], author="x") as store:
        store.add_video_record("v.mp4", "k" * 40, 100, 25.0)
        quoted = text.replace('"', '""')
        (tmp_path / "l.csv").write_text("video,person,start_frame,end_frame,label,note\n"
                                        f"v.mp4,1,0,5,\"'{quoted}\",\"'{quoted}\"\n", encoding="utf-8")
        assert import_labels(store, tmp_path / "l.csv") == 1
        seg = store.segments()[0]
        assert store.label(seg.label_id).name == text and seg.note == text
