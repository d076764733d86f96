"""Agreement between two coders with a time tolerance (events matched as BORIS): equal to a hand computation,
in the core, over a project and through `epam labels agreement --tolerance`."""
from __future__ import annotations

import json

import pytest

from core_model.cli import main
from core_model.project import CreateSegment
from core_model.review.agreement import Event, tolerance_agreement
from core_model.review.agreement_errors import AgreementError
from core_model.review.coder_agreement import project_tolerance_agreement

from .project_helpers import new_project

FPS = 25.0
# (person, start frame, end frame, label); 25 fps: frame 100 = 4.0 s
ANN = [(0, 0, 50, "walk"), (0, 100, 150, "sit"), (0, 200, 225, "wave"), (0, 300, 350, "walk"), (0, 400, 401, "hand")]
BOB = [(0, 10, 55, "walk"), (0, 120, 150, "sit"), (0, 205, 225, "jump"), (1, 300, 350, "walk"), (0, 410, 411, "hand")]


def _events(rows):
    return [Event(1, p, lab, s / FPS, e / FPS, lab == "hand") for p, s, e, lab in rows]


# By hand. Times: ann walk 0-2 s, sit 4-6, wave 8-9, walk 12-14, hand (point) 16.0;
# bob walk 0.4-2.2, sit 4.8-6, jump 8.2-9, walk 12-14 of person 1, hand 16.4.
# ±0.5 s: walk (0.4/0.2) and hand (0.4) match; sit starts 0.8 apart; wave/jump are one label disagreement;
#   matched 2, only ann 3 (sit, wave, walk), only bob 3 (sit, jump, walk of person 1): 2 / 8 = 25 %.
#   Event table (rows ann, columns bob; hand, jump, sit, walk, wave, none): diagonal hand 1, walk 1;
#   wave->jump 1; sit->none, walk->none; none->sit, none->walk. n = 7, p_o = 2/7,
#   p_e = (1·1 + 0·1 + 1·1 + 2·2 + 1·0 + 2·2) / 49 = 10/49, kappa = (14/49 - 10/49) / (39/49) = 4/39.
# ±1 s: sit matches too: matched 3, only ann 2, only bob 2: 3 / 7; table n = 6, p_o = 3/6,
#   p_e = (1 + 0 + 1 + 4 + 0 + 1) / 36 = 7/36, kappa = (18/36 - 7/36) / (29/36) = 11/29.
HAND = {0.5: (2, 3, 3, 1, 25.0, 4 / 39), 1.0: (3, 2, 2, 1, 300 / 7, 11 / 29)}


@pytest.mark.parametrize("tolerance", sorted(HAND))
def test_tolerance_agreement_equals_hand_computation(tolerance):
    report = tolerance_agreement(_events(ANN), _events(BOB), tolerance, coder_a="ann", coder_b="bob")
    matched, only_a, only_b, confused, percent, kappa = HAND[tolerance]
    assert (report.matched, report.only_a, report.only_b, report.confused) == (matched, only_a, only_b, confused)
    assert report.percent == pytest.approx(percent)
    assert report.kappa == pytest.approx(kappa)
    assert report.per_label["walk"] == {"matched": 1, "only_a": 1, "only_b": 1}
    assert report.classes[-1] == "(none)"


def test_exact_tolerance_edge_and_one_to_one():
    a = [Event(1, 0, "x", 1.0, 2.0), Event(1, 0, "x", 1.1, 2.1)]
    b = [Event(1, 0, "x", 1.5, 2.5)]
    report = tolerance_agreement(a, b, 0.5)  # 1.0 -> 1.5 is exactly 0.5 apart: inside; the closer (1.1) wins
    assert (report.matched, report.only_a, report.only_b) == (1, 1, 0)
    assert report.pairs[0][0].start == 1.1
    assert tolerance_agreement(a, b, 0.0).matched == 0
    with pytest.raises(AgreementError, match="zero or more seconds"):
        tolerance_agreement(a, b, -1)


def _project(tmp_path):
    store = new_project(tmp_path, labels=("walk", "sit", "wave", "jump", "hand"))
    store.conn.execute("UPDATE labels SET kind = 'point' WHERE name = 'hand'")
    for author, rows in (("ann", ANN), ("bob", BOB)):
        for person, start, end, name in rows:
            CreateSegment(1, person, start, end, store.label_by_name(name).id, author=author).apply(store)
    return store


def test_project_and_cli_equal_hand_computation(tmp_path, capsys):
    store = _project(tmp_path)
    overall, per_video = project_tolerance_agreement(store, "ann", "bob", 0.5)
    assert (overall.matched, overall.only_a, overall.only_b) == (2, 3, 3)
    assert overall.kappa == pytest.approx(4 / 39) and list(per_video) == [1]
    path = str(store.path)
    store.close()
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob", "--tolerance", "1",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    events = out["events"]["overall"]
    assert (events["matched"], events["only_a"], events["only_b"]) == (3, 2, 2)
    assert events["kappa"] == pytest.approx(11 / 29, abs=1e-6)
    assert "kappa" in out["overall"]  # the frame-level report stays beside it
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob", "--tolerance", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "events within ±0.5 s, all videos: 2 matched, 3 only ann, 3 only bob" in text
    assert "25.0 % matched, kappa 0.103" in text
    assert main(["labels", "agreement", path, "--tolerance", "1"]) == 1
    assert "two authors" in capsys.readouterr().err


def test_point_labels_go_through_point_agreement():
    from core_model.review import point_agreement
    from core_model.review.coder_agreement import _point_matcher

    assert _point_matcher() is point_agreement.match_points
