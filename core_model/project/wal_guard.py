"""Guards against SQLite's documented way to lose commits: the ``-wal`` file deleted or replaced while open.

- While a project is open, :class:`WalGuard` remembers which file its ``-wal`` is; a write that finds it
  missing or replaced is refused (after saving what was committed into the project file with a checkpoint)
  and the store stays read-only until it is opened again.
- Across openings, every write transaction counts itself in ``meta.writes`` and (after the commit) on the
  lock file's second line. A project file holding fewer writes than its lock file says lost committed
  changes (a ``-wal`` deleted while its writer was killed, or an older copy put back): the next opening warns.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Optional, Tuple

WRITES_KEY = "writes"


def _identity(path: Path) -> Optional[Tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class WalGuard:
    """Which file the project's ``-wal`` is; :meth:`changed` says when another (or none) is there now."""

    def __init__(self, path: Path) -> None:
        self.wal = Path(f"{path}-wal")
        self._known = _identity(self.wal)

    def changed(self) -> bool:
        """True when the ``-wal`` known to be in use was deleted or replaced."""
        now = _identity(self.wal)
        if self._known is None:  # not made yet: the next commit makes it
            return False
        return now != self._known

    def committed(self) -> None:
        """After a commit: remember the ``-wal`` the commit went to (when not known yet)."""
        if self._known is None:
            self._known = _identity(self.wal)

    def rescue(self, conn: sqlite3.Connection) -> bool:
        """Copy what was committed into the project file (SQLite still holds the old ``-wal`` open)."""
        try:
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
        except sqlite3.Error:
            return False
        return busy == 0

    def refusal(self, name: str, rescued: bool) -> Tuple[str, str]:
        """(read-only reason, write refusal) once the ``-wal`` is gone."""
        wal = self.wal.name
        reason = f"{wal} was deleted or replaced while {name} was open; it is read-only until it is opened again."
        if rescued:
            return reason, (f"{wal} was deleted or replaced by another program while {name} was open; the changes "
                            f"saved so far were written into {name}, but this change was not made: close the project "
                            "and open it again to go on.")
        return reason, (f"{wal} was deleted or replaced by another program while {name} was open, and the changes "
                        f"saved since it was opened may be lost; this change was not made: close the project, open it "
                        "again and check its labels.")


def stored_writes(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (WRITES_KEY,)).fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:
        return 0


def count_write(conn: sqlite3.Connection, writes: int) -> None:
    """Inside the write transaction: record that it is write number ``writes``."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (WRITES_KEY, str(writes)))


def lost_writes_warning(name: str, in_file: int, note: Optional[str]) -> str:
    """One sentence when the project file holds fewer writes than its lock file noted ('' otherwise)."""
    try:
        noted = int(note) if note else 0
    except ValueError:
        return ""
    if noted <= in_file:
        return ""
    lost = noted - in_file
    return (f"{name} is missing its last {lost} saved change{'s' if lost != 1 else ''} (it holds {in_file} of the "
            f"{noted} writes its data folder recorded): its -wal file was probably deleted or replaced while it was "
            "open, or an older copy of it was put back; check its labels.")
