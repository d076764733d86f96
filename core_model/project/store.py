"""The project store: one SQLite file ``NAME.epam`` (WAL) plus a data folder ``NAME.epam-data/``.

Every write runs in one transaction (``store.transaction()``, nestable) and is durable when it
returns (``synchronous=FULL``). Subscribers get :class:`Change` events after each commit. A second
program opening the same project gets a read-only store (see :mod:`.lock`).
"""
from __future__ import annotations

import getpass
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote

import numpy as np

from . import schema
from .labelsets import LabelSpec, check_color, check_key, default_color, resolve_label_names
from .lock import ProjectLock
from .records import (SOURCES, Change, LabelRecord, ProjectError, SegmentRecord, VideoRecord, now_iso)

log = logging.getLogger(__name__)

PathLike = Union[str, Path]
SUFFIX = ".epam"
DATA_SUFFIX = ".epam-data"
SEG_COLS = ("id, video_id, person, start_frame, end_frame, label_id, source, model_key, confidence, author, "
            "note, created, modified")
VID_COLS = "id, rel_path, content_key, frame_count, fps, duration, size, width, height, last_path"
_VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts"}
_SEARCH_LIMIT = 20000  # files looked at when searching the project folder for a moved video
_LISTING_TTL_S = 5.0


def default_author() -> str:
    """``EPAM_AUTHOR`` or the login name."""
    name = os.environ.get("EPAM_AUTHOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def data_dir_for(path: Path) -> Path:
    return path.with_name(path.name[: -len(SUFFIX)] + DATA_SUFFIX if path.name.endswith(SUFFIX)
                          else path.name + DATA_SUFFIX)


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


class ProjectStore:
    """An open project. Create with :meth:`create`, open with :meth:`open`; close (or use ``with``)."""

    # ------------------------------------------------------------------ life cycle
    def __init__(self, path: Path, conn: sqlite3.Connection, *, lock: Optional[ProjectLock], read_only_reason: str,
                 author: Optional[str], schema_version: int) -> None:
        self.path = path
        self.data_dir = data_dir_for(path)
        self.author = author or default_author()
        self.schema_version = schema_version
        self.read_only_reason = read_only_reason
        self._conn: Optional[sqlite3.Connection] = conn
        self._file_lock = lock
        self._lock = threading.RLock()
        self._depth = 0
        self._pending: List[Change] = []
        self._subscribers: List[Callable[[Change], None]] = []
        self._timestamps: Dict[int, np.ndarray] = {}
        self._resolved: Dict[int, Path] = {}
        self._listings: Dict[tuple, tuple] = {}

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def folder(self) -> Path:
        return self.path.parent

    @classmethod
    def create(cls, path: PathLike, labels: LabelSpec = "ntu120", author: Optional[str] = None) -> "ProjectStore":
        """Create a new project at ``path`` (refused if it exists) with a preset, file or list of labels."""
        path = Path(path).absolute()
        if not path.name.endswith(SUFFIX):
            path = path.with_name(path.name + SUFFIX)
        if path.exists():
            raise ProjectError(f"{path.name} already exists; open it instead or choose another name.")
        if not path.parent.is_dir():
            raise ProjectError(f"The folder {path.parent} does not exist.")
        names = resolve_label_names(labels)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("BEGIN")
                schema.create_schema(conn)
                conn.execute("INSERT INTO meta (key, value) VALUES ('created', ?)", (now_iso(),))
                # the first ten labels get the digit keys 1 … 9, 0 (what people press hundreds of times an hour)
                conn.executemany("INSERT INTO labels (name, color, key, ord) VALUES (?, ?, ?, ?)",
                                 [(n, default_color(i), str((i + 1) % 10) if i < 10 else None, i)
                                  for i, n in enumerate(names)])
                conn.execute("COMMIT")
                conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()
            try:
                os.link(tmp, path)  # fails if someone created it meanwhile; never overwrites
            except FileExistsError:
                raise ProjectError(f"{path.name} already exists; open it instead or choose another name.") from None
            except OSError:
                if path.exists():
                    raise ProjectError(f"{path.name} already exists.") from None
                os.replace(tmp, path)  # file systems without hard links
        finally:
            tmp_path.unlink(missing_ok=True)
        data_dir_for(path).mkdir(exist_ok=True)
        return cls.open(path, author=author)

    @classmethod
    def open(cls, path: PathLike, *, read_only: bool = False, author: Optional[str] = None) -> "ProjectStore":
        """Open a project; a file that is not a project is refused (and left untouched)."""
        path = Path(path).absolute()
        version = schema.probe(path)
        schema.check_version(version, path.name)
        reason = "Opened read-only on request." if read_only else ""
        lock = None
        if not reason and not os.access(path, os.W_OK):
            reason = f"{path.name} is not writable; it is opened read-only."
        if not reason:
            data_dir = data_dir_for(path)
            try:
                data_dir.mkdir(exist_ok=True)
            except OSError:
                reason = f"The folder of {path.name} is not writable; it is opened read-only."
            else:
                lock = ProjectLock(data_dir / "lock")
                if not lock.acquire():
                    pid = f" (process {lock.holder_pid})" if lock.holder_pid else ""
                    reason = f"{path.name} is open in another program{pid}; it is opened read-only."
                    lock = None
        try:
            conn = _connect(path, read_only=bool(reason))
            try:
                version = cls._read_version(conn, path.name)
                if version < schema.SCHEMA_VERSION:
                    if reason:
                        raise ProjectError(f"{path.name} uses an older project format and must be opened once "
                                           "for writing to be upgraded.")
                    version = cls._upgrade(conn, path, version)
                if not reason:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
            except BaseException:
                conn.close()
                raise
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return cls(path, conn, lock=lock, read_only_reason=reason, author=author, schema_version=version)

    @staticmethod
    def _read_version(conn: sqlite3.Connection, name: str) -> int:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as err:
            raise ProjectError(f"{name} is damaged and cannot be opened as a project ({err}).") from err
        if app_id != schema.APPLICATION_ID or row is None:
            raise ProjectError(f"{name} is not an EPAM project file.")
        try:
            version = int(row[0])
        except ValueError:
            raise ProjectError(f"{name} has no valid project format version and cannot be opened.") from None
        schema.check_version(version, name)
        return version

    @staticmethod
    def _upgrade(conn: sqlite3.Connection, path: Path, version: int) -> int:
        """Back the project up beside it (``NAME.v<N>-backup-<time>.epam``), then migrate."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.name
        backup = path.with_name(f"{stem}.v{version}-backup-{stamp}{SUFFIX}")
        from ..fileio import atomic_path

        with atomic_path(backup) as tmp:
            dest = sqlite3.connect(str(tmp))
            try:
                conn.backup(dest)
            finally:
                dest.close()
        try:
            version = schema.migrate(conn, version)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the header shows the new version
        except sqlite3.Error as err:
            raise ProjectError(f"Upgrading {path.name} failed ({err}); the backup {backup.name} is intact.") from err
        log.info("upgraded %s to project format %d (backup %s)", path.name, version, backup.name)
        return version

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                conn.close()
            if self._file_lock is not None:
                self._file_lock.release()
                self._file_lock = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    def __del__(self) -> None:  # a forgotten store must not keep the project locked
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __enter__(self) -> "ProjectStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "writable"
        return f"ProjectStore({str(self.path)!r}, {mode})"

    # ------------------------------------------------------------------ plumbing
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectError(f"{self.path.name} is closed.")
        return self._conn

    def _check_writable(self) -> None:
        if self.read_only:
            raise ProjectError(f"{self.path.name} is open read-only: {self.read_only_reason}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (nested calls join the outer one); events are sent after the commit."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._check_writable()
                self.conn.execute("BEGIN IMMEDIATE")
                self._pending = []
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._pending = []
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if not outer:
                return
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as err:
                self._pending = []
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise ProjectError(f"{self.path.name} could not be written ({err}).") from err
            changes, self._pending = self._pending, []
        self._emit(changes)

    def _note(self, change: Change) -> None:
        self._pending.append(change)

    def subscribe(self, fn: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``fn(change)`` after every committed change; returns a function that unsubscribes."""
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)
        return unsubscribe

    def _emit(self, changes: Sequence[Change]) -> None:
        for change in changes:
            for fn in list(self._subscribers):
                try:
                    fn(change)
                except Exception:  # noqa: BLE001 - a broken view must not undo a committed edit
                    log.exception("project change subscriber failed")

    def meta(self, key: str) -> Optional[str]:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ videos
    def _video_record(self, row) -> VideoRecord:
        vid, rel, key, n, fps, duration, size, w, h, _last = row
        return VideoRecord(id=vid, rel_path=rel, content_key=key, frame_count=n, fps=fps, duration=duration,
                           path=Path(os.path.normpath(self.folder / rel)), size=size, width=w, height=h)

    def videos(self) -> List[VideoRecord]:
        rows = self.conn.execute(f"SELECT {VID_COLS} FROM videos ORDER BY id").fetchall()
        return [self._video_record(r) for r in rows]

    def video(self, video_id: int) -> VideoRecord:
        row = self.conn.execute(f"SELECT {VID_COLS} FROM videos WHERE id = ?", (video_id,)).fetchone()
        if row is None:
            raise ProjectError(f"The project has no video with id {video_id}.")
        return self._video_record(row)

    def video_by_key(self, content_key: str) -> Optional[VideoRecord]:
        row = self.conn.execute(f"SELECT {VID_COLS} FROM videos WHERE content_key = ?", (content_key,)).fetchone()
        return self._video_record(row) if row else None

    def video_by_path(self, path: PathLike) -> Optional[VideoRecord]:
        """The video recorded at ``path`` (or, if the file exists, with the same content)."""
        path = Path(os.path.normpath(Path(path).absolute()))
        for rec in self.videos():
            if rec.path == path or self._resolved.get(rec.id) == path:
                return rec
        if path.is_file():
            from ..video import content_key

            return self.video_by_key(content_key(path))
        return None

    def _rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.folder)).as_posix()

    def add_video(self, path: PathLike) -> VideoRecord:
        """Add a video (reads its frame count and real timestamps); a video already in the project is returned."""
        from ..video import VideoReader, content_key

        path = Path(os.path.normpath(Path(path).absolute()))
        key = content_key(path)
        existing = self.video_by_key(key)
        if existing is not None:
            return existing
        with VideoReader(path) as reader:
            ts = np.asarray(reader.timestamps, dtype=np.float64)
            return self.add_video_record(path, key, reader.frame_count, reader.fps, timestamps=ts,
                                         duration=reader.duration, size=path.stat().st_size,
                                         width=reader.width, height=reader.height)

    def add_video_record(self, path: PathLike, content_key: str, frame_count: int, fps: float, *,
                         timestamps: Optional[np.ndarray] = None, duration: Optional[float] = None, size: int = 0,
                         width: int = 0, height: int = 0) -> VideoRecord:
        """Record a video without reading the file (importers, tests, benchmark projects)."""
        if frame_count < 1 or not fps > 0:
            raise ProjectError(f"{Path(path).name} has no frames or no frame rate.")
        path = Path(os.path.normpath(self.folder / Path(path)))
        if timestamps is not None and len(timestamps) != frame_count:
            raise ProjectError(f"{path.name}: {len(timestamps)} timestamps for {frame_count} frames.")
        if duration is None:
            duration = frame_count / fps
        with self.transaction():
            if self.video_by_key(content_key) is not None:
                raise ProjectError(f"{path.name} is already in the project.")
            cur = self.conn.execute(
                "INSERT INTO videos (rel_path, last_path, content_key, size, frame_count, fps, duration, width, "
                "height, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self._rel(path), str(path), content_key, int(size), int(frame_count), float(fps), float(duration),
                 int(width), int(height), now_iso()))
            vid = cur.lastrowid
            if timestamps is not None:
                self.conn.execute("INSERT INTO video_timestamps (video_id, data) VALUES (?, ?)",
                                  (vid, np.ascontiguousarray(timestamps, dtype="<f8").tobytes()))
            self._note(Change(video_id=vid, kind="videos"))
        return self.video(vid)

    def remove_video(self, video_id: int, *, force: bool = False) -> None:
        """Remove a video; refused while it has segments unless ``force`` (which deletes them too)."""
        rec = self.video(video_id)
        with self.transaction():
            n = self.conn.execute("SELECT count(*) FROM segments WHERE video_id = ?", (video_id,)).fetchone()[0]
            if n and not force:
                raise ProjectError(f"{rec.name} has {n} labeled segment{'s' if n != 1 else ''}; "
                                   "delete them first or remove it with force.")
            self.conn.execute("DELETE FROM segments WHERE video_id = ?", (video_id,))
            self.conn.execute("DELETE FROM videos WHERE id = ?", (video_id,))
            self._note(Change(video_id=video_id, kind="videos"))
        self._timestamps.pop(video_id, None)
        self._resolved.pop(video_id, None)

    def timestamps(self, video_id: int) -> np.ndarray:
        """The video's real frame times in seconds (from the file; constant rate for records without them)."""
        ts = self._timestamps.get(video_id)
        if ts is None:
            row = self.conn.execute("SELECT data FROM video_timestamps WHERE video_id = ?", (video_id,)).fetchone()
            if row is not None:
                ts = np.frombuffer(row[0], dtype="<f8")
            else:
                rec = self.video(video_id)
                ts = np.arange(rec.frame_count, dtype=np.float64) / rec.fps
            self._timestamps[video_id] = ts
        return ts

    def frame_time(self, video_id: int, frame: int) -> float:
        """Time of ``frame``; ``frame == frame_count`` gives the end of the video (exclusive ends)."""
        ts = self.timestamps(video_id)
        if frame < len(ts):
            return float(ts[frame])
        rec = self.video(video_id)
        return float(max(rec.duration, ts[-1] if len(ts) else 0.0))

    def segment_times(self, seg: SegmentRecord) -> Tuple[float, float]:
        """(start_time, end_time) in seconds from the video's real timestamps (end exclusive)."""
        return self.frame_time(seg.video_id, seg.start_frame), self.frame_time(seg.video_id, seg.end_frame)

    def frame_at_time(self, video_id: int, seconds: float) -> int:
        """The frame boundary nearest to ``seconds`` (0 .. frame_count)."""
        ts = self.timestamps(video_id)
        bounds = np.append(ts, self.frame_time(video_id, len(ts)))
        i = int(np.searchsorted(bounds, seconds))
        if i >= len(bounds):
            return len(bounds) - 1
        if i > 0 and seconds - bounds[i - 1] <= bounds[i] - seconds:
            return i - 1
        return i

    def _matches(self, rec: VideoRecord, path: Path) -> bool:
        from ..video import content_key

        try:
            if not path.is_file() or (rec.size and path.stat().st_size != rec.size):
                return False
            return content_key(path) == rec.content_key
        except Exception:  # noqa: BLE001 - unreadable candidates simply do not match
            return False

    def resolve_video(self, video_id: int) -> Optional[Path]:
        """Where the video is now: its recorded place, else a file with the same content in the project
        folder (recursively) or in the folder of its last known path; None if not found."""
        rec = self.video(video_id)
        known = self._resolved.get(video_id)
        if known is not None and known.is_file():
            return known
        last = self.conn.execute("SELECT last_path FROM videos WHERE id = ?", (video_id,)).fetchone()[0]
        candidates = [rec.path] + ([Path(last)] if last else [])
        found = next((c for c in candidates if self._matches(rec, c)), None)
        if found is None:
            for candidate in self._search_candidates(rec, Path(last) if last else None):
                if self._matches(rec, candidate):
                    found = candidate
                    break
        if found is None:
            return None
        self._resolved[video_id] = found
        if found != rec.path and not self.read_only:
            self._store_location(video_id, found)
        return found

    def _video_files(self, folder: Path, recursive: bool) -> List[Path]:
        """Video files under ``folder`` (listing cached for a few seconds: resolving many videos walks once)."""
        key = (folder, recursive)
        cached = self._listings.get(key)
        if cached is not None and time.monotonic() - cached[0] < _LISTING_TTL_S:
            return cached[1]
        files: List[Path] = []
        try:
            walker = folder.rglob("*") if recursive else folder.iterdir()
            for seen, p in enumerate(walker):
                if seen >= _SEARCH_LIMIT:
                    break
                if p.suffix.lower() in _VIDEO_SUFFIXES and self.data_dir not in p.parents:
                    files.append(p)
        except OSError:
            pass
        self._listings[key] = (time.monotonic(), files)
        return files

    def _search_candidates(self, rec: VideoRecord, last: Optional[Path]) -> Iterator[Path]:
        folders = [(self.folder, True)]
        for extra in (last.parent if last else None, rec.path.parent):
            if extra is not None and extra.is_dir() and (extra, False) not in folders:
                folders.append((extra, False))
        for folder, recursive in folders:
            yield from self._video_files(folder, recursive)

    def _store_location(self, video_id: int, path: Path) -> None:
        with self.transaction():
            self.conn.execute("UPDATE videos SET rel_path = ?, last_path = ? WHERE id = ?",
                              (self._rel(path), str(path), video_id))
            self._note(Change(video_id=video_id, kind="videos"))

    def relocate_video(self, video_id: int, new_path: PathLike, *, check: bool = True) -> VideoRecord:
        """Point a video at ``new_path`` (the user located it); refused if its content differs unless not ``check``."""
        rec = self.video(video_id)
        path = Path(os.path.normpath(Path(new_path).absolute()))
        if not path.is_file():
            raise ProjectError(f"Video file not found: {path}.")
        if check and not self._matches(rec, path):
            raise ProjectError(f"{path.name} is not the same video as {rec.name} (its content differs).")
        self._store_location(video_id, path)
        self._resolved[video_id] = path
        return self.video(video_id)

    # ------------------------------------------------------------------ analyses
    def set_analysis(self, video_id: int, folder: PathLike, model_key: str) -> None:
        """Record the analysis result folder used for a video (stored relative to the project folder)."""
        self.video(video_id)
        folder = Path(os.path.normpath(Path(folder).absolute()))
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO analyses (video_id, model_key, folder, created) "
                              "VALUES (?, ?, ?, ?)", (video_id, str(model_key), self._rel(folder), now_iso()))
            self._note(Change(video_id=video_id, kind="analyses"))

    def analysis_folder(self, video_id: int, model_key: Optional[str] = None) -> Optional[Path]:
        """The most recently recorded analysis folder of a video (of ``model_key`` if given), if it exists."""
        sql = "SELECT folder FROM analyses WHERE video_id = ?"
        params: tuple = (video_id,)
        if model_key is not None:
            sql += " AND model_key = ?"
            params += (model_key,)
        row = self.conn.execute(sql + " ORDER BY created DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        path = Path(os.path.normpath(self.folder / row[0]))
        return path if path.exists() else None

    def analyses(self, video_id: int) -> List[Tuple[str, Path]]:
        rows = self.conn.execute("SELECT model_key, folder FROM analyses WHERE video_id = ? ORDER BY created",
                                 (video_id,)).fetchall()
        return [(k, Path(os.path.normpath(self.folder / f))) for k, f in rows]

    # ------------------------------------------------------------------ labels
    def labels(self) -> List[LabelRecord]:
        rows = self.conn.execute("SELECT id, name, color, key, ord FROM labels ORDER BY ord, id").fetchall()
        return [LabelRecord(*r) for r in rows]

    def label(self, label_id: int) -> LabelRecord:
        row = self.conn.execute("SELECT id, name, color, key, ord FROM labels WHERE id = ?", (label_id,)).fetchone()
        if row is None:
            raise ProjectError(f"The project has no label with id {label_id}.")
        return LabelRecord(*row)

    def label_by_name(self, name: str) -> Optional[LabelRecord]:
        row = self.conn.execute("SELECT id, name, color, key, ord FROM labels WHERE name = ?", (name,)).fetchone()
        if row is None:
            row = self.conn.execute("SELECT id, name, color, key, ord FROM labels WHERE lower(name) = lower(?)",
                                    (name,)).fetchone()
        return LabelRecord(*row) if row else None

    def label_by_key(self, key: str) -> Optional[LabelRecord]:
        row = self.conn.execute("SELECT id, name, color, key, ord FROM labels WHERE key = ?", (key,)).fetchone()
        return LabelRecord(*row) if row else None

    def _check_name(self, name: str, label_id: Optional[int] = None) -> str:
        name = str(name).strip()
        if not name:
            raise ProjectError("A label name cannot be empty.")
        other = self.label_by_name(name)
        if other is not None and other.id != label_id:
            raise ProjectError(f"The label set already has a label named '{other.name}'.")
        return name

    def _check_free_key(self, key: Optional[str], label_id: Optional[int], steal: bool) -> Optional[str]:
        key = check_key(key)
        if key is not None:
            other = self.label_by_key(key)
            if other is not None and other.id != label_id:
                if not steal:
                    raise ProjectError(f"The key '{key}' is already assigned to the label '{other.name}'.")
                self.conn.execute("UPDATE labels SET key = NULL WHERE id = ?", (other.id,))
        return key

    def add_label(self, name: str, color: Optional[str] = None, key: Optional[str] = None) -> LabelRecord:
        with self.transaction():
            name = self._check_name(name)
            order = self.conn.execute("SELECT coalesce(max(ord) + 1, 0) FROM labels").fetchone()[0]
            color = check_color(color) if color else default_color(order)
            key = self._check_free_key(key, None, steal=False)
            cur = self.conn.execute("INSERT INTO labels (name, color, key, ord) VALUES (?, ?, ?, ?)",
                                    (name, color, key, order))
            self._note(Change(kind="labels"))
        return self.label(cur.lastrowid)

    def rename_label(self, label_id: int, name: str) -> LabelRecord:
        self.label(label_id)
        with self.transaction():
            self.conn.execute("UPDATE labels SET name = ? WHERE id = ?", (self._check_name(name, label_id), label_id))
            self._note(Change(kind="labels"))
        return self.label(label_id)

    def recolor_label(self, label_id: int, color: str) -> LabelRecord:
        self.label(label_id)
        with self.transaction():
            self.conn.execute("UPDATE labels SET color = ? WHERE id = ?", (check_color(color), label_id))
            self._note(Change(kind="labels"))
        return self.label(label_id)

    def set_label_key(self, label_id: int, key: Optional[str], *, steal: bool = False) -> LabelRecord:
        """Assign a shortcut key (None clears it); a key held by another label is refused unless ``steal``."""
        self.label(label_id)
        with self.transaction():
            key = self._check_free_key(key, label_id, steal)
            self.conn.execute("UPDATE labels SET key = ? WHERE id = ?", (key, label_id))
            self._note(Change(kind="labels"))
        return self.label(label_id)

    def reorder_labels(self, ids: Sequence[int]) -> None:
        """Put the labels in the order ``ids`` (every label id exactly once)."""
        current = {lab.id for lab in self.labels()}
        if sorted(ids) != sorted(current) or len(set(ids)) != len(ids):
            raise ProjectError("The new label order must list every label exactly once.")
        with self.transaction():
            self.conn.executemany("UPDATE labels SET ord = ? WHERE id = ?", [(i, lid) for i, lid in enumerate(ids)])
            self._note(Change(kind="labels"))

    def label_usage(self, label_id: int) -> int:
        return self.conn.execute("SELECT count(*) FROM segments WHERE label_id = ?", (label_id,)).fetchone()[0]

    def delete_label(self, label_id: int, relabel_to: Optional[int] = None) -> int:
        """Delete a label; one in use is refused (with the count) unless ``relabel_to`` takes its segments.

        Returns the number of segments relabeled. Not undoable: the app asks first.
        """
        lab = self.label(label_id)
        with self.transaction():
            n = self.label_usage(label_id)
            if n and relabel_to is None:
                raise ProjectError(f"The label '{lab.name}' is used by {n} segment{'s' if n != 1 else ''}; "
                                   "relabel them to another label to delete it.")
            if n:
                if relabel_to == label_id:
                    raise ProjectError("A label cannot be relabeled to itself.")
                self.label(relabel_to)
                lanes = self.conn.execute("SELECT DISTINCT video_id, person FROM segments WHERE label_id = ?",
                                          (label_id,)).fetchall()
                self.conn.execute("UPDATE segments SET label_id = ?, modified = ? WHERE label_id = ?",
                                  (relabel_to, now_iso(), label_id))
                for video_id, person in lanes:
                    self._note(Change(video_id=video_id, person=person))
            self.conn.execute("DELETE FROM labels WHERE id = ?", (label_id,))
            self._note(Change(kind="labels"))
        return n

    # ------------------------------------------------------------------ segments (reading)
    def _segments_where(self, where: str = "", params: tuple = (), order: str = "video_id, person, start_frame"
                        ) -> List[SegmentRecord]:
        sql = f"SELECT {SEG_COLS} FROM segments" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        return [SegmentRecord(*r) for r in self.conn.execute(sql, params)]

    def segments(self, video_id: Optional[int] = None, person: Optional[int] = None,
                 label_id: Optional[int] = None, source: Optional[str] = None) -> List[SegmentRecord]:
        """Segments matching the filters, sorted by (video, person, start)."""
        clauses, params = [], []
        for column, value in (("video_id", video_id), ("person", person), ("label_id", label_id),
                              ("source", source)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return self._segments_where(" AND ".join(clauses), tuple(params))

    def segment(self, segment_id: int) -> SegmentRecord:
        rows = self._segments_where("id = ?", (segment_id,))
        if not rows:
            raise ProjectError(f"The project has no segment with id {segment_id}.")
        return rows[0]

    def segment_at(self, video_id: int, person: int, frame: int, author: Optional[str] = None
                   ) -> Optional[SegmentRecord]:
        """The segment of a lane covering ``frame`` (the given author's, when ``author``; else the current
        author's if there is one, else any)."""
        rows = self._segments_where("video_id = ? AND person = ? AND start_frame <= ? AND end_frame > ?",
                                    (video_id, person, frame, frame))
        wanted = author if author is not None else self.author
        own = [r for r in rows if (r.author or "") == wanted]
        if author is not None:
            return own[0] if own else None
        return (own or rows or [None])[0]

    def lane_overlaps(self, video_id: int, person: int, start: int, end: int,
                      exclude: Sequence[int] = (), author: Optional[str] = None) -> List[SegmentRecord]:
        """Segments of one lane that overlap frames ``[start, end)`` (of one author's labels when ``author``:
        each coder has a lane of their own, so that two coders' labels can be compared)."""
        where = "video_id = ? AND person = ? AND start_frame < ? AND end_frame > ?"
        params: tuple = (video_id, person, end, start)
        if author is not None:
            where += " AND IFNULL(author, '') = ?"
            params += (author,)
        rows = self._segments_where(where, params)
        return [r for r in rows if r.id not in exclude]

    def people(self, video_id: int) -> List[int]:
        rows = self.conn.execute("SELECT DISTINCT person FROM segments WHERE video_id = ? ORDER BY person",
                                 (video_id,)).fetchall()
        return [r[0] for r in rows]

    def coverage(self, video_id: int) -> Tuple[int, int, int]:
        """(segment count, frames covered by any segment, frame count) of a video."""
        n_frames = self.video(video_id).frame_count
        rows = self.conn.execute("SELECT start_frame, end_frame FROM segments WHERE video_id = ? "
                                 "ORDER BY start_frame", (video_id,)).fetchall()
        covered, reach = 0, 0
        for start, end in rows:
            start = max(start, reach)
            if end > start:
                covered += end - start
                reach = end
        return len(rows), covered, n_frames

    def counts(self, video_id: Optional[int] = None) -> dict:
        """``{"total": n, "by_source": {src: n}, "by_label": {name: {src: n, "total": n}}}``."""
        sql = ("SELECT l.name, s.source, count(*) FROM segments s JOIN labels l ON l.id = s.label_id"
               + (" WHERE s.video_id = ?" if video_id is not None else "") + " GROUP BY l.name, s.source")
        rows = self.conn.execute(sql, (video_id,) if video_id is not None else ()).fetchall()
        by_label: Dict[str, Dict[str, int]] = {}
        by_source = {s: 0 for s in SOURCES}
        for name, source, n in rows:
            entry = by_label.setdefault(name, {s: 0 for s in SOURCES} | {"total": 0})
            entry[source] = n
            entry["total"] += n
            by_source[source] += n
        order = {lab.name: lab.order for lab in self.labels()}
        by_label = dict(sorted(by_label.items(), key=lambda kv: order.get(kv[0], 1 << 30)))
        return {"total": sum(by_source.values()), "by_source": by_source, "by_label": by_label}

    # ------------------------------------------------------------------ segments (writing; used by edits)
    def write_diff(self, removed: Sequence[SegmentRecord], added: Sequence[SegmentRecord]) -> List[SegmentRecord]:
        """Replace the rows ``removed`` (checked unchanged) by ``added`` in the current transaction.

        Rows in ``added`` with ``id=None`` get new ids; the returned list carries them. This is the one
        primitive every edit's apply and revert goes through.
        """
        if self._depth == 0:
            raise RuntimeError("write_diff needs an open transaction")
        conn = self.conn
        for row in removed:
            current = self._segments_where("id = ?", (row.id,))
            if not current or current[0] != row:
                raise ProjectError("The labels changed since this edit was made; it cannot be applied or undone.")
        if removed:
            conn.executemany("DELETE FROM segments WHERE id = ?", [(r.id,) for r in removed])
        out = []
        try:
            for row in added:
                if row.source not in SOURCES:
                    raise ProjectError(f"'{row.source}' is not a segment source (user or accepted).")
                conf = None if row.confidence is None else float(row.confidence)
                cur = conn.execute(f"INSERT INTO segments ({SEG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   (row.id, int(row.video_id), int(row.person), int(row.start_frame),
                                    int(row.end_frame), int(row.label_id), row.source, row.model_key, conf,
                                    row.author, row.note, row.created, row.modified))
                out.append(row if row.id is not None else row.with_(id=cur.lastrowid))
        except sqlite3.IntegrityError as err:
            raise ProjectError(f"The edit does not fit the project ({err}).") from err
        lanes: Dict[tuple, list] = {}
        for row in list(removed) + out:
            lanes.setdefault(row.lane, []).append(row)
        for (video_id, person), rows in lanes.items():
            self._note(Change(video_id=video_id, person=person, start=min(r.start_frame for r in rows),
                              end=max(r.end_frame for r in rows), segment_ids=tuple(sorted({r.id for r in rows}))))
        return out

    # ------------------------------------------------------------------ copies
    def save_as(self, path: PathLike) -> Path:
        """Copy the project (database and data folder) to ``path``; video paths are rewritten relative to it.

        The copy is written aside and renamed into place; this store stays on the original.
        """
        dest = Path(path).absolute()
        if not dest.name.endswith(SUFFIX):
            dest = dest.with_name(dest.name + SUFFIX)
        if dest.exists() or data_dir_for(dest).exists():
            raise ProjectError(f"{dest.name} already exists; choose another name.")
        from ..fileio import atomic_path

        located = {rec.id: self._resolved.get(rec.id, rec.path) for rec in self.videos()}
        tmp_dir = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            if self.data_dir.is_dir():
                shutil.copytree(self.data_dir, tmp_dir / "data", ignore=shutil.ignore_patterns("lock"))
            else:
                (tmp_dir / "data").mkdir()
            with atomic_path(dest) as tmp:
                copy = sqlite3.connect(str(tmp), isolation_level=None)
                try:
                    with self._lock:
                        self.conn.backup(copy)
                    copy.execute("BEGIN")
                    for vid, where in located.items():
                        rel = Path(os.path.relpath(where, dest.parent)).as_posix()
                        copy.execute("UPDATE videos SET rel_path = ?, last_path = ? WHERE id = ?",
                                     (rel, str(where), vid))
                    rows = copy.execute("SELECT video_id, model_key, folder FROM analyses").fetchall()
                    for vid, model_key, folder in rows:
                        where = Path(os.path.normpath(self.folder / folder))
                        if self.data_dir in where.parents:
                            where = data_dir_for(dest) / where.relative_to(self.data_dir)
                        copy.execute("UPDATE analyses SET folder = ? WHERE video_id = ? AND model_key = ?",
                                     (Path(os.path.relpath(where, dest.parent)).as_posix(), vid, model_key))
                    copy.execute("COMMIT")
                    copy.execute("PRAGMA journal_mode = WAL")
                finally:
                    copy.close()
            os.replace(tmp_dir / "data", data_dir_for(dest))
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        return dest
