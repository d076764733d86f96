"""Label sets: presets (NTU-60 / NTU-120), custom lists, and default colours."""
from __future__ import annotations

import colorsys
import re
from pathlib import Path
from typing import List, Optional, Sequence, Union

from ..errors import EpamError
from .records import ProjectError

LabelSpec = Union[str, Path, Sequence[str], None]
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def default_color(index: int) -> str:
    """A distinct, readable colour for the ``index``-th label (golden-ratio hue steps)."""
    hue = (index * 0.618033988749895) % 1.0
    light = (0.55, 0.45, 0.62)[index % 3]
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.65)
    return "#{:02x}{:02x}{:02x}".format(round(r * 255), round(g * 255), round(b * 255))


def resolve_label_names(spec: LabelSpec) -> List[str]:
    """Names for ``spec``: ``"ntu60"``, ``"ntu120"``, a text file (one name a line), a list, or None (empty)."""
    if spec is None:
        return []
    if isinstance(spec, (str, Path)):
        from ..labels import load_class_names

        try:
            names = load_class_names(str(spec))
        except EpamError as err:
            raise ProjectError(str(err)) from err
    else:
        names = [str(n).strip() for n in spec]
    seen = set()
    for name in names:
        if not name:
            raise ProjectError("A label name cannot be empty.")
        if name.casefold() in seen:
            raise ProjectError(f"The label '{name}' appears twice in the label set.")
        seen.add(name.casefold())
    return names


def check_color(color: str) -> str:
    if not isinstance(color, str) or not _COLOR.match(color):
        raise ProjectError(f"'{color}' is not a colour of the form #rrggbb.")
    return color.lower()


def check_key(key: Optional[str]) -> Optional[str]:
    if key is None or key == "":
        return None
    if not isinstance(key, str) or len(key.strip()) != len(key) or len(key) > 32:
        raise ProjectError(f"'{key}' is not a valid shortcut key.")
    return key
