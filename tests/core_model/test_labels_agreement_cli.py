"""``epam labels agreement`` from the command line: undefined kappa, authors who never labelled."""
from __future__ import annotations

import json

from core_model.cli import main
from core_model.project import CreateSegment

from .project_helpers import new_project


def _two_coders(tmp_path, same_class=True):
    with new_project(tmp_path) as store:
        CreateSegment(1, 0, 0, 50, 1, author="ann").apply(store)
        CreateSegment(1, 0, 0, 50, 1 if same_class else 2, author="bob").apply(store)
        return str(store.path)


def test_one_class_each_kappa_is_undefined_in_text_and_null_in_json(tmp_path, capsys):
    path = _two_coders(tmp_path)
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob"]) == 0
    out = capsys.readouterr().out
    assert "50 frames, accuracy 1.000, kappa undefined" in out and "1.000, kappa 1.000" not in out
    assert main(["labels", "agreement", path, "--between", "author:ann,author:bob", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["overall"]["kappa"] is None and doc["overall"]["accuracy"] == 1.0
    assert doc["videos"]["v0.mp4"]["kappa"] is None


def test_author_who_never_labelled_is_named_and_refused(tmp_path, capsys):
    path = _two_coders(tmp_path)
    assert main(["labels", "agreement", path, "--between", "author:ann,author:carol"]) == 1
    err = capsys.readouterr().err
    assert err == ("epam: error: The project has no labels by author 'carol' (authors with labels: ann, bob).\n")
    assert main(["labels", "agreement", path, "--between", "author:dan,author:carol", "--json"]) == 1
    assert "no labels by authors 'dan' and 'carol'" in capsys.readouterr().err
