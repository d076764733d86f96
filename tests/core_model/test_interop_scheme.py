"""BORIS and ELAN carry the coding scheme: point events, modifiers, categories (exclusive ones) and named subjects,
checked by the tools' own code (BORIS's loader, integrity check and tabular export; pympi-ling)."""
from __future__ import annotations

import pytest

from core_model.interop import export_file, import_file
from core_model.project import CreateSegment, ProjectStore

from .interop_tools import boris_available, boris_run, make_vfr_video

needs_boris = pytest.mark.skipif(not boris_available(), reason="boris-behav-obs is not installed "
                                                                "(scripts/install_interop_tests.sh)")


def _classroom(folder, name="class.epam", coded=True):
    store = ProjectStore.create(folder / name, labels="classroom", author="ana")
    video = store.add_video(make_vfr_video(folder))
    if not coded:
        return store
    lab = {x.name: x.id for x in store.labels()}
    anna = store.add_subject("Anna")
    store.assign_track(video.id, 1, anna.id)
    for edit in (CreateSegment(video.id, 1, 0, 20, lab["on task"]),
                 CreateSegment(video.id, 1, 20, 39, lab["off task"], modifier="looks away"),
                 CreateSegment(video.id, 1, 5, 30, lab["speaks"], modifier="to peer"),
                 CreateSegment(video.id, 1, 8, 9, lab["raises hand"], modifier="to teacher", note="first"),
                 CreateSegment(video.id, 1, 25, 26, lab["raises hand"], modifier="to peer"),
                 CreateSegment(video.id, 2, 12, 13, lab["answers"], modifier="correct"),
                 CreateSegment(video.id, 2, 0, 39, lab["writes"], author="ben")):
        edit.apply(store)
    return store


def _coded(store):
    """(subject or person, start, end, label, kind, modifier, author, note) of every segment, sorted."""
    vid = store.videos()[0].id
    out = []
    for s in store.segments():
        lab = store.label(s.label_id)
        subject = store.subject_of_track(vid, s.person)
        out.append((subject.name if subject else s.person, s.start_frame, s.end_frame, lab.name, lab.kind,
                    s.modifier, s.author, s.note))
    return sorted(out, key=str)


def _scheme(store):
    return ([(x.name, x.kind, x.category) for x in store.labels()],
            {c.name: c.exclusive for c in store.categories()})


@needs_boris
def test_boris_reads_point_events_modifiers_categories_and_subjects(tmp_path):
    with _classroom(tmp_path) as store:
        out = tmp_path / "class.boris"
        assert export_file(store, out) == 7
    answer = boris_run(out, "check")
    assert answer["integrity"] == ""  # BORIS's own check: paired states, categories known, modifiers clean
    codes = {b["code"]: b for b in answer["ethogram"].values()}
    assert codes["raises hand"]["type"] == "Point event" and codes["on task"]["type"] == "State event"
    assert codes["raises hand"]["category"] == "Participation"
    assert codes["raises hand"]["modifiers"]["0"]["values"] == ["to teacher", "to peer"]
    assert set(codes["on task"]["excluded"].split(",")) == {"off task", "unclear"}  # the exclusive category
    assert codes["writes"]["excluded"] == ""
    assert {s["name"] for s in answer["subjects"].values()} == {"Anna", "person 2"}
    ana = answer["events"]["vfr.mkv (ana)"]
    hands = [e for e in ana if e[2] == "raises hand"]
    assert [(e[1], e[3], e[4]) for e in hands] == [("Anna", "to teacher", "first"), ("Anna", "to peer", "")]
    assert [e[3] for e in ana if e[2] == "speaks"] == ["to peer", "to peer"]  # START and STOP carry it


@needs_boris
def test_boris_tabular_export_by_boris_imports_the_same_coding(tmp_path):
    with _classroom(tmp_path) as store:
        export_file(store, tmp_path / "class.boris")
        expected = _coded(store)
    files = boris_run(tmp_path / "class.boris", "tabular", tmp_path / "events")["files"]
    assert all(ok for ok, _, _ in files)
    with _classroom(tmp_path, "back.epam", coded=False) as back:
        for _, _, name in files:
            import_file(back, name, "boris")
        assert _coded(back) == expected


@pytest.mark.parametrize("fmt", ["boris", "elan"])
def test_round_trip_into_a_project_without_the_scheme(tmp_path, fmt):
    suffix = {"boris": ".boris", "elan": ".eaf"}[fmt]
    with _classroom(tmp_path) as store:
        export_file(store, tmp_path / f"class{suffix}")
        expected, scheme = _coded(store), _scheme(store)
    with ProjectStore.create(tmp_path / "empty.epam", labels=[], author="zed") as fresh:
        fresh.add_video(make_vfr_video(tmp_path))
        report = import_file(fresh, tmp_path / f"class{suffix}")
        assert report.imported == 7
        assert _coded(fresh) == expected  # point events, modifiers, notes, authors, the subject's track
        kinds = {name: kind for name, kind, _cat in _scheme(fresh)[0]}
        assert kinds["raises hand"] == "point" and kinds["on task"] == "state"
        hand = fresh.label_by_name("raises hand")
        assert "to peer" in hand.modifiers and "to teacher" in hand.modifiers
        # categories and exclusive groups: BORIS's categories and exclusions, ELAN's tier types
        assert _scheme(fresh)[1] == scheme[1]
        assert sorted(_scheme(fresh)[0]) == sorted(x for x in scheme[0] if x[0] in kinds)


def test_elan_point_tier_modifier_tier_and_subject_tier_read_by_pympi(tmp_path):
    pympi = pytest.importorskip("pympi", reason="pympi-ling is not installed (scripts/install_interop_tests.sh)")
    with _classroom(tmp_path) as store:
        export_file(store, tmp_path / "class.eaf")
        hand_ms = [round(1000 * store.frame_time(1, f)) for f in (8, 9, 25, 26)]
    eaf = pympi.Elan.Eaf(str(tmp_path / "class.eaf"))
    tiers = {t: eaf.get_parameters_for_tier(t) for t in eaf.get_tier_names()}
    # a tier per subject, category and kind (ELAN's tiers never overlap; a category is a tier type)
    assert {t for t, p in tiers.items() if "PARENT_REF" not in p} == {
        "Anna Attention (ana)", "Anna Participation (ana)", "Anna Participation points (ana)",
        "person 2 Participation points (ana)", "person 2 Work (ben)"}
    assert tiers["Anna Attention (ana)"]["PARTICIPANT"] == "Anna"
    assert tiers["Anna Attention (ana)"]["LINGUISTIC_TYPE_REF"] == "epam-label Attention (exclusive)"
    assert tiers["Anna Participation points (ana)"]["LINGUISTIC_TYPE_REF"] == "epam-point Participation"
    points = eaf.get_annotation_data_for_tier("Anna Participation points (ana)")
    assert points == [(hand_ms[0], hand_ms[1], "raises hand"), (hand_ms[2], hand_ms[3], "raises hand")]
    mods = [a[2] for a in eaf.get_ref_annotation_data_for_tier("Anna Participation points (ana) modifiers")]
    assert mods == ["to teacher", "to peer"]
    assert tiers["Anna Attention (ana) modifiers"]["PARENT_REF"] == "Anna Attention (ana)"
    assert eaf.get_ref_annotation_data_for_tier("Anna Attention (ana) modifiers")[0][2] == "looks away"


def test_elan_file_from_pympi_with_a_zero_length_point_and_inline_modifiers(tmp_path):
    pympi = pytest.importorskip("pympi", reason="pympi-ling is not installed (scripts/install_interop_tests.sh)")
    eaf = pympi.Elan.Eaf(author="elan user")
    eaf.add_linked_file(str(tmp_path / "vfr.mkv"), mimetype="video/x-matroska")
    eaf.add_tier("Anna", part="Anna", ann="dora")
    eaf.add_annotation("Anna", 0, 400, "off task | looks away")
    eaf.add_tier("Anna events", part="Anna", ann="dora")
    eaf.add_annotation("Anna events", 500, 501, "raises hand | to peer")  # pympi refuses zero: one ms
    eaf.remove_tier("default")
    path = tmp_path / "pympi.eaf"
    eaf.to_file(str(path))
    text = path.read_text().replace('TIME_VALUE="501"', 'TIME_VALUE="500"')  # a zero-length annotation
    path.write_text(text)
    with _classroom(tmp_path, coded=False) as store:
        anna = store.add_subject("Anna")
        store.assign_track(1, 6, anna.id)  # Anna is track 6 of this video: her annotations go there
        import_file(store, path)
        assert _coded(store) == [("Anna", 0, 20, "off task", "state", "looks away", "dora", ""),
                                 ("Anna", 21, 22, "raises hand", "point", "to peer", "dora", "")]
