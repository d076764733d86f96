"""What other tools' files bring beyond segments: the coding scheme and named subjects (BORIS, ELAN).

- :class:`SubjectPersons`: a subject / participant / tier named in the file -> a person (track) of a video. A
  project subject of that name with a track in the video is that track; another name becomes a new track of its
  own (numbered after the project's and the file's highest), and the import assigns it to the subject of that
  name (created when the project has none): one subject followed across videos.
- :func:`apply_wanted`: inside the import's transaction, the labels the file uses are created with their kind
  (state / point), category and modifiers, an existing label gains the modifiers the file uses, categories are
  created (exclusive where the file says so), and the tracks are assigned to their subjects.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from .common import _PERSON, NO_FOCAL, Parsed, Persons


class SubjectPersons(Persons):
    """``persons.of(video, name)`` -> the person a subject named in the file is in ``video`` (see the module)."""

    def __init__(self, store, parsed: Parsed) -> None:
        super().__init__(store, parsed)
        self.subjects = {s.name.casefold(): s for s in store.subjects()}
        self.tracks: Dict[Tuple[int, int], int] = {}  # (video id, subject id) -> the subject's first track there
        for (video_id, person), subject_id in sorted(store.subject_assignments().items()):
            self.tracks.setdefault((video_id, subject_id), person)
        self.new: Dict[Tuple[str, int], int] = {}  # (name, video id) -> placeholder
        self.names: Dict[int, str] = {}  # placeholder -> the subject's name as the file spells it
        self.known: Dict[Tuple[int, int], str] = {}  # (video id, person) of an existing track -> subject name

    def of(self, video, name) -> int:
        text = "" if name is None else str(name).strip()
        if text.casefold() in NO_FOCAL or (_PERSON.match(text) and int(_PERSON.match(text).group(1)) >= 0):
            return self(text)
        subject = self.subjects.get(text.casefold())
        if subject is not None and (video.id, subject.id) in self.tracks:
            return self.tracks[(video.id, subject.id)]
        key = (subject.name if subject is not None else text, video.id)
        if key not in self.new:
            self.new[key] = self._BASE - len(self.new)
            self.names[self.new[key]] = key[0]
        return self.new[key]

    def finish(self) -> None:
        super().finish()
        if not self.new:
            return
        final = {placeholder: self.top + 1 + i for i, placeholder in enumerate(self.new.values())}
        for _, r in self.parsed.rows:
            if r["person"] in final:
                r["person"] = final[r["person"]]
        for (name, video_id), placeholder in self.new.items():
            self.parsed.subjects.append((name, video_id, final[placeholder]))
            self.parsed.mapped.append(f"'{name}' is person {final[placeholder]} (subject '{name}').")


def apply_wanted(store, parsed: Parsed) -> List[str]:
    """Scheme and subjects of a parsed file into the project (inside the import's transaction); returns the
    labels created. Labels already in the project keep their kind and category; they gain modifiers only."""
    from ..project.scheme import label_modifiers

    created: List[str] = []
    known = {c.name.casefold() for c in store.categories()}
    for name, exclusive in parsed.categories.items():
        if name.casefold() not in known:
            categories = list(store.categories())
            from ..project.scheme import Category

            store.restore_categories(categories + [Category(name, bool(exclusive), len(categories))])
            known.add(name.casefold())
    for want in parsed.labels.values():
        lab = store.label_by_name(want.name)
        if lab is None:
            key = want.key if want.key and store.label_by_key(want.key) is None else None
            try:
                lab = store.add_label(want.name, want.color, key)
            except Exception:  # noqa: BLE001 - a colour of the other tool's that is not one of ours
                lab = store.add_label(want.name, None, key)
            store.set_label_scheme(lab.id, kind=want.kind, category=want.category or "", modifiers=want.modifiers)
            created.append(want.name)
            continue
        values, free = label_modifiers(lab)
        missing = [m for m in want.modifiers if m not in values]
        if missing and not free:
            store.set_label_scheme(lab.id, modifiers=values + missing)
    for name, video_id, person in parsed.subjects:
        subject = store.subject_by_name(name) or store.add_subject(name)
        store.assign_track(video_id, person, subject.id)
    return created
