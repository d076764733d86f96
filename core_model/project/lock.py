"""Single-writer lock: an ``fcntl.flock`` on a lock file holding the writer's pid.

The kernel drops the lock when the process exits for any reason (SIGKILL included), so a
crashed program never leaves the project locked; the pid in the file only names the holder.

The lock file comes from the project's data folder, which may come from a zip or tar of someone
else: it is opened without following links (``O_NOFOLLOW``), only a regular file with one name is
accepted, and it is never truncated (the pid is written over its first bytes).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: fall back to an exclusive-create lock file
    fcntl = None

#: the lock file's lines, each of fixed width (so that a shorter value leaves nothing of a longer one behind):
#: the holder's pid; the count of committed writes (see wal_guard.py); the project file's size and mtime when
#: its writer last closed it with its pages checked (see database.py)
_PID_WIDTH = 12
_FIELDS = {"writes": (12, 21), "verified": (33, 40)}


class ProjectLock:
    """Try to become the project's only writer; ``acquired`` says whether it worked.

    When it did not, ``refused`` says why in words (a link or other non-file named ``lock``) or is empty
    (another program holds the lock: ``holder_pid``).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: Optional[int] = None
        self.holder_pid: Optional[int] = None
        self.refused = ""

    def _open(self) -> Optional[int]:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as err:
            self.refused = (f"{self._name} is a link or not a regular file" if os.path.islink(self.path)
                            else f"{self._name} cannot be opened ({err.strerror or err})")
            return None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            self.refused = f"{self._name} is not a regular file of its own (a link or another file)"
            return None
        return fd

    @property
    def _name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    def acquire(self) -> bool:
        fd = self._open()
        if fd is None:
            return False
        if fcntl is None:  # pragma: no cover
            self._fd = fd
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.holder_pid = _read_pid(fd)
            os.close(fd)
            return False
        os.pwrite(fd, f"{os.getpid():<{_PID_WIDTH - 1}}\n".encode(), 0)
        self._fd = fd
        return True

    def write_note(self, value, field: str = "writes") -> None:
        """Keep ``value`` in the lock file's line ``field`` (not synced: a note may only lag behind)."""
        offset, width = _FIELDS[field]
        text = str(value)[: width - 1]
        if self._fd is not None:
            try:
                os.pwrite(self._fd, f"{text:<{width - 1}}\n".encode(), offset)
            except OSError:
                pass

    @property
    def acquired(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the flock


def read_note(path: Path, field: str = "writes") -> Optional[str]:
    """The line ``field`` of the lock file at ``path`` (None: none, or not a plain file)."""
    offset, width = _FIELDS[field]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        text = os.pread(fd, width, offset).decode(errors="replace").split("\n")[0].strip()
        return text or None
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> Optional[int]:
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").split("\n")[0].strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
