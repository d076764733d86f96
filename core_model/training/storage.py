"""Writing a run's files: a full disk, a quota or a file size limit is one sentence, not a writer's traceback.

``with writing("checkpoint", path): ...`` turns the ``OSError`` of a failed write (also when a writer wraps
it, as :func:`core_model.fileio.atomic_path` does) into :class:`StorageError`, which ``epam train`` reports
as one ``error`` progress line and one line on stderr.
"""
from __future__ import annotations

import errno
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from ..errors import ConfigError

#: errno -> what the user is told happened
NO_ROOM = {errno.ENOSPC: "Disk full", errno.EDQUOT: "Disk quota exceeded", errno.EFBIG: "File size limit reached"}


class StorageError(ConfigError):
    """A run's file could not be written (message: one sentence)."""


def _os_error(exc: BaseException) -> Optional[OSError]:
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _free(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if free < 1000 or unit == "TB":
            return f" ({free:.0f} {unit} free)" if unit == "bytes" else f" ({free:.1f} {unit} free)"
        free /= 1000.0
    return ""


def storage_error(exc: BaseException, what: str, path: Path) -> Optional[StorageError]:
    """The one-sentence error for a failed write of ``what`` (e.g. "checkpoint") to ``path``; None if ``exc`` is
    not a failed write."""
    err = _os_error(exc)
    if err is None:
        return None
    path = Path(path)
    if err.errno in NO_ROOM:
        return StorageError(f"{NO_ROOM[err.errno]} while writing {what} {path.name} in {path.parent}"
                            f"{_free(path.parent) if err.errno == errno.ENOSPC else ''}: make room, then continue "
                            f"the run with --resume.")
    return StorageError(f"Could not write {what} {path.name} in {path.parent}: "
                        f"{err.strerror or os.strerror(err.errno or 0) or err}.")


@contextmanager
def writing(what: str, path: Path) -> Iterator[None]:
    """Run a write of ``what`` to ``path``; a failed write raises :class:`StorageError` (one sentence)."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:  # noqa: BLE001 - only failed writes are translated; the rest is re-raised
        translated = storage_error(exc, what, path)
        if translated is None:
            raise
        raise translated from exc
