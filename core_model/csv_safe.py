"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading ``'`` (spreadsheets show the text, they do not evaluate it). Numbers are written as they are,
negative ones included: ``int``/``float`` values, and text that is a plain decimal number such as
``-1`` or ``-0.250000`` (a spreadsheet reads it as that number, never as a formula). A text cell that
already begins with ``'`` followed by one of those characters gets one more ``'``, so that
:func:`unescape_cell` gives back exactly what was written (the label import reads its own escaping back).
"""
from __future__ import annotations

import re
from typing import Iterable, List, Mapping

#: first characters a spreadsheet may take as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _needs_quote(text: str) -> bool:
    if not text:
        return False
    if text[0] in FORMULA_STARTS:
        return _NUMBER.fullmatch(text) is None
    return text[0] == QUOTE and len(text) > 1 and (text[1] in FORMULA_STARTS or text[1] == QUOTE)


def escape_cell(value):
    """``value`` ready for a CSV writer: a text cell that could start a formula gets a leading ``'``."""
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def unescape_cell(text):
    """The inverse of :func:`escape_cell` for a cell read from a CSV file."""
    if isinstance(text, str) and text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def escape_row(row: Iterable) -> List:
    """Every cell of a list row through :func:`escape_cell`."""
    return [escape_cell(v) for v in row]


def escape_dict(row: Mapping) -> dict:
    """Every value of a ``csv.DictWriter`` row through :func:`escape_cell`."""
    return {k: escape_cell(v) for k, v in row.items()}


def unescape_dict(row: Mapping) -> dict:
    """Every value of a ``csv.DictReader`` row through :func:`unescape_cell`."""
    return {k: unescape_cell(v) for k, v in row.items()}
