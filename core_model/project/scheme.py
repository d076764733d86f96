"""The coding scheme: labels as state or point events, behaviour categories (some exclusive), modifiers.

A *scheme* is the label set with what a study needs beyond names (the tables ``labels`` and ``categories`` of
schema 3): each label is a **state** event (a segment) or a **point** event (a moment, stored as a segment of
one frame), may belong to a behaviour **category**, and may offer **modifiers** (a list of values and/or free
text; a segment's chosen one is ``segments.modifier``). In an **exclusive** category a person has at most one
state label at a time.

Overlap rule (:func:`overlap_filter`): within one lane (video, person, coder) a new or moved segment trims
only the segments it *conflicts* with:

- a state label without a category conflicts with every state label without a category (the rule of label sets
  without a scheme, such as NTU-60/120: a lane never overlaps);
- a state label of an exclusive category conflicts with the state labels of that category (labelling "off task"
  ends "on task");
- a state label of a non-exclusive category conflicts with itself only ("writes" and "speaks" may overlap);
- a point event conflicts with the same point event only (never trims a state).

A scheme file is JSON (``"format": "epam-scheme"``), shipped ones in ``resources/schemes/`` (``classroom``,
``rehabilitation``; ``ntu60`` / ``ntu120`` are the plain label maps). :func:`load_scheme` reads one,
:func:`project_scheme` reads a project's, :func:`write_scheme` writes one (aside, then renamed) and
:class:`~.label_edits.ApplyScheme` merges one into a project as one undoable edit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from .labelsets import check_color, check_key, default_color
from .records import LabelRecord, ProjectError

FORMAT = "epam-scheme"
KINDS = ("state", "point")
PRESETS = ("classroom", "rehabilitation")
LABEL_MAPS = ("ntu60", "ntu120")


@dataclass(frozen=True)
class Category:
    """A behaviour category; ``exclusive``: a person has at most one of its state labels at a time."""

    name: str
    exclusive: bool = False
    order: int = 0


@dataclass
class SchemeLabel:
    name: str
    kind: str = "state"
    category: str = ""
    key: Optional[str] = None
    color: Optional[str] = None
    values: List[str] = field(default_factory=list)  # modifiers to choose from
    free: bool = False  # a modifier may also be free text

    def modifiers_json(self) -> str:
        return modifiers_text(self.values, self.free)


@dataclass
class Scheme:
    name: str = ""
    description: str = ""
    categories: List[Category] = field(default_factory=list)
    labels: List[SchemeLabel] = field(default_factory=list)

    def to_dict(self) -> dict:
        labels = []
        for lab in self.labels:
            item = {"name": lab.name, "kind": lab.kind, "category": lab.category, "key": lab.key or "",
                    "color": lab.color or ""}
            if lab.values or lab.free:
                item["modifiers"] = {"values": list(lab.values), "free": bool(lab.free)}
            labels.append(item)
        return {"format": FORMAT, "version": 1, "name": self.name, "description": self.description,
                "categories": [{"name": c.name, "exclusive": bool(c.exclusive)} for c in self.categories],
                "labels": labels}


# --------------------------------------------------------------------------- modifiers
def modifiers_text(values: Sequence[str], free: bool) -> str:
    """The ``labels.modifiers`` column: JSON ``{"values": [...], "free": bool}``, or '' when there are none."""
    values = [str(v).strip() for v in values if str(v).strip()]
    return json.dumps({"values": values, "free": bool(free)}, ensure_ascii=False) if values or free else ""


def label_modifiers(label) -> Tuple[List[str], bool]:
    """(values, free text allowed) of a label (a :class:`LabelRecord` or its ``modifiers`` text)."""
    text = label if isinstance(label, str) else getattr(label, "modifiers", "")
    if not text:
        return [], False
    try:
        data = json.loads(text)
    except ValueError:
        return [], False
    if not isinstance(data, dict):
        return [], False
    return [str(v) for v in data.get("values") or []], bool(data.get("free"))


def check_modifier(label, modifier: str) -> str:
    """The modifier to store for a segment of ``label`` ('' for none); one the label does not offer is refused."""
    modifier = (modifier or "").strip()
    if not modifier:
        return ""
    values, free = label_modifiers(label)
    if modifier in values or free:
        return modifier
    match = next((v for v in values if v.casefold() == modifier.casefold()), None)
    if match is not None:
        return match
    offered = f"choose one of {', '.join(values)}" if values else "it has no modifiers"
    raise ProjectError(f"'{modifier}' is not a modifier of the label '{getattr(label, 'name', '?')}' ({offered}).")


def is_point(label) -> bool:
    return getattr(label, "kind", "state") == "point"


# --------------------------------------------------------------------------- overlap rule
def conflict_group(label: LabelRecord, exclusive: Dict[str, bool]) -> str:
    """The overlap group of a label: two segments of one lane may overlap unless their groups are equal."""
    if label.kind == "point":
        return f"#{label.id}"
    if not label.category:
        return ""
    return f"c:{label.category}" if exclusive.get(label.category, False) else f"#{label.id}"


def conflict_groups(store) -> Dict[int, str]:
    """``{label id: overlap group}`` of every label of the project (one query; see :func:`conflict_group`)."""
    rows = store.conn.execute("SELECT l.id, l.kind, l.category, IFNULL(c.exclusive, 0) FROM labels l "
                              "LEFT JOIN categories c ON c.name = l.category")
    return {lid: (f"#{lid}" if kind == "point" else "" if not category else f"c:{category}" if exclusive
                  else f"#{lid}") for lid, kind, category, exclusive in rows}


def overlap_filter(store, label_id: Optional[int], groups: Optional[Dict[int, str]] = None
                   ) -> Callable[[int], bool]:
    """A test ``label id -> True when a segment of it conflicts with one of ``label_id``'' (see the module)."""
    if label_id is None:
        return lambda _other: True
    groups = groups if groups is not None else conflict_groups(store)
    mine = groups.get(label_id, "")
    return lambda other: groups.get(other, "") == mine


# --------------------------------------------------------------------------- reading and writing
def scheme_path(name: str) -> Optional[Path]:
    """The shipped scheme file of a preset name (None when ``name`` is not one)."""
    from ..paths import RESOURCES

    if str(name).strip().lower() in PRESETS:
        return RESOURCES / "schemes" / f"{str(name).strip().lower()}.json"
    return None


def _fail(where: str, reason: str) -> ProjectError:
    return ProjectError(f"{where}: {reason}.")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def scheme_from_dict(data, where: str = "the scheme") -> Scheme:
    """A :class:`Scheme` from its JSON object; a bad field raises :class:`ProjectError` naming it."""
    if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
        raise _fail(where, "is not a coding scheme (it needs a list \"labels\")")
    if data.get("format", FORMAT) != FORMAT:
        raise _fail(where, f"is a '{data.get('format')}' file, not a coding scheme ('{FORMAT}')")
    categories, seen = [], set()
    for i, c in enumerate(data.get("categories") or []):
        name = _text(c.get("name") if isinstance(c, dict) else c)
        if not name:
            raise _fail(where, f"category {i + 1} has no name")
        if name.casefold() in seen:
            raise _fail(where, f"the category '{name}' appears twice")
        seen.add(name.casefold())
        categories.append(Category(name, bool(c.get("exclusive")) if isinstance(c, dict) else False, i))
    known = {c.name.casefold(): c.name for c in categories}
    labels, names, keys = [], set(), set()
    for i, item in enumerate(data["labels"]):
        item = {"name": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or not _text(item.get("name")):
            raise _fail(where, f"label {i + 1} has no name")
        name = _text(item["name"])
        place = f"the label '{name}'"
        if name.casefold() in names:
            raise _fail(where, f"{place} appears twice")
        names.add(name.casefold())
        kind = _text(item.get("kind")) or "state"
        if kind not in KINDS:
            raise _fail(where, f"{place} has the kind '{kind}' (a label is a 'state' or a 'point' event)")
        category = _text(item.get("category"))
        if category and category.casefold() not in known:  # a category named only by its labels
            known[category.casefold()] = category
            categories.append(Category(category, False, len(categories)))
        category = known.get(category.casefold(), "") if category else ""
        try:
            key = check_key(_text(item.get("key")) or None)
            color = check_color(_text(item.get("color"))) if _text(item.get("color")) else None
        except ProjectError as err:
            raise _fail(where, f"{place}: {str(err).rstrip('.')}") from None
        if key is not None and key in keys:
            raise _fail(where, f"{place} has the key '{key}' of another label")
        keys.add(key)
        mods = item.get("modifiers") or {}
        if isinstance(mods, list):
            mods = {"values": mods}
        if not isinstance(mods, dict) or not isinstance(mods.get("values", []), list):
            raise _fail(where, f"{place}: modifiers must be {{\"values\": [...], \"free\": true|false}}")
        labels.append(SchemeLabel(name, kind, category, key, color, [_text(v) for v in mods.get("values", [])
                                                                     if _text(v)], bool(mods.get("free"))))
    return Scheme(_text(data.get("name")), _text(data.get("description")), categories, labels)


def load_scheme(spec: Union[str, Path]) -> Scheme:
    """A scheme from a preset name (``classroom``, ``rehabilitation``, ``ntu60``, ``ntu120``) or a JSON file."""
    text = str(spec).strip()
    if text.lower() in LABEL_MAPS:
        from .labelsets import resolve_label_names

        names = resolve_label_names(text.lower())
        return Scheme(text.upper(), "", [], [SchemeLabel(n, key=str((i + 1) % 10) if i < 10 else None)
                                              for i, n in enumerate(names)])
    path = scheme_path(text) or Path(spec)
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ProjectError(f"Scheme file not found: {path} (the shipped schemes are "
                           f"{', '.join(PRESETS + LABEL_MAPS)}).") from None
    except OSError as err:
        raise ProjectError(f"Cannot read {path.name}: {err.strerror or err}.") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise ProjectError(f"{path.name} is not a JSON coding scheme ({err}).") from None
    return scheme_from_dict(data, path.name)


def is_scheme_spec(spec) -> bool:
    """True when a project's ``labels`` spec names a scheme (a preset scheme or a ``.json`` scheme file)."""
    return isinstance(spec, (str, Path)) and (scheme_path(str(spec)) is not None
                                              or str(spec).lower().endswith(".json"))


def project_scheme(store) -> Scheme:
    """The project's label set as a scheme (categories, kinds, keys, colours, modifiers)."""
    labels = []
    for lab in store.labels():
        values, free = label_modifiers(lab)
        labels.append(SchemeLabel(lab.name, lab.kind, lab.category, lab.key, lab.color, values, free))
    return Scheme(store.path.stem, "", list(store.categories()), labels)


def write_scheme(scheme: Scheme, path) -> Path:
    """Write a scheme as JSON (aside, then renamed)."""
    from ..fileio import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(scheme.to_dict(), f, ensure_ascii=False, indent=1)
            f.write("\n")
    return path


def merged_labels(store, scheme: Scheme) -> Tuple[List[LabelRecord], List[Category]]:
    """The label set and categories the project has once ``scheme`` is merged in: labels of the same name take
    the scheme's kind, category, key, colour and modifiers; new ones are added at the end; the others stay (a key
    the scheme gives is taken from them). A label in use cannot become a point event while some of its segments
    are longer than one frame."""
    current = store.labels()
    wanted = {lab.name.casefold(): lab for lab in scheme.labels}
    scheme_keys = {lab.key for lab in scheme.labels if lab.key}
    out: List[LabelRecord] = []
    for lab in current:
        s = wanted.pop(lab.name.casefold(), None)
        if s is None:
            out.append(_with(lab, key=None) if lab.key in scheme_keys else lab)
            continue
        if s.kind == "point" and lab.kind != "point":
            long = store.conn.execute("SELECT count(*) FROM segments WHERE label_id = ? AND end_frame - start_frame "
                                      "> 1", (lab.id,)).fetchone()[0]
            if long:
                raise ProjectError(f"The label '{lab.name}' has {long} segment{'s' if long != 1 else ''} longer "
                                   "than one frame; it cannot become a point event.")
        out.append(_with(lab, color=s.color or lab.color, key=s.key, kind=s.kind, category=s.category,
                         modifiers=s.modifiers_json()))
    next_id = max((lab.id for lab in current), default=0) + 1
    for s in scheme.labels:
        if s.name.casefold() in wanted:
            out.append(LabelRecord(next_id, s.name, s.color or default_color(len(out)), s.key, 0, s.kind,
                                   s.category, s.modifiers_json()))
            next_id += 1
    final = [_with(lab, order=i) for i, lab in enumerate(out)]
    cats = {c.name.casefold(): c for c in store.categories()}
    for c in scheme.categories:
        cats[c.name.casefold()] = c
    return final, [Category(c.name, c.exclusive, i) for i, c in enumerate(cats.values())]


def _with(lab: LabelRecord, **changes) -> LabelRecord:
    from dataclasses import replace

    return replace(lab, **changes)


def apply_scheme_spec(store, spec):
    """Write the scheme ``spec`` names into a project just created (the label set is empty); returns the store.
    A scheme that cannot be read removes the new project again (nothing half-made stays behind)."""
    try:
        scheme = load_scheme(spec)
        labels, categories = merged_labels(store, scheme)
        with store.transaction():
            store.restore_categories(categories)
            store.restore_labels(labels)
    except BaseException:
        import shutil

        path, data = store.path, store.data_dir
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(data, ignore_errors=True)
        raise
    return store


def relabeled(row, label: LabelRecord, now: str):
    """``row`` given ``label`` (a relabel): a point label makes it its first frame; a modifier the new label does
    not offer is dropped; a relabeled accepted prediction becomes a user label."""
    end = row.start_frame + 1 if label.kind == "point" else row.end_frame
    values, free = label_modifiers(label)
    modifier = row.modifier if row.modifier and (free or row.modifier in values) else ""
    return row.with_(label_id=label.id, end_frame=end, modifier=modifier, source="user", modified=now)


def search_labels(labels: Sequence[LabelRecord], text: str) -> List[LabelRecord]:
    """The labels a picker shows for ``text``: every word must be in the name, the category or be the key (any
    case); a label whose key is the text comes first, then names starting with it, then the rest (set order)."""
    words = [w for w in str(text).casefold().split() if w]
    if not words:
        return list(labels)
    whole = " ".join(words)
    out = []
    for i, lab in enumerate(labels):
        name, category, key = lab.name.casefold(), (lab.category or "").casefold(), (lab.key or "").casefold()
        if all(w in name or w in category or w == key for w in words):
            rank = 0 if key == whole else 1 if name.startswith(whole) else 2
            out.append((rank, i, lab))
    return [lab for _r, _i, lab in sorted(out, key=lambda x: (x[0], x[1]))]


def relabel_diff(store, rows, label: LabelRecord, now: str):
    """The diff of giving ``rows`` the label ``label`` (:func:`relabeled`), with the new label's overlap rule: the
    segments of the lanes it now conflicts with lose the relabeled frames (each trimmed once, however many
    relabeled rows overlap it; its first remaining part keeps its id)."""
    ids = {r.id for r in rows}
    added = [relabeled(r, label, now) for r in rows]
    conflicts = overlap_filter(store, label.id)
    cuts: Dict[int, tuple] = {}
    for r in added:
        for n in store.lane_overlaps(r.video_id, r.person, r.start_frame, r.end_frame, exclude=tuple(ids),
                                     author=r.author or ""):
            if conflicts(n.label_id):
                cuts.setdefault(n.id, (n, []))[1].append((r.start_frame, r.end_frame))
    removed = list(rows)
    for n, ranges in cuts.values():
        removed.append(n)
        parts, at = [], n.start_frame
        for a, b in sorted(ranges):
            if a > at:
                parts.append((at, min(a, n.end_frame)))
            at = max(at, b)
        if at < n.end_frame:
            parts.append((at, n.end_frame))
        for k, (a, b) in enumerate(parts):
            added.append(n.with_(start_frame=a, end_frame=b, modified=now) if k == 0 else
                         n.with_(id=None, start_frame=a, end_frame=b, created=now, modified=now))
    return removed, added
