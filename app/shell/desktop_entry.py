"""The desktop menu entry, icon and ``.epam`` file type in the user's data folder (freedesktop.org, no Qt).

``install_desktop_entry()`` writes, under ``$XDG_DATA_HOME`` (default ``~/.local/share``):

- ``applications/epam-studio.desktop`` (menu entry; ``Exec`` is the absolute path of this install's launcher),
- ``icons/hicolor/scalable/apps/epam-studio.svg`` (its icon),
- ``mime/packages/epam-studio.xml`` (``application/x-epam-project`` for ``*.epam`` project files),

then refreshes the MIME and desktop databases with ``update-mime-database`` / ``update-desktop-database``
when they are installed (silently skipped otherwise). ``uninstall_desktop_entry()`` removes the three files.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from core_model.fileio import atomic_path
from core_model.paths import RESOURCES

APP_ID = "epam-studio"
PROJECT_MIME = "application/x-epam-project"
VIDEO_MIMES = ("video/mp4", "video/x-matroska", "video/quicktime", "video/x-msvideo", "video/webm")

MIME_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{PROJECT_MIME}">
    <comment>EPAM Studio labeling project</comment>
    <icon name="{APP_ID}"/>
    <glob pattern="*.epam"/>
  </mime-type>
</mime-info>
"""


def data_home() -> Path:
    """``$XDG_DATA_HOME`` or ``~/.local/share``."""
    env = os.environ.get("XDG_DATA_HOME")
    return Path(env) if env and os.path.isabs(env) else Path.home() / ".local" / "share"


def _quote_exec_arg(arg: str) -> str:
    """One argument of a desktop entry's ``Exec`` key, quoted as the Desktop Entry spec asks."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`="):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def _escape_value(value: str) -> str:
    """A desktop-entry string value (backslashes doubled, as the spec's string type asks)."""
    return value.replace("\\", "\\\\")


def launcher_command() -> List[str]:
    """How the menu starts this install: the bundle executable, the ``epam-studio`` script, or python."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.executable).parent / "epam-studio"
    if script.is_file():
        return [str(script.absolute())]
    found = shutil.which("epam-studio")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "app.main"]


def desktop_entry_text(command: Sequence[str] = ("epam-studio",)) -> str:
    """The ``.desktop`` file starting ``command`` with the chosen files (``%F``)."""
    exec_line = " ".join(_quote_exec_arg(a) for a in command) + " %F"
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=EPAM Studio",
        "GenericName=Action recognition inspector",
        "Comment=Inspect, label and fine-tune EPAM-Net, a pose-driven attention network for human actions",
        f"Exec={_escape_value(exec_line)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=AudioVideo;Video;Science;Education;",
        f"MimeType={PROJECT_MIME};{';'.join(VIDEO_MIMES)};",
        "Keywords=action;recognition;pose;skeleton;attention;video;labeling;",
        f"StartupWMClass={APP_ID}",
        "",
    ])


def entry_paths(base: Optional[Path] = None) -> dict:
    """Where the entry, the icon and the MIME package go under ``base`` (default :func:`data_home`)."""
    base = base or data_home()
    return {
        "desktop": base / "applications" / f"{APP_ID}.desktop",
        "icon": base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        "mime": base / "mime" / "packages" / f"{APP_ID}.xml",
    }


def _write(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:  # makes the missing folders
        tmp.write_bytes(data)


def _system_env() -> dict:
    """The environment for system tools: a desktop bundle's own library path is taken out again."""
    env = dict(os.environ)
    if getattr(sys, "frozen", False):  # PyInstaller keeps the user's value in LD_LIBRARY_PATH_ORIG
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


def _refresh_databases(base: Path) -> None:
    """Run the freedesktop database tools that are installed; quietly skip those that are not."""
    for tool, folder in (("update-mime-database", base / "mime"), ("update-desktop-database", base / "applications")):
        exe = shutil.which(tool)
        if exe and folder.is_dir():
            try:
                subprocess.run([exe, str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=60, check=False, env=_system_env())
            except (OSError, subprocess.TimeoutExpired):
                pass


def install_desktop_entry(command: Optional[Sequence[str]] = None, base: Optional[Path] = None) -> List[Path]:
    """Install the menu entry, icon and ``.epam`` file type for this user; return the files written."""
    paths = entry_paths(base)
    _write(paths["icon"], (RESOURCES / "icons" / "app.svg").read_bytes())
    _write(paths["mime"], MIME_XML.encode("utf-8"))
    _write(paths["desktop"], desktop_entry_text(command or launcher_command()).encode("utf-8"))
    _refresh_databases(base or data_home())
    return [paths["desktop"], paths["icon"], paths["mime"]]


def uninstall_desktop_entry(base: Optional[Path] = None) -> List[Path]:
    """Remove what :func:`install_desktop_entry` wrote; return the files that were there."""
    removed = []
    for path in entry_paths(base).values():
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    _refresh_databases(base or data_home())
    return removed
