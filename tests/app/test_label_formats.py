"""The File menu imports and exports labels in other tools' formats: a BORIS project imports as one undo step and
the import report says how subjects became persons, which labels were added and what was not imported; ELAN
export writes the current video; a malformed file is one sentence and changes nothing."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from .conftest import open_project_and_wait
from tests.core_model.interop_tools import coded_project, segments_of


def _boris(tmp_path):
    pj = {"project_format_version": "7.0",
          "behaviors_conf": {"0": {"type": "State event", "code": "walk", "key": "w", "color": "#224466"},
                             "1": {"type": "Point event", "code": "clap", "key": "c"}},
          "subjects_conf": {"0": {"name": "Ana"}},
          "observations": {
              "lesson": {"type": "MEDIA", "file": {"1": ["vfr.mkv"]}, "independent_variables": {"coder": "carol"},
                         "events": [[0.5, "Ana", "walk", "", "slow"], [1.2, "Ana", "walk", "", ""],
                                    [1.5, "", "clap", "", ""]]},
              "other day": {"type": "MEDIA", "file": {"1": ["day2.mp4"]}, "events": [[1.0, "", "clap", "", ""]]}}}
    path = tmp_path / "codings.boris"
    path.write_text(json.dumps(pj))
    return path


def _open(qtbot, window, tmp_path):
    store = coded_project(tmp_path)
    store.close()
    open_project_and_wait(qtbot, window, tmp_path / "coded.epam")
    return window.project.store


def test_file_menu_imports_boris_and_shows_the_import_report(qtbot, window, tmp_path, monkeypatch):
    store = _open(qtbot, window, tmp_path)
    before = segments_of(store)
    path = _boris(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "BORIS project (*.boris)"))
    window.actions["import_labels"].trigger()
    dialog = window.labeling_ui.import_report
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    texts = dialog.texts()
    assert "Imported 2 segments (BORIS project) (coded by carol)." in dialog.heading.text()
    assert any("'Ana' is person 3 (subject 'Ana')." in t for t in texts)  # a named subject: a track of its own
    assert any("day2.mp4 is not in the project" in t for t in texts)
    assert any("added to the label set: clap" in t for t in texts)
    after = segments_of(store)
    assert (3, 21, 28, "walk", "carol", "slow") in after and len(after) == len(before) + 2
    dialog.accept()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one undo step
    assert segments_of(store) == before


def test_file_menu_exports_the_current_video_as_elan_and_refuses_a_bad_file(qtbot, window, tmp_path, monkeypatch):
    store = _open(qtbot, window, tmp_path)
    out = tmp_path / "coded.eaf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "ELAN annotation (*.eaf)"))
    window.actions["export_labels"].trigger()
    assert out.is_file() and "person 1 (ana)" in out.read_text()
    bad = tmp_path / "bad.eaf"
    bad.write_text("<ANNOTATION_DOCUMENT")
    errors = []
    window.project.error.connect(lambda title, msg: errors.append(msg))
    before = segments_of(store)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), "ELAN annotation (*.eaf)"))
    window.actions["import_labels"].trigger()
    assert errors == ["bad.eaf line 1: is not well-formed XML (unclosed token); nothing was imported."] or (
        len(errors) == 1 and "nothing was imported" in errors[0] and "\n" not in errors[0])
    assert segments_of(store) == before and window.isVisible()
