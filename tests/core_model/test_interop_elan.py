"""ELAN .eaf in and out: pympi reads what we write (one top-level time-alignable tier per person and coder, the
controlled vocabulary, milliseconds from the real timestamps); files pympi wrote import; VFR round trip;
malformed files."""
from __future__ import annotations

import pytest

from core_model.interop import export_file, import_file
from core_model.project import ProjectError

from .interop_tools import coded_project, empty_project, one_sentence, segments_of, state_of

pympi = pytest.importorskip("pympi", reason="pympi-ling is not installed (scripts/install_interop_tests.sh)")


@pytest.fixture
def coded(tmp_path):
    store = coded_project(tmp_path)
    yield store
    store.close()


def test_pympi_reads_one_annotation_per_segment_on_top_level_tiers(coded, tmp_path):
    out = tmp_path / "coded.eaf"
    assert export_file(coded, out) == 6
    eaf = pympi.Elan.Eaf(str(out))
    tiers = {t: eaf.get_parameters_for_tier(t) for t in eaf.get_tier_names()}
    top = {t: p for t, p in tiers.items() if "PARENT_REF" not in p}
    assert set(top) == {"person 1 (ana)", "person 1 (ben)", "person 2 (ben)", "everybody (ana)"}
    assert {p["PARTICIPANT"] for p in top.values()} == {"person 1", "person 2", "everybody"}
    assert top["person 1 (ben)"]["ANNOTATOR"] == "ben"
    for t in top:
        assert eaf.linguistic_types[tiers[t]["LINGUISTIC_TYPE_REF"]]["TIME_ALIGNABLE"] == "true"
    assert sum(len(eaf.get_annotation_data_for_tier(t)) for t in top) == 6
    # frame 25 of the VFR video is at 900 ms (25 / nominal fps would say 1474 ms)
    assert eaf.get_annotation_data_for_tier("person 1 (ana)") == [(0, 100, "walk"), (100, 120, "sit"),
                                                                   (120, 900, "walk")]
    cv = eaf.controlled_vocabularies["labels"][1]
    assert [v[0][0][0] for v in cv.values()] == ["walk", "sit", "wave"]
    assert eaf.get_ref_annotation_data_for_tier("person 1 (ana) notes")[0][2] == "fast, left"


def test_round_trip_on_a_vfr_video_gives_the_same_segments(coded, tmp_path):
    out = tmp_path / "coded.eaf"
    export_file(coded, out, "elan")
    fresh = empty_project(tmp_path)
    report = import_file(fresh, out)
    assert report.imported == 6 and segments_of(fresh) == segments_of(coded)
    fresh.close()


def test_imports_a_file_pympi_wrote(tmp_path):
    store = empty_project(tmp_path)
    eaf = pympi.Elan.Eaf(author="elan user")
    eaf.add_linked_file(str(tmp_path / "vfr.mkv"), mimetype="video/x-matroska")
    eaf.add_tier("Teacher", part="Teacher", ann="dora")
    eaf.add_tier("Pupil 2", part="person 2", ann="dora")
    eaf.add_annotation("Teacher", 400, 1200, "explain")
    eaf.add_annotation("Pupil 2", 0, 100, "walk")
    eaf.add_annotation("Pupil 2", 1300, 2300, "")  # no value: said, not imported
    eaf.add_linguistic_type("gloss", "Symbolic_Association", timealignable=False)
    eaf.add_tier("Teacher gloss", ling="gloss", parent="Teacher")
    eaf.add_ref_annotation("Teacher gloss", "Teacher", 800, "at the board")
    eaf.remove_tier("default")
    path = tmp_path / "pympi.eaf"
    eaf.to_file(str(path))
    report = import_file(store, path)
    teacher = 3  # a person of its own, after the file's person 2
    assert segments_of(store) == sorted([(teacher, 20, 28, "explain", "dora", "at the board"),
                                         (2, 0, 5, "walk", "dora", "")])
    assert "'Teacher' is person 3 (subject 'Teacher')." in report.mapped  # a participant: a track of a subject
    assert store.subject_of_track(store.videos()[0].id, 3).name == "Teacher"
    assert any("no value" in s for s in report.skipped) and report.created_labels == ["explain"]
    store.close()


MALFORMED = [
    ("not XML", "<ANNOTATION_DOCUMENT", "is not well-formed XML"),
    ("not ELAN", "<html/>", "is not an ELAN annotation document"),
    ("slot without time", '<ANNOTATION_DOCUMENT><HEADER TIME_UNITS="milliseconds"/><TIME_ORDER><TIME_SLOT '
     'TIME_SLOT_ID="ts1"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="50"/></TIME_ORDER><TIER TIER_ID="p"><ANNOTATION>'
     '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>walk'
     '</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER></ANNOTATION_DOCUMENT>',
     "annotation a1 of tier 'p': refers to a time slot without a time"),
    ("ends before it starts", '<ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" '
     'TIME_VALUE="90"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="50"/></TIME_ORDER><TIER TIER_ID="p"><ANNOTATION>'
     '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a7" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>walk'
     '</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER></ANNOTATION_DOCUMENT>', "annotation a7"),
    ("time not a number", '<ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" '
     'TIME_VALUE="soon"/></TIME_ORDER></ANNOTATION_DOCUMENT>', "time slot ts1"),
]


@pytest.mark.parametrize("case, content, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_eaf_files_say_one_sentence_and_change_nothing(tmp_path, case, content, expected):
    store = empty_project(tmp_path)
    before = state_of(store)
    path = tmp_path / "bad.eaf"
    path.write_text(content)
    with pytest.raises(ProjectError) as err:
        import_file(store, path)
    assert one_sentence(str(err.value)) and expected in str(err.value)
    assert state_of(store) == before
    store.close()


def test_an_eaf_describes_one_video(coded, tmp_path, capsys):
    from core_model.cli import main

    coded.add_video_record(tmp_path / "other.mp4", "o" * 40, 50, 25.0)
    with pytest.raises(ProjectError) as err:
        export_file(coded, tmp_path / "two.eaf")
    assert one_sentence(str(err.value)) and "describes one video" in str(err.value)
    coded.close()
    out = tmp_path / "one.eaf"
    assert main(["labels", "export", str(tmp_path / "coded.epam"), "-o", str(out), "--video", "vfr.mkv"]) == 0
    assert "wrote 6 segments" in capsys.readouterr().out and out.is_file()
