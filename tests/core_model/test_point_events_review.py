"""Point events and modifiers in statistics and agreement (counts, rate per minute, tolerance matching)."""
from __future__ import annotations

import hashlib
import json
import math

import pytest

from core_model.project import CreateSegment, ProjectStore
from core_model.review.point_agreement import PointEvent, match_points, point_agreement, project_point_agreement
from core_model.review.project_review import project_agreement, project_budgets
from core_model.review.stats import modifier_budgets, summarize_modifiers


@pytest.fixture
def project(tmp_path):
    """v0: 1000 frames at 25 fps (40 s). ana and bob code person 0 the same states, different point events."""
    store = ProjectStore.create(tmp_path / "p.epam", labels="classroom", author="ana")
    store.add_video_record("v0.mp4", hashlib.sha1(b"v0").hexdigest(), 1000, 25.0)
    lab = {x.name: x.id for x in store.labels()}
    for coder in ("ana", "bob"):
        CreateSegment(1, 0, 0, 250, lab["on task"], author=coder).apply(store)
        CreateSegment(1, 0, 250, 1000, lab["off task"], author=coder, modifier="looks away").apply(store)
    for frame, mod in ((100, "to teacher"), (101, "to teacher"), (500, "to peer")):
        CreateSegment(1, 0, frame, frame + 1, lab["raises hand"], author="ana", modifier=mod).apply(store)
    for frame, mod in ((102, "to teacher"), (130, ""), (505, "to teacher")):
        CreateSegment(1, 0, frame, frame + 1, lab["raises hand"], author="bob", modifier=mod).apply(store)
    yield store
    store.close()


def test_point_events_are_counted_with_a_rate_per_minute(project):
    budgets = {(b.coder, b.label): b for b in project_budgets(project)}
    hand = budgets[("ana", "raises hand")]
    # frames 100 and 101 touch: two events, not one bout; 3 events in 40 s = 4.5 per minute; no time
    assert (hand.kind, hand.events, hand.bouts, hand.seconds, hand.share) == ("point", 3, 3, 0.0, 0.0)
    assert hand.rate == pytest.approx(4.5)
    on = budgets[("ana", "on task")]
    assert (on.kind, on.seconds, on.events) == ("state", pytest.approx(10.0), 1)
    assert on.rate == pytest.approx(1.5)


def test_statistics_per_label_and_modifier(project):
    rows = modifier_budgets(project, author="ana")
    table = summarize_modifiers(rows)
    assert table["raises hand"] == {"to teacher": {"events": 2, "seconds": 0.0},
                                    "to peer": {"events": 1, "seconds": 0.0}}
    assert table["off task"]["looks away"]["seconds"] == pytest.approx(30.0)
    teacher = next(r for r in rows if r.label == "raises hand" and r.modifier == "to teacher")
    assert teacher.rate == pytest.approx(3.0)  # 2 in 40 s


def test_labels_stats_command_line(project, capsys, tmp_path):
    from core_model.cli import main

    path = str(project.path)
    project.close()
    assert main(["labels", "stats", path, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    hand = next(b for b in doc["budgets"] if b["label"] == "raises hand" and b["coder"] == "bob")
    assert (hand["kind"], hand["events"], hand["rate_per_min"], hand["seconds"]) == ("point", 3, 4.5, 0.0)
    assert main(["labels", "stats", path]) == 0
    assert "raises hand                       3 ev  4.50/m" in capsys.readouterr().out
    assert main(["labels", "stats", path, "--modifiers", "--csv", str(tmp_path / "m.csv")]) == 0
    out = capsys.readouterr().out
    assert "raises hand              to teacher                2            ana" in out
    assert "raises hand              (none)                    1            bob" in out
    assert (tmp_path / "m.csv").read_text().splitlines()[0] == \
        "video,person,label,modifier,kind,events,seconds,rate_per_min,coder"


def test_point_matching_by_hand(project):
    # ana: 4.00 s, 4.04 s, 20.0 s; bob: 4.08 s, 5.20 s, 20.2 s. Within 0.5 s: 4.00-4.08 and 20.0-20.2 match,
    # 4.04 (only ana) and 5.20 (only bob) do not: 2 / (2 + 1 + 1) = 50 %
    report = project_point_agreement(project, "ana", "bob", 0.5)
    assert (report.matched, report.only_a, report.only_b, report.percent) == (2, 1, 1, 50.0)
    assert report.per_label["raises hand"]["matched"] == 2
    # modifiers of the matched pairs: (to teacher, to teacher) agree, (to peer, to teacher) do not
    assert (report.modifier_same, report.modifier_pairs) == (1, 2)
    assert "2 matched, 1 only ana, 1 only bob (50.0 % agreement)" in report.sentence()
    wide = project_point_agreement(project, "ana", "bob", 2.0)
    assert (wide.matched, wide.only_a, wide.only_b) == (3, 0, 0)


def test_matching_finds_the_most_pairs_not_the_closest_first():
    a = [PointEvent(1, 0, "x", 1.0), PointEvent(1, 0, "x", 1.6)]
    b = [PointEvent(1, 0, "x", 1.5), PointEvent(1, 0, "x", 2.2)]
    assert match_points(a, b, 0.6) == [(0, 0), (1, 1)]  # closest first (1.6-1.5) would leave one pair only
    other = [PointEvent(1, 0, "y", 1.0), PointEvent(1, 1, "x", 1.6), PointEvent(2, 0, "x", 1.5)]
    assert match_points(a, other, 5.0) == []  # another label, person or video never matches
    assert math.isnan(point_agreement([], [], 1.0).percent)


def test_frame_level_kappa_ignores_point_events(project):
    overall, _per_video = project_agreement(project, ("author:ana", "author:bob"))
    assert overall.frames == 1000 and overall.kappa == pytest.approx(1.0)
    assert "raises hand" not in overall.classes


def test_tolerance_agreement_of_coders_uses_the_point_matching(project):
    from core_model.review.coder_agreement import project_tolerance_agreement

    overall, _ = project_tolerance_agreement(project, "ana", "bob", 0.5)
    assert overall.per_label["raises hand"] == {"matched": 2, "only_a": 1, "only_b": 1}
