"""The project's label set: reading, adding, renaming, recolouring, keys, order, deleting."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from .labelsets import check_color, check_key, default_color
from .records import Change, LabelRecord, ProjectError, now_iso
from .scheme import KINDS, Category, label_modifiers, modifiers_text
from .session import StoreSession

LABEL_COLS = "id, name, color, key, ord, kind, category, modifiers"


class LabelTable:
    """Labels of one project (``session``)."""

    def __init__(self, session: StoreSession) -> None:
        self.session = session

    def _one(self, where: str, params: tuple) -> Optional[LabelRecord]:
        row = self.session.conn.execute(f"SELECT {LABEL_COLS} FROM labels WHERE {where}", params).fetchone()
        return LabelRecord(*row) if row else None

    def labels(self) -> List[LabelRecord]:
        rows = self.session.conn.execute(f"SELECT {LABEL_COLS} FROM labels ORDER BY ord, id").fetchall()
        return [LabelRecord(*r) for r in rows]

    def label(self, label_id: int) -> LabelRecord:
        rec = self._one("id = ?", (label_id,))
        if rec is None:
            raise ProjectError(f"The project has no label with id {label_id}.")
        return rec

    def label_by_name(self, name: str) -> Optional[LabelRecord]:
        return self._one("name = ?", (name,)) or self._one("lower(name) = lower(?)", (name,))

    def label_by_key(self, key: str) -> Optional[LabelRecord]:
        return self._one("key = ?", (key,))

    def _check_name(self, name: str, label_id: Optional[int] = None) -> str:
        name = str(name).strip()
        if not name:
            raise ProjectError("A label name cannot be empty.")
        other = self.label_by_name(name)
        if other is not None and other.id != label_id:
            raise ProjectError(f"The label set already has a label named '{other.name}'.")
        return name

    def _check_free_key(self, key: Optional[str], label_id: Optional[int], steal: bool) -> Optional[str]:
        key = check_key(key)
        if key is not None:
            other = self.label_by_key(key)
            if other is not None and other.id != label_id:
                if not steal:
                    raise ProjectError(f"The key '{key}' is already assigned to the label '{other.name}'.")
                self.session.conn.execute("UPDATE labels SET key = NULL WHERE id = ?", (other.id,))
        return key

    def _update(self, label_id: int, column: str, value) -> None:
        self.session.conn.execute(f"UPDATE labels SET {column} = ? WHERE id = ?", (value, label_id))
        self.session.note(Change(kind="labels"))

    def add_label(self, name: str, color: Optional[str] = None, key: Optional[str] = None, *, kind: str = "state",
                  category: str = "", modifiers: Sequence[str] = (), free: bool = False) -> LabelRecord:
        conn = self.session.conn
        with self.session.transaction():
            name = self._check_name(name)
            order = conn.execute("SELECT coalesce(max(ord) + 1, 0) FROM labels").fetchone()[0]
            color = check_color(color) if color else default_color(order)
            key = self._check_free_key(key, None, steal=False)
            cur = conn.execute("INSERT INTO labels (name, color, key, ord) VALUES (?, ?, ?, ?)",
                               (name, color, key, order))
            self.session.note(Change(kind="labels"))
            if kind != "state" or category or modifiers or free:
                self.set_label_scheme(cur.lastrowid, kind=kind, category=category, modifiers=modifiers, free=free)
        return self.label(cur.lastrowid)

    def rename_label(self, label_id: int, name: str) -> LabelRecord:
        self.label(label_id)
        with self.session.transaction():
            self._update(label_id, "name", self._check_name(name, label_id))
        return self.label(label_id)

    def recolor_label(self, label_id: int, color: str) -> LabelRecord:
        self.label(label_id)
        with self.session.transaction():
            self._update(label_id, "color", check_color(color))
        return self.label(label_id)

    def set_label_key(self, label_id: int, key: Optional[str], *, steal: bool = False) -> LabelRecord:
        """Assign a shortcut key (None clears it); a key held by another label is refused unless ``steal``."""
        self.label(label_id)
        with self.session.transaction():
            self._update(label_id, "key", self._check_free_key(key, label_id, steal))
        return self.label(label_id)

    def reorder_labels(self, ids: Sequence[int]) -> None:
        """Put the labels in the order ``ids`` (every label id exactly once)."""
        current = {lab.id for lab in self.labels()}
        if sorted(ids) != sorted(current) or len(set(ids)) != len(ids):
            raise ProjectError("The new label order must list every label exactly once.")
        with self.session.transaction():
            self.session.conn.executemany("UPDATE labels SET ord = ? WHERE id = ?",
                                          [(i, lid) for i, lid in enumerate(ids)])
            self.session.note(Change(kind="labels"))

    def restore_labels(self, labels: Sequence[LabelRecord]) -> None:
        """Make the label set exactly ``labels`` (ids, names, colours, keys, order): the undo/redo of a label
        edit (:mod:`.label_edits`). A label to remove that segments use is refused."""
        conn, keep = self.session.conn, {lab.id for lab in labels}
        with self.session.transaction():
            for lab in self.labels():
                if lab.id not in keep:
                    if self.label_usage(lab.id):
                        raise ProjectError(f"The label '{lab.name}' is used by segments; it cannot be removed.")
                    conn.execute("DELETE FROM labels WHERE id = ?", (lab.id,))
            # names and keys are unique: free them first, so restoring the rows in any order cannot collide
            conn.executemany("UPDATE labels SET name = char(1) || id, key = NULL WHERE id = ?", [(i,) for i in keep])
            conn.executemany("INSERT INTO labels (id, name, color, key, ord, kind, category, modifiers) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                             "color = excluded.color, key = excluded.key, ord = excluded.ord, kind = excluded.kind, "
                             "category = excluded.category, modifiers = excluded.modifiers",
                             [(x.id, x.name, x.color, x.key, x.order, x.kind, x.category, x.modifiers)
                              for x in labels])
            self.session.note(Change(kind="labels"))

    # ---- the coding scheme: categories, kinds, modifiers (core_model.project.scheme) ----------------
    def categories(self) -> List[Category]:
        rows = self.session.conn.execute("SELECT name, exclusive, ord FROM categories ORDER BY ord, name")
        return [Category(name, bool(exclusive), order) for name, exclusive, order in rows]

    def restore_categories(self, categories: Sequence[Category]) -> None:
        """Make the categories exactly ``categories`` (the scheme edits and their undo)."""
        with self.session.transaction():
            self.session.conn.execute("DELETE FROM categories")
            self.session.conn.executemany("INSERT INTO categories (name, exclusive, ord) VALUES (?, ?, ?)",
                                          [(c.name, int(bool(c.exclusive)), i) for i, c in enumerate(categories)])
            self.session.note(Change(kind="labels"))

    def set_label_scheme(self, label_id: int, *, kind: Optional[str] = None, category: Optional[str] = None,
                         modifiers: Optional[Sequence[str]] = None, free: Optional[bool] = None) -> LabelRecord:
        """Change a label's kind ('state' | 'point'), category (created when new; '' = none) and/or modifiers
        (values, free text allowed). A label whose segments are longer than one frame cannot become a point."""
        lab = self.label(label_id)
        conn = self.session.conn
        with self.session.transaction():
            if kind is not None and kind != lab.kind:
                if kind not in KINDS:
                    raise ProjectError(f"'{kind}' is not a kind of label (state or point).")
                long = conn.execute("SELECT count(*) FROM segments WHERE label_id = ? AND end_frame - start_frame > 1",
                                    (label_id,)).fetchone()[0]
                if kind == "point" and long:
                    raise ProjectError(f"The label '{lab.name}' has {long} segment{'s' if long != 1 else ''} longer "
                                       "than one frame; it cannot become a point event.")
                self._update(label_id, "kind", kind)
            if category is not None:
                category = str(category).strip()
                known = {c.name.casefold(): c.name for c in self.categories()}
                if category and category.casefold() not in known:
                    conn.execute("INSERT INTO categories (name, exclusive, ord) VALUES (?, 0, "
                                 "(SELECT coalesce(max(ord) + 1, 0) FROM categories))", (category,))
                self._update(label_id, "category", known.get(category.casefold(), category))
            if modifiers is not None or free is not None:
                values, was_free = label_modifiers(lab)
                self._update(label_id, "modifiers", modifiers_text(values if modifiers is None else modifiers,
                                                                   was_free if free is None else free))
        return self.label(label_id)

    def set_category_exclusive(self, name: str, exclusive: bool) -> None:
        with self.session.transaction():
            if not self.session.conn.execute("UPDATE categories SET exclusive = ? WHERE name = ?",
                                             (int(bool(exclusive)), name)).rowcount:
                raise ProjectError(f"The project has no category '{name}'.")
            self.session.note(Change(kind="labels"))

    def label_usage(self, label_id: int) -> int:
        """How many segments use the label."""
        return self.session.conn.execute("SELECT count(*) FROM segments WHERE label_id = ?",
                                         (label_id,)).fetchone()[0]

    def label_usages(self) -> Dict[int, int]:
        """``{label id: segment count}`` of every label in use, in one query (the coder's own in blind coding)."""
        from .coders import blind_clause

        blind, coder = blind_clause(self.session)
        return dict(self.session.conn.execute(f"SELECT label_id, count(*) FROM segments WHERE 1{blind} "
                                              "GROUP BY label_id", coder))

    def delete_label(self, label_id: int, relabel_to: Optional[int] = None) -> int:
        """Delete a label; one in use is refused (with the count) unless ``relabel_to`` takes its segments.

        Returns the number of segments relabeled. The app deletes through :class:`.label_edits.DeleteLabel`
        (one undo step that gives the label and its segments back).
        """
        lab = self.label(label_id)
        conn = self.session.conn
        with self.session.transaction():
            n = self.label_usage(label_id)
            if n and relabel_to is None:
                raise ProjectError(f"The label '{lab.name}' is used by {n} segment{'s' if n != 1 else ''}; "
                                   "relabel them to another label to delete it.")
            if n:
                if relabel_to == label_id:
                    raise ProjectError("A label cannot be relabeled to itself.")
                self.label(relabel_to)
                lanes = conn.execute("SELECT DISTINCT video_id, person FROM segments WHERE label_id = ?",
                                     (label_id,)).fetchall()
                conn.execute("UPDATE segments SET label_id = ?, modified = ? WHERE label_id = ?",
                             (relabel_to, now_iso(), label_id))
                for video_id, person in lanes:
                    self.session.note(Change(video_id=video_id, person=person))
            conn.execute("DELETE FROM labels WHERE id = ?", (label_id,))
            self.session.note(Change(kind="labels"))
        return n
