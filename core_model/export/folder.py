"""Write a folder atomically: build it in a hidden sibling, rename it into place at the end.

An exception or a cancel removes the sibling. A killed process (SIGKILL, a crash of the app)
cannot clean up after itself, so a tiny guard process waits on a pipe from the writer and removes
the sibling when the pipe closes because the writer died; a writer that finishes (or fails and
cleans up) ends the guard itself. Leftovers of a guard that could not run (machine crash) are
swept by the next export to the same place; the sibling is named like :mod:`core_model.fileio`
temporaries (``.<name>.<pid>.<random>.tmp``).
"""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from ..fileio import normal_mode
from .errors import ExportError

_GUARD_SH = 'while read -r _; do :; done; rm -rf -- "$1"'  # shell built-ins only until the pipe closes
_GUARD_PY = "import shutil,sys\nsys.stdin.buffer.read()\nshutil.rmtree(sys.argv[1], ignore_errors=True)"


def check_target(target: Path) -> None:
    """Raise :class:`ExportError` if ``target`` cannot become a new set folder."""
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise ExportError(f"{target} is a file, not a folder: choose a folder to write the set into.")
        if any(target.iterdir()):
            raise ExportError(f"{target} already exists and is not empty: choose a new folder.")
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise ExportError(f"{parent} is a file, not a folder.")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(target: Path) -> None:
    """Remove partial siblings of ``target`` left by writers that no longer run."""
    prefix = f".{target.name}."
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")) or not entry.is_dir():
            continue
        try:
            pid = int(entry.name[len(prefix):].split(".", 1)[0])
        except ValueError:
            continue
        if not _pid_alive(pid):
            shutil.rmtree(entry, ignore_errors=True)


def _start_guard(tmp: Path) -> Optional[subprocess.Popen]:
    """A process that deletes ``tmp`` once our end of its stdin pipe closes (also when we are killed)."""
    if os.name == "posix" and Path("/bin/sh").exists():
        cmd = ["/bin/sh", "-c", _GUARD_SH, "epam-export-guard", str(tmp)]
    elif not getattr(sys, "frozen", False):
        cmd = [sys.executable, "-I", "-S", "-c", _GUARD_PY, str(tmp)]
    else:
        return None
    try:
        return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    except OSError:
        return None


def _stop_guard(guard: Optional[subprocess.Popen]) -> None:
    """End the guard once we have cleaned up ourselves (it must not wait: a forked child may hold the pipe)."""
    if guard is None:
        return
    try:
        guard.kill()
        guard.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        guard.stdin.close()
    except OSError:
        pass


def disk_error(err: OSError, where: Path) -> ExportError:
    """One sentence for a failed write."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportError(f"The disk is full: not enough space to write the set in {where}.")
    return ExportError(f"Could not write the set in {where}: {err.strerror or err}.")


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield an empty hidden sibling of ``target``; on success it becomes ``target``, else it is removed."""
    target = Path(target).absolute()
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent))
        os.chmod(tmp, normal_mode(directory=True))
    except OSError as err:
        raise disk_error(err, target.parent) from err
    guard = _start_guard(tmp)
    try:
        yield tmp
        check_target(target)  # something may have appeared there meanwhile
        if target.is_dir():
            target.rmdir()
        os.rename(tmp, target)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise disk_error(err, target.parent) from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _stop_guard(guard)
