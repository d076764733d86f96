"""Database schema, the header probe that recognises a project file, and numbered migrations.

A project file is an SQLite database whose header carries ``application_id`` = :data:`APPLICATION_ID`
("EPAM") and whose ``user_version`` / ``meta.schema_version`` is the schema version. The probe reads
only the first 100 bytes (plain ``open(..., "rb")``), so a file that is not a project is never touched.
"""
from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Callable, Dict

from .records import ProjectError

APPLICATION_ID = 0x4550414D  # b"EPAM"
SCHEMA_VERSION = 3
SQLITE_MAGIC = b"SQLite format 3\x00"

#: tables of coding studies (schema 3): named subjects and the tracks assigned to them, behaviour categories
#: (``exclusive`` = at most one state label of the category at a time per person), videos assigned to coders,
#: bookmarks. A point event is a segment of one frame whose label has ``kind = 'point'``; ``labels.modifiers``
#: is JSON ``{"values": [...], "free": bool}`` or ''; ``segments.modifier`` the chosen modifier text.
STUDY_TABLES = """
CREATE TABLE subjects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    color TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    ord INTEGER NOT NULL
);
CREATE TABLE track_subjects (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    person INTEGER NOT NULL,
    subject_id INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    PRIMARY KEY (video_id, person)
);
CREATE INDEX track_subjects_subject ON track_subjects (subject_id);
CREATE TABLE categories (
    name TEXT PRIMARY KEY,
    exclusive INTEGER NOT NULL DEFAULT 0,
    ord INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE coder_videos (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    coder TEXT NOT NULL,
    PRIMARY KEY (video_id, coder)
);
CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    frame INTEGER NOT NULL CHECK (frame >= 0),
    comment TEXT NOT NULL DEFAULT '',
    author TEXT,
    created TEXT NOT NULL
);
CREATE INDEX bookmarks_video ON bookmarks (video_id, frame);
"""

#: the current schema (version 3)
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE videos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rel_path TEXT NOT NULL,
    last_path TEXT,
    content_key TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL DEFAULT 0,
    frame_count INTEGER NOT NULL,
    fps REAL NOT NULL,
    duration REAL NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    added TEXT NOT NULL DEFAULT ''
);
CREATE TABLE video_timestamps (
    video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    key TEXT UNIQUE,
    ord INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'state' CHECK (kind IN ('state', 'point')),
    category TEXT NOT NULL DEFAULT '',
    modifiers TEXT NOT NULL DEFAULT ''
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id INTEGER NOT NULL REFERENCES videos(id),
    person INTEGER NOT NULL,
    start_frame INTEGER NOT NULL,
    end_frame INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id),
    source TEXT NOT NULL CHECK (source IN ('user', 'accepted')),
    model_key TEXT,
    confidence REAL,
    author TEXT,
    note TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    modifier TEXT NOT NULL DEFAULT '',
    CHECK (start_frame >= 0 AND start_frame < end_frame)
);
CREATE INDEX segments_lane ON segments (video_id, person, start_frame);
CREATE INDEX segments_label ON segments (label_id);
CREATE TABLE analyses (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    model_key TEXT NOT NULL,
    folder TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (video_id, model_key)
);
""" + STUDY_TABLES


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the current schema in an empty database (inside the caller's transaction)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


# --------------------------------------------------------------------------- probe
def probe(path: Path) -> int:
    """Check, reading only the file header, that ``path`` is a project; return its header schema version.

    Raises :class:`ProjectError` (one sentence) for a missing file, a non-SQLite file, an SQLite
    database of another program, or a truncated file. Nothing is written.
    """
    name = path.name
    if not path.exists():
        raise ProjectError(f"Project file not found: {path}.")
    if not path.is_file():
        raise ProjectError(f"{name} is not a file.")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as err:
        raise ProjectError(f"Cannot read {name}: {err.strerror or err}.") from err
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        if header.startswith(SQLITE_MAGIC[:6]):
            raise ProjectError(f"{name} is damaged (truncated) and cannot be opened as a project.")
        raise ProjectError(f"{name} is not an EPAM project file.")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", header[24:32])
    version_valid_for = struct.unpack(">I", header[92:96])[0]
    (user_version,) = struct.unpack(">i", header[60:64])
    (app_id,) = struct.unpack(">I", header[68:72])
    if app_id != APPLICATION_ID:
        raise ProjectError(f"{name} is an SQLite database but not an EPAM project.")
    if page_size < 512 or size % page_size or (version_valid_for == change_counter and size < pages * page_size):
        raise ProjectError(f"{name} is damaged (truncated) and cannot be opened as a project.")
    return user_version


def check_version(version: int, name: str) -> None:
    """Refuse a project written by a newer program."""
    if version > SCHEMA_VERSION:
        raise ProjectError(f"{name} was written by a newer version of EPAM Studio (project format {version}, "
                           f"this program reads up to {SCHEMA_VERSION}); please update the program.")
    if version < 1:
        raise ProjectError(f"{name} has no valid project format version and cannot be opened.")


# --------------------------------------------------------------------------- migrations
def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Schema 1 (first draft) had no per-frame timestamps, analyses, file size, frame size or last path."""
    for column in ("last_path TEXT", "size INTEGER NOT NULL DEFAULT 0", "duration REAL NOT NULL DEFAULT 0",
                   "width INTEGER NOT NULL DEFAULT 0", "height INTEGER NOT NULL DEFAULT 0",
                   "added TEXT NOT NULL DEFAULT ''"):
        conn.execute(f"ALTER TABLE videos ADD COLUMN {column}")
    conn.execute("UPDATE videos SET duration = frame_count / fps WHERE fps > 0")
    conn.execute("""CREATE TABLE video_timestamps (
        video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE, data BLOB NOT NULL)""")
    conn.execute("""CREATE TABLE analyses (
        video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE, model_key TEXT NOT NULL,
        folder TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (video_id, model_key))""")
    conn.execute("CREATE INDEX IF NOT EXISTS segments_label ON segments (label_id)")


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Schema 3 adds coding studies: label kinds, categories and modifiers, subjects, coders, bookmarks."""
    conn.execute("ALTER TABLE labels ADD COLUMN kind TEXT NOT NULL DEFAULT 'state' CHECK (kind IN ('state', 'point'))")
    conn.execute("ALTER TABLE labels ADD COLUMN category TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE labels ADD COLUMN modifiers TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE segments ADD COLUMN modifier TEXT NOT NULL DEFAULT ''")
    for statement in STUDY_TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)


#: version N -> function migrating a version-N database to version N + 1 (inside one transaction)
MIGRATIONS: Dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(conn: sqlite3.Connection, version: int) -> int:
    """Run the migrations from ``version`` to :data:`SCHEMA_VERSION` in one transaction; returns the new version."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version
