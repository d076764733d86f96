"""Project store: create/open/reopen, label sets, videos (real timestamps, moved files), refusals, migration."""
from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pytest

from core_model.labels import load_class_names
from core_model.project import CreateSegment, ProjectError, ProjectStore, SetNote
from core_model.project.schema import SCHEMA_VERSION
from core_model.video.synthetic import write_barcode_video

from .project_helpers import file_bytes, new_project, snapshot

VFR_DURATIONS = [40 if i % 3 else 80 for i in range(30)]  # ms


@pytest.fixture(scope="module")
def vfr_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("videos") / "vfr.mp4"
    write_barcode_video(path, frames=30, frame_durations_ms=VFR_DURATIONS, options={"g": "10"})
    return path


def test_create_layout_and_reopen_same_state(tmp_path):
    store = new_project(tmp_path)
    CreateSegment(1, 0, 5, 30, 2, note="first").apply(store)
    CreateSegment(2, -1, 0, 1000, 1, source="accepted", model_key="m", confidence=0.5).apply(store)
    store.add_label("stretch", color="#112233", key="s")
    before = snapshot(store)
    assert store.path == tmp_path / "p.epam" and store.data_dir == tmp_path / "p.epam-data"
    assert store.data_dir.is_dir() and store.schema_version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
    with ProjectStore.open(tmp_path / "p.epam") as again:
        assert snapshot(again) == before
        assert not again.read_only


def test_create_refuses_existing(tmp_path):
    new_project(tmp_path).close()
    with pytest.raises(ProjectError, match="already exists"):
        ProjectStore.create(tmp_path / "p.epam")


def test_label_presets_and_custom_file(tmp_path):
    with ProjectStore.create(tmp_path / "a.epam", labels="ntu60") as store:
        assert [lab.name for lab in store.labels()] == load_class_names("ntu60")
    with ProjectStore.create(tmp_path / "b", labels="ntu120") as store:
        assert store.path.name == "b.epam" and len(store.labels()) == 120
    custom = tmp_path / "mine.txt"
    custom.write_text("raise hand\nwrite\n\nread\n")
    with ProjectStore.create(tmp_path / "c.epam", labels=str(custom)) as store:
        assert [lab.name for lab in store.labels()] == ["raise hand", "write", "read"]
        assert len({lab.color for lab in store.labels()}) == 3
    with pytest.raises(ProjectError, match="twice"):
        ProjectStore.create(tmp_path / "d.epam", labels=["a", "A"])
    assert not (tmp_path / "d.epam").exists()


def test_label_editing(tmp_path):
    with new_project(tmp_path) as store:
        walk, sit, wave, jump = store.labels()
        added = store.add_label("clap", key="c")
        assert added.order == 4 and added.key == "c" and added.color.startswith("#")
        with pytest.raises(ProjectError, match="already has a label named 'walk'"):
            store.add_label("Walk")
        with pytest.raises(ProjectError, match="already assigned to the label 'clap'"):
            store.set_label_key(walk.id, "c")
        store.set_label_key(walk.id, "c", steal=True)
        assert store.label(walk.id).key == "c" and store.label(added.id).key is None
        store.rename_label(sit.id, "sit down")
        store.recolor_label(sit.id, "#A0B0C0")
        assert store.label(sit.id).name == "sit down" and store.label(sit.id).color == "#a0b0c0"
        with pytest.raises(ProjectError, match="#rrggbb"):
            store.recolor_label(sit.id, "red")
        store.reorder_labels([added.id, jump.id, wave.id, sit.id, walk.id])
        assert [lab.name for lab in store.labels()] == ["clap", "jump", "wave", "sit down", "walk"]
        with pytest.raises(ProjectError, match="every label exactly once"):
            store.reorder_labels([added.id])


def test_delete_label_in_use_needs_relabel_target(tmp_path):
    with new_project(tmp_path) as store:
        walk, sit = store.labels()[:2]
        for start in (0, 10, 20):
            CreateSegment(1, 0, start, start + 5, walk.id).apply(store)
        before = snapshot(store)
        with pytest.raises(ProjectError, match="used by 3 segments"):
            store.delete_label(walk.id)
        assert snapshot(store) == before
        assert store.delete_label(walk.id, relabel_to=sit.id) == 3
        assert store.label_usage(sit.id) == 3 and store.label_by_name("walk") is None
        assert store.delete_label(store.label_by_name("wave").id) == 0


def test_real_video_times_come_from_its_timestamps(tmp_path, vfr_video):
    shutil.copy(vfr_video, tmp_path / "clip.mp4")
    with ProjectStore.create(tmp_path / "p.epam", labels=["a"]) as store:
        rec = store.add_video(tmp_path / "clip.mp4")
        assert store.add_video(tmp_path / "clip.mp4") == rec  # added once
        assert rec.rel_path == "clip.mp4" and rec.frame_count == 30
        expected = np.concatenate([[0], np.cumsum(VFR_DURATIONS[:29])]) / 1000.0
        np.testing.assert_allclose(store.timestamps(rec.id), expected, atol=1e-6)
        CreateSegment(rec.id, 0, 3, 7, 1).apply(store)
        start, end = store.segment_times(store.segments()[0])
        assert (start, end) == pytest.approx((expected[3], expected[7]))  # not 3/fps, 7/fps
        assert store.frame_at_time(rec.id, expected[7] + 0.001) == 7


def test_moved_video_found_by_content(tmp_path, vfr_video):
    (tmp_path / "proj").mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(vfr_video, outside / "clip.mp4")
    store = ProjectStore.create(tmp_path / "proj" / "p.epam", labels=["a"])
    rec = store.add_video(outside / "clip.mp4")
    assert rec.rel_path == "../elsewhere/clip.mp4"
    store.close()
    # moved into a sub-folder of the project folder, under another name
    (tmp_path / "proj" / "media").mkdir()
    shutil.move(outside / "clip.mp4", tmp_path / "proj" / "media" / "renamed.mp4")
    with ProjectStore.open(tmp_path / "proj" / "p.epam") as store:
        assert store.resolve_video(rec.id) == tmp_path / "proj" / "media" / "renamed.mp4"
        assert store.video(rec.id).rel_path == "media/renamed.mp4"
    # the whole project folder moved: found again relative to the project
    shutil.move(tmp_path / "proj", tmp_path / "moved")
    with ProjectStore.open(tmp_path / "moved" / "p.epam") as store:
        assert store.resolve_video(rec.id) == tmp_path / "moved" / "media" / "renamed.mp4"
        # gone: None; a different file is not accepted as the same video
        (tmp_path / "moved" / "media" / "renamed.mp4").unlink()
        store._resolved.clear()
        assert store.resolve_video(rec.id) is None
        other = tmp_path / "other.mp4"
        write_barcode_video(other, frames=12)
        with pytest.raises(ProjectError, match="not the same video"):
            store.relocate_video(rec.id, other)


def test_moved_video_found_in_folder_of_last_known_path(tmp_path, vfr_video):
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(vfr_video, media / "a.mp4")
    (tmp_path / "proj").mkdir()
    with ProjectStore.create(tmp_path / "proj" / "p.epam", labels=["a"]) as store:
        vid = store.add_video(media / "a.mp4").id
    (media / "a.mp4").rename(media / "a-renamed.mp4")
    with ProjectStore.open(tmp_path / "proj" / "p.epam") as store:
        assert store.resolve_video(vid) == media / "a-renamed.mp4"


def _assert_refused_untouched(tmp_path, path, message):
    before = sorted(p.name for p in tmp_path.iterdir())
    data = file_bytes(path)
    with pytest.raises(ProjectError, match=message) as info:
        ProjectStore.open(path)
    assert str(info.value).count(". ") == 0 and str(info.value).endswith(".")  # one sentence
    assert file_bytes(path) == data
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no -wal, -shm, data folder or lock


def test_non_project_files_are_refused_and_never_modified(tmp_path):
    text = tmp_path / "notes.epam"
    text.write_text("just some text\n" * 20)
    _assert_refused_untouched(tmp_path, text, "not an EPAM project")
    empty = tmp_path / "empty.epam"
    empty.write_bytes(b"")
    _assert_refused_untouched(tmp_path, empty, "not an EPAM project")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.commit()
    conn.close()
    _assert_refused_untouched(tmp_path, other, "SQLite database but not an EPAM project")
    wal_db = tmp_path / "wal.db"
    conn = sqlite3.connect(wal_db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    _assert_refused_untouched(tmp_path, wal_db, "not an EPAM project")
    # a truncated project
    (tmp_path / "src").mkdir()
    with new_project(tmp_path / "src") as store:
        for start in range(0, 900, 3):
            CreateSegment(1, 0, start, start + 2, 1, note="x" * 200).apply(store)
    full = file_bytes(tmp_path / "src" / "p.epam")
    truncated = tmp_path / "truncated.epam"
    truncated.write_bytes(full[: len(full) // 2 + 100])
    _assert_refused_untouched(tmp_path, truncated, "damaged")
    at_page = tmp_path / "at_page.epam"
    at_page.write_bytes(full[: 4096 * 3])
    _assert_refused_untouched(tmp_path, at_page, "damaged")
    short = tmp_path / "short.epam"
    short.write_bytes(full[:50])
    _assert_refused_untouched(tmp_path, short, "damaged")
    with pytest.raises(ProjectError, match="not found"):
        ProjectStore.open(tmp_path / "missing.epam")


def test_newer_project_is_refused(tmp_path):
    new_project(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "p.epam")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    data = file_bytes(tmp_path / "p.epam")
    with pytest.raises(ProjectError, match="newer version of EPAM Studio") as info:
        ProjectStore.open(tmp_path / "p.epam")
    assert "\n" not in str(info.value)
    assert file_bytes(tmp_path / "p.epam") == data


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE videos (id INTEGER PRIMARY KEY AUTOINCREMENT, rel_path TEXT NOT NULL,
    content_key TEXT NOT NULL UNIQUE, frame_count INTEGER NOT NULL, fps REAL NOT NULL);
CREATE TABLE labels (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, color TEXT NOT NULL,
    key TEXT UNIQUE, ord INTEGER NOT NULL);
CREATE TABLE segments (id INTEGER PRIMARY KEY AUTOINCREMENT, video_id INTEGER NOT NULL REFERENCES videos(id),
    person INTEGER NOT NULL, start_frame INTEGER NOT NULL, end_frame INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id), source TEXT NOT NULL CHECK (source IN ('user', 'accepted')),
    model_key TEXT, confidence REAL, author TEXT, note TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
    modified TEXT NOT NULL, CHECK (start_frame >= 0 AND start_frame < end_frame));
CREATE INDEX segments_lane ON segments (video_id, person, start_frame);
"""


def build_v1_project(path):
    """A project as schema 1 wrote it (kept here to test the migration)."""
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO videos (rel_path, content_key, frame_count, fps) VALUES ('v.mp4', 'k', 100, 20.0)")
    conn.execute("INSERT INTO labels (name, color, key, ord) VALUES ('walk', '#ff0000', 'w', 0)")
    conn.execute("INSERT INTO segments (video_id, person, start_frame, end_frame, label_id, source, author, note, "
                 "created, modified) VALUES (1, 0, 10, 40, 1, 'user', 'old', 'kept', 't0', 't1')")
    conn.execute("PRAGMA application_id = 1162887501")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def test_migration_from_schema_1_after_a_backup(tmp_path):
    path = tmp_path / "old.epam"
    build_v1_project(path)
    with pytest.raises(ProjectError, match="older project format"):
        ProjectStore.open(path, read_only=True)
    with ProjectStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        seg = store.segments()[0]
        assert (seg.start_frame, seg.end_frame, seg.author, seg.note, seg.created) == (10, 40, "old", "kept", "t0")
        assert store.segment_times(seg) == pytest.approx((0.5, 2.0))  # no timestamps yet: from fps
        assert store.video(1).duration == pytest.approx(5.0)
        store.set_analysis(1, tmp_path / "analysis", "m")  # tables of schema 2 work
        CreateSegment(1, 0, 50, 60, 1).apply(store)
    backups = list(tmp_path.glob("old.v1-backup-*.epam"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "1"
    assert conn.execute("SELECT count(*) FROM segments").fetchone()[0] == 1
    conn.close()
    with ProjectStore.open(path) as store:  # opens as current without a second backup
        assert len(store.segments()) == 2
    assert len(list(tmp_path.glob("old.v1-backup-*.epam"))) == 1


def test_read_only_store_refuses_writes(tmp_path):
    new_project(tmp_path).close()
    with ProjectStore.open(tmp_path / "p.epam", read_only=True) as store:
        assert store.read_only and store.read_only_reason
        with pytest.raises(ProjectError, match="read-only"):
            CreateSegment(1, 0, 0, 5, 1).apply(store)
        with pytest.raises(ProjectError, match="read-only"):
            store.add_label("x")


def test_second_writer_in_same_process_gets_read_only(tmp_path):
    first = new_project(tmp_path)
    second = ProjectStore.open(tmp_path / "p.epam")
    assert second.read_only and "open in another program" in second.read_only_reason
    CreateSegment(1, 0, 0, 5, 1).apply(first)
    assert len(second.segments()) == 1  # sees the writer's commits
    second.close()
    first.close()
    with ProjectStore.open(tmp_path / "p.epam") as third:
        assert not third.read_only


def test_counts_coverage_and_queries(tmp_path):
    with new_project(tmp_path) as store:
        CreateSegment(1, 0, 0, 10, 1).apply(store)
        CreateSegment(1, 1, 5, 20, 2, source="accepted", confidence=0.9).apply(store)
        CreateSegment(2, -1, 0, 50, 1).apply(store)
        assert store.coverage(1) == (2, 20, 1000)
        counts = store.counts()
        assert counts["total"] == 3 and counts["by_source"] == {"user": 2, "accepted": 1}
        assert counts["by_label"]["walk"] == {"user": 2, "accepted": 0, "total": 2}
        assert store.counts(video_id=2)["total"] == 1
        assert store.segment_at(1, 1, 19).start_frame == 5 and store.segment_at(1, 1, 20) is None
        assert [s.person for s in store.segments(video_id=1)] == [0, 1]
        assert len(store.segments(source="accepted")) == 1 and len(store.segments(label_id=1)) == 2
        assert store.people(1) == [0, 1]


def test_save_as_copies_with_paths_relative_to_the_copy(tmp_path, vfr_video):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deep").mkdir(parents=True)
    shutil.copy(vfr_video, tmp_path / "a" / "v.mp4")
    with ProjectStore.create(tmp_path / "a" / "p.epam", labels=["x"]) as store:
        vid = store.add_video(tmp_path / "a" / "v.mp4").id
        CreateSegment(vid, 0, 0, 5, 1).apply(store)
        SetNote(store.segments()[0].id, "n").apply(store)
        (store.data_dir / "poses").mkdir()
        (store.data_dir / "poses" / "v.npz").write_bytes(b"123")
        store.set_analysis(vid, store.data_dir / "poses", "m")
        copy = store.save_as(tmp_path / "b" / "deep" / "copy.epam")
    with ProjectStore.open(copy) as other:
        assert other.video(vid).rel_path == "../../a/v.mp4"
        assert other.resolve_video(vid) == tmp_path / "a" / "v.mp4"
        assert [s.note for s in other.segments()] == ["n"]
        assert (other.data_dir / "poses" / "v.npz").read_bytes() == b"123"
        assert other.analysis_folder(vid) == other.data_dir / "poses"


def test_remove_video_and_lookup_by_path(tmp_path, vfr_video):
    shutil.copy(vfr_video, tmp_path / "v.mp4")
    with ProjectStore.create(tmp_path / "p.epam", labels=["a"]) as store:
        rec = store.add_video(tmp_path / "v.mp4")
        assert store.video_by_path(tmp_path / "v.mp4") == rec
        assert store.video_by_path(tmp_path / "nothing.mp4") is None
        CreateSegment(rec.id, 0, 0, 5, 1).apply(store)
        with pytest.raises(ProjectError, match="has 1 labeled segment"):
            store.remove_video(rec.id)
        store.remove_video(rec.id, force=True)
        assert store.videos() == [] and store.segments() == []
        with pytest.raises(ProjectError, match="no video with id"):
            store.video(rec.id)


def test_a_new_project_gives_the_first_ten_labels_the_digit_keys(tmp_path):
    from core_model.project import ProjectStore

    with ProjectStore.create(tmp_path / "k.epam", labels="ntu60") as store:
        keys = [lab.key for lab in store.labels()]
    assert keys[:10] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
    assert all(k is None for k in keys[10:])


def test_migration_from_schema_2_adds_the_study_tables(tmp_path):
    path = tmp_path / "v2.epam"
    build_v1_project(path)
    conn = sqlite3.connect(path)
    from core_model.project.schema import MIGRATIONS
    conn.isolation_level = None
    conn.execute("BEGIN")
    MIGRATIONS[1](conn)
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.execute("PRAGMA user_version = 2")
    conn.execute("COMMIT")
    conn.close()
    with ProjectStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 3
        seg = store.segments()[0]
        assert (seg.start_frame, seg.end_frame, seg.note) == (10, 40, "kept")
    conn = sqlite3.connect(path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"subjects", "track_subjects", "categories", "coder_videos", "bookmarks"} <= tables
    assert conn.execute("SELECT kind, category, modifiers FROM labels").fetchone() == ("state", "", "")
    assert conn.execute("SELECT modifier FROM segments").fetchone() == ("",)
    conn.close()
    assert len(list(tmp_path.glob("v2.v2-backup-*.epam"))) == 1
