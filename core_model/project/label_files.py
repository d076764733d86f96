"""Reading label files row by row (bounded memory): CSV with its separator detected, JSON segment lists.

:func:`label_file_rows` yields ``(line, {column: value})`` for every row of a ``.csv`` or ``.json`` label
file; a file that cannot be read raises :class:`~.records.ProjectError` naming the line. CSV is streamed
from the file (one row in memory at a time); the separator is whatever of ``,`` ``;`` tab ``|`` makes the
header line hold the required columns (spreadsheets in many locales write ``;``), and text cells are read
back from the formula escaping of :mod:`core_model.csv_safe`.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator, List, Tuple

from ..csv_safe import unescape_cell
from .records import ProjectError

REQUIRED = ("video", "person", "label")
SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_MAX_ITEM_CHARS = 1 << 20  # a JSON segment larger than this is refused (the file is not a label file)
_CHUNK = 1 << 16

Row = Tuple[int, dict]


def _open_error(path: Path, err: OSError) -> ProjectError:
    if isinstance(err, FileNotFoundError):
        return ProjectError(f"Label file not found: {path}.")
    return ProjectError(f"Cannot read {path.name}: {err.strerror or err}.")


def _open(path: Path):
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as err:
        raise _open_error(path, err) from None


def _separator(path: Path, first_line: str) -> Tuple[str, List[str]]:
    """The separator that gives the header line the required columns, and the header."""
    best = None
    for sep in SEPARATORS:
        try:
            header = [h.strip() for h in next(csv.reader([first_line], delimiter=sep), [])]
        except csv.Error:
            continue
        if all(c in header for c in REQUIRED):
            return sep, header
        if best is None or len(header) > len(best[1]):
            best = (sep, header)
    sep, header = best if best is not None else (",", [])
    missing = [c for c in REQUIRED if c not in header]
    seen = ", ".join(f"'{h}'" for h in header[:8]) + (" …" if len(header) > 8 else "")
    raise ProjectError(f"{path.name} line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                       f"(separated by {_SEPARATOR_NAMES[sep]}s the header line has {len(header)} "
                       f"column{'s' if len(header) != 1 else ''}: {seen}; use ',' ';' or tab between the names "
                       f"video, person, start_frame, end_frame, label …).")


def csv_rows(path: Path) -> Iterator[Row]:
    """``(line, row)`` of a CSV label file, streamed; the separator is detected on the header line."""
    with _open(path) as fh:
        try:
            first = fh.readline()
            if not first.strip():
                raise ProjectError(f"{path.name} is empty (it needs a header line with the column names).")
            sep, header = _separator(path, first)
            fh.seek(0)
            reader = csv.reader(fh, delimiter=sep)
            next(reader)
            line = reader.line_num + 1
            for values in reader:
                if any(v.strip() for v in values):
                    if len(values) != len(header):
                        raise ProjectError(f"{path.name} line {line}: {len(values)} values for {len(header)} "
                                           f"columns (separated by {_SEPARATOR_NAMES[sep]}s).")
                    yield line, {h: (unescape_cell(v) if v[:1] == "'" else v) for h, v in zip(header, values)}
                line = reader.line_num + 1
        except csv.Error as err:
            raise ProjectError(f"{path.name} line {locals().get('line', 1)}: not valid CSV ({err}).") from None
        except UnicodeDecodeError:
            raise ProjectError(f"{path.name} is not UTF-8 text.") from None
        except OSError as err:
            raise _open_error(path, err) from None


class _Buffer:
    """A window onto a text file, read in chunks, that counts the lines it has moved past."""

    def __init__(self, path: Path, fh) -> None:
        self.path, self.fh = path, fh
        self.text, self.pos, self.eof = "", 0, False
        self.line, self._counted = 1, 0  # the line number at text[self._counted]

    def more(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.fh.read(_CHUNK)
        except UnicodeDecodeError:
            raise ProjectError(f"{self.path.name} is not UTF-8 text.") from None
        if not chunk:
            self.eof = True
            return False
        self.here()
        self.text, self.pos, self._counted = self.text[self.pos:] + chunk, 0, 0
        return True

    def skip_ws(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos:self.pos + 1]

    def here(self) -> int:
        """The line number at the current position (counted incrementally)."""
        if self.pos > self._counted:
            self.line += self.text.count("\n", self._counted, self.pos)
            self._counted = self.pos
        return self.line

    def value(self):
        """Decode the JSON value starting here (reading more of the file as needed)."""
        decoder = json.JSONDecoder()
        self.skip_ws()
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as err:
                # an error may only mean the value goes on in the next chunk: read on (up to a limit)
                if len(self.text) - self.pos > _MAX_ITEM_CHARS or not self.more():
                    line = self.here() + self.text.count("\n", self.pos, max(err.pos, self.pos))
                    raise ProjectError(f"{self.path.name} line {line}: not valid JSON ({err.msg}).") from None
                continue
            if end >= len(self.text) and self.more():
                continue  # a number (or literal) may go on in the next chunk
            self.pos = end
            return value

    def expect(self, chars: str) -> str:
        c = self.skip_ws()
        if not c or c not in chars:
            what = "the end of the file" if not c else f"'{c}'"
            raise ProjectError(f"{self.path.name} line {self.here()}: not valid JSON (expected "
                               f"{' or '.join(repr(x) for x in chars)}, found {what}).")
        self.pos += 1
        return c


def _bad_top(path: Path) -> ProjectError:
    return ProjectError(f"{path.name} line 1: expected a list of segments or an object with \"segments\".")


def _json_items(buf: _Buffer) -> Iterator[Row]:
    buf.expect("[")
    if buf.skip_ws() == "]":
        buf.pos += 1
        return
    while True:
        buf.skip_ws()
        line = buf.here()
        item = buf.value()
        if not isinstance(item, dict):
            raise ProjectError(f"{buf.path.name} line {line}: a segment must be an object.")
        yield line, {k: ("" if v is None else v) for k, v in item.items()}
        if buf.expect(",]") == "]":
            return


def json_rows(path: Path) -> Iterator[Row]:
    """``(line, row)`` of a JSON label file (a list of segments, or an object with ``"segments"``), streamed."""
    with _open(path) as fh:
        buf = _Buffer(path, fh)
        try:
            first = buf.skip_ws()
            if first == "[":
                yield from _json_items(buf)
            elif first == "{":
                buf.pos += 1
                found = False
                if buf.skip_ws() == "}":
                    raise _bad_top(path)
                while True:
                    key = buf.value()
                    buf.expect(":")
                    if key == "segments" and not found and buf.skip_ws() == "[":
                        found = True
                        yield from _json_items(buf)
                    else:
                        buf.value()
                    if buf.expect(",}") == "}":
                        break
                if not found:
                    raise _bad_top(path)
            elif first:
                buf.value()  # a JSON error names its line; valid JSON of another shape is refused
                raise _bad_top(path)
            else:
                raise ProjectError(f"{path.name} line 1: not valid JSON (the file is empty).")
            if buf.skip_ws():
                raise ProjectError(f"{path.name} line {buf.here()}: not valid JSON (extra data after the end).")
        except OSError as err:
            raise _open_error(path, err) from None
