"""Label Studio video tasks (JSON export): ``timelinelabels`` ranges and ``videorectangle`` sequences.

Written: one task per video, one annotation per coder (``completed_by.email`` is the author); a segment is a
``timelinelabels`` region whose ``ranges`` are 1-based inclusive frames and whose ``from_name`` is ``actions``
(everybody) or ``actions_person_3``; a note is the region's ``meta.text``. Read: the same, plus a
``videorectangle`` region's enabled runs of its ``sequence`` become segments of its label (the region is a
person of its own). The labeling configuration that matches is in the guide (docs/guide/formats.md).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .common import Parsed, Persons, VideoMatch, export_segments, fail, row
from ..project.records import EVERYBODY

_PERSON = re.compile(r"_person_(\d+)$")


def _from_name(person: int) -> str:
    return "actions" if person == EVERYBODY else f"actions_person_{person}"


def tasks(store, video_ids=None) -> list:
    _, by_video = export_segments(store, video_ids)
    out = []
    for vid, segs in by_video.items():
        video = store.video(vid)
        by_author: dict = {}
        for s in segs:
            by_author.setdefault(s.author, []).append(s)
        annotations = []
        for n, (author, mine) in enumerate(sorted(by_author.items()), 1):
            result = []
            for i, s in enumerate(mine):
                r = {"id": f"v{vid}a{n}s{i}", "type": "timelinelabels", "from_name": _from_name(s.person),
                     "to_name": "video", "origin": "manual",
                     "value": {"ranges": [{"start": s.start + 1, "end": s.end}], "timelinelabels": [s.label]}}
                if s.note:
                    r["meta"] = {"text": [s.note]}
                result.append(r)
            annotations.append({"id": n, "completed_by": {"email": author}, "result": result,
                                "was_cancelled": False, "ground_truth": False})
        out.append({"id": vid, "data": {"video": video.rel_path, "framesCount": video.frame_count},
                    "annotations": annotations, "predictions": []})
    return out


def write(store, path: Path, *, video_ids=None, name: str = "") -> int:
    data = tasks(store, video_ids)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    return sum(len(a["result"]) for t in data for a in t["annotations"])


# --------------------------------------------------------------------------- read
def _load(path: Path):
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise fail(path, "", "the file does not exist") from None
    except json.JSONDecodeError as err:
        raise fail(path, f"line {err.lineno}", f"is not JSON ({err.msg})") from None
    data = [data] if isinstance(data, dict) else data
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise fail(path, "", "is not a list of Label Studio tasks")
    return data


def _author(annotation: dict):
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("username") or who.get("id")
    return None if who in (None, "") else str(who)


def _video(path, matcher, task, t):
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    text = next((str(v) for v in data.values() if isinstance(v, str)), "")
    video = matcher.find(text.split("?d=")[-1]) or matcher.find(text.rsplit("/", 1)[-1].split("-", 1)[-1])
    return video, text


def read(store, path: Path) -> Parsed:
    data = _load(path)
    parsed, matcher = Parsed(), VideoMatch(store)
    persons = Persons(store, parsed)
    rects = 0
    for t, task in enumerate(data, 1):
        video, text = _video(path, matcher, task, t)
        if video is None and len(data) == 1:
            video = matcher.only()
        if video is None:
            parsed.skipped.append(f"Task {task.get('id', t)}: the video '{text}' is not in the project; not imported.")
            continue
        for n, annotation in enumerate(task.get("annotations") or [], 1):
            if not isinstance(annotation, dict) or not isinstance(annotation.get("result", []), list):
                raise fail(path, f"annotation {n} of task {task.get('id', t)}", "has no list of results")
            author = _author(annotation)
            for k, result in enumerate(annotation.get("result", []), 1):
                place = f"result {k} of annotation {n} of task {task.get('id', t)}"
                kind = result.get("type") if isinstance(result, dict) else None
                if kind == "timelinelabels":
                    _timeline(path, place, result, video, persons, author, parsed)
                elif kind == "videorectangle":
                    rects += _rectangle(path, place, result, video, persons, author, parsed)
                else:
                    parsed.skipped.append(f"{place[0].upper()}{place[1:]} is a '{kind}' result: not imported.")
    return parsed


def _label(path, place, value, key) -> str:
    names = value.get(key) or value.get("labels") or []
    if not isinstance(names, list) or not names or not str(names[0]).strip():
        raise fail(path, place, f"has no label ('{key}')")
    return str(names[0]).strip()


def _note(result) -> str:
    meta = result.get("meta") if isinstance(result.get("meta"), dict) else {}
    text = meta.get("text") or []
    return "; ".join(str(x) for x in (text if isinstance(text, list) else [text]) if x)


def _timeline(path, place, result, video, persons, author, parsed) -> None:
    value = result.get("value") if isinstance(result.get("value"), dict) else {}
    label = _label(path, place, value, "timelinelabels")
    m = _PERSON.search(str(result.get("from_name", "")))
    person = int(m.group(1)) if m else EVERYBODY
    for rng in value.get("ranges") or []:
        try:
            a, b = int(rng["start"]) - 1, int(rng["end"])
        except (KeyError, TypeError, ValueError):
            raise fail(path, place, "has a range without whole 'start' and 'end' frames") from None
        parsed.want(label)
        parsed.add(place, row(video, person, a, max(b, a + 1), label, author, _note(result)))


def _rectangle(path, place, result, video, persons, author, parsed) -> int:
    value = result.get("value") if isinstance(result.get("value"), dict) else {}
    label = _label(path, place, value, "labels")
    seq = sorted((s for s in value.get("sequence") or [] if isinstance(s, dict) and "frame" in s),
                 key=lambda s: s["frame"])
    person = persons(f"Label Studio region {result.get('id', place)}")
    start = None
    for s in seq:
        f = int(s["frame"]) - 1
        if s.get("enabled", True) and start is None:
            start = f
        elif not s.get("enabled", True) and start is not None:
            parsed.want(label)
            parsed.add(place, row(video, person, start, f + 1, label, author, _note(result)))
            start = None
    if start is not None:
        parsed.want(label)
        parsed.add(place, row(video, person, start, int(value.get("framesCount") or video.frame_count), label,
                              author, _note(result)))
    return 1
