"""Crash- and concurrency-safe writing: files and folders are built aside, then renamed into place.

- :func:`atomic_path` (a file) and :func:`atomic_dir` (a folder) write to a hidden temporary sibling
  named ``.<name>.<pid>.<random>.tmp`` and rename it over the target: a reader never sees half a file
  or half a folder, and a crash leaves the old one intact.
- Both get the normal modes (``0o666`` / ``0o777`` less the umask), not the private ``0o600`` / ``0o700``
  of :mod:`tempfile`.
- A folder replaces an existing one by an atomic exchange (Linux ``renameat2``) under a lock on the
  parent folder, so two processes saving the same results folder at once both succeed.
- :func:`clean_stale_temporaries` removes the temporaries left by a killed process (never those of a
  live one).
- Failures to write (a folder where a file is wanted, a location that does not exist or is not
  writable) are :class:`OutputError`: one sentence.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from .errors import EpamError

PathLike = Union[str, os.PathLike]
#: a temporary whose owner is gone is removed once it is this old (seconds); any temporary after a day
STALE_AFTER, ABANDONED_AFTER = 60.0, 24 * 3600.0
_TMP_NAME = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]+\.tmp$")
_OLD_NAME = re.compile(r"^\..+\.old-(\d+)$")
_umask_lock = threading.Lock()
_CHUNK = 1024 * 1024


class OutputError(EpamError):
    """A file or folder cannot be written where the user asked."""


# ------------------------------------------------------------------------------------------ modes
def current_umask() -> int:
    """The process umask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def normal_mode(directory: bool = False) -> int:
    """The mode a plain ``open()`` / ``mkdir()`` would give: ``0o666`` / ``0o777`` less the umask."""
    return (0o777 if directory else 0o666) & ~current_umask()


# ------------------------------------------------------------------------------------------ errors
def describe_os_error(exc: OSError, path: PathLike) -> str:
    """One sentence for a failure to write ``path``."""
    path = Path(path)
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return f"Cannot write {path}: it is a folder; give a file name."
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"Cannot write {path}: a file stands where a folder is needed on that path."
    if isinstance(exc, FileNotFoundError):
        return f"Cannot write {path}: the folder it should go in does not exist and cannot be created."
    return f"Cannot write {path}: {exc.strerror or type(exc).__name__}."


def _output_error(exc: OSError, path: PathLike) -> OutputError:
    return OutputError(describe_os_error(exc, path))


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, path) from exc


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


# ------------------------------------------------------------------------------------------ files
@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    A reader never sees a half-written file, and a crash leaves the old file (if any) intact.
    Raises :class:`OutputError` when ``path`` is a folder or its location cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"Cannot write {path}: it is a folder; give a file name.")
    _make_parent(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.chmod(tmp, normal_mode())
    except OSError as exc:
        raise _output_error(exc, path) from exc
    try:
        yield Path(tmp)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise _output_error(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------ folders
@contextmanager
def atomic_dir(path: PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it replaces ``path`` (see :func:`replace_dir`)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"Cannot write the folder {path}: a file of that name exists.")
    _make_parent(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent))
        os.chmod(tmp, normal_mode(directory=True))
    except OSError as exc:
        raise _output_error(exc, path) from exc
    try:
        yield tmp
        replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def _parent_lock(path: Path):
    """An exclusive lock on ``path``'s parent folder (no-op where ``flock`` is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(src: PathLike, dst: PathLike) -> None:
    """Move folder ``src`` to ``dst``, replacing an existing ``dst``.

    Writers are serialised by a lock on the parent folder. Where the system can swap two folders
    atomically, ``dst`` is complete at every moment; elsewhere it is missing for an instant
    (readers retry, see :func:`read_dir_files`).
    """
    src, dst = Path(src), Path(dst)
    with _parent_lock(dst):
        if dst.is_dir():
            if _exchange(src, dst):
                shutil.rmtree(src, ignore_errors=True)
                return
            old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(dst, old)
            os.replace(src, dst)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(src, dst)


def read_dir_files(directory: PathLike, names, attempts: int = 20) -> dict:
    """The bytes of ``names`` read from one and the same version of ``directory``.

    The files are opened relative to one open handle of the folder, so a concurrent
    :func:`replace_dir` cannot mix two versions; when the version being read is removed half-way
    the read starts again on the new one. Raises ``FileNotFoundError`` when a file is really missing.
    """
    directory = Path(directory)
    for attempt in range(attempts):
        try:
            dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005)
            continue
        try:
            out = {}
            for name in names:
                fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
                with os.fdopen(fd, "rb") as fh:
                    out[name] = fh.read()
            return out
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005)
        finally:
            os.close(dir_fd)
    raise FileNotFoundError(str(directory))  # not reached


# ------------------------------------------------------------------------------------------ cleaning
def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: somebody else's live process
        return True
    return True


def clean_stale_temporaries(folder: PathLike) -> int:
    """Remove the temporaries (``.*.<pid>.*.tmp``, ``.*.old-<pid>``) that killed processes left in ``folder``.

    A temporary is removed when the process that made it is gone and it is older than
    :data:`STALE_AFTER` seconds, or when it is older than :data:`ABANDONED_AFTER`. Returns how many
    were removed.
    """
    folder = Path(folder)
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        match = _TMP_NAME.match(entry.name) or _OLD_NAME.match(entry.name)
        legacy = match is None and entry.name.startswith(".") and entry.name.endswith(".tmp")
        if match is None and not legacy:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        owner_gone = match is not None and not _pid_alive(int(match.group(1)))
        if not ((owner_gone or legacy) and age > STALE_AFTER) and age <= ABANDONED_AFTER:
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
    return removed


# ------------------------------------------------------------------------------------------ inputs
def check_video_path(path: PathLike, *, folder_ok: bool = False) -> Path:
    """``path`` as a Path if it is a video file (or, with ``folder_ok``, a folder); the same wording everywhere.

    Raises :class:`~core_model.errors.VideoError`: "Video file not found: …" or "… is a folder, not a video file."
    """
    from .errors import VideoError

    path = Path(path)
    if path.is_dir():
        if folder_ok:
            return path
        raise VideoError(f"{path} is a folder, not a video file.")
    if not path.exists():
        raise VideoError(f"Video file not found: {path}.")
    if not path.is_file():
        raise VideoError(f"{path} is not a regular file.")
    return path


def check_output_location(path: PathLike) -> Path:
    """Fail early (:class:`OutputError`) when nothing can be written at ``path``: checked before a long job.

    Creates ``path``'s parent folder (it would be created anyway) and probes it with a temporary file.
    """
    path = Path(path)
    _make_parent(path)
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: the folder {path.parent} is not writable.") from exc
    return path


# ------------------------------------------------------------------------------------------ hashing
def content_key(path: PathLike, *, full: bool = False) -> str:
    """Content hash of a file for cache keys (SHA-1 hex).

    By default a fast key: the size and the first, middle and last MiB (videos: the same file under
    another name or folder has the same key). ``full=True`` hashes every byte (checkpoints, where two
    files may differ only in a few weights). Raises ``OSError`` when the file cannot be read.
    """
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.sha1(str(size).encode())
    with open(path, "rb") as fh:
        if full:
            for block in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(block)
        else:
            for offset in sorted({0, max(0, size // 2 - _CHUNK // 2), max(0, size - _CHUNK)}):
                fh.seek(offset)
                digest.update(fh.read(_CHUNK))
    return digest.hexdigest()
