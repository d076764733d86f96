"""The project file on disk: names, creating it, opening a connection (lock, version, upgrade).

Nothing here knows about videos or labels: this is what :class:`~.session.StoreSession` is opened on.
"""
from __future__ import annotations

import getpass
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Union
from urllib.parse import quote

from . import schema
from .labelsets import default_color
from .lock import ProjectLock
from .records import ProjectDamaged, ProjectError, now_iso

log = logging.getLogger(__name__)

PathLike = Union[str, Path]
SUFFIX = ".epam"
DATA_SUFFIX = ".epam-data"


def default_author() -> str:
    """The coder name: ``EPAM_CODER`` (``EPAM_AUTHOR``, its older name) or the login name."""
    name = (os.environ.get("EPAM_CODER") or "").strip() or (os.environ.get("EPAM_AUTHOR") or "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def data_dir_for(path: Path) -> Path:
    return path.with_name(path.name[: -len(SUFFIX)] + DATA_SUFFIX if path.name.endswith(SUFFIX)
                          else path.name + DATA_SUFFIX)


def project_path(path: PathLike) -> Path:
    """``path`` made absolute, with the ``.epam`` suffix added when missing."""
    path = Path(path).absolute()
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


# --------------------------------------------------------------------------- create
def create_file(path: Path, names: List[str]) -> None:
    """Write a new project file with the label ``names`` at ``path`` (written aside; never overwrites)."""
    if path.exists():
        raise ProjectError(f"{path.name} already exists; open it instead or choose another name.")
    if not path.parent.is_dir():
        raise ProjectError(f"The folder {path.parent} does not exist.")
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


# --------------------------------------------------------------------------- open
@dataclass
class OpenedDatabase:
    """What :func:`open_database` hands the session: the connection, the writer lock (or None) and why not.

    ``read_only_reason`` says why the project is read-only (one sentence, empty when writable);
    ``write_refusal`` is the sentence a refused write shows (the same cause, and what to do).
    """

    path: Path
    conn: sqlite3.Connection
    lock: Optional[ProjectLock]
    read_only_reason: str
    schema_version: int
    write_refusal: str = ""
    warnings: List[str] = field(default_factory=list)


def _read_only(cause: str, fix: str):
    """(reason, refusal) for a project read-only because of ``cause``."""
    return f"{cause}; it is opened read-only.", f"{cause}, so it is read-only here; {fix}."


def _not_writable_cause(path: Path) -> str:
    """Why the project file or its folder cannot be written ('' when both can)."""
    try:
        if os.statvfs(path.parent).f_flag & getattr(os, "ST_RDONLY", 1):
            return f"{path.name} is on a read-only file system"
    except OSError:
        pass
    if not os.access(path, os.W_OK):
        return f"{path.name} is a read-only file (its permissions)"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"The folder of {path.name} is read-only (its permissions), so its journal cannot be written"
    return ""


def _data_dir_cause(data_dir: Path) -> str:
    """Why the data folder cannot hold the lock ('' when it can; it is created when missing)."""
    if data_dir.is_symlink() and not data_dir.exists():
        return f"The data folder {data_dir.name} is a link to a folder that does not exist"
    if data_dir.exists() and not data_dir.is_dir():
        return f"The data folder {data_dir.name} is not a folder"
    try:
        data_dir.mkdir(exist_ok=True)
    except OSError as err:
        return f"The data folder {data_dir.name} is missing and cannot be created ({err.strerror or err})"
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return f"The data folder {data_dir.name} is read-only (its permissions)"
    return ""


def _writer_lock(path: Path, read_only: bool):
    """(lock or None, read-only reason, write refusal)."""
    if read_only:
        return (None, "Opened read-only on request.",
                f"{path.name} was opened read-only on request; open it again for writing to change it.")
    cause = _not_writable_cause(path)
    if cause:
        return None, *_read_only(cause, "copy it (with its data folder) somewhere writable to change it")
    data_dir = data_dir_for(path)
    cause = _data_dir_cause(data_dir)
    if cause:
        return None, *_read_only(cause, f"{data_dir.name} must be a writable folder to change {path.name}")
    lock = ProjectLock(data_dir_for(path) / "lock")
    if lock.acquire():
        return lock, "", ""
    if lock.refused:
        return (None, *_read_only(f"The lock {lock.refused}",
                                  f"delete {lock.path.parent.name}/lock to change {path.name}"))
    pid = f" (process {lock.holder_pid})" if lock.holder_pid else ""
    return (None, *_read_only(f"{path.name} is open in another program{pid}", "close it there first"))


def real_project_path(path: Path) -> Path:
    """The project file itself when ``path`` is a link to it (the lock and data folder belong to the file)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def connect_read_only(path: Path, warnings: List[str]) -> sqlite3.Connection:
    """A read-only connection; in a folder where SQLite cannot make its shared-memory file, an immutable one
    (which cannot read the ``-wal``: ``warnings`` gets a sentence when one with changes is there)."""
    conn = connect(path, read_only=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        warnings.append(f"The last saved changes of {path.name} are in {wal.name}, which cannot be read in this "
                        f"read-only folder without its {path.name}-shm: they are not shown (open it once where the "
                        "folder is writable to fold them in).")
    return conn


def open_database(path: Path, read_only: bool = False) -> OpenedDatabase:
    """Open the project file at ``path``: probe, lock (a second writer gets read-only), version, upgrade."""
    path = real_project_path(path)
    version = schema.probe(path)
    schema.check_version(version, path.name)
    verified = pages_verified(path)
    lock, reason, refusal = _writer_lock(path, read_only)
    notes: List[str] = []
    try:
        conn = connect_read_only(path, notes) if reason else connect(path, read_only=False)
        try:
            version = read_version(conn, path)
            if not verified:
                check_pages(conn, path)
            if version < schema.SCHEMA_VERSION:
                if reason:
                    raise ProjectError(f"{path.name} uses an older project format and must be opened once "
                                       "for writing to be upgraded.")
                version = upgrade(conn, path, version)
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
    return OpenedDatabase(path, conn, lock, reason, version, refusal, notes)


def last_backup(path: Path) -> Optional[Path]:
    """The newest backup of ``path`` beside it (``NAME.v<N>-backup-<time>.epam``, see :func:`backup_path`)."""
    stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.name
    found = [p for p in path.parent.glob(f"{stem}.v*-backup-*{SUFFIX}") if p.is_file()]
    return max(found, key=lambda p: (p.stat().st_mtime, p.name)) if found else None


def damaged(path: Path, detail: str) -> ProjectDamaged:
    """The one-sentence error for a project file with damaged pages (naming the last backup, if any)."""
    backup = last_backup(path)
    if backup is not None:
        stamp = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        offer = f"the last backup is {backup} (from {stamp}): open that one, or copy it over {path.name}"
    else:
        offer = ("there is no backup of it beside it (one is made before each format upgrade): restore it from "
                 "your own copies")
    return ProjectDamaged(f"{path.name} is damaged ({detail}) and was left untouched; {offer}.")


def file_state(path: Path) -> str:
    """Size and modification time of the project file, as its last writer notes them on closing."""
    st = os.stat(path)
    return f"{st.st_size} {st.st_mtime_ns}"


def pages_verified(path: Path) -> bool:
    """True when the file is as its last writer closed it (so its pages were checked at that opening)."""
    from .lock import read_note

    try:
        return (not Path(f"{path}-wal").exists()
                and read_note(data_dir_for(path) / "lock", "verified") == file_state(path))
    except OSError:
        return False


def check_pages(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a project whose pages are damaged (``PRAGMA quick_check``), before anything is written."""
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError as err:
        raise damaged(path, str(err)) from err
    if rows != [("ok",)]:
        raise damaged(path, "database disk image is malformed")


def read_version(conn: sqlite3.Connection, path: Union[Path, str]) -> int:
    name = Path(path).name
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as err:
        if isinstance(path, Path) and not isinstance(err, sqlite3.OperationalError):
            raise damaged(path, str(err)) from err
        raise ProjectError(f"{name} is damaged and cannot be opened as a project ({err}).") from err
    if app_id != schema.APPLICATION_ID or row is None:
        raise ProjectError(f"{name} is not an EPAM project file.")
    try:
        version = int(row[0])
    except ValueError:
        raise ProjectError(f"{name} has no valid project format version and cannot be opened.") from None
    schema.check_version(version, name)
    return version


def backup_path(path: Path, version: int) -> Path:
    """Where the upgrade of ``path`` from ``version`` backs it up: ``NAME.v<N>-backup-<time>.epam`` beside it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.name
    return path.with_name(f"{stem}.v{version}-backup-{stamp}{SUFFIX}")


def upgrade(conn: sqlite3.Connection, path: Path, version: int) -> int:
    """Back the project up beside it (:func:`backup_path`), then migrate."""
    backup = backup_path(path, version)
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
