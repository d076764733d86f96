"""Class-name lists: NTU presets shipped in resources/, or a user's text file (one name a line)."""
from __future__ import annotations

from pathlib import Path
from typing import List

from .errors import ConfigError
from .paths import label_map

PRESETS = ("ntu60", "ntu120")


def load_class_names(spec: str) -> List[str]:
    """Return class names for ``spec``: a preset name (``ntu60``/``ntu120``) or a text file path."""
    path = label_map(spec) if spec in PRESETS else Path(spec)
    if path.is_dir():
        raise ConfigError(f"Class list '{spec}' is a folder; give a text file with one class name a line.")
    if not path.is_file():
        raise ConfigError(f"Class list '{spec}' is neither a preset ({', '.join(PRESETS)}) nor a readable file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"Class list '{spec}' is not a text file (it should hold one class name a line).") from None
    except OSError as exc:
        raise ConfigError(f"Class list '{spec}' cannot be read: {exc.strerror or exc}.") from None
    if "\x00" in text:
        raise ConfigError(f"Class list '{spec}' is not a text file (it should hold one class name a line).")
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise ConfigError(f"Class list '{spec}' is empty.")
    return names


def generic_class_names(num_classes: int) -> List[str]:
    """Placeholder names ``class 0 … class N-1`` for a model with no class list."""
    return [f"class {i}" for i in range(num_classes)]
