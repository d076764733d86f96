"""Coders of a project: who codes which video, and blind coding (no Qt).

A *coder* is the name written as the ``author`` of the segments a person makes (set once per install:
``EPAM_CODER``, the studio's Settings, or the login name; see :func:`~.database.default_author`).

- Videos are assigned to coders in the table ``coder_videos (video_id, coder)`` (schema 3):
  :class:`CoderTable` (``store.assigned_coders()``, ``store.coder_videos(coder)``, ``store.assign_coder``,
  ``store.unassign_coder``) and the undoable edits :class:`AssignVideos` / :class:`UnassignVideos`.
- Blind coding hides exactly the *other* coders' segments: a segment is shown when its author is the coder
  (model predictions are not segments and stay). ``store.blind_coder`` (None = everything shown) is
  honoured by the range reads of the views (:mod:`.segment_window`) and the review reads
  (:mod:`core_model.review.project_review`) through :func:`blind_clause`; :func:`visible_segments` filters
  records already read.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .edits import Edit
from .records import Change, ProjectError

MAX_NAME = 80


def check_coder(name) -> str:
    """The coder name stripped; an empty or multi-line name is refused (one sentence)."""
    text = str(name or "").strip()
    if not text:
        raise ProjectError("A coder needs a name.")
    if "\n" in text or "\r" in text or len(text) > MAX_NAME:
        raise ProjectError(f"'{text[:40]}' is not a coder name (one line of at most {MAX_NAME} characters).")
    return text


# --------------------------------------------------------------------------- blind coding
def blind_coder(store_or_conn) -> Optional[str]:
    """The coder whose segments alone are shown (None: not blind)."""
    return getattr(store_or_conn, "blind_coder", None) or None


def blind_clause(store_or_conn, column: str = "author") -> Tuple[str, tuple]:
    """``(" AND IFNULL(author, '') = ?", (coder,))`` in blind mode, ``("", ())`` otherwise."""
    coder = blind_coder(store_or_conn)
    if coder is None:
        return "", ()
    return f" AND IFNULL({column}, '') = ?", (coder,)


def is_visible(segment, coder: Optional[str]) -> bool:
    """A segment is shown in blind mode for ``coder`` when it is the coder's own (None: always)."""
    return coder is None or (getattr(segment, "author", None) or "") == coder


def visible_segments(segments: Iterable, coder: Optional[str]) -> list:
    """The segments ``coder`` sees in blind mode (all when ``coder`` is None)."""
    return [s for s in segments if is_visible(s, coder)]


# --------------------------------------------------------------------------- the table
class CoderTable:
    """``coder_videos``: which coder codes which video."""

    def __init__(self, session) -> None:
        self._session = session

    def assigned_coders(self, video_id: Optional[int] = None) -> Dict[int, List[str]]:
        """``{video id: [coders, sorted]}`` of every video with coders (of ``video_id`` only when given)."""
        sql = "SELECT video_id, coder FROM coder_videos"
        params: tuple = ()
        if video_id is not None:
            sql, params = sql + " WHERE video_id = ?", (int(video_id),)
        out: Dict[int, List[str]] = {}
        for vid, coder in self._session.conn.execute(sql + " ORDER BY video_id, coder COLLATE NOCASE", params):
            out.setdefault(int(vid), []).append(coder)
        return out

    def coder_videos(self, coder: str) -> List[int]:
        """Ids of the videos assigned to ``coder`` (sorted)."""
        rows = self._session.conn.execute("SELECT video_id FROM coder_videos WHERE coder = ? ORDER BY video_id",
                                          (coder,))
        return [int(r[0]) for r in rows]

    def coders(self) -> List[str]:
        """Every coder with an assigned video (sorted)."""
        rows = self._session.conn.execute("SELECT DISTINCT coder FROM coder_videos")
        return sorted((r[0] for r in rows), key=str.lower)

    def assign_coder(self, video_ids: Sequence[int], coder: str) -> List[int]:
        """Assign videos to ``coder`` (one transaction); returns the ids that were not assigned before."""
        return self._write(video_ids, coder, add=True)

    def unassign_coder(self, video_ids: Sequence[int], coder: str) -> List[int]:
        """Take videos from ``coder`` (one transaction); returns the ids that were assigned."""
        return self._write(video_ids, coder, add=False)

    def _write(self, video_ids: Sequence[int], coder: str, *, add: bool) -> List[int]:
        coder = check_coder(coder)
        conn = self._session.conn
        known = {int(r[0]) for r in conn.execute("SELECT id FROM videos")}
        missing = [int(v) for v in video_ids if int(v) not in known]
        if missing:
            raise ProjectError(f"The project has no video with id {missing[0]}.")
        changed = []
        with self._session.transaction():
            for vid in dict.fromkeys(int(v) for v in video_ids):
                has = conn.execute("SELECT 1 FROM coder_videos WHERE video_id = ? AND coder = ?",
                                   (vid, coder)).fetchone() is not None
                if add and not has:
                    conn.execute("INSERT INTO coder_videos (video_id, coder) VALUES (?, ?)", (vid, coder))
                elif not add and has:
                    conn.execute("DELETE FROM coder_videos WHERE video_id = ? AND coder = ?", (vid, coder))
                else:
                    continue
                changed.append(vid)
                self._session.note(Change(video_id=vid, kind="coders"))
        return changed


# --------------------------------------------------------------------------- undoable edits
class _CoderEdit(Edit):
    """Assign or take videos from a coder; revert does the opposite for exactly the rows it changed."""

    add = True

    def __init__(self, video_ids: Sequence[int], coder: str) -> None:
        self.video_ids = [int(v) for v in video_ids]
        self.coder = check_coder(coder)
        self.changed: Optional[List[int]] = None

    @property
    def video_id(self) -> Optional[int]:  # the one video an undo shows first (app.labeling.undo.edit_videos)
        return self.video_ids[0] if len(self.video_ids) == 1 else None

    def _do(self, store, add: bool, ids) -> List[int]:
        return store.assign_coder(ids, self.coder) if add else store.unassign_coder(ids, self.coder)

    def apply(self, store) -> None:
        changed = self._do(store, self.add, self.changed if self.changed is not None else self.video_ids)
        if self.changed is None:
            self.changed = changed

    def revert(self, store) -> None:
        if self.changed is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        self._do(store, not self.add, self.changed)

    @property
    def description(self) -> str:
        n = len(self.video_ids)
        what = "1 video" if n == 1 else f"{n} videos"
        return f"Assign {what} to {self.coder}" if self.add else f"Take {what} from {self.coder}"


class AssignVideos(_CoderEdit):
    """Assign ``video_ids`` to ``coder`` (one undo step)."""

    add = True


class UnassignVideos(_CoderEdit):
    """Take ``video_ids`` from ``coder`` (one undo step)."""

    add = False
