"""Label-set edits: add, rename, recolour, set key, reorder and delete (with relabel) as undoable edits.

Like the segment edits (:mod:`.edits`), each is an object with ``apply(store)`` / ``revert(store)``, each
one transaction, so :class:`~.history.History` undoes and redoes them with the segment edits.

The first apply runs the store's own label method (its checks and sentences: a name taken, a key in use,
a label in use without a relabel target) and records the label set before and after it, and for a delete
with relabel the segment rows before and after. Revert writes the "before" back and redo the "after", so
ids, names, colours, keys, order and every relabelled segment (its label and its ``modified`` time) come
back exactly. Both check first that the project is as the edit left it (else one sentence, nothing written).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from .edits import Edit
from .records import LabelRecord, ProjectError, SegmentRecord

Labels = List[LabelRecord]


class LabelEdit(Edit):
    """Base class: subclasses implement :meth:`perform` (the store's label method) and :meth:`description`."""

    _labels: Optional[Tuple[Labels, Labels]] = None  # the label set before and after the first apply

    def perform(self, store) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def touched_rows(self, store) -> List[SegmentRecord]:
        """Segment rows :meth:`perform` rewrites (read before it runs); none for most label edits."""
        return []

    _categories: Optional[tuple] = None  # the categories before and after the first apply

    def apply(self, store) -> None:
        with store.transaction():
            if self._labels is None:
                before, cats, rows = store.labels(), store.categories(), self.touched_rows(store)
                self.perform(store)
                labels, diff = (before, store.labels()), (rows, [store.segment(r.id) for r in rows])
                categories = (cats, store.categories())
            else:  # redo: the recorded "after", from exactly the recorded "before"
                labels, diff, categories = self._labels, self._diff, self._categories
                _expect(store, labels[0])
                store.write_diff(*diff)  # segments leave a deleted label before it goes
                store.restore_labels(labels[1])
                if categories[0] != categories[1]:
                    store.restore_categories(categories[1])
        self._labels, self._diff, self._categories = labels, diff, categories

    def revert(self, store) -> None:
        if self._labels is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        before, after = self._labels
        removed, added = self._diff
        with store.transaction():
            _expect(store, after)
            store.restore_labels(before)  # a deleted label comes back before its segments return to it
            store.write_diff(added, removed)
            if self._categories[0] != self._categories[1]:
                store.restore_categories(self._categories[0])


def _expect(store, labels: Labels) -> None:
    if store.labels() != list(labels):
        raise ProjectError("The label set changed since this edit was made; it cannot be applied or undone.")


def _name(store, label_id: int) -> str:
    try:
        return store.label(label_id).name
    except ProjectError:
        return str(label_id)


@dataclass
class AddLabel(LabelEdit):
    """Add a label at the end of the set (colour: the next default one when not given)."""

    name: str
    color: Optional[str] = None
    key: Optional[str] = None
    kind: str = "state"
    category: str = ""

    @property
    def description(self) -> str:
        return f"Add label '{str(self.name).strip()}'"

    @property
    def created_id(self) -> Optional[int]:
        """Id of the new label once applied."""
        if self._labels is None:
            return None
        before = {lab.id for lab in self._labels[0]}
        return next((lab.id for lab in self._labels[1] if lab.id not in before), None)

    def perform(self, store) -> None:
        store.add_label(self.name, color=self.color, key=self.key, kind=self.kind, category=self.category)


@dataclass
class RenameLabel(LabelEdit):
    label_id: int
    name: str

    @property
    def description(self) -> str:
        return f"Rename label to '{str(self.name).strip()}'"

    def perform(self, store) -> None:
        store.rename_label(self.label_id, self.name)


@dataclass
class RecolorLabel(LabelEdit):
    label_id: int
    color: str

    @property
    def description(self) -> str:
        return "Recolour label"

    def perform(self, store) -> None:
        store.recolor_label(self.label_id, self.color)


@dataclass
class SetLabelKey(LabelEdit):
    """Assign a shortcut key (None clears it); ``steal`` takes it from the label holding it (undo gives it back)."""

    label_id: int
    key: Optional[str]
    steal: bool = False

    @property
    def description(self) -> str:
        return f"Set label key {self.key}" if self.key else "Clear label key"

    def perform(self, store) -> None:
        store.set_label_key(self.label_id, self.key, steal=self.steal)


@dataclass
class ReorderLabels(LabelEdit):
    """Put the labels in the order ``ids`` (every label id exactly once)."""

    ids: Sequence[int]

    @property
    def description(self) -> str:
        return "Reorder labels"

    def perform(self, store) -> None:
        store.reorder_labels(list(self.ids))


@dataclass
class DeleteLabel(LabelEdit):
    """Delete a label; one in use needs ``relabel_to``, which takes its segments (undo gives them back)."""

    label_id: int
    relabel_to: Optional[int] = None
    _what: str = field(default="", init=False, repr=False, compare=False)  # its name, for the menu text

    @property
    def description(self) -> str:
        return f"Delete label '{self._what}'" if self._what else "Delete label"

    def touched_rows(self, store) -> List[SegmentRecord]:
        self._what = _name(store, self.label_id)
        return store.segments(label_id=self.label_id) if self.relabel_to is not None else []

    def perform(self, store) -> None:
        store.delete_label(self.label_id, relabel_to=self.relabel_to)


# --------------------------------------------------------------------------- the coding scheme
@dataclass
class SetLabelScheme(LabelEdit):
    """Change a label's kind ('state' | 'point'), category ('' = none; a new name creates it) and/or modifiers."""

    label_id: int
    kind: Optional[str] = None
    category: Optional[str] = None
    modifiers: Optional[Sequence[str]] = None
    free: Optional[bool] = None

    @property
    def description(self) -> str:
        if self.kind is not None:
            return "Make label a point event" if self.kind == "point" else "Make label a state event"
        return "Set label category" if self.category is not None else "Set label modifiers"

    def perform(self, store) -> None:
        store.set_label_scheme(self.label_id, kind=self.kind, category=self.category, modifiers=self.modifiers,
                               free=self.free)


@dataclass
class SetCategoryExclusive(LabelEdit):
    """Make a behaviour category exclusive (a person has at most one of its state labels at a time) or not."""

    name: str
    exclusive: bool

    @property
    def description(self) -> str:
        return f"Make category '{self.name}' {'exclusive' if self.exclusive else 'not exclusive'}"

    def perform(self, store) -> None:
        store.set_category_exclusive(self.name, self.exclusive)


@dataclass
class ApplyScheme(LabelEdit):
    """Merge a coding scheme (:class:`.scheme.Scheme`) into the label set: one undo step."""

    scheme: object
    source: str = ""

    @property
    def description(self) -> str:
        return f"Import scheme {self.source}".rstrip()

    def perform(self, store) -> None:
        from .scheme import merged_labels

        labels, categories = merged_labels(store, self.scheme)
        store.restore_categories(categories)
        store.restore_labels(labels)


@dataclass
class SetModifier(Edit):
    """Give segments a modifier ('' clears it); one their label does not offer is refused."""

    ids: Sequence[int]
    modifier: str

    @property
    def description(self) -> str:
        return f"Set modifier '{self.modifier}'" if self.modifier else "Clear modifier"

    def compute(self, store):
        from .records import now_iso
        from .scheme import check_modifier

        rows = [store.segment(i) for i in dict.fromkeys(self.ids)]
        if not rows:
            raise ProjectError("No segment is selected.")
        now, out = now_iso(), []
        for r in rows:
            out.append(r.with_(modifier=check_modifier(store.label(r.label_id), self.modifier), modified=now))
        changed = [(a, b) for a, b in zip(rows, out) if a.modifier != b.modifier]
        return [a for a, _ in changed], [b for _, b in changed]
