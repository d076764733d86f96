"""ELAN annotation documents (``.eaf``, EAF 3.0).

Written: one top-level, time-alignable tier per participant (a named subject: its name, the same across videos;
else ``person 3`` / ``everybody``), and per coder where a video has several (``Anna (ana)``, ANNOTATOR ana);
each state segment is exactly one annotation on it whose value is the label, from the controlled vocabulary
``labels`` (the label set); point events are one-frame annotations on the participant's tier ``… points``
(type ``epam-point``); a behaviour category has its own tiers and tier type (``Anna Attention``, type
``epam-label Attention (exclusive)``; overlapping states of a non-exclusive category go on ``… 2``); a note is a Symbolic_Association annotation on the tier ``… notes``, a modifier one on
``… modifiers`` (type ``epam-modifier``: a dependent tier, as ELAN users code properties of an annotation).
Time slots are milliseconds from the video's real timestamps. Read: every top-level time-alignable tier's
annotations are segments (PARTICIPANT, else the tier id, names the person: a named subject's track, or a new
track assigned to that subject; ANNOTATOR is the author); an annotation on a point tier or of zero length is a
point event; ``label | modifier`` in one value is read as a label and its modifier; Symbolic_Association
annotations are modifiers (on a modifiers tier) or notes; other dependent tiers are reported and not imported.
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

from .common import Parsed, VideoMatch, authors_of, export_segments, fail, person_name, row, span
from .scheme_io import SubjectPersons

LABEL_TYPE, NOTE_TYPE, CV_ID = "epam-label", "epam-note", "labels"
POINT_TYPE, MODIFIER_TYPE = "epam-point", "epam-modifier"
EXCLUSIVE = " (exclusive)"
INLINE = " | "  # "label | modifier" in one annotation value (read)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_CONSTRAINTS = {
    "Time_Subdivision": "Time subdivision of parent annotation's time interval, no time gaps allowed within "
                        "this interval",
    "Symbolic_Subdivision": "Symbolic subdivision of a parent annotation. Annotations refering to the same parent "
                            "are ordered",
    "Symbolic_Association": "1-1 association with a parent annotation",
    "Included_In": "Time alignable annotations within the parent annotation's time interval, gaps are allowed",
}


def _tier_name(person: int, author: str, several: bool) -> str:
    base = person_name(person) or "everybody"
    return f"{base} ({author})" if several else base


class _Doc:
    def __init__(self) -> None:
        self.slots: List[int] = []
        self.next_id = 0

    def slot(self, ms: int) -> str:
        self.slots.append(ms)
        return f"ts{len(self.slots)}"

    def ann(self) -> str:
        self.next_id += 1
        return f"a{self.next_id}"


def _lane_names(segs) -> Dict[tuple, str]:
    """The participant of each (person, author) lane: the subject's name on the subject's first track in the
    video (a tier per subject), else ``person N`` / ``everybody``."""
    first: Dict[str, int] = {}
    for s in sorted(segs, key=lambda s: s.person):
        if s.subject and s.person >= 0:
            first.setdefault(s.subject, s.person)
    return {(s.person, s.author): s.subject if s.subject and first.get(s.subject) == s.person
            else (person_name(s.person) or "everybody") for s in segs}


def _child(attrs: dict, parent: str, kind: str, type_ref: str) -> ET.Element:
    return ET.Element("TIER", dict(attrs, LINGUISTIC_TYPE_REF=type_ref, PARENT_REF=parent, TIER_ID=f"{parent} {kind}"))


def _tiers(doc: "_Doc", name: str, attrs: dict, lane) -> List[ET.Element]:
    """A lane's tier (its annotations), with its ``notes`` and ``modifiers`` tiers when it has some."""
    tier = ET.Element("TIER", dict(attrs, TIER_ID=name))
    notes, mods = _child(attrs, name, "notes", NOTE_TYPE), _child(attrs, name, "modifiers", MODIFIER_TYPE)
    for s in lane:
        aid = doc.ann()
        a = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", {
            "ANNOTATION_ID": aid, "TIME_SLOT_REF1": doc.slot(round(s.start_time * 1000)),
            "TIME_SLOT_REF2": doc.slot(round(s.end_time * 1000))})
        ET.SubElement(a, "ANNOTATION_VALUE").text = s.label
        for child, text in ((notes, s.note), (mods, s.modifier)):
            if text:
                r = ET.SubElement(ET.SubElement(child, "ANNOTATION"), "REF_ANNOTATION",
                                  {"ANNOTATION_ID": doc.ann(), "ANNOTATION_REF": aid})
                ET.SubElement(r, "ANNOTATION_VALUE").text = text
    return [tier] + [t for t in (notes, mods) if len(t)]


def document(store, video, segs, labels) -> ET.Element:
    """One video's segments as an EAF document."""
    root = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": store.author, "DATE": dt.datetime.now().astimezone().replace(microsecond=0).isoformat(),
        "FORMAT": "3.0", "VERSION": "3.0", f"{{{_XSI}}}noNamespaceSchemaLocation":
        "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    ET.SubElement(header, "MEDIA_DESCRIPTOR", {"MEDIA_URL": Path(video.path).absolute().as_uri(),
                                               "MIME_TYPE": "video/*", "RELATIVE_MEDIA_URL": f"./{video.name}"})
    order = ET.SubElement(root, "TIME_ORDER")
    doc, tiers, types = _Doc(), [], set()
    category_of = {lab.name: lab.category for lab in labels}
    exclusive = {c.name: c.exclusive for c in store.categories()}
    several = len(authors_of(segs)) > 1
    participants = _lane_names(segs)
    lanes: Dict[tuple, list] = {}
    for s in segs:
        lanes.setdefault((s.person, s.author), []).append(s)
    for (person, author), lane in lanes.items():
        who = participants[(person, author)]
        attrs = {"LINGUISTIC_TYPE_REF": LABEL_TYPE, "PARTICIPANT": who}
        if author:
            attrs["ANNOTATOR"] = author
        for (point, category), part in _groups(lane, category_of).items():
            # a tier type per kind and category; annotations of one tier never overlap (ELAN's rule): a
            # non-exclusive category's overlapping states go on a second tier
            type_id = _type_id(point, category, exclusive.get(category, False))
            types.add((type_id, point))
            base = who + (f" {category}" if category else "") + (" points" if point else "")
            for k, rows in enumerate(_no_overlaps(part)):
                tier = base + (f" {k + 1}" if k else "") + (f" ({author})" if several else "")
                tiers += _tiers(doc, tier, dict(attrs, LINGUISTIC_TYPE_REF=type_id), rows)
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(doc.next_id)
    for i, ms in enumerate(doc.slots, 1):
        ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{i}", "TIME_VALUE": str(ms)})
    root.extend(tiers)
    _types(root, labels, types)
    return root


def _type_id(point: bool, category: str, exclusive: bool) -> str:
    """``epam-label`` / ``epam-point``, with the category (``epam-label Attention (exclusive)``)."""
    base = POINT_TYPE if point else LABEL_TYPE
    return f"{base} {category}{EXCLUSIVE if exclusive else ''}" if category else base


def _category_of_type(type_id: str):
    """(point, category, exclusive) of a tier type written by :func:`_type_id` (None for another type)."""
    for base in (LABEL_TYPE, POINT_TYPE):
        if type_id == base or type_id.startswith(base + " "):
            category = type_id[len(base):].strip()
            exclusive = category.endswith(EXCLUSIVE.strip())
            return base == POINT_TYPE, category[:-len(EXCLUSIVE)].strip() if exclusive else category, exclusive
    return None


def _groups(lane, category_of) -> Dict[tuple, list]:
    out: Dict[tuple, list] = {}
    for s in lane:
        out.setdefault((s.point, category_of.get(s.label, "")), []).append(s)
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1])))


def _no_overlaps(rows) -> List[list]:
    """``rows`` (sorted by start) dealt onto as few lists as possible whose rows do not overlap."""
    tiers: List[list] = []
    for s in sorted(rows, key=lambda s: (s.start, s.end)):
        free = next((t for t in tiers if t[-1].end <= s.start), None)
        if free is None:
            tiers.append([s])
        else:
            free.append(s)
    return tiers


def _types(root: ET.Element, labels, types) -> None:
    for type_id in sorted({t for t, _p in types} | {LABEL_TYPE}):
        ET.SubElement(root, "LINGUISTIC_TYPE", {"CONTROLLED_VOCABULARY_REF": CV_ID, "GRAPHIC_REFERENCES": "false",
                                                "LINGUISTIC_TYPE_ID": type_id, "TIME_ALIGNABLE": "true"})
    for type_id in (NOTE_TYPE, MODIFIER_TYPE):
        ET.SubElement(root, "LINGUISTIC_TYPE", {"CONSTRAINTS": "Symbolic_Association", "GRAPHIC_REFERENCES": "false",
                                                "LINGUISTIC_TYPE_ID": type_id, "TIME_ALIGNABLE": "false"})
    ET.SubElement(root, "LANGUAGE", {"LANG_DEF": "http://cdb.iso.org/lg/CDB-00130975-001", "LANG_ID": "und",
                                     "LANG_LABEL": "undetermined (und)"})
    for stereotype, text in _CONSTRAINTS.items():
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": text, "STEREOTYPE": stereotype})
    cv = ET.SubElement(root, "CONTROLLED_VOCABULARY", {"CV_ID": CV_ID})
    ET.SubElement(cv, "DESCRIPTION", {"LANG_REF": "und"}).text = "EPAM Studio label set"
    for i, lab in enumerate(labels):
        entry = ET.SubElement(cv, "CV_ENTRY_ML", {"CVE_ID": f"cveid{i}"})
        ET.SubElement(entry, "CVE_VALUE", {"LANG_REF": "und", "DESCRIPTION": lab.color or ""}).text = lab.name


def write(store, path: Path, *, video_ids=None, name: str = "") -> int:
    """An .eaf describes one video: the project's single video, or the one ``video_ids`` names."""
    labels, by_video = export_segments(store, video_ids)
    if len(by_video) != 1:
        from ..project.records import ProjectError

        raise ProjectError(f"An ELAN file describes one video and the project has {len(by_video)}: export one "
                           "video (in the studio, the current one).")
    (vid, segs), = by_video.items()
    root = document(store, store.video(vid), segs, labels)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return len(segs)


# --------------------------------------------------------------------------- read
def _parse(path: Path) -> ET.Element:
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise fail(path, "", "the file does not exist") from None
    except ET.ParseError as err:
        raise fail(path, f"line {err.position[0]}", f"is not well-formed XML ({err.msg if hasattr(err, 'msg') else err})") from None
    except OSError as err:
        raise fail(path, "", f"cannot be read ({err})") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise fail(path, f"element <{root.tag}>", "is not an ELAN annotation document")
    return root


def _video(store, path: Path, root: ET.Element, parsed: Parsed):
    matcher = VideoMatch(store)
    for m in root.iter("MEDIA_DESCRIPTOR"):
        for key in ("RELATIVE_MEDIA_URL", "MEDIA_URL"):
            video = matcher.find(m.get(key, ""))
            if video is not None:
                return video
    video = matcher.only()
    if video is None:
        raise fail(path, "<HEADER>", "names no video of the project (MEDIA_DESCRIPTOR)")
    parsed.mapped.append(f"The file names no video of the project: its annotations are of {video.name}.")
    return video


def _slots(path: Path, root: ET.Element) -> Dict[str, int]:
    units = (root.find("HEADER").get("TIME_UNITS", "milliseconds") if root.find("HEADER") is not None
             else "milliseconds")
    if units != "milliseconds":
        raise fail(path, "<HEADER>", f"time units '{units}' are not milliseconds")
    slots = {}
    for ts in root.iter("TIME_SLOT"):
        if ts.get("TIME_VALUE") is not None:
            try:
                slots[ts.get("TIME_SLOT_ID")] = int(ts.get("TIME_VALUE"))
            except ValueError:
                raise fail(path, f"time slot {ts.get('TIME_SLOT_ID')}", f"has the time '{ts.get('TIME_VALUE')}', "
                                                                        "not whole milliseconds") from None
    return slots


def read(store, path: Path) -> Parsed:
    root = _parse(path)
    parsed = Parsed()
    video = _video(store, path, root, parsed)
    slots = _slots(path, root)
    origin = float(root.find("HEADER").findtext("PROPERTY[@NAME='TIME_ORIGIN']") or 0) \
        if root.find("HEADER") is not None else 0.0
    alignable = {lt.get("LINGUISTIC_TYPE_ID"): lt.get("TIME_ALIGNABLE", "true") != "false"
                 and not lt.get("CONSTRAINTS") for lt in root.iter("LINGUISTIC_TYPE")}
    persons = SubjectPersons(store, parsed)
    notes, modifiers = _refs(root)
    colors = {(v.text or "").strip(): v.get("DESCRIPTION") for v in root.iter("CVE_VALUE")}
    empty = 0
    for tier in root.iter("TIER"):
        tid = tier.get("TIER_ID", "")
        if tier.get("PARENT_REF") or not alignable.get(tier.get("LINGUISTIC_TYPE_REF"), True):
            if not all(a.find("REF_ANNOTATION") is not None for a in tier):
                parsed.skipped.append(f"Tier '{tid}' depends on another tier: its {len(tier)} annotations were "
                                      "not imported.")
            continue
        person, author = persons.of(video, tier.get("PARTICIPANT") or tid), tier.get("ANNOTATOR") or None
        kind = _category_of_type(tier.get("LINGUISTIC_TYPE_REF") or "")
        point_tier = kind[0] if kind is not None else " points" in tid
        category = kind[1] if kind is not None else ""
        if category:
            parsed.categories[category] = parsed.categories.get(category, False) or kind[2]
        for ann in tier.iter("ALIGNABLE_ANNOTATION"):
            aid = ann.get("ANNOTATION_ID", "?")
            place = f"annotation {aid} of tier '{tid}'"
            value = (ann.findtext("ANNOTATION_VALUE") or "").strip()
            if not value:
                empty += 1
                continue
            t0, t1 = slots.get(ann.get("TIME_SLOT_REF1")), slots.get(ann.get("TIME_SLOT_REF2"))
            if t0 is None or t1 is None:
                raise fail(path, place, "refers to a time slot without a time")
            if t1 < t0:
                raise fail(path, place, f"ends ({t1} ms) before it starts ({t0} ms)")
            value, inline = (value.split(INLINE, 1) + [""])[:2] if INLINE in value else (value, "")
            value, modifier = value.strip(), "; ".join(modifiers.get(aid, [])) or inline.strip()
            a, b = span(store, video, (t0 + origin) / 1000.0, (t1 + origin) / 1000.0)
            color = colors.get(value) or ""
            point = point_tier or t1 == t0  # a point tier, or a zero-length annotation: a moment
            parsed.want(value, color if color.startswith("#") else None, kind="point" if point else "state",
                        category=category)
            parsed.want_modifier(value, modifier)
            parsed.add(place, row(video, person, a, a + 1 if point else b, value, author,
                                  "; ".join(notes.get(aid, [])), modifier))
    if empty:
        parsed.skipped.append(f"{empty} annotation{'s have' if empty != 1 else ' has'} no value: not imported.")
    return parsed


def _refs(root: ET.Element):
    """({annotation id: notes}, {annotation id: modifiers}) of the Symbolic_Association annotations: those on a
    tier of type ``epam-modifier`` (or whose name ends in ``modifiers``) are modifiers, the others notes."""
    kinds = {t.get("TIER_ID"): t.get("LINGUISTIC_TYPE_REF") == MODIFIER_TYPE or t.get("TIER_ID", "").endswith(
        " modifiers") for t in root.iter("TIER")}
    notes: Dict[str, List[str]] = {}
    mods: Dict[str, List[str]] = {}
    for tier in root.iter("TIER"):
        out = mods if kinds.get(tier.get("TIER_ID")) else notes
        for ref in tier.iter("REF_ANNOTATION"):
            text = (ref.findtext("ANNOTATION_VALUE") or "").strip()
            if text:
                out.setdefault(ref.get("ANNOTATION_REF"), []).append(text)
    return notes, mods
