"""BORIS projects and tabular events in and out: read by BORIS's own loader and integrity check, round trips on a
VFR video, files BORIS's own code wrote, point events, subjects, modifiers, --strict, malformed files."""
from __future__ import annotations

import json

import pytest

from core_model.cli import main
from core_model.interop import export_file, import_file
from core_model.project import ProjectError

from .interop_tools import boris_available, boris_run, coded_project, empty_project, one_sentence, segments_of, \
    state_of

needs_boris = pytest.mark.skipif(not boris_available(), reason="boris-behav-obs is not installed "
                                                                "(scripts/install_interop_tests.sh)")


@pytest.fixture
def coded(tmp_path):
    store = coded_project(tmp_path)
    yield store
    store.close()


@needs_boris
def test_boris_loader_and_integrity_check_accept_what_we_write(coded, tmp_path):
    out = tmp_path / "coded.boris"
    assert export_file(coded, out) == 6
    answer = boris_run(out, "check")
    assert answer["version"] == "8.27.4"
    assert answer["integrity"] == ""  # BORIS's check_project_integrity found nothing
    codes = {b["code"]: b for b in answer["ethogram"].values()}
    assert set(codes) == {"walk", "sit", "wave"} and codes["walk"]["key"] == "w"
    assert codes["walk"]["color"] == coded.label_by_name("walk").color
    assert {s["name"] for s in answer["subjects"].values()} == {"person 1", "person 2"}
    ana = answer["events"]["vfr.mkv (ana)"]
    video = coded.videos()[0]
    # person 1's walk [6, 25) starts at frame 6's real time (0.12 s) and stops at frame 25's (0.9 s), not n / fps
    starts = [e for e in ana if e[1] == "person 1" and e[2] == "walk"]
    assert [e[0] for e in starts] == pytest.approx([0.0, 0.1, 0.12, 0.9])
    assert coded.frame_time(video.id, 25) == pytest.approx(0.9)
    assert any(e[4] == "fast, left" for e in ana)  # the note is the START's comment


def test_round_trip_on_a_vfr_video_gives_the_same_segments(coded, tmp_path):
    out = tmp_path / "coded.boris"
    export_file(coded, out, "boris")
    fresh = empty_project(tmp_path)
    report = import_file(fresh, out)
    assert report.imported == 6 and report.authors == ["ana", "ben"]
    assert segments_of(fresh) == segments_of(coded)
    assert fresh.label_by_name("walk").key != "w"  # the existing label is kept as it is
    assert fresh.label_by_name("sit").color == coded.label_by_name("sit").color  # created with BORIS's colour
    fresh.close()


@needs_boris
def test_imports_the_tabular_events_boris_itself_exported(coded, tmp_path):
    out = tmp_path / "coded.boris"
    export_file(coded, out)
    files = boris_run(out, "tabular", tmp_path / "events")["files"]
    assert all(ok for ok, _, _ in files)
    fresh = empty_project(tmp_path, labels=("walk", "sit", "wave"))
    for _, _, name in files:
        import_file(fresh, name, "boris")  # a .tsv with --format boris is BORIS's tabular export
    assert segments_of(fresh) == segments_of(coded)
    fresh.close()


@needs_boris
def test_imports_the_project_boris_itself_saved(coded, tmp_path):
    out = tmp_path / "coded.boris"
    export_file(coded, out)
    saved = tmp_path / "saved.boris.gz"
    assert boris_run(out, "resave", saved)["saved"] == str(saved)  # loaded and saved by BORIS's own code
    fresh = empty_project(tmp_path)
    assert import_file(fresh, saved).imported == 6  # .boris.gz: recognised by its content
    assert segments_of(fresh) == segments_of(coded)
    fresh.close()


def _boris_file(tmp_path, events, ethogram=None, subjects=None, name="in.boris", coder="carol"):
    ethogram = ethogram or {"0": {"type": "State event", "key": "r", "code": "run", "color": "#112233",
                                  "modifiers": {}}, "1": {"type": "Point event", "key": "c", "code": "clap"}}
    pj = {"project_format_version": "7.0", "behaviors_conf": ethogram, "subjects_conf": subjects or {},
          "observations": {"lesson": {"type": "MEDIA", "file": {"1": ["/elsewhere/vfr.mkv"], "2": []},
                                      "events": events, "time offset": 0,
                                      "independent_variables": {"coder": coder}}}}
    path = tmp_path / name
    path.write_text(json.dumps(pj))
    return path


def test_point_events_subjects_modifiers_and_comments(tmp_path):
    store = empty_project(tmp_path)
    path = _boris_file(tmp_path, [[0.5, "Ana", "run", "fast", "hurry"], [0.55, "", "clap", "", ""],
                                  [1.2, "Ana", "run", "fast", ""], [1.9, "person 4", "clap", "", "loud"]])
    report = import_file(store, path)
    rows = segments_of(store)
    ana = next(r[0] for r in rows if r[3] == "run")
    # a named subject is a track of its own, numbered after the file's person 4, assigned to the subject 'Ana'
    assert ana == 5 and "'Ana' is person 5 (subject 'Ana')." in report.mapped
    assert store.subject_of_track(store.videos()[0].id, 5).name == "Ana"
    # VFR: frames 0-19 every 20 ms, then every 100 ms (frame 21 at 0.5 s, 28 at 1.2 s, 35 at 1.9 s); n / fps would
    # put 0.5 s at frame 8
    assert (ana, 21, 28, "run", "carol", "hurry") in rows
    assert [s.modifier for s in store.segments() if s.person == ana] == ["fast"]  # the event's modifier
    assert store.label_by_name("clap").kind == "point" and store.label_by_name("run").kind == "state"
    assert (-1, 21, 22, "clap", "carol", "") in rows  # a point at 0.55 s: the frame shown then
    assert (4, 35, 36, "clap", "carol", "loud") in rows
    assert store.label_by_name("run").color == "#112233" and store.label_by_name("run").key == "r"
    assert set(report.created_labels) == {"run", "clap"}
    store.close()


def test_strict_refuses_unmapped_behaviours_and_changes_nothing(tmp_path, capsys):
    store = empty_project(tmp_path)
    before = state_of(store)
    path = _boris_file(tmp_path, [[0.5, "", "run", "", ""], [1.0, "", "run", "", ""]])
    with pytest.raises(ProjectError) as err:
        import_file(store, path, strict=True)
    assert "'run' is not in the project's label set" in str(err.value) and one_sentence(str(err.value))
    assert state_of(store) == before
    store.close()
    assert main(["labels", "import", str(tmp_path / "fresh.epam"), str(path), "--format", "boris", "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err


MALFORMED = [
    ("not JSON", "{", "is not JSON"),
    ("no observations", json.dumps({"behaviors_conf": {}}), "is not a BORIS project"),
    ("unpaired START", [[0.5, "", "run", "", ""]], "event 1 of observation 'lesson': the state behaviour 'run'"),
    ("event not a list", [{"time": 1}], "event 1 of observation 'lesson'"),
    ("time not a number", [["soon", "", "run", "", ""]], "has no time in seconds"),
    ("behaviour not in the ethogram", [[0.5, "", "fly", "", ""]], "the behaviour 'fly' is not in the ethogram"),
    ("segment outside the video", [[0.5, "", "run", "", ""], [9.0, "", "run", "", ""]],
     "event 1 of observation 'lesson': frames [21, 41) are not a range inside the 40 frames of vfr.mkv"),
]


@pytest.mark.parametrize("case, content, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_boris_files_say_one_sentence_and_change_nothing(tmp_path, case, content, expected):
    store = empty_project(tmp_path)
    before = state_of(store)
    if isinstance(content, list):
        path = _boris_file(tmp_path, content)
    else:
        path = tmp_path / "bad.boris"
        path.write_text(content)
    with pytest.raises(ProjectError) as err:
        import_file(store, path)
    message = str(err.value)
    assert one_sentence(message) and "nothing was imported" in message
    if expected:
        assert expected in message
    assert state_of(store) == before
    store.close()


def test_cli_exports_and_imports_boris(coded, tmp_path, capsys):
    coded.close()
    out = tmp_path / "cli.boris"
    assert main(["labels", "export", str(tmp_path / "coded.epam"), "-o", str(out), "--format", "boris"]) == 0
    empty_project(tmp_path).close()
    assert main(["labels", "import", str(tmp_path / "fresh.epam"), str(out)]) == 0
    assert "imported 6 segments" in capsys.readouterr().out


def test_auto_recognises_each_format_by_suffix_and_first_bytes(tmp_path):
    from core_model.interop import detect

    (tmp_path / "a.tsv").write_text("Observation id\tSubject\tBehavior\tBehavior type\tTime\n")
    (tmp_path / "b.json").write_text('{"format": "epam-labels", "segments": []}')
    (tmp_path / "c.json").write_text('[{"data": {"video": "x.mp4"}, "annotations": []}]')
    (tmp_path / "d.txt").write_text('{"behaviors_conf": {}, "observations": {}}')
    (tmp_path / "e.dat").write_text("nothing known")
    assert [detect(tmp_path / n).name for n in ("a.tsv", "b.json", "c.json", "d.txt")] == \
        ["boris-table", "json", "labelstudio", "boris"]
    with pytest.raises(ProjectError) as err:
        detect(tmp_path / "e.dat")
    assert one_sentence(str(err.value)) and "--format" in str(err.value)


def test_simultaneous_behaviours_of_one_subject_are_refused_naming_both_events(tmp_path):
    store = empty_project(tmp_path)
    before = state_of(store)
    ethogram = {"0": {"type": "State event", "code": "run"}, "1": {"type": "State event", "code": "hop"},
                "2": {"type": "Point event", "code": "clap"}}
    path = _boris_file(tmp_path, [[0.5, "Ana", "run", "", ""], [0.6, "Ana", "hop", "", ""],
                                  [1.2, "Ana", "run", "", ""], [1.5, "Ana", "hop", "", ""]], ethogram)
    with pytest.raises(ProjectError) as err:
        import_file(store, path)
    assert str(err.value) == ("in.boris event 2 of observation 'lesson': the segment overlaps the one on event 1 of "
                              "observation 'lesson' (same video, person and author); nothing was imported.")
    assert state_of(store) == before
    # a point event during a state is no overlap: a moment never ends a state
    path = _boris_file(tmp_path, [[0.5, "Ana", "run", "", ""], [0.6, "Ana", "clap", "", ""],
                                  [1.2, "Ana", "run", "", ""]], ethogram)
    assert import_file(store, path).imported == 2
    store.close()
