"""BORIS projects (``.boris``, JSON; project format 7.0 as BORIS 8 writes it).

Mapping: an observation is one video (and one coder: the observation's independent variable ``coder``); a
subject is a person (``person 3`` is track 3, "No focal subject" is everybody, any other name a named subject of
the project: its track in that video, or a new track assigned to it); a state behaviour's START/STOP pair (times
in seconds of the media) is a segment, a point event a one-frame segment of a point label; the ethogram is the
coding scheme (type, key, colour, category; an exclusive category is one whose state behaviours exclude each
other; the first modifier set's values are the label's modifiers); an event's modifier is the segment's
modifier and its comment the note. Times convert through the video's real timestamps. Reading the fields follows
BORIS's own loader (``boris/project_functions.py``, ``config.py``).
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Dict, List, Optional

from .common import Parsed, VideoMatch, authors_of, export_segments, fail, frame_containing, person_name, row, span
from .scheme_io import SubjectPersons

PROJECT_VERSION = "7.0"
STATE, POINT = "State event", "Point event"
CODER = "coder"
N_PLAYERS = 8


# --------------------------------------------------------------------------- write
def _ethogram(labels, categories, used: Dict[str, List[str]]) -> dict:
    """BORIS behaviours: type, key, colour, category, one modifier set (the label's values and the free-text
    modifiers used: BORIS has no free text), and the behaviours an exclusive category excludes."""
    from ..project.scheme import label_modifiers

    exclusive = {c.name for c in categories if c.exclusive}
    out = {}
    for i, lab in enumerate(labels):
        values, _free = label_modifiers(lab)
        values = values + [m for m in used.get(lab.name, []) if m not in values]
        excluded = [x.name for x in labels if lab.kind == x.kind == "state" and x.id != lab.id
                    and lab.category in exclusive and x.category == lab.category]
        out[str(i)] = {"type": POINT if lab.kind == "point" else STATE,
                       "key": lab.key if lab.key and len(lab.key) == 1 else "", "code": lab.name,
                       "description": "", "color": lab.color or "", "category": lab.category,
                       "modifiers": {"0": {"name": "modifier", "description": "", "type": 0, "values": values}}
                       if values else {}, "excluded": ",".join(excluded), "coding map": ""}
    return out


def _observation(store, video, author: str, segs, now: str) -> dict:
    events = []
    for s in segs:
        subject = s.subject or person_name(s.person)
        events.append([round(s.start_time, 3), subject, s.label, s.modifier, s.note, s.start])
        if not s.point:  # a state event: START and STOP (of the same subject, behaviour and modifier)
            events.append([round(s.end_time, 3), subject, s.label, s.modifier, "", s.end])
    events.sort(key=lambda e: e[0])  # stable: a STOP stays before the START of a segment that follows it
    files = {str(p): [] for p in range(1, N_PLAYERS + 1)}
    files["1"] = [video.rel_path]
    return {
        "file": files, "type": "MEDIA", "date": now, "description": f"Exported from EPAM Studio ({store.name})",
        "time offset": 0.0, "events": events, "observation time interval": [0, 0],
        "independent_variables": {CODER: author}, "visualize_spectrogram": False, "visualize_waveform": False,
        "media_creation_date_as_offset": False, "media_scan_sampling_duration": 0, "image_display_duration": 1,
        "close_behaviors_between_videos": False,
        "media_info": {"length": {video.rel_path: round(float(store.frame_time(video.id, video.frame_count)), 3)},
                       "fps": {video.rel_path: float(video.fps)}, "hasVideo": {video.rel_path: True},
                       "hasAudio": {video.rel_path: False}, "offset": {"1": 0.0}},
    }


def project(store, video_ids=None) -> dict:
    """The project's segments as a BORIS project (a dict ready for ``json.dump``)."""
    labels, by_video = export_segments(store, video_ids)
    now = dt.datetime.now().replace(microsecond=0).isoformat()
    subjects, observations = {}, {}
    names = sorted({s.subject or person_name(s.person) for segs in by_video.values() for s in segs if s.person >= 0})
    for i, name in enumerate(names):  # a named subject is one BORIS subject across the observations
        subjects[str(i)] = {"key": "", "name": name, "description": ""}
    used: Dict[str, List[str]] = {}
    for segs in by_video.values():
        for s in segs:
            if s.modifier and s.modifier not in used.setdefault(s.label, []):
                used[s.label].append(s.modifier)
    categories = store.categories()
    for vid, segs in by_video.items():
        video = segs[0].video if segs else store.video(vid)
        authors = authors_of(segs) or [store.author]
        for author in authors:
            obs_id = video.rel_path if len(authors) == 1 else f"{video.rel_path} ({author})"
            observations[obs_id] = _observation(store, video, author, [s for s in segs if s.author == author], now)
    return {
        "time_format": "hh:mm:ss", "project_date": now, "project_name": store.path.stem,
        "project_description": "Labels exported from EPAM Studio", "project_format_version": PROJECT_VERSION,
        "subjects_conf": subjects, "behaviors_conf": _ethogram(labels, categories, used),
        "observations": observations, "behavioral_categories": [c.name for c in categories],
        "behavioral_categories_config": {str(i): {"name": c.name, "color": ""} for i, c in enumerate(categories)},
        "independent_variables": {"0": {"label": CODER, "description": "who coded the observation", "type": "text",
                                        "default value": "", "possible values": ""}},
        "coding_map": {}, "behaviors_coding_map": [], "converters": {},
    }


def write(store, path: Path, *, video_ids=None, name: str = "") -> int:
    pj = project(store, video_ids)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(pj, f, ensure_ascii=False)
    points = {b["code"] for b in pj["behaviors_conf"].values() if b["type"] == POINT}
    events = [e for o in pj["observations"].values() for e in o["events"]]
    n_points = sum(e[2] in points for e in events)
    return n_points + (len(events) - n_points) // 2


# --------------------------------------------------------------------------- read
def load(path: Path) -> dict:
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig") as f:
            pj = json.load(f)
    except FileNotFoundError:
        raise fail(path, "", "the file does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise fail(path, "", f"cannot be read ({err})") from None
    except json.JSONDecodeError as err:
        raise fail(path, f"line {err.lineno}", f"is not JSON ({err.msg})") from None
    if not isinstance(pj, dict) or not isinstance(pj.get("observations"), dict) \
            or not isinstance(pj.get("behaviors_conf"), dict):
        raise fail(path, "", "is not a BORIS project (no 'observations' and 'behaviors_conf')")
    return pj


def _values(modifiers) -> List[str]:
    """The values of a behaviour's modifier sets ("value (key)" -> "value"); several sets: none (the events'
    "a|b" modifiers are added as they are used)."""
    sets = list(modifiers.values()) if isinstance(modifiers, dict) else []
    if len(sets) != 1 or not isinstance(sets[0], dict):
        return []
    return [str(v).split(" (")[0].strip() for v in sets[0].get("values") or [] if str(v).strip()]


def _ethogram_of(path: Path, pj: dict, parsed: Parsed) -> Dict[str, str]:
    types, by_category = {}, {}
    for idx, b in pj["behaviors_conf"].items():
        if not isinstance(b, dict) or not str(b.get("code", "")).strip():
            raise fail(path, f"behaviour {idx} of the ethogram", "has no code")
        code = str(b["code"])
        types[code] = str(b.get("type", STATE))
        point = POINT.casefold() in types[code].casefold()
        category = str(b.get("category") or "").strip()
        parsed.want(code, str(b.get("color") or "") or None, str(b.get("key") or "") or None,
                    "point" if point else "state", category, _values(b.get("modifiers")))
        if category and not point:
            excluded = {x.strip() for x in str(b.get("excluded") or "").split(",") if x.strip()}
            by_category.setdefault(category, []).append((code, excluded))
    for name in [str(c).strip() for c in pj.get("behavioral_categories") or [] if str(c).strip()] + list(by_category):
        members = by_category.get(name, [])
        codes = {c for c, _ in members}  # exclusive: every state behaviour of it excludes all the others
        parsed.categories.setdefault(name, len(members) > 1 and all(codes - {c} <= ex for c, ex in members))
    return types


def _media(store, matcher: VideoMatch, obs: dict):
    """[(video or None, media file, start offset in the observation)] of player 1."""
    files = obs.get("file") or {}
    media = files.get("1", []) if isinstance(files, dict) else list(files)
    lengths = (obs.get("media_info") or {}).get("length") or {}
    out, at = [], 0.0
    for m in media:
        out.append((matcher.find(m), m, at))
        at += float(lengths.get(m) or 0.0)
    return out


def _coder(obs: dict) -> Optional[str]:
    variables = obs.get("independent_variables") or {}
    for k, v in variables.items():
        if str(k).casefold() in ("coder", "observer", "author", "annotator") and str(v).strip():
            return str(v).strip()
    return None


def read(store, path: Path) -> Parsed:
    pj = load(path)
    parsed = Parsed()
    types = _ethogram_of(path, pj, parsed)
    persons, matcher = SubjectPersons(store, parsed), VideoMatch(store)
    used = set()
    for obs_id, obs in pj["observations"].items():
        if not isinstance(obs, dict) or not isinstance(obs.get("events"), list):
            raise fail(path, f"observation '{obs_id}'", "has no list of events")
        media = _media(store, matcher, obs)
        if str(obs.get("type", "MEDIA")).upper() != "MEDIA" or not media:
            parsed.skipped.append(f"Observation '{obs_id}' is not of a video: not imported.")
            continue
        missing = [m for v, m, _ in media if v is None]
        if missing:
            parsed.skipped.append(f"Observation '{obs_id}': the video {missing[0]} is not in the project; its "
                                  f"{len(obs['events'])} events were not imported.")
            continue
        used |= _events(store, path, obs_id, obs, media, types, persons, parsed)
    for code in [c for c in parsed.labels if c not in used]:
        del parsed.labels[code]  # only the behaviours that were coded join the label set
    return parsed


def _at(media, t: float):
    """(video, seconds in it) of an observation time over the media of player 1 played one after the other."""
    chosen = media[0]
    for m in media:
        if t >= m[2]:
            chosen = m
    return chosen[0], t - chosen[2]


def _events(store, path, obs_id, obs, media, types, persons, parsed) -> set:
    offset = float(obs.get("time offset") or 0.0)
    author = _coder(obs)
    open_: Dict[tuple, tuple] = {}
    used = set()
    order = sorted(range(len(obs["events"])), key=lambda i: _time(path, obs_id, i, obs["events"][i]))
    for i in order:
        ev = obs["events"][i]
        place = f"event {i + 1} of observation '{obs_id}'"
        if not isinstance(ev, list) or len(ev) < 3:
            raise fail(path, place, "is not a list [time, subject, behaviour, modifier, comment]")
        t = _time(path, obs_id, i, ev) - offset
        subject, code = str(ev[1] or ""), str(ev[2])
        modifier = str(ev[3]).strip() if len(ev) > 3 and ev[3] and str(ev[3]).strip() != "None" else ""
        comment = str(ev[4]) if len(ev) > 4 and ev[4] else ""
        if code not in types:
            raise fail(path, place, f"the behaviour '{code}' is not in the ethogram")
        used.add(code)
        parsed.want_modifier(code, modifier)
        video, local = _at(media, t)
        if POINT.casefold() in types[code].casefold():
            a = frame_containing(store, video, local)
            parsed.add(place, row(video, persons.of(video, subject), a, a + 1, code, author, comment, modifier))
            continue
        key = (subject, code, modifier)
        if key not in open_:
            open_[key] = (place, video, local, comment)
            continue
        start_place, start_video, start, start_comment = open_.pop(key)
        if start_video is not video:
            raise fail(path, place, f"the behaviour '{code}' starts in one video and stops in another")
        a, b = span(store, video, start, local)
        note = "; ".join(x for x in (start_comment, comment) if x)
        parsed.add(start_place, row(video, persons.of(video, subject), a, b, code, author, note, modifier))
    for (subject, code, _), (place, _, start, _) in open_.items():
        raise fail(path, place, f"the state behaviour '{code}' of subject '{subject or 'No focal subject'}' starts "
                                f"at {start:.3f} s and never stops (an unpaired START)")
    return used


def _time(path, obs_id, i, ev) -> float:
    try:
        t = float(ev[0])
    except (TypeError, ValueError, IndexError, KeyError):
        raise fail(path, f"event {i + 1} of observation '{obs_id}'", "has no time in seconds") from None
    if t != t or abs(t) > 2147483647:
        raise fail(path, f"event {i + 1} of observation '{obs_id}'", f"has an invalid time {ev[0]!r}")
    return t


def rows_of(parsed: Parsed) -> List[dict]:
    return [r for _, r in parsed.rows]
