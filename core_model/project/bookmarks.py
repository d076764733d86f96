"""Bookmarks: a frame of a video with a comment (table ``bookmarks``, schema 3; no Qt).

:class:`BookmarkTable` holds the reads and the one write primitive (``store.bookmarks()``,
``store.bookmark(id)``, ``store.write_bookmarks(removed, added)``); the user changes them through the undoable
edits :class:`AddBookmark`, :class:`EditBookmark` and :class:`DeleteBookmarks`, which, like the segment
edits, record the rows they remove exactly as read and the rows they add, so undo and redo give back the
same ids, frames, comments and times.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Sequence, Tuple

from .edits import Edit
from .records import Change, ProjectError, now_iso

MAX_COMMENT = 2000
COLS = "id, video_id, frame, comment, author, created"


@dataclass(frozen=True)
class BookmarkRecord:
    id: Optional[int]
    video_id: int
    frame: int
    comment: str
    author: Optional[str]
    created: str

    def with_(self, **fields) -> "BookmarkRecord":
        return replace(self, **fields)


def _check_comment(text) -> str:
    text = str(text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ProjectError(f"A bookmark's comment holds at most {MAX_COMMENT} characters (this one has {len(text)}).")
    return text


class BookmarkTable:
    """The ``bookmarks`` table."""

    def __init__(self, session, videos) -> None:
        self._session = session
        self._videos = videos

    def bookmarks(self, video_id: Optional[int] = None) -> List[BookmarkRecord]:
        """Bookmarks sorted by (video, frame, id), of ``video_id`` only when given."""
        sql, params = f"SELECT {COLS} FROM bookmarks", ()
        if video_id is not None:
            sql, params = sql + " WHERE video_id = ?", (int(video_id),)
        rows = self._session.conn.execute(sql + " ORDER BY video_id, frame, id", params)
        return [BookmarkRecord(*r) for r in rows]

    def bookmark(self, bookmark_id: int) -> BookmarkRecord:
        row = self._session.conn.execute(f"SELECT {COLS} FROM bookmarks WHERE id = ?", (int(bookmark_id),)).fetchone()
        if row is None:
            raise ProjectError(f"The project has no bookmark {bookmark_id}.")
        return BookmarkRecord(*row)

    def write_bookmarks(self, removed: Sequence[BookmarkRecord], added: Sequence[BookmarkRecord]
                        ) -> List[BookmarkRecord]:
        """Replace the rows ``removed`` (checked unchanged) by ``added`` in one transaction; rows of ``added``
        with ``id=None`` get new ids (the returned list carries them)."""
        conn = self._session.conn
        out = []
        with self._session.transaction():
            for rec in removed:
                if self.bookmark(rec.id) != rec:
                    raise ProjectError("The bookmark changed since this edit was made; it cannot be applied or "
                                       "undone.")
                conn.execute("DELETE FROM bookmarks WHERE id = ?", (rec.id,))
                self._session.note(Change(video_id=rec.video_id, kind="bookmarks"))
            for rec in added:
                video = self._videos.video(rec.video_id)
                if not 0 <= rec.frame < max(video.frame_count, 1):
                    raise ProjectError(f"Frame {rec.frame} is not inside the {video.frame_count} frames of "
                                       f"{video.name}.")
                cur = conn.execute("INSERT INTO bookmarks (id, video_id, frame, comment, author, created) "
                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                   (rec.id, rec.video_id, int(rec.frame), rec.comment, rec.author, rec.created))
                out.append(rec if rec.id is not None else rec.with_(id=cur.lastrowid))
                self._session.note(Change(video_id=rec.video_id, kind="bookmarks"))
        return out


class _BookmarkEdit(Edit):
    """Computes ``(removed, added)`` bookmark rows on the first apply; apply/revert/redo replay them."""

    _rows: Optional[Tuple[List[BookmarkRecord], List[BookmarkRecord]]] = None

    def compute_rows(self, store) -> Tuple[List[BookmarkRecord], List[BookmarkRecord]]:  # pragma: no cover
        raise NotImplementedError

    def apply(self, store) -> None:
        with store.transaction():
            removed, added = self.compute_rows(store) if self._rows is None else self._rows
            added = store.write_bookmarks(removed, added)
        self._rows = (list(removed), added)

    def revert(self, store) -> None:
        if self._rows is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        removed, added = self._rows
        store.write_bookmarks(added, removed)

    @property
    def rows(self) -> List[BookmarkRecord]:
        """The bookmark rows the last apply wrote (with their ids)."""
        return list(self._rows[1]) if self._rows else []


class AddBookmark(_BookmarkEdit):
    """A bookmark at ``frame`` of ``video_id`` with ``comment`` (``.created_id`` once applied)."""

    def __init__(self, video_id: int, frame: int, comment: str = "", author: Optional[str] = None) -> None:
        self.video_id, self.frame, self.author = int(video_id), int(frame), author
        self.comment = _check_comment(comment)

    def compute_rows(self, store):
        return [], [BookmarkRecord(None, self.video_id, self.frame, self.comment, self.author or store.author,
                                   now_iso())]

    @property
    def created_id(self) -> Optional[int]:
        return self.rows[0].id if self.rows else None

    @property
    def description(self) -> str:
        return "Add bookmark"


class EditBookmark(_BookmarkEdit):
    """Change a bookmark's comment and/or frame (None: kept)."""

    def __init__(self, bookmark_id: int, comment: Optional[str] = None, frame: Optional[int] = None) -> None:
        self.bookmark_id = int(bookmark_id)
        self.comment = None if comment is None else _check_comment(comment)
        self.frame = None if frame is None else int(frame)

    def compute_rows(self, store):
        old = store.bookmark(self.bookmark_id)
        new = old.with_(comment=old.comment if self.comment is None else self.comment,
                        frame=old.frame if self.frame is None else self.frame)
        self.video_id = old.video_id
        return [old], [new]

    @property
    def description(self) -> str:
        return "Edit bookmark"


class DeleteBookmarks(_BookmarkEdit):
    """Delete bookmarks (one undo step)."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.ids = [int(i) for i in ids]

    def compute_rows(self, store):
        if not self.ids:
            raise ProjectError("No bookmark to delete.")
        old = [store.bookmark(i) for i in dict.fromkeys(self.ids)]
        vids = {b.video_id for b in old}
        if len(vids) == 1:
            self.video_id = vids.pop()
        return old, []

    @property
    def description(self) -> str:
        return "Delete bookmark" if len(self.ids) == 1 else f"Delete {len(self.ids)} bookmarks"
