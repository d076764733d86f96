"""An open project's connection: transactions, change events, the writer lock and closing.

Every part of the store (videos, labels, segments, …) works through one :class:`StoreSession`:
``session.conn`` to read, ``with session.transaction():`` to write, ``session.note(change)`` to announce.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

from .database import OpenedDatabase, data_dir_for, default_author, file_state
from .lock import ProjectLock, read_note
from .records import Change, ProjectError, ProjectWarning
from .wal_guard import WalGuard, count_write, lost_writes_warning, stored_writes

log = logging.getLogger(__name__)


class StoreSession:
    """The connection of an open project and what every write goes through."""

    def __init__(self, opened: OpenedDatabase, author: Optional[str] = None) -> None:
        self.path: Path = opened.path
        self.data_dir = data_dir_for(opened.path)
        self.author = author or default_author()
        self.schema_version = opened.schema_version
        self.read_only_reason = opened.read_only_reason
        self.write_refusal = opened.write_refusal or opened.read_only_reason
        self._conn: Optional[sqlite3.Connection] = opened.conn
        self._file_lock: Optional[ProjectLock] = opened.lock
        self.lock = threading.RLock()
        self.depth = 0
        self._pending: List[Change] = []
        self._subscribers: List[Callable[[Change], None]] = []
        self.warnings: List[str] = list(opened.warnings)
        self._wal = WalGuard(self.path)
        self.writes = stored_writes(opened.conn)
        self._check_lost_writes()
        for text in self.warnings:  # the CLI prints each as one "epam: warning:" line; the studio shows them
            warnings.warn(text, ProjectWarning, stacklevel=3)

    def _check_lost_writes(self) -> None:
        """Warn (once: a writer notes the count again) when committed writes are missing from the file."""
        text = lost_writes_warning(self.path.name, self.writes, read_note(self.data_dir / "lock"))
        if text:
            self.warnings.append(text)
        if self._file_lock is not None:
            self._file_lock.write_note(self.writes)

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectError(f"{self.path.name} is closed.")
        return self._conn

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                conn.close()
                self._note_verified()
            if self._file_lock is not None:
                self._file_lock.release()
                self._file_lock = None

    def _note_verified(self) -> None:
        """Closed cleanly by its writer (pages checked when opened): the next opening may skip the check."""
        if self._file_lock is None or self.read_only or Path(f"{self.path}-wal").exists():
            return
        try:
            self._file_lock.write_note(file_state(self.path), "verified")
        except OSError:
            pass

    def check_writable(self) -> None:
        if self.read_only:
            raise ProjectError(self.write_refusal)
        if self._wal.changed():
            rescued = self._wal.rescue(self.conn)
            self.read_only_reason, self.write_refusal = self._wal.refusal(self.path.name, rescued)
            raise ProjectError(self.write_refusal)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (nested calls join the outer one); events are sent after the commit."""
        with self.lock:
            outer = self.depth == 0
            if outer:
                self.check_writable()
                self.conn.execute("BEGIN IMMEDIATE")
                self._pending = []
            self.depth += 1
            try:
                yield
            except BaseException as err:
                self.depth -= 1
                if not outer:
                    raise
                self._pending = []
                if self.conn.in_transaction:  # SQLite already rolled back on SQLITE_FULL and a few others
                    self.conn.execute("ROLLBACK")
                if _disk_full(err):
                    raise ProjectError(f"The disk is full: the change was not saved and {self.path.name} is "
                                       "unchanged (free some space, then try again).") from err
                raise
            self.depth -= 1
            if not outer:
                return
            try:
                count_write(self.conn, self.writes + 1)
                self.conn.execute("COMMIT")
            except sqlite3.Error as err:
                self._pending = []
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if _disk_full(err):
                    raise ProjectError(f"The disk is full: the change was not saved and {self.path.name} is "
                                       "unchanged (free some space, then try again).") from err
                raise ProjectError(f"{self.path.name} could not be written ({err}).") from err
            self.writes += 1
            self._wal.committed()
            if self._file_lock is not None:
                self._file_lock.write_note(self.writes)
            changes, self._pending = self._pending, []
        self._emit(changes)

    def note(self, change: Change) -> None:
        """Announce ``change`` to the subscribers once the current transaction commits."""
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


def _disk_full(err: BaseException) -> bool:
    """True when ``err`` is SQLite's SQLITE_FULL (a full disk, or the database at its page limit)."""
    return isinstance(err, sqlite3.Error) and (getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                                                or "database or disk is full" in str(err))
