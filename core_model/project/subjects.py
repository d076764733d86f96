"""Named subjects of a project ("Anna", "patient 07") and the tracks of its videos assigned to them (no Qt).

A *subject* is a person followed across videos: a name (unique, case-insensitive), a colour (shown everywhere
the subject is: skeletons, person list, timeline, statistics) and an order. A track ``(video, person)`` of
any video is assigned to at most one subject (table ``track_subjects``, schema 3). Labels stay on tracks;
statistics, agreement and export can be grouped per subject through the assignments
(:mod:`core_model.review.subject_stats`).

:class:`SubjectTable` reads (each view one query: :meth:`SubjectTable.video_subjects` for a video's tracks,
:meth:`SubjectTable.assignments` for the whole project) and holds the write primitives the undoable edits
(:mod:`.subject_edits`) go through; each primitive joins the caller's transaction and announces a
``Change(kind="subjects")``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .labelsets import check_color
from .records import Change, ProjectError
from .session import StoreSession

SUBJECT_COLS = "id, name, color, note, ord"
MAX_NAME = 80
#: colours of new subjects, in turn (distinct from one another on the dark studio and on video)
SUBJECT_PALETTE = ("#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
                   "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3",
                   "#808000", "#ffd8b1", "#000075", "#a9a9a9")

Track = Tuple[int, int]  # (video id, person)


@dataclass(frozen=True)
class SubjectRecord:
    """A named subject of the project; ``color`` is ``#rrggbb``."""

    id: int
    name: str
    color: str
    note: str = ""
    order: int = 0


def subject_color(order: int) -> str:
    """The default colour of the ``order``-th subject."""
    return SUBJECT_PALETTE[int(order) % len(SUBJECT_PALETTE)]


def check_subject_name(name) -> str:
    """The name stripped; an empty, multi-line or overlong name is refused (one sentence)."""
    text = str(name if name is not None else "").strip()
    if not text:
        raise ProjectError("A subject needs a name.")
    if "\n" in text or "\r" in text or len(text) > MAX_NAME:
        raise ProjectError(f"'{text[:40]}' is not a subject name (one line of at most {MAX_NAME} characters).")
    return text


class SubjectTable:
    """Subjects and track assignments of one project (``session``)."""

    def __init__(self, session: StoreSession) -> None:
        self.session = session

    @property
    def _conn(self):
        return self.session.conn

    # ------------------------------------------------------------------ reads
    def subjects(self) -> List[SubjectRecord]:
        """Every subject, in order (one query)."""
        rows = self._conn.execute(f"SELECT {SUBJECT_COLS} FROM subjects ORDER BY ord, id").fetchall()
        return [SubjectRecord(*r) for r in rows]

    def subject(self, subject_id: int) -> SubjectRecord:
        row = self._conn.execute(f"SELECT {SUBJECT_COLS} FROM subjects WHERE id = ?", (int(subject_id),)).fetchone()
        if row is None:
            raise ProjectError(f"The project has no subject with id {subject_id}.")
        return SubjectRecord(*row)

    def subject_by_name(self, name: str) -> Optional[SubjectRecord]:
        """The subject called ``name`` (case-insensitive), or None."""
        row = self._conn.execute(f"SELECT {SUBJECT_COLS} FROM subjects WHERE name = ?",
                                 (str(name).strip(),)).fetchone()
        return SubjectRecord(*row) if row else None

    def find_subject(self, text) -> SubjectRecord:
        """The subject named ``text`` (or with that id); an unknown one is one sentence naming the subjects."""
        found = self.subject_by_name(str(text))
        if found is None and str(text).strip().isdigit():
            row = self._conn.execute(f"SELECT {SUBJECT_COLS} FROM subjects WHERE id = ?",
                                     (int(str(text).strip()),)).fetchone()
            found = SubjectRecord(*row) if row else None
        if found is None:
            names = [s.name for s in self.subjects()]
            known = (": " + ", ".join(names[:10]) + (" …" if len(names) > 10 else "")) if names else " (none yet)"
            raise ProjectError(f"The project has no subject named '{str(text).strip()}'; its subjects are{known}.")
        return found

    def subject_of_track(self, video_id: int, person: int) -> Optional[SubjectRecord]:
        """The subject track ``person`` of ``video_id`` is assigned to, or None."""
        row = self._conn.execute(
            f"SELECT {', '.join('s.' + c.strip() for c in SUBJECT_COLS.split(','))} FROM track_subjects t "
            "JOIN subjects s ON s.id = t.subject_id WHERE t.video_id = ? AND t.person = ?",
            (int(video_id), int(person))).fetchone()
        return SubjectRecord(*row) if row else None

    def video_subjects(self, video_id: int) -> Dict[int, SubjectRecord]:
        """``{person: subject}`` of every assigned track of one video (one query)."""
        cols = ", ".join("s." + c.strip() for c in SUBJECT_COLS.split(","))
        rows = self._conn.execute(f"SELECT t.person, {cols} FROM track_subjects t JOIN subjects s "
                                  "ON s.id = t.subject_id WHERE t.video_id = ?", (int(video_id),))
        return {int(r[0]): SubjectRecord(*r[1:]) for r in rows}

    def tracks_of_subject(self, subject_id: int) -> List[Track]:
        """``[(video id, person)]`` assigned to the subject across the project's videos (sorted)."""
        rows = self._conn.execute("SELECT video_id, person FROM track_subjects WHERE subject_id = ? "
                                  "ORDER BY video_id, person", (int(subject_id),))
        return [(int(v), int(p)) for v, p in rows]

    def assignments(self, video_ids: Optional[Sequence[int]] = None) -> Dict[Track, int]:
        """``{(video id, person): subject id}`` of the whole project (or of ``video_ids``), one query."""
        sql = "SELECT video_id, person, subject_id FROM track_subjects"
        if video_ids is not None:
            sql += f" WHERE video_id IN ({','.join(str(int(v)) for v in video_ids) or 'NULL'})"
        return {(int(v), int(p)): int(s) for v, p, s in self._conn.execute(sql)}

    def subject_track_counts(self) -> Dict[int, Tuple[int, int]]:
        """``{subject id: (tracks, videos)}`` of every subject with assignments (one query)."""
        rows = self._conn.execute("SELECT subject_id, count(*), count(DISTINCT video_id) FROM track_subjects "
                                  "GROUP BY subject_id")
        return {int(s): (int(n), int(v)) for s, n, v in rows}

    # ------------------------------------------------------------------ writes (each joins the caller's transaction)
    def _check_free_name(self, name: str, subject_id: Optional[int] = None) -> str:
        name = check_subject_name(name)
        other = self.subject_by_name(name)
        if other is not None and other.id != subject_id:
            raise ProjectError(f"The project already has a subject named '{other.name}'.")
        return name

    def _noted(self) -> None:
        self.session.note(Change(kind="subjects"))

    def add_subject(self, name: str, color: Optional[str] = None, note: str = "") -> SubjectRecord:
        """A new subject at the end of the list (colour: the next of :data:`SUBJECT_PALETTE` when not given)."""
        with self.session.transaction():
            name = self._check_free_name(name)
            order = self._conn.execute("SELECT coalesce(max(ord) + 1, 0) FROM subjects").fetchone()[0]
            color = check_color(color) if color else subject_color(order)
            cur = self._conn.execute("INSERT INTO subjects (name, color, note, ord) VALUES (?, ?, ?, ?)",
                                     (name, color, str(note or ""), order))
            self._noted()
        return self.subject(cur.lastrowid)

    def rename_subject(self, subject_id: int, name: str) -> SubjectRecord:
        self.subject(subject_id)
        with self.session.transaction():
            self._conn.execute("UPDATE subjects SET name = ? WHERE id = ?",
                               (self._check_free_name(name, subject_id), int(subject_id)))
            self._noted()
        return self.subject(subject_id)

    def recolor_subject(self, subject_id: int, color: str) -> SubjectRecord:
        self.subject(subject_id)
        with self.session.transaction():
            self._conn.execute("UPDATE subjects SET color = ? WHERE id = ?", (check_color(color), int(subject_id)))
            self._noted()
        return self.subject(subject_id)

    def delete_subject(self, subject_id: int) -> int:
        """Delete a subject and its track assignments (the tracks and their labels stay); returns how many."""
        self.subject(subject_id)
        with self.session.transaction():
            n = self._conn.execute("DELETE FROM track_subjects WHERE subject_id = ?", (int(subject_id),)).rowcount
            self._conn.execute("DELETE FROM subjects WHERE id = ?", (int(subject_id),))
            self._noted()
        return n

    def assign_track(self, video_id: int, person: int, subject_id: int) -> None:
        """Assign track ``person`` of ``video_id`` to the subject (replacing an earlier assignment)."""
        if not isinstance(person, int) or person < 0:
            raise ProjectError(f"'{person}' is not a track: only a tracked person can be a subject.")
        if self._conn.execute("SELECT 1 FROM videos WHERE id = ?", (int(video_id),)).fetchone() is None:
            raise ProjectError(f"The project has no video with id {video_id}.")
        subject = self.subject(subject_id)
        with self.session.transaction():
            self._conn.execute("INSERT INTO track_subjects (video_id, person, subject_id) VALUES (?, ?, ?) "
                               "ON CONFLICT(video_id, person) DO UPDATE SET subject_id = excluded.subject_id",
                               (int(video_id), int(person), subject.id))
            self._noted()

    def unassign_track(self, video_id: int, person: int) -> bool:
        """The track is nobody's any more; False when it was not assigned."""
        with self.session.transaction():
            n = self._conn.execute("DELETE FROM track_subjects WHERE video_id = ? AND person = ?",
                                   (int(video_id), int(person))).rowcount
            self._noted()
        return bool(n)

    def restore_subjects(self, subjects: Sequence[SubjectRecord], tracks: Dict[Track, Optional[int]]) -> None:
        """Make the subject list exactly ``subjects`` and the listed tracks' assignments exactly ``tracks`` (None:
        not assigned): the undo/redo of a subject edit (:mod:`.subject_edits`)."""
        keep = {s.id for s in subjects}
        with self.session.transaction():
            conn = self._conn
            # names are unique: free them first, so restoring the rows in any order cannot collide
            conn.executemany("UPDATE subjects SET name = char(1) || id WHERE id = ?", [(i,) for i in keep])
            conn.executemany("INSERT INTO subjects (id, name, color, note, ord) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT(id) DO UPDATE SET name = excluded.name, color = excluded.color, "
                             "note = excluded.note, ord = excluded.ord",
                             [(s.id, s.name, s.color, s.note, s.order) for s in subjects])
            for (video_id, person), subject_id in tracks.items():
                if subject_id is None:
                    conn.execute("DELETE FROM track_subjects WHERE video_id = ? AND person = ?", (video_id, person))
                else:
                    conn.execute("INSERT INTO track_subjects (video_id, person, subject_id) VALUES (?, ?, ?) "
                                 "ON CONFLICT(video_id, person) DO UPDATE SET subject_id = excluded.subject_id",
                                 (video_id, person, subject_id))
            for (sid,) in conn.execute("SELECT id FROM subjects").fetchall():
                if sid not in keep:
                    conn.execute("DELETE FROM track_subjects WHERE subject_id = ?", (sid,))
                    conn.execute("DELETE FROM subjects WHERE id = ?", (sid,))
            self._noted()


def segments_of_subjects(store, segments, names: Sequence[str]) -> list:
    """The ``segments`` on tracks assigned to the subjects ``names`` (each must exist: else one sentence)."""
    wanted = {store.find_subject(name).id for name in names}
    assigned = store.subject_assignments()
    kept = [s for s in segments if assigned.get((s.video_id, s.person)) in wanted]
    if not kept:
        listed = ", ".join(f"'{str(n).strip()}'" for n in names)
        raise ProjectError(f"No labeled segment on a track of {listed} among the chosen segments "
                           "(assign tracks to the subject first: epam subjects assign).")
    return kept
