"""Subjects across videos: statistics, agreement, labels CSV export and fine-tuning export per subject, and the
``epam subjects`` command (real project files; real videos for the export)."""
from __future__ import annotations

import csv
import json

import pytest

from core_model.cli import main
from core_model.export import load_set
from core_model.project import CreateSegment, ProjectStore
from core_model.project.io import export_labels
from core_model.review.subject_stats import NO_SUBJECT, subject_agreement, subject_budgets

from .project_helpers import new_project
from .test_export_project import make_project


def _study(tmp_path):
    """Two videos of 1000 frames at 25 fps; Anna is track 3 in v0 and tracks 7 and 8 (two fragments) in v1."""
    store = new_project(tmp_path)
    v0, v1 = (v.id for v in store.videos())
    walk, sit = (store.label_by_name(n).id for n in ("walk", "sit"))
    anna, ben = store.add_subject("Anna").id, store.add_subject("Ben").id
    for vid, person, sid in ((v0, 3, anna), (v1, 7, anna), (v1, 8, anna), (v0, 4, ben)):
        store.assign_track(vid, person, sid)
    for vid, person, start, end, label in ((v0, 3, 0, 50, walk), (v0, 3, 50, 100, walk),  # one bout of 4 s
                                           (v1, 7, 200, 300, walk), (v1, 8, 250, 350, walk),  # overlapping: 6 s
                                           (v0, 4, 0, 25, sit), (v0, 9, 0, 500, sit)):  # track 9: nobody's
        CreateSegment(vid, person, start, end, label, author="ann").apply(store)
    return store


def test_statistics_per_subject_across_two_videos(tmp_path):
    with _study(tmp_path) as store:
        budgets = {(b.subject, b.label): b for b in subject_budgets(store)}
        assert set(budgets) == {("Anna", "walk"), ("Ben", "sit")}
        anna = budgets[("Anna", "walk")]
        assert anna.seconds == pytest.approx(4.0 + 6.0)  # fragments of one person never count twice
        assert anna.bouts == 2 and anna.videos == 2 and anna.mean_bout == pytest.approx(5.0)
        assert anna.share == pytest.approx(10.0 / 80.0)  # of the two videos' 40 s each
        assert anna.color == store.find_subject("Anna").color
        ben = budgets[("Ben", "sit")]
        assert (ben.seconds, ben.bouts, ben.videos) == (pytest.approx(1.0), 1, 1)
        assert ben.share == pytest.approx(1.0 / 40.0)
        nobody = [b for b in subject_budgets(store, unassigned=True) if b.subject == NO_SUBJECT]
        assert [(b.label, round(b.seconds, 3)) for b in nobody] == [("sit", 20.0)]
        path = str(store.path)
    assert main(["labels", "stats", path, "--by", "subject", "--json"]) == 0


def test_labels_stats_by_subject_on_the_command_line(tmp_path, capsys):
    with _study(tmp_path) as store:
        path = str(store.path)
    assert main(["labels", "stats", path, "--by", "subject", "--json", "--csv", str(tmp_path / "s.csv")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["per_subject"] == {"Anna": {"seconds": pytest.approx(10.0), "bouts": 2},
                                  "Ben": {"seconds": pytest.approx(1.0), "bouts": 1}}
    rows = list(csv.DictReader(open(tmp_path / "s.csv", encoding="utf-8")))
    assert [(r["subject"], r["label"], r["videos"]) for r in rows] == [("Anna", "walk", "2"), ("Ben", "sit", "1")]
    assert main(["labels", "stats", path, "--by", "subject"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:3] == ["Anna", "walk", "10.0s"]


def test_agreement_per_subject_between_two_coders(tmp_path, capsys):
    with _study(tmp_path) as store:
        v0, v1 = (v.id for v in store.videos())
        walk, sit = (store.label_by_name(n).id for n in ("walk", "sit"))
        CreateSegment(v0, 3, 0, 100, walk, author="bob").apply(store)  # agrees on 100 frames
        CreateSegment(v1, 7, 200, 300, sit, author="bob").apply(store)  # disagrees on 100 frames
        overall, per_subject = subject_agreement(store, ("author:ann", "author:bob"))
        assert set(per_subject) == {"Anna"}  # Ben's track has no second coder
        anna = per_subject["Anna"]
        assert anna.frames == 200 and anna.accuracy == pytest.approx(0.5)
        assert overall.frames == 200
        path = str(store.path)
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob", "--by", "subject",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["subjects"]["Anna"]["frames"] == 200 and doc["subjects"]["Anna"]["accuracy"] == 0.5
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob", "--by", "subject"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "  Anna: 200 frames, accuracy 0.500, kappa 0.000"


def test_labels_csv_export_has_the_subject_column(tmp_path):
    with _study(tmp_path) as store:
        out = tmp_path / "labels.csv"
        export_labels(store, out)
        rows = list(csv.DictReader(open(out, encoding="utf-8")))
        assert {(r["video"], r["person"], r["subject"]) for r in rows} == {
            ("v0.mp4", "3", "Anna"), ("v1.mp4", "7", "Anna"), ("v1.mp4", "8", "Anna"), ("v0.mp4", "4", "Ben"),
            ("v0.mp4", "9", "")}
        before = len(store.segments())
    with ProjectStore.create(tmp_path / "again.epam", labels=["walk", "sit", "wave", "jump"]) as again:
        for k in range(2):  # the file reads back (the subject column is information only)
            again.add_video_record(f"v{k}.mp4", f"key{k}", 1000, 25.0)
        from core_model.project.io import import_labels

        assert import_labels(again, out) == before


def test_export_a_fine_tuning_set_of_one_subject_across_two_videos(tmp_path, capsys):
    project = make_project(tmp_path / "p", videos=2)
    with ProjectStore.open(project) as store:
        v0, v1 = (v.id for v in store.videos())
        anna = store.add_subject("Anna").id
        store.assign_track(v0, 0, anna)
        store.assign_track(v1, 1, anna)
    assert main(["export", str(project), "-o", str(tmp_path / "set"), "--subject", "Anna", "--pose-only",
                 "--sources", "user,accepted"]) == 0
    rows = load_set(tmp_path / "set").rows
    assert sorted((r.video, r.person, r.label) for r in rows) == [
        ("clip0.mp4", 0, "clap"), ("clip0.mp4", 0, "wave"), ("clip1.mp4", 1, "squat"), ("clip1.mp4", 1, "wave")]
    capsys.readouterr()
    assert main(["export", str(project), "-o", str(tmp_path / "none"), "--subject", "Zoe", "--pose-only"]) == 1
    assert capsys.readouterr().err == ("epam: error: The project has no subject named 'Zoe'; its subjects are: "
                                       "Anna.\n")
    assert not (tmp_path / "none").exists()


def test_subjects_command(tmp_path, capsys):
    with new_project(tmp_path) as store:
        path = str(store.path)
    assert main(["subjects", "add", path, "Anna"]) == 0
    assert main(["subjects", "assign", path, "Anna", "v0.mp4", "3"]) == 0
    assert main(["subjects", "assign", path, "patient 07", "v1", "5", "--create"]) == 0
    assert main(["subjects", "rename", path, "anna", "Anna K."]) == 0
    assert main(["subjects", "recolor", path, "Anna K.", "#FF0000"]) == 0
    assert main(["subjects", "list", path, "--tracks", "--json"]) == 0
    capsys.readouterr()
    assert main(["subjects", "list", path, "--tracks", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["color"], s["assigned"]) for s in doc["subjects"]] == [
        ("Anna K.", "#ff0000", [{"video": "v0.mp4", "track": 3}]),
        ("patient 07", doc["subjects"][1]["color"], [{"video": "v1.mp4", "track": 5}])]
    assert main(["subjects", "unassign", path, "v0.mp4", "3"]) == 0
    assert main(["subjects", "unassign", path, "v0.mp4", "3"]) == 1
    assert capsys.readouterr().err.endswith("epam: error: Track 3 is not assigned to a subject.\n")
    assert main(["subjects", "assign", path, "Zoe", "v0.mp4", "3"]) == 1
    assert "no subject named 'Zoe'" in capsys.readouterr().err
    assert main(["subjects", "assign", path, "Anna K.", "v9.mp4", "3"]) == 1
    assert capsys.readouterr().err == "epam: error: No video named 'v9.mp4' in the project (see `epam project info`).\n"
    assert main(["subjects", "delete", path, "Anna K."]) == 0
    assert main(["subjects", "list", path]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("patient 07  #")


def test_point_events_per_subject_are_counted_not_timed(tmp_path, capsys):
    with _study(tmp_path) as store:
        v0, v1 = (v.id for v in store.videos())
        hand = store.add_label("raises hand", kind="point").id
        for vid, person, frame in ((v0, 3, 10), (v0, 3, 60), (v1, 7, 220), (v1, 8, 220), (v1, 8, 400)):
            CreateSegment(vid, person, frame, frame + 1, hand, author="ann").apply(store)
        budgets = {(b.subject, b.label): b for b in subject_budgets(store)}
        path = str(store.path)
    raised = budgets[("Anna", "raises hand")]
    # one event per (video, frame): the two fragments 7 and 8 both hold frame 220 of v1, which is one moment
    assert (raised.kind, raised.events, raised.seconds, raised.share) == ("point", 4, 0.0, 0.0)
    assert raised.rate == pytest.approx(4 * 60.0 / 80.0)  # per minute of Anna's two 40-s videos
    assert budgets[("Anna", "walk")].kind == "state" and budgets[("Anna", "walk")].events == 2
    assert main(["labels", "stats", path, "--by", "subject"]) == 0
    line = next(row for row in capsys.readouterr().out.splitlines() if "raises hand" in row)
    assert line.split()[3:6] == ["4", "ev", "3.00/m"]
