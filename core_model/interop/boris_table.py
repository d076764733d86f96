"""BORIS's tabular events export (Observations > Export events > Tabular events, .tsv or .csv): import only.

Columns used (BORIS 8 names): ``Observation id``, ``Media file name`` (else ``Source``), ``Subject``,
``Behavior``, ``Behavior type`` (START, STOP or POINT), ``Time``, ``Comment``, ``Modifier #1`` … (joined with
``|``: the segment's modifier), ``Behavioral category``, and an independent variable column ``coder`` (the
author) when there is one. A START and the next STOP of the same observation, subject, behaviour and modifiers
are a segment; a POINT a one-frame segment of a point label; a named subject as in :mod:`.boris`.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict

from .common import Parsed, VideoMatch, fail, frame_containing, row, span
from .scheme_io import SubjectPersons

REQUIRED = ("Observation id", "Subject", "Behavior", "Behavior type", "Time")


def _reader(path: Path):
    try:
        f = open(path, encoding="utf-8-sig", newline="")
    except OSError as err:
        raise fail(path, "", f"cannot be read ({err.strerror or err})") from None
    first = f.readline()
    f.seek(0)
    sep = max(("\t", ",", ";"), key=first.count)
    return f, csv.DictReader(f, delimiter=sep)


def _media(value: str) -> str:
    value = value or ""
    if value.startswith("player #"):
        value = value.split(":", 1)[-1]
    return value.split(";")[0].split("|")[0].strip()


def read(store, path: Path) -> Parsed:
    f, reader = _reader(path)
    parsed, matcher = Parsed(), VideoMatch(store)
    persons = SubjectPersons(store, parsed)
    open_: Dict[tuple, tuple] = {}
    missing = {}
    with f:
        header = reader.fieldnames or []
        lacking = [c for c in REQUIRED if c not in header]
        if lacking:
            raise fail(path, "line 1", f"is not a BORIS tabular events export (no column {', '.join(lacking)})")
        coder_col = next((c for c in header if c.strip().casefold() in ("coder", "observer", "author")), None)
        mods = [c for c in header if c.startswith("Modifier #")]
        for line, rec in enumerate(reader, 2):
            place = f"line {line}"
            media = _media(rec.get("Media file name") or rec.get("Source") or "")
            video = matcher.find(media)
            if video is None:
                missing[media] = missing.get(media, 0) + 1
                continue
            try:
                t = float(rec["Time"])
            except (TypeError, ValueError):
                raise fail(path, place, f"the time '{rec.get('Time')}' is not a number of seconds") from None
            code, subject = (rec.get("Behavior") or "").strip(), (rec.get("Subject") or "").strip()
            if not code:
                raise fail(path, place, "has no behaviour")
            kind = (rec.get("Behavior type") or "").strip().upper()
            modifier = "|".join(rec[c].strip() for c in mods if rec.get(c) and rec[c].strip() != "None")
            author = (rec.get(coder_col) or "").strip() or None if coder_col else None
            comment = (rec.get("Comment") or "").strip()
            category = (rec.get("Behavioral category") or "").strip()
            parsed.want(code, kind="point" if kind == "POINT" else "state", category=category)
            parsed.want_modifier(code, modifier)
            if category:
                parsed.categories.setdefault(category, False)
            if kind == "POINT":
                a = frame_containing(store, video, t)
                parsed.add(place, row(video, persons.of(video, subject), a, a + 1, code, author, comment, modifier))
                continue
            key = (rec.get("Observation id"), subject, code, modifier)
            if kind == "START":
                if key in open_:
                    raise fail(path, place, f"'{code}' starts again before it stopped (START on {open_[key][0]})")
                open_[key] = (place, video, t, comment)
            elif kind == "STOP":
                if key not in open_:
                    raise fail(path, place, f"'{code}' stops without a START")
                start_place, start_video, t0, c0 = open_.pop(key)
                a, b = span(store, video, t0, t)
                note = "; ".join(x for x in (c0, comment) if x)
                parsed.add(start_place, row(video, persons.of(video, subject), a, b, code, author, note, modifier))
            else:
                raise fail(path, place, f"the behaviour type '{kind}' is not START, STOP or POINT")
    for key, (place, *_rest) in open_.items():
        raise fail(path, place, f"'{key[2]}' starts and never stops (an unpaired START)")
    for media, n in missing.items():
        parsed.skipped.append(f"The video '{media or '(none)'}' is not in the project: its {n} events were not "
                              "imported.")
    return parsed
