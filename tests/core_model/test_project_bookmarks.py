"""Bookmarks: a frame and a comment, added, edited and deleted as undo steps that come back exactly."""
from __future__ import annotations

import pytest

from core_model.project import History, ProjectError
from core_model.project.bookmarks import AddBookmark, DeleteBookmarks, EditBookmark

from .project_helpers import new_project


@pytest.fixture
def store(tmp_path):
    s = new_project(tmp_path)
    yield s
    s.close()


def _rows(store):
    return store.conn.execute("SELECT * FROM bookmarks ORDER BY id").fetchall()


def test_add_edit_delete_undo_redo(store):
    history = History(store)
    first = history.do(AddBookmark(1, 120, "hand up?"))
    history.do(AddBookmark(1, 40, ""))
    history.do(AddBookmark(2, 5, "start"))
    assert [(b.video_id, b.frame, b.comment, b.author) for b in store.bookmarks(1)] == \
        [(1, 40, "", "tester"), (1, 120, "hand up?", "tester")]
    after_adds = _rows(store)
    history.do(EditBookmark(first.created_id, comment="hand up (Anna)", frame=125))
    assert store.bookmark(first.created_id).comment == "hand up (Anna)"
    assert store.bookmark(first.created_id).frame == 125
    edited = _rows(store)
    history.do(DeleteBookmarks([first.created_id, first.created_id + 2]))
    assert [b.frame for b in store.bookmarks()] == [40]
    history.undo()
    assert _rows(store) == edited
    history.undo()
    assert _rows(store) == after_adds
    history.redo()
    history.redo()
    assert [b.frame for b in store.bookmarks()] == [40]
    for _ in range(5):
        history.undo()
    assert _rows(store) == []
    for _ in range(5):
        history.redo()
    assert [b.id for b in store.bookmarks()] == [first.created_id + 1]


def test_bad_bookmarks_refused(store):
    history = History(store)
    with pytest.raises(ProjectError, match="not inside the 1000 frames"):
        history.do(AddBookmark(1, 1000, "past the end"))
    with pytest.raises(ProjectError, match="at most 2000 characters"):
        AddBookmark(1, 0, "x" * 2001)
    with pytest.raises(ProjectError, match="no bookmark 7"):
        history.do(EditBookmark(7, comment="?"))
    assert _rows(store) == [] and not history.can_undo
