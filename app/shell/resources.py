"""Icons and the style sheet shipped in resources/."""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QIcon

from core_model.paths import RESOURCES


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """resources/icons/<name>.svg as a QIcon (empty icon if missing)."""
    path = RESOURCES / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def style_sheet(name: str = "dark") -> str:
    """resources/styles/<name>.qss with ``@ICONS@`` replaced by the icons folder."""
    path = RESOURCES / "styles" / f"{name}.qss"
    if not path.is_file():
        return ""
    return path.read_text(encoding="utf-8").replace("@ICONS@", (RESOURCES / "icons").as_posix())
